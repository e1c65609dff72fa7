//! The client side: which roots a client trusts and which versions it offers, and connecting
//! to a named server (the name is sent as SNI and checked against the certificate).

use super::ambient::AmbientClock;
use super::connection::TlsConnection;
use super::crypto;
use super::error::TlsError;
use super::pki;
use super::random::RandomSource;
use super::TlsVersions;
use crate::time::{Instant, WallClock};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, Connection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};
use std::sync::{Arc, Mutex};

/// A client's TLS setup, shared by all its connections.
#[derive(Debug, Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
    roots: Arc<RootCertStore>,
    versions: TlsVersions,
}

impl ClientTls {
    /// A client that trusts the sandbox root CA and verifies every server against it
    /// (RFC 5280 §6 path validation, RFC 6125 name check).
    pub fn sandbox(versions: TlsVersions) -> Result<ClientTls, TlsError> {
        ClientTls::trusting(vec![pki::ca_der()?], versions)
    }

    /// A client that trusts exactly `roots`.
    pub fn trusting(
        roots: Vec<CertificateDer<'static>>,
        versions: TlsVersions,
    ) -> Result<ClientTls, TlsError> {
        let mut store = RootCertStore::empty();
        for root in roots {
            store.add(root).map_err(|_| TlsError::Internal)?;
        }
        let roots = Arc::new(store);
        let mut config = ClientConfig::builder_with_details(
            Arc::new(crypto::provider()),
            Arc::new(AmbientClock),
        )
        .with_protocol_versions(versions.rustls())
        .map_err(|_| TlsError::Internal)?
        .with_root_certificates(Arc::clone(&roots))
        .with_no_client_auth();
        // Every handshake in full: replays stay identical and every hop shows a certificate.
        config.resumption = Resumption::disabled();
        Ok(ClientTls {
            config: Arc::new(config),
            roots,
            versions,
        })
    }

    /// Like [`ClientTls::connect`], but the handshake completes whatever the certificate
    /// (opportunistic TLS, RFC 7435 §3: encryption without authentication beats plaintext);
    /// what verification would have said is kept and reported by
    /// [`TlsConnection::verify_error`]. The server's signature over the handshake is still
    /// checked, so the connection is encrypted to the key in the certificate it showed.
    pub fn connect_unverified(
        &self,
        server_name: &str,
        rng: RandomSource,
        clock: WallClock,
        now: Instant,
    ) -> Result<TlsConnection, TlsError> {
        let inner = WebPkiServerVerifier::builder_with_provider(
            Arc::clone(&self.roots),
            Arc::new(crypto::provider()),
        )
        .build()
        .map_err(|_| TlsError::Internal)?;
        let seen = Arc::new(Mutex::new(None));
        let verifier = Arc::new(Recording {
            inner,
            seen: Arc::clone(&seen),
        });
        let mut config = ClientConfig::builder_with_details(
            Arc::new(crypto::provider()),
            Arc::new(AmbientClock),
        )
        .with_protocol_versions(self.versions.rustls())
        .map_err(|_| TlsError::Internal)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
        config.resumption = Resumption::disabled();
        let client = ClientTls {
            config: Arc::new(config),
            roots: Arc::clone(&self.roots),
            versions: self.versions,
        };
        let mut connection = client.connect(server_name, rng, clock, now)?;
        connection.keep_verify_result(seen);
        Ok(connection)
    }

    /// Starts a handshake with `server_name`; the ClientHello is the first output.
    pub fn connect(
        &self,
        server_name: &str,
        mut rng: RandomSource,
        clock: WallClock,
        now: Instant,
    ) -> Result<TlsConnection, TlsError> {
        let name =
            ServerName::try_from(server_name.to_owned()).map_err(|_| TlsError::BadServerName)?;
        // SNI carries DNS names only (RFC 6066 §3); a client dialling an address sends none.
        let sni = matches!(name, ServerName::DnsName(_)).then(|| server_name.to_owned());
        let config = Arc::clone(&self.config);
        let conn = TlsConnection::lend_for_construction(&mut rng, clock, now, || {
            ClientConnection::new(config, name)
        })
        .map_err(|error| TlsError::from_rustls(&error, false))?;
        let mut connection = TlsConnection::new(Connection::Client(conn), rng, clock, None);
        connection.report_client_hello(sni);
        Ok(connection)
    }
}

/// The opportunistic client's verifier: runs the real one and remembers its verdict instead
/// of failing on it. Signatures are checked as usual.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<Option<TlsError>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Err(error) = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            if let Ok(mut seen) = self.seen.lock() {
                *seen = Some(TlsError::from_rustls(&error, false));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
