//! A terminal's state, typed: where its connection is and the server session's protocol
//! state (the last one stays after the link ends), and the badge that says both.

use crate::proto::ProtocolState;

/// Where the terminal's connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not tried yet.
    Opening,
    NotConnected,
    Connected,
    Closed,
    Reset,
}

/// The link and the server session's protocol state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermState {
    pub link: Link,
    pub proto: Option<ProtocolState>,
    /// Typing goes through TLS (the handshake finished), like `openssl s_client`.
    pub secured: bool,
}

impl TermState {
    /// The badge: "POP3 Update (closed)" after "POP3 Update"; plain "closed" when no protocol
    /// state was seen.
    pub fn label(self) -> String {
        let how = match self.link {
            Link::Opening => return String::new(),
            Link::NotConnected => return "not connected".into(),
            Link::Connected => None,
            Link::Closed => Some("closed"),
            Link::Reset => Some("reset"),
        };
        let label = match (self.proto, how) {
            (None, None) => "connected".into(),
            (Some(p), None) => p.label().to_string(),
            (None, Some(how)) => how.into(),
            (Some(p), Some(how)) => format!("{} ({how})", p.label()),
        };
        match self.secured {
            true => format!("🔒 TLS · {label}"),
            false => label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_badge_says_the_link_and_keeps_the_last_protocol_state() {
        let state = |link, proto| {
            TermState {
                link,
                proto,
                secured: false,
            }
            .label()
        };
        let p = ProtocolState::Pop3(crate::proto::pop3::Pop3State::Update);
        assert_eq!(state(Link::Opening, None), "");
        assert_eq!(state(Link::NotConnected, None), "not connected");
        assert_eq!(state(Link::Connected, None), "connected");
        assert_eq!(state(Link::Connected, Some(p)), p.label());
        assert_eq!(state(Link::Closed, None), "closed");
        assert_eq!(
            state(Link::Reset, Some(p)),
            format!("{} (reset)", p.label())
        );
        let secured = TermState {
            link: Link::Connected,
            proto: Some(p),
            secured: true,
        };
        assert_eq!(secured.label(), format!("🔒 TLS · {}", p.label()));
    }
}
