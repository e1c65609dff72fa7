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
use rustls::client::Resumption;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, Connection, RootCertStore};
use std::sync::Arc;

/// A client's TLS setup, shared by all its connections.
#[derive(Debug, Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
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
        let mut config = ClientConfig::builder_with_details(
            Arc::new(crypto::provider()),
            Arc::new(AmbientClock),
        )
        .with_protocol_versions(versions.rustls())
        .map_err(|_| TlsError::Internal)?
        .with_root_certificates(store)
        .with_no_client_auth();
        // Every handshake in full: replays stay identical and every hop shows a certificate.
        config.resumption = Resumption::disabled();
        Ok(ClientTls {
            config: Arc::new(config),
        })
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
