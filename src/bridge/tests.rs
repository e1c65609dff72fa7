use super::*;

#[test]
fn listen_lines_name_the_virtual_services() {
    // Binding the well-known ports needs privileges, so only the lines' shape is checked here
    // (the integration test binds real ports).
    let info = ListenerInfo {
        service: "pop3",
        virtual_host: "mx.corp.example".into(),
        virtual_port: 110,
        addr: "127.0.0.1:3110".parse().unwrap(),
    };
    assert_eq!(
        info.listen_line(),
        "LISTEN pop3 mx.corp.example 127.0.0.1:3110"
    );
}
