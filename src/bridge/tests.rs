use super::*;

#[test]
fn extra_users_get_a_local_domain_with_an_mx() {
    let mut world = default_world(1).0;
    add_user(&mut world, "mx.corp.example", "carol@example.org", "c").unwrap();
    add_user(&mut world, "mx.corp.example", "boss@corp.example", "new").unwrap();
    assert_eq!(
        world.store.domain_host("example.org"),
        Some("mx.corp.example")
    );
    assert_eq!(
        world.net.dns.mail_exchangers("example.org"),
        vec!["mx.corp.example"]
    );
    assert!(world
        .store
        .authenticate("carol@example.org", "c", "mx.corp.example")
        .is_some());
    assert!(world
        .store
        .authenticate("boss@corp.example", "new", "mx.corp.example")
        .is_some());
}

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
