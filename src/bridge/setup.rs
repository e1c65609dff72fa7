//! The world the bridge serves and the services it puts on real ports.
//!
//! Accounts map to hosts by domain: a domain's mailboxes live on the host named by the store
//! (the MX of the domain). The default listeners are the four mail services of the mailbox
//! host, `mx.corp.example`, so an account there (the built-in corp.example users, and every
//! `--user` whose domain is new) can submit with AUTH, receive on port 25 and read with POP3
//! and IMAP. `--all-hosts` adds every other service of every virtual host (the ISP's, where
//! smith@isp.example lives, and the mailbox host's echo and daytime).
//!
//! With `--catch-all` the mailbox host takes mail for any address (`Store::set_catch_all`):
//! every domain the world does not hold elsewhere is its, and an unknown address gets an
//! account on its first delivery, with the whole address as login and password. The
//! learner's default world (and the bridge without the flag) keeps its refusals.

use super::options::BridgeTls;
use super::Options;
use crate::net::HostId;
use crate::sandbox::live::{self, WorldSpec};
#[cfg(feature = "tls")]
use crate::sandbox::live_tls::RecordingTls;
use crate::sandbox::live_tls::TlsTap;
use crate::sandbox::{default_world, DefaultWorld, Service, World};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Real ports of the N-th served host are `offset + N * HOST_PORT_STRIDE + port`.
const HOST_PORT_STRIDE: u16 = 1000;

/// One service the bridge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerInfo {
    /// `smtp`, `submission`, `pop3`, `imap`, `echo` or `daytime`.
    pub service: &'static str,
    /// The virtual host the connections go to.
    pub virtual_host: String,
    pub virtual_port: u16,
    /// The real address listened on.
    pub addr: SocketAddr,
}

impl ListenerInfo {
    /// The line printed at start: `LISTEN <service> <virtual-host> <ip>:<port>`.
    pub fn listen_line(&self) -> String {
        format!(
            "LISTEN {} {} {}",
            self.service, self.virtual_host, self.addr
        )
    }
}

/// Where the connections of one real port go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Route {
    pub service: Service,
    /// The virtual host serving it, and its port there.
    pub target: HostId,
    pub port: u16,
    /// The virtual host real clients connect from.
    pub from: HostId,
    /// The real port.
    pub real_port: u16,
    /// Connections start with the TLS handshake (RFC 8314 §3).
    pub implicit_tls: bool,
}

impl Route {
    /// The service's name in `LISTEN` lines: `smtp`, `submission`, ..., and for the
    /// implicit-TLS ports the URL schemes `submissions`, `imaps`, `pop3s`.
    pub fn name(&self) -> &'static str {
        match (self.implicit_tls, self.service) {
            (true, Service::Submission) => "submissions",
            (true, Service::Imap) => "imaps",
            (true, Service::Pop3) => "pop3s",
            (_, service) => service.name(),
        }
    }
}

/// The world as the bridge starts it: the default world on the real clock, the extra users,
/// and the links between real clients and the hosts they reach at `--latency` (no delay by
/// default), while links between virtual hosts keep theirs. Built from a [`WorldSpec`] (also
/// returned), so the live page builds the same world (see [`crate::sandbox::live`]). With
/// `--http` (the live log kept) and TLS on, the TLS provider records what its layers do into
/// the tap returned, for the live page's copy to replay (see [`crate::sandbox::live_tls`]).
pub(super) fn build_world(opts: &Options) -> Result<BuiltWorld, String> {
    let mut spec = WorldSpec {
        epoch_unix: real_unix_now(),
        users: opts.users.clone(),
        catch_all: opts.catch_all,
        empty: opts.empty,
        faults: opts.faults.clone(),
        strict: opts.strict,
        client_links: Vec::new(),
        latency_ms: opts.latency.as_millis(),
        tls: opts.tls != BridgeTls::Off,
        tls_required: opts.tls == BridgeTls::Required,
    };
    let (world, d) = default_world(1);
    let routes = routes(&world, &d, opts)?;
    for r in &routes {
        let link = (
            world.net.host_name(r.from).to_string(),
            world.net.host_name(r.target).to_string(),
        );
        if !spec.client_links.contains(&link) {
            spec.client_links.push(link);
        }
    }
    let mut world = live::build_world(&spec)?;
    let tap = install_tls(&mut world, &spec, opts.http_port.is_some())?;
    Ok(BuiltWorld {
        world,
        routes,
        spec,
        tap,
    })
}

