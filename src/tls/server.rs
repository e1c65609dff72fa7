//! The server side: a host's TLS configuration (its certificate chain and key, which versions
//! it speaks) and accepting a connection with it.

use super::ambient::AmbientClock;
use super::connection::TlsConnection;
use super::crypto;
use super::error::TlsError;
use super::pki::Identity;
use super::random::RandomSource;
use super::TlsVersions;
use crate::time::WallClock;
use rustls::server::NoServerSessionStorage;
use rustls::{Connection, ServerConfig, ServerConnection};
use std::sync::Arc;

/// A server's TLS setup, shared by all its connections.
#[derive(Debug, Clone)]
pub struct ServerTls {
    config: Arc<ServerConfig>,
    chain: Vec<Vec<u8>>,
}

impl ServerTls {
    /// A server presenting `identity`. No session resumption (RFC 8446 §2.2): every
    /// handshake is a full one, so a replay is byte-identical and the page always shows the
    /// certificate.
    pub fn new(identity: &Identity, versions: TlsVersions) -> Result<ServerTls, TlsError> {
        let chain = identity.chain_der()?;
        let key = identity.key_der()?;
        let own_chain = chain.iter().map(|cert| cert.as_ref().to_vec()).collect();
        let mut config = ServerConfig::builder_with_details(
            Arc::new(crypto::provider()),
            Arc::new(AmbientClock),
        )
        .with_protocol_versions(versions.rustls())
        .map_err(|_| TlsError::Internal)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|_| TlsError::Internal)?;
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        Ok(ServerTls {
            config: Arc::new(config),
            chain: own_chain,
        })
    }

    /// A connection that waits for the client's hello.
    pub fn accept(&self, rng: RandomSource, clock: WallClock) -> Result<TlsConnection, TlsError> {
        let conn =
            ServerConnection::new(Arc::clone(&self.config)).map_err(|_| TlsError::Internal)?;
        Ok(TlsConnection::new(
            Connection::Server(conn),
            rng,
            clock,
            Some(self.chain.clone()),
        ))
    }
}
