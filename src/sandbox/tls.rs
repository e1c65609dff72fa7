//! TLS in the world: the provider it makes TLS layers with (none: every host is "TLS off",
//! as before issue 26) and each host's policy. The engine knows TLS only through the seam in
//! [`crate::tls_layer`]; `crate::tls::SandboxTls` (feature `tls`) is the provider the tests
//! and the bridge install, the page installs none until its TLS module exists.

use super::World;
use crate::tls_layer::TlsProvider;

/// Whether a host's servers speak TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TlsMode {
    /// No STARTTLS/STLS offered, no implicit-TLS listeners: the sandbox before issue 26.
    #[default]
    Off,
    /// STARTTLS (RFC 3207), STLS (RFC 2595 §4) and IMAP STARTTLS (RFC 3501 §6.2.1) offered;
    /// plaintext sessions work as before.
    Offered,
    /// Offered, and nothing but the upgrade (and EHLO/CAPA/CAPABILITY, NOOP, QUIT) is
    /// accepted before it (RFC 3207 §4: `530 5.7.0 Must issue a STARTTLS command first`).
    Required,
}

/// A host's TLS policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TlsPolicy {
    pub mode: TlsMode,
    /// AUTH, USER/PASS/APOP and LOGIN/AUTHENTICATE only over TLS (RFC 3207 §4, RFC 2595 §3.1,
    /// RFC 3501 §6.2.3 `LOGINDISABLED`).
    pub auth_only_over_tls: bool,
    /// Implicit-TLS listeners (RFC 8314 §3): submission on 465, IMAP on 993, POP3 on 995.
    pub implicit_ports: bool,
}

impl TlsPolicy {
    /// TLS off: the default, and every host's policy in a world without a provider.
    pub const OFF: TlsPolicy = TlsPolicy {
        mode: TlsMode::Off,
        auth_only_over_tls: false,
        implicit_ports: false,
    };

    /// What a mail host does once a provider is installed: TLS offered, AUTH also in clear
    /// (existing plaintext clients keep working), implicit-TLS ports on.
    pub const OFFERED: TlsPolicy = TlsPolicy {
        mode: TlsMode::Offered,
        auth_only_over_tls: false,
        implicit_ports: true,
    };

    /// Everything over TLS: upgrade first, AUTH only over TLS, implicit ports on.
    pub const REQUIRED: TlsPolicy = TlsPolicy {
        mode: TlsMode::Required,
        auth_only_over_tls: true,
        implicit_ports: true,
    };

    pub fn is_offered(self) -> bool {
        self.mode != TlsMode::Off
    }
}

impl World {
    /// Installs the TLS provider: from now on hosts with a certificate follow their policy
    /// ([`World::set_tls_policy`]; [`TlsPolicy::OFFERED`] unless set). Connections already
    /// open keep what they had.
    pub fn install_tls(&mut self, provider: Box<dyn TlsProvider>) {
        self.tls = Some(provider);
    }

    /// The installed provider, if any (the relay's and the clients' TLS use it too).
    pub fn tls_provider(&self) -> Option<&dyn TlsProvider> {
        self.tls.as_deref()
    }

    /// Sets `host`'s TLS policy (by name, any case).
    pub fn set_tls_policy(&mut self, host: &str, policy: TlsPolicy) {
        self.tls_policies.insert(host.to_ascii_lowercase(), policy);
    }

    /// The policy `host`'s servers follow now: [`TlsPolicy::OFF`] without a provider or a
    /// certificate for the host, else the one set, else [`TlsPolicy::OFFERED`].
    pub fn tls_policy(&self, host: &str) -> TlsPolicy {
        match &self.tls {
            Some(provider) if provider.has_certificate(host) => self
                .tls_policies
                .get(&host.to_ascii_lowercase())
                .copied()
                .unwrap_or(TlsPolicy::OFFERED),
            _ => TlsPolicy::OFF,
        }
    }
}