/// What [`build_world`] makes.
pub(super) struct BuiltWorld {
    pub world: World,
    pub routes: Vec<Route>,
    pub spec: WorldSpec,
    /// Where the TLS provider records its layers' steps (TLS on and `--http`).
    pub tap: Option<TlsTap>,
}

/// `--tls`: the sandbox's TLS with the operating system's randomness, every server presenting
/// the `localhost` certificate (real clients dial 127.0.0.1 or localhost), each host's
/// policy as asked. Also adds the implicit-TLS listeners (465, 993, 995). With `recorded`
/// (the live log is kept) the provider records its layers' steps into the tap returned.
#[cfg(feature = "tls")]
fn install_tls(
    world: &mut World,
    spec: &WorldSpec,
    recorded: bool,
) -> Result<Option<TlsTap>, String> {
    if !spec.tls {
        return Ok(None);
    }
    let provider = crate::tls::SandboxTls::os()
        .and_then(|p| p.serving_as("localhost"))
        .map_err(|e| format!("TLS: {e}"))?;
    if !recorded {
        live::install_tls(world, spec, Box::new(provider));
        return Ok(None);
    }
    let (recording, tap) = RecordingTls::new(Box::new(provider));
    live::install_tls(world, spec, Box::new(recording));
    Ok(Some(tap))
}

/// `--ca-out`: the sandbox root CA, PEM, for real clients to verify the bridge with.
#[cfg_attr(not(feature = "tls"), allow(unused_variables))]
pub(super) fn write_ca(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(feature = "tls")]
    return std::fs::write(path, crate::tls::pki::CA_PEM);
    #[cfg(not(feature = "tls"))]
    Err(std::io::Error::other(
        "this build has no TLS (feature `tls`)",
    ))
}

/// Built without the `tls` feature: only `--tls off` works.
#[cfg(not(feature = "tls"))]
fn install_tls(
    _world: &mut World,
    spec: &WorldSpec,
    _recorded: bool,
) -> Result<Option<TlsTap>, String> {
    match spec.tls {
        false => Ok(None),
        true => Err("this build has no TLS (feature `tls`): use --tls off".into()),
    }
}

/// The services to serve, mailbox host first, each host's services in port order after the
/// four mail services.
fn routes(world: &World, d: &DefaultWorld, opts: &Options) -> Result<Vec<Route>, String> {
    let mut hosts = vec![d.corp];
    if opts.all_hosts {
        hosts.extend(
            world
                .host_infos()
                .iter()
                .map(|h| h.id)
                .filter(|&h| h != d.corp && !world.services_of(h).is_empty()),
        );
    }
    let mut routes = Vec::new();
    for (n, &target) in hosts.iter().enumerate() {
        // Each mail host's own customers' PC.
        let from = if target == d.isp {
            d.sender_pc
        } else {
            d.recipient_pc
        };
        let mut services: Vec<(u16, Service)> = Service::MAIL_HOST
            .iter()
            .map(|&s| (s.default_port(), s))
            .filter(|(p, s)| world.services_of(target).contains(&(*p, *s)))
            .collect();
        if opts.all_hosts {
            services.extend(
                world
                    .services_of(target)
                    .into_iter()
                    .filter(|(_, s)| !Service::MAIL_HOST.contains(s)),
            );
        }
        if opts.tls != BridgeTls::Off {
            let implicit: Vec<(u16, Service)> = services
                .iter()
                .filter_map(|&(_, s)| crate::sandbox::implicit_port(s).map(|p| (p, s)))
                .collect();
            services.extend(implicit);
        }
        for (port, service) in services {
            let real_port = u16::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(HOST_PORT_STRIDE))
                .and_then(|base| base.checked_add(opts.port_offset))
                .and_then(|base| base.checked_add(port))
                .ok_or_else(|| {
                    format!(
                        "port offset {} too large for {} of {}",
                        opts.port_offset,
                        service.name(),
                        world.net.host_name(target)
                    )
                })?;
            routes.push(Route {
                service,
                target,
                port,
                from,
                real_port,
                implicit_tls: crate::sandbox::implicit_port(service) == Some(port),
            });
        }
    }
    Ok(routes)
}

