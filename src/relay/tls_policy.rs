//! What a sending MTA does about TLS to the next hop: opportunistic STARTTLS (RFC 7435) by
//! default, what to do when the next hop's certificate fails verification, and destinations
//! that must get verified TLS or nothing (the effect of an MTA-STS policy in "enforce" mode,
//! RFC 8461 §5). Pure decisions; `sandbox::relay_driver` carries them out and logs each hop's
//! [`HopTls`].

use crate::ordered::SortedSet;
use crate::proto::smtp::StartTlsPolicy;
use crate::tls_layer::{TlsError, TlsVersion};
use serde::{Deserialize, Serialize};

/// What to do when the next hop offers STARTTLS but its certificate does not verify
/// (expired, for another name, from an unknown CA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum OnUnverified {
    /// Encrypt anyway, without authentication (RFC 7435 §3: better than clear), and log it.
    #[default]
    EncryptAnyway,
    /// Give up on TLS for this hop and relay in clear on a new connection.
    RelayInClear,
    /// Relay nothing to that hop; the message stays queued and is retried later.
    Defer,
}

/// A sending host's relay TLS policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayTlsPolicy {
    /// Say STARTTLS when the next hop offers it.
    pub opportunistic: bool,
    pub on_unverified: OnUnverified,
    /// Destination domains (lower case) whose mail goes only over TLS with a verified
    /// certificate: anything less is a temporary failure (RFC 8461 §5).
    pub require_verified: SortedSet<String>,
}

impl Default for RelayTlsPolicy {
    fn default() -> Self {
        RelayTlsPolicy {
            opportunistic: true,
            on_unverified: OnUnverified::default(),
            require_verified: SortedSet::new(),
        }
    }
}

/// How one relay connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopPlan {
    pub starttls: StartTlsPolicy,
    /// Whether the TLS client refuses a certificate that does not verify (else it completes
    /// the handshake and reports what verification said).
    pub verify: bool,
    /// Set for a destination that requires verified TLS.
    pub required: bool,
    /// What a failed handshake leads to.
    pub on_failure: OnTlsFailure,
}

/// What the relay does when TLS after STARTTLS fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTlsFailure {
    /// Opportunistic: a new connection to the same hop, in clear (RFC 7435 §3).
    RelayInClear,
    /// Required or refused by policy: a temporary failure, retried later.
    Defer,
}

impl HopPlan {
    /// No TLS at all (no provider, opportunistic TLS off, or the retry in clear).
    pub const CLEAR: HopPlan = HopPlan {
        starttls: StartTlsPolicy::Never,
        verify: true,
        required: false,
        on_failure: OnTlsFailure::Defer,
    };

    /// What to do after `error` ended the handshake.
    pub fn after_failure(&self, error: TlsError) -> OnTlsFailure {
        if self.required {
            return OnTlsFailure::Defer;
        }
        match self.on_failure {
            OnTlsFailure::Defer if is_certificate_error(error) => OnTlsFailure::Defer,
            _ => OnTlsFailure::RelayInClear,
        }
    }
}

/// True for the failures a verifying client reports about the server's certificate.
pub fn is_certificate_error(error: TlsError) -> bool {
    matches!(
        error,
        TlsError::CertificateExpired
            | TlsError::CertificateWrongName
            | TlsError::UnknownCa
            | TlsError::BadCertificate
    )
}

impl RelayTlsPolicy {
    /// The plan for a connection carrying mail for `domain`, when the sender can do TLS at
    /// all (`has_tls`: a provider is installed).
    pub fn plan(&self, domain: &str, has_tls: bool) -> HopPlan {
        if !has_tls {
            return HopPlan::CLEAR;
        }
        if self.require_verified.contains(&domain.to_ascii_lowercase()) {
            return HopPlan {
                starttls: StartTlsPolicy::Required,
                verify: true,
                required: true,
                on_failure: OnTlsFailure::Defer,
            };
        }
        if !self.opportunistic {
            return HopPlan::CLEAR;
        }
        let (verify, on_failure) = match self.on_unverified {
            OnUnverified::EncryptAnyway => (false, OnTlsFailure::RelayInClear),
            OnUnverified::RelayInClear => (true, OnTlsFailure::RelayInClear),
            OnUnverified::Defer => (true, OnTlsFailure::Defer),
        };
        HopPlan {
            starttls: StartTlsPolicy::WhenOffered,
            verify,
            required: false,
            on_failure,
        }
    }
}

