//! The engine's [`TlsProvider`] made real: rustls over the trimmed crypto provider, each
//! server presenting its certificate from the sandbox PKI (or a broken one a fault asks for),
//! clients trusting the sandbox CA. Randomness per connection: a ChaCha20 stream of the
//! world's seed (tests, the page: replays give the same bytes) or the operating system's (the
//! bridge).

use super::pki::{self, BrokenCertificate, Identity};
use super::{ClientTls, RandomSource, ServerTls, TlsVersions};
use crate::time::{Instant, WallClock};
use crate::tls_layer::{CertificateInfo, ServerCertificate, TlsError, TlsLayer, TlsProvider};

/// Where a connection's randomness comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Randomness {
    /// `RandomSource::seeded(seed, stream)`.
    Seeded(u64),
    /// `RandomSource::os()` (native only).
    #[cfg(not(target_arch = "wasm32"))]
    Os,
}

/// One identity ready to serve: its configuration and its leaf, DER.
struct Served {
    identity: Identity,
    broken: Option<BrokenCertificate>,
    tls: ServerTls,
    leaf: Vec<u8>,
}

/// The sandbox's TLS: what `World::install_tls` takes.
pub struct SandboxTls {
    randomness: Randomness,
    /// Every server presents this host's certificate instead of its own (the bridge: real
    /// clients dial `localhost`).
    serving_as: Option<&'static str>,
    served: Vec<Served>,
    client: ClientTls,
}

impl SandboxTls {
    /// Seeded randomness: the same world seed gives the same bytes on the wire.
    pub fn seeded(seed: u64) -> Result<SandboxTls, TlsError> {
        SandboxTls::with_randomness(Randomness::Seeded(seed), TlsVersions::Both)
    }

    /// The operating system's randomness (the bridge, where real clients deserve real keys).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn os() -> Result<SandboxTls, TlsError> {
        SandboxTls::with_randomness(Randomness::Os, TlsVersions::Both)
    }

    /// Every server presents the certificate of `name` (one of [`pki::host_names`]), e.g.
    /// `localhost` on the bridge.
    pub fn serving_as(mut self, name: &str) -> Result<SandboxTls, TlsError> {
        let identity = pki::host(name).ok_or(TlsError::NoCertificate)?;
        self.serving_as = Some(identity.label);
        Ok(self)
    }

    fn with_randomness(
        randomness: Randomness,
        versions: TlsVersions,
    ) -> Result<SandboxTls, TlsError> {
        let mut served = Vec::new();
        let hosts = pki::host_names().filter_map(|name| pki::host(name).map(|i| (i, None)));
        let broken = [
            BrokenCertificate::Expired,
            BrokenCertificate::WrongName,
            BrokenCertificate::UnknownCa,
        ]
        .map(|kind| (pki::broken(kind), Some(kind)));
        for (identity, broken) in hosts.chain(broken) {
            let leaf = identity
                .chain_der()?
                .first()
                .map(|cert| cert.as_ref().to_vec())
                .ok_or(TlsError::Internal)?;
            served.push(Served {
                identity,
                broken,
                tls: ServerTls::new(&identity, versions)?,
                leaf,
            });
        }
        Ok(SandboxTls {
            randomness,
            serving_as: None,
            served,
            client: ClientTls::sandbox(versions)?,
        })
    }

    fn random(&self, stream: u64) -> RandomSource {
        match self.randomness {
            Randomness::Seeded(seed) => RandomSource::seeded(seed, stream),
            #[cfg(not(target_arch = "wasm32"))]
            Randomness::Os => RandomSource::os(),
        }
    }

    fn identity_of(&self, host_name: &str, certificate: ServerCertificate) -> Option<&Served> {
        match certificate {
            ServerCertificate::Own => {
                let name = self.serving_as.unwrap_or(host_name);
                self.served.iter().find(|s| {
                    s.broken.is_none()
                        && s.identity
                            .names
                            .iter()
                            .any(|n| n.eq_ignore_ascii_case(name))
                })
            }
            ServerCertificate::Broken(kind) => self.served.iter().find(|s| s.broken == Some(kind)),
        }
    }
}

impl TlsProvider for SandboxTls {
    fn has_certificate(&self, host_name: &str) -> bool {
        self.identity_of(host_name, ServerCertificate::Own)
            .is_some()
    }

    fn server(
        &self,
        host_name: &str,
        certificate: ServerCertificate,
        stream: u64,
        clock: WallClock,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        let served = self
            .identity_of(host_name, certificate)
            .ok_or(TlsError::NoCertificate)?;
        Ok(Box::new(served.tls.accept(self.random(stream), clock)?))
    }

    fn client(
        &self,
        server_name: &str,
        verify: bool,
        stream: u64,
        clock: WallClock,
        now: Instant,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        let rng = self.random(stream);
        let connection = if verify {
            self.client.connect(server_name, rng, clock, now)?
        } else {
            self.client
                .connect_unverified(server_name, rng, clock, now)?
        };
        Ok(Box::new(connection))
    }

    fn ca_pem(&self) -> &'static str {
        pki::CA_PEM
    }

    fn certificate_info(&self, leaf_der: &[u8]) -> Option<CertificateInfo> {
        let served = self.served.iter().find(|s| s.leaf == leaf_der)?;
        crate::tls_catalog::by_label(served.identity.label).copied()
    }
}