pub(super) use live::add_user;

fn real_unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn extra_users_get_a_local_domain_with_an_mx() {
        let mut world = default_world(1).0;
        add_user(&mut world, "mx.corp.example", "carol@example.org", "c").unwrap();
        add_user(&mut world, "mx.corp.example", "boss@corp.example", "new").unwrap();
        assert!(add_user(&mut world, "mx.corp.example", "nobody", "x").is_err());
        assert_eq!(
            world.store.domain_host("example.org"),
            Some("mx.corp.example")
        );
        assert_eq!(
            world.net.dns.mail_exchangers("example.org"),
            vec!["mx.corp.example"]
        );
        assert!(world
            .store
            .authenticate("carol@example.org", "c", "mx.corp.example")
            .is_some());
        assert!(world
            .store
            .authenticate("boss@corp.example", "new", "mx.corp.example")
            .is_some());
    }

    fn names(routes: &[Route], world: &World) -> Vec<String> {
        routes
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.name(),
                    world.net.host_name(r.target),
                    r.real_port
                )
            })
            .collect()
    }

    #[test]
    fn the_mailbox_host_by_default_every_host_on_request() {
        let opts = Options::default();
        let BuiltWorld { world, routes, .. } = build_world(&opts).unwrap();
        assert_eq!(
            names(&routes, &world),
            [
                "smtp mx.corp.example 3025",
                "submission mx.corp.example 3587",
                "pop3 mx.corp.example 3110",
                "imap mx.corp.example 3143",
                "submissions mx.corp.example 3465",
                "pop3s mx.corp.example 3995",
                "imaps mx.corp.example 3993"
            ]
        );
        let opts = Options {
            all_hosts: true,
            tls: BridgeTls::Off,
            ..Options::default()
        };
        let BuiltWorld { world, routes, .. } = build_world(&opts).unwrap();
        assert_eq!(
            names(&routes, &world),
            [
                "smtp mx.corp.example 3025",
                "submission mx.corp.example 3587",
                "pop3 mx.corp.example 3110",
                "imap mx.corp.example 3143",
                "echo mx.corp.example 3007",
                "daytime mx.corp.example 3013",
                "smtp smtp.isp.example 4025",
                "submission smtp.isp.example 4587",
                "pop3 smtp.isp.example 4110",
                "imap smtp.isp.example 4143"
            ]
        );
        let opts = Options {
            all_hosts: true,
            port_offset: 64_500,
            ..Options::default()
        };
        assert!(build_world(&opts).is_err());
    }

    #[test]
    fn real_clients_have_the_latency_asked_for_and_virtual_links_keep_theirs() {
        let BuiltWorld { world, routes, .. } = build_world(&Options::default()).unwrap();
        let r = routes[0];
        assert_eq!(world.net.link_latency(r.from, r.target), Duration::ZERO);
        let isp = world.net.host_by_name("smtp.isp.example").unwrap();
        let relay = world.net.link_latency(isp, r.target);
        assert!(relay > Duration::ZERO);
        let opts = Options {
            latency: Duration::from_millis(30),
            ..Options::default()
        };
        let BuiltWorld { world, routes, .. } = build_world(&opts).unwrap();
        let r = routes[0];
        assert_eq!(
            world.net.link_latency(r.from, r.target),
            Duration::from_millis(30)
        );
        assert_eq!(world.net.link_latency(isp, r.target), relay);
    }
}
