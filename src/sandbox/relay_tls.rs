//! TLS under the relay's SMTP client (issue 26): each sending host's policy
//! ([`RelayTlsPolicy`]: opportunistic STARTTLS by default, RFC 7435; destinations that require
//! verified TLS, the effect of MTA-STS, RFC 8461 §5), starting the client's TLS layer when the
//! next hop says 220 to STARTTLS, and what a failed handshake leads to: a new connection in
//! clear, or a deferral. Every hop's TLS is logged as a typed [`WorldEvent::RelayTls`].
//!
//! TLS protects a hop, not the message: each hop decrypts, and the next host's queue and
//! mailboxes hold the message in clear.

use super::{World, WorldEvent};
use crate::net::{ConnId, Side};
use crate::relay::{HopPlan, HopTls, OnTlsFailure, RelayTlsPolicy};
use crate::tls_layer::{client_stream, TlsError, TlsEvent};

impl World {
    /// Sets how `host` relays over TLS (by name, any case).
    pub fn set_relay_tls_policy(&mut self, host: &str, policy: RelayTlsPolicy) {
        self.relay_tls.insert(host.to_ascii_lowercase(), policy);
    }

    /// How `host` relays over TLS: the policy set, else opportunistic STARTTLS that encrypts
    /// even when the certificate does not verify. Without a TLS provider every hop is clear.
    pub fn relay_tls_policy(&self, host: &str) -> RelayTlsPolicy {
        self.relay_tls
            .get(&host.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// `host`'s mail for `domain` must go over verified TLS or wait (RFC 8461 §5).
    pub fn require_verified_tls(&mut self, host: &str, domain: &str) {
        let mut policy = self.relay_tls_policy(host);
        policy.require_verified.insert(domain.to_ascii_lowercase());
        self.set_relay_tls_policy(host, policy);
    }

    /// The plan for a relay connection from `host` carrying mail for `domain`.
    pub(super) fn relay_plan(&self, host: &str, domain: &str) -> HopPlan {
        self.relay_tls_policy(host)
            .plan(domain, self.tls_provider().is_some())
    }

    /// Logs how the hop `entry`'s host -> `hop` used TLS.
    pub(super) fn note_hop_tls(&mut self, entry: &str, hop: &str, tls: HopTls) {
        let from = self
            .queue
            .entry(entry)
            .map(|e| e.host.clone())
            .unwrap_or_default();
        self.push_event(WorldEvent::RelayTls {
            id: entry.to_string(),
            from,
            to: hop.to_string(),
            tls,
        });
    }

    /// The next hop said 220 to STARTTLS: a client TLS layer goes under the session; its
    /// ClientHello is the first thing it sends.
    pub(super) fn start_relay_tls(&mut self, conn: ConnId) {
        let now = self.now;
        let clock = self.clock;
        let Some(r) = self.slots.get(conn).and_then(|s| s.relay.as_ref()) else {
            return;
        };
        let (hop, verify) = (r.hop.clone(), r.plan.verify);
        let layer = match self.tls_provider() {
            Some(provider) => provider.client(&hop, verify, client_stream(conn.0), clock, now),
            None => Err(TlsError::Internal),
        };
        match layer {
            Ok(layer) => {
                if let Some(r) = self.relay_mut(conn) {
                    r.tls = Some(layer);
                }
            }
            Err(error) => {
                self.relay_tls_failed(conn, error);
            }
        }
    }

    /// Sends close_notify before the relay closes a TLS connection (RFC 8446 §6.1).
    pub(super) fn close_relay_tls(&mut self, conn: ConnId) {
        let now = self.now;
        let mut records = Vec::new();
        if let Some(tls) = self.relay_mut(conn).and_then(|r| r.tls.as_mut()) {
            tls.close(now);
            while let Some(out) = tls.poll_output() {
                if let crate::tls_layer::TlsOutput::Transmit(bytes) = out {
                    records.extend(bytes);
                }
            }
        }
        if !records.is_empty() {
            self.net.send(now, conn, Side::Client, records);
        }
    }

    /// A step of the relay's handshake. True when the relay connection was replaced (the
    /// caller stops working on it).
    pub(super) fn relay_tls_event(&mut self, conn: ConnId, event: TlsEvent) -> bool {
        match event {
            TlsEvent::Finished => {
                let Some(r) = self.relay_mut(conn) else {
                    return false;
                };
                let Some(tls) = r.tls.as_ref() else {
                    return false;
                };
                let Some(version) = tls.version() else {
                    return false;
                };
                let hop_tls = match tls.verify_error() {
                    None => HopTls::Verified { version },
                    Some(error) => HopTls::Unverified { version, error },
                };
                let (id, hop) = (r.entry.clone(), r.hop.clone());
                self.note_hop_tls(&id, &hop, hop_tls);
                false
            }
            TlsEvent::Failed(error) => self.relay_tls_failed(conn, error),
            _ => false,
        }
    }

    /// TLS after STARTTLS failed: per the plan, a new connection in clear (true: this one
    /// is gone), or the client fails the job temporarily (the recipients wait).
    fn relay_tls_failed(&mut self, conn: ConnId, error: TlsError) -> bool {
        let now = self.now;
        let Some(r) = self.relay_mut(conn) else {
            return false;
        };
        let (id, hop) = (r.entry.clone(), r.hop.clone());
        // After the handshake the session was under way (maybe past the final dot): a
        // failure then is a lost connection, never a reason to send the message again in
        // clear (RFC 5321 §6.1 decides about the retry).
        if r.tls.as_ref().is_some_and(|tls| !tls.is_handshaking()) {
            r.tls = None;
            r.client.handle_tls_failed(now, &format!("4.4.2 {error}"));
            return false;
        }
        match r.plan.after_failure(error) {
            OnTlsFailure::Defer => {
                let why = if r.plan.required {
                    format!(
                        "4.7.5 {error}: mail for {} requires verified TLS (RFC 8461 §5)",
                        r.domain
                    )
                } else {
                    format!("4.7.5 {error}: this host relays only to verified hops")
                };
                r.tls = None;
                r.client.handle_tls_failed(now, &why);
                self.note_hop_tls(&id, &hop, HopTls::Deferred { error: Some(error) });
                false
            }
            OnTlsFailure::RelayInClear => {
                self.note_hop_tls(&id, &hop, HopTls::FellBackToClear { error });
                self.relay_again_in_clear(conn);
                true
            }
        }
    }

    /// Opportunistic TLS failed: the same recipients, the same hop, a new connection that
    /// does not try STARTTLS (RFC 7435 §3).
    fn relay_again_in_clear(&mut self, conn: ConnId) {
        let now = self.now;
        let relay = self.slots.get_mut(conn).and_then(|s| s.relay.take());
        self.slots.sync(conn);
        self.net.close(now, conn, Side::Client);
        let Some(relay) = relay else {
            return;
        };
        let Some(entry) = self.queue.entry(&relay.entry).cloned() else {
            return;
        };
        let from = self.net.host_by_name(&entry.host);
        let connected = match from {
            Some(from) => self
                .net
                .connect(now, from, &relay.hop, 25)
                .map_err(|e| e.to_string()),
            None => Err("the sending host is gone".to_string()),
        };
        match connected {
            Ok(c) => self.open_relay(
                now,
                c,
                &entry,
                relay.rcpts,
                (relay.hop, relay.domain),
                HopPlan::CLEAR,
            ),
            Err(why) => {
                for rcpt in &relay.rcpts {
                    let o = crate::relay::Outcome::Temporary(format!(
                        "4.4.1 cannot reach {}: {why}",
                        relay.hop
                    ));
                    self.queue.record(&relay.entry, rcpt, o);
                }
                self.settle(now, &relay.entry);
            }
        }
    }
}
