//! Links lit by the bytes that crossed them: each direction of a link stays lit for a moment
//! after its last bytes, then goes dark (and the page need not wake for it again).

use crate::net::HostId;

/// How long a link stays lit after bytes crossed it (real ms).
pub const LIT_MS: f64 = 800.0;

/// Bytes that crossed a link recently, for the animation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activity {
    pub client: HostId,
    pub server: HostId,
    /// Bytes went from the client to the server.
    pub to_server: bool,
    /// Real ms until which it stays lit.
    pub until: f64,
}

/// Lights the links bytes crossed (`(client, server, to_server)`) at real time `now`; drops
/// the ones dark by then. Returns whether anything changed.
pub fn light(
    lit: &mut Vec<Activity>,
    crossed: impl IntoIterator<Item = (HostId, HostId, bool)>,
    now: f64,
) -> bool {
    let before = lit.len();
    lit.retain(|a| a.until > now);
    let mut changed = lit.len() != before;
    for (client, server, to_server) in crossed {
        changed = true;
        let until = now + LIT_MS;
        match lit
            .iter_mut()
            .find(|a| a.client == client && a.server == server && a.to_server == to_server)
        {
            Some(a) => a.until = until,
            None => lit.push(Activity {
                client,
                server,
                to_server,
                until,
            }),
        }
    }
    changed
}

/// When (real ms) the next lit link goes dark.
pub fn next_dark(lit: &[Activity]) -> Option<f64> {
    lit.iter().map(|a| a.until).reduce(f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_stays_lit_for_a_moment_then_goes_dark() {
        let mut lit = Vec::new();
        assert!(light(&mut lit, [(HostId(0), HostId(1), true)], 100.0));
        assert_eq!(next_dark(&lit), Some(100.0 + LIT_MS));
        assert!(!light(&mut lit, [], 500.0), "still lit: nothing changed");
        assert!(light(&mut lit, [], 100.0 + LIT_MS), "dark now");
        assert!(lit.is_empty());
        assert_eq!(next_dark(&lit), None);
    }

    #[test]
    fn new_bytes_keep_a_link_lit_longer_and_directions_are_apart() {
        let mut lit = Vec::new();
        light(&mut lit, [(HostId(0), HostId(1), true)], 0.0);
        light(
            &mut lit,
            [(HostId(0), HostId(1), true), (HostId(0), HostId(1), false)],
            500.0,
        );
        assert_eq!(lit.len(), 2);
        assert_eq!(next_dark(&lit), Some(500.0 + LIT_MS));
    }
}