/// How one hop of the relay went, for the event log (typed; the log's words come from
/// [`HopTls::describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HopTls {
    /// STARTTLS, and the certificate verified against the sandbox CA.
    Verified { version: TlsVersion },
    /// STARTTLS, encrypted, but the certificate did not verify (RFC 7435 §3).
    Unverified {
        version: TlsVersion,
        error: TlsError,
    },
    /// In clear: the next hop offered no STARTTLS, or the sender does not try it.
    Clear { offered: bool },
    /// TLS failed with `error`; the relay tries again in clear on a new connection.
    FellBackToClear { error: TlsError },
    /// The destination requires verified TLS (or the policy refuses an unverified hop) and
    /// did not get it: nothing was relayed, the message waits (`error` is none when the hop
    /// offered no STARTTLS).
    Deferred { error: Option<TlsError> },
}

impl HopTls {
    /// What the event log says.
    pub fn describe(&self) -> String {
        match self {
            HopTls::Verified { version } => format!("{} (certificate verified)", version.label()),
            HopTls::Unverified { version, error } => format!(
                "{}, certificate NOT verified ({error}): encrypted anyway (RFC 7435)",
                version.label()
            ),
            HopTls::Clear { offered: false } => "in clear (no STARTTLS offered)".into(),
            HopTls::Clear { offered: true } => "in clear (STARTTLS not tried)".into(),
            HopTls::FellBackToClear { error } => {
                format!("TLS failed ({error}): retrying in clear")
            }
            HopTls::Deferred { error: Some(error) } => {
                format!("TLS failed ({error}): verified TLS required, deferred")
            }
            HopTls::Deferred { error: None } => {
                "no STARTTLS offered: verified TLS required, deferred".into()
            }
        }
    }

    /// True when the hop carried (or would carry) the message encrypted.
    pub fn is_encrypted(&self) -> bool {
        matches!(self, HopTls::Verified { .. } | HopTls::Unverified { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_provider_every_hop_is_clear() {
        let mut policy = RelayTlsPolicy::default();
        policy.require_verified.insert("corp.example".into());
        assert_eq!(policy.plan("corp.example", false), HopPlan::CLEAR);
    }

    #[test]
    fn a_required_destination_verifies_and_defers_on_any_failure() {
        let mut policy = RelayTlsPolicy::default();
        policy.require_verified.insert("corp.example".into());
        let plan = policy.plan("Corp.Example", true);
        assert_eq!(plan.starttls, StartTlsPolicy::Required);
        assert!(plan.verify);
        for error in [TlsError::CertificateExpired, TlsError::HandshakeFailure] {
            assert_eq!(plan.after_failure(error), OnTlsFailure::Defer);
        }
        // Other destinations stay opportunistic.
        let other = policy.plan("home.example", true);
        assert_eq!(other.starttls, StartTlsPolicy::WhenOffered);
        assert!(!other.verify);
    }

    #[test]
    fn on_unverified_decides_between_clear_and_deferral() {
        let policy = |on_unverified| RelayTlsPolicy {
            on_unverified,
            ..RelayTlsPolicy::default()
        };
        let clear = policy(OnUnverified::RelayInClear).plan("corp.example", true);
        assert_eq!(
            clear.after_failure(TlsError::UnknownCa),
            OnTlsFailure::RelayInClear
        );
        let defer = policy(OnUnverified::Defer).plan("corp.example", true);
        assert_eq!(
            defer.after_failure(TlsError::UnknownCa),
            OnTlsFailure::Defer
        );
        // A handshake that fails for another reason is not a certificate to refuse.
        assert_eq!(
            defer.after_failure(TlsError::HandshakeFailure),
            OnTlsFailure::RelayInClear
        );
        let off = RelayTlsPolicy {
            opportunistic: false,
            ..RelayTlsPolicy::default()
        };
        assert_eq!(off.plan("corp.example", true), HopPlan::CLEAR);
    }
}
