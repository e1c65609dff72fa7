//! What a person types to open a terminal (`mx.corp.example 25`, `host:port`, `telnet host
//! port`).

/// Parses `host port`, `host:port` or `telnet host port` into the host and the port.
pub fn parse_target(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    let s = s.strip_prefix("telnet ").unwrap_or(s).trim();
    let (host, port) = match s.rsplit_once(|c: char| c == ':' || c.is_whitespace()) {
        Some((h, p)) => (h.trim(), p.trim()),
        None => return Err("type a host and a port, e.g. mx.corp.example 25".into()),
    };
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{port:?} is not a port number (1-65535)"))?;
    if port == 0 {
        return Err("port 0 is not a port".into());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_and_a_port_in_any_of_the_usual_spellings() {
        let want = Ok(("mx.corp.example".to_string(), 25));
        assert_eq!(parse_target("mx.corp.example 25"), want);
        assert_eq!(parse_target("  mx.corp.example:25 "), want);
        assert_eq!(parse_target("telnet mx.corp.example 25"), want);
        assert_eq!(parse_target("telnet  mx.corp.example   25"), want);
    }

    #[test]
    fn what_is_wrong_with_a_target_is_said() {
        assert!(parse_target("mx.corp.example")
            .unwrap_err()
            .contains("host and a port"));
        assert_eq!(parse_target(":25").unwrap_err(), "the host is missing");
        assert!(parse_target("mx.corp.example smtp")
            .unwrap_err()
            .contains("not a port number"));
        assert!(parse_target("mx.corp.example 70000")
            .unwrap_err()
            .contains("not a port number"));
        assert_eq!(
            parse_target("mx.corp.example 0").unwrap_err(),
            "port 0 is not a port"
        );
    }
}
