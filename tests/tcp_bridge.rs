//! The TCP bridge's loop on real loopback sockets, driven from std `TcpStream`s: a POP3
//! session, a refused virtual connect, and a client dropped for not reading its answers.
#![cfg(not(target_arch = "wasm32"))]

use mail_sandbox::bridge::{Bridge, Options, Stats, StopHandle};
use mail_sandbox::sandbox::World;
use mail_sandbox::store::Flags;
use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A bridge serving on its own thread until dropped.
struct Running {
    addrs: BTreeMap<&'static str, SocketAddr>,
    stop: StopHandle,
    thread: Option<JoinHandle<Stats>>,
}

impl Running {
    /// Starts a bridge on a random port offset; `setup` runs on its world first.
    fn start(setup: impl FnOnce(&mut World) + Send + 'static) -> Running {
        Running::with(Options::default(), setup)
    }

    /// Starts a bridge with these options (on a random port offset).
    fn with(opts: Options, setup: impl FnOnce(&mut World) + Send + 'static) -> Running {
        Running::printing_to(opts, setup, std::io::sink())
    }

    /// Starts a bridge that prints its `--trace` lines to `out`.
    fn printing_to(
        opts: Options,
        setup: impl FnOnce(&mut World) + Send + 'static,
        mut out: impl Write + Send + 'static,
    ) -> Running {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut bridge = None;
            for _ in 0..20 {
                let opts = Options {
                    port_offset: 20_000 + (random() % 20_000) as u16,
                    ..opts.clone()
                };
                if let Ok(b) = Bridge::new(&opts) {
                    bridge = Some(b);
                    break;
                }
            }
            let mut bridge = bridge.expect("no free port offset");
            setup(bridge.world_mut());
            let addrs: BTreeMap<_, _> = bridge
                .listeners()
                .filter(|l| l.virtual_host == "mx.corp.example")
                .map(|l| (l.service, l.addr))
                .collect();
            tx.send((addrs, bridge.stop_handle())).unwrap();
            bridge.run(&mut out).unwrap();
            bridge.stats()
        });
        let (addrs, stop) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Running {
            addrs,
            stop,
            thread: Some(thread),
        }
    }

    fn connect(&self, service: &str) -> TcpStream {
        let s = TcpStream::connect(self.addrs[service]).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    fn finish(mut self) -> Stats {
        self.stop.stop();
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

fn random() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}

/// A client connection with buffered reading.
struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn send(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }

    /// One line, CRLF included ("" at the end of the stream).
    fn line(&mut self) -> String {
        let mut l = Vec::new();
        self.r.read_until(b'\n', &mut l).unwrap();
        String::from_utf8_lossy(&l).into_owned()
    }

    /// A POP3 multi-line answer after its status line, without the final ".".
    fn multiline(&mut self) -> String {
        let mut text = String::new();
        loop {
            let l = self.line();
            if l == ".\r\n" || l.is_empty() {
                return text;
            }
            text.push_str(&l);
        }
    }
}

fn pop3_login(b: &Running, user: &str) -> Client {
    let w = b.connect("pop3");
    let mut c = Client {
        r: BufReader::new(w.try_clone().unwrap()),
        w,
    };
    assert!(c.line().starts_with("+OK"));
    c.send(format!("USER {user}\r\nPASS {user}\r\n").as_bytes());
    assert!(c.line().starts_with("+OK"));
    let l = c.line();
    assert!(l.starts_with("+OK"), "{l}");
    c
}

#[test]
fn a_pop3_session_over_a_real_socket() {
    let b = Running::start(|_| {});
    let mut c = pop3_login(&b, "boss");
    c.send(b"STAT\r\n");
    assert!(c.line().starts_with("+OK 3 "));
    c.send(b"RETR 1\r\n");
    assert!(c.line().starts_with("+OK"));
    let msg = c.multiline();
    assert!(
        msg.contains("Subject: Welcome to Mail Sandbox\r\n"),
        "{msg}"
    );
    c.send(b"QUIT\r\n");
    assert!(c.line().starts_with("+OK"));
    // The server closed: so does the bridge.
    assert_eq!(c.line(), "");
    let stats = b.finish();
    assert_eq!(stats.accepted, 1);
}

#[test]
fn a_client_that_shuts_down_writing_still_gets_its_answers() {
    let b = Running::start(|_| {});
    let mut s = b.connect("pop3");
    s.write_all(b"USER boss\r\nPASS boss\r\nSTAT\r\nQUIT\r\n")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    assert!(all.contains("\r\n+OK 3 "), "{all}");
    assert!(all.ends_with("\r\n"), "{all}");
    assert_eq!(all.matches("+OK").count(), 5, "{all}");
}

#[test]
fn a_failed_virtual_connect_closes_the_socket() {
    let b = Running::start(|w| {
        let corp = w.net.host_by_name("mx.corp.example").unwrap();
        w.set_host_up(corp, false);
    });
    let mut s = b.connect("pop3");
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "{:?}", &buf[..n]);
    let stats = b.finish();
    assert_eq!(stats.refused, 1);
}

#[test]
fn a_client_that_does_not_read_is_paused_and_others_are_served() {
    // A 2 MB message asked for 20 times at once: 40 MB of answers, which the bridge does not
    // buffer: it pauses the client until it reads.
    const SIZE: usize = 2 << 20;
    let b = Running::start(|w| {
        let mut raw = b"Subject: big\r\n\r\n".to_vec();
        for _ in 0..SIZE / 64 {
            raw.extend_from_slice(&[b'x'; 62]);
            raw.extend_from_slice(b"\r\n");
        }
        let when = w.clock.unix(w.now());
        w.store
            .deliver("alice@corp.example", "INBOX", raw, Flags::new(), when)
            .unwrap();
    });
    let mut hog = pop3_login(&b, "alice");
    hog.send(&b"RETR 1\r\n".repeat(20));
    hog.send(b"QUIT\r\n");
    // Meanwhile another user is served.
    let mut c = pop3_login(&b, "boss");
    c.send(b"QUIT\r\n");
    assert!(c.line().starts_with("+OK"));
    // The hog gets every answer whole once it reads.
    let mut all = Vec::new();
    hog.r.read_to_end(&mut all).unwrap();
    let ends = all.windows(5).filter(|w| w == b"\r\n.\r\n").count();
    assert_eq!(ends, 20);
    assert!(all.len() > 20 * SIZE, "{}", all.len());
    assert!(all.ends_with(b"\r\n"));
    let stats = b.finish();
    assert!(stats.paused >= 1, "{stats:?}");
    assert!(stats.peak_unsent < 20 * SIZE / 2, "{stats:?}");
    assert_eq!(stats.dropped_slow, 0);
}

#[test]
fn a_pop3_client_that_drops_can_log_in_again_at_once() {
    let b = Running::start(|_| {});
    for _ in 0..5 {
        let mut c = pop3_login(&b, "boss");
        c.send(b"STAT\r\n");
        assert!(c.line().starts_with("+OK 3 "));
        // No QUIT: the socket just closes, and the maildrop lock goes with it.
        drop(c);
    }
    let mut c = pop3_login(&b, "boss");
    c.send(b"QUIT\r\n");
    assert!(c.line().starts_with("+OK"));
}

/// What a bridge printed, shared with the test.
#[derive(Clone, Default)]
struct Printed(Arc<Mutex<Vec<u8>>>);

impl Printed {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Printed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `--trace` masks passwords as the page does: POP3 PASS, IMAP LOGIN (quoted, and as
/// literals pipelined with LITERAL+), SMTP AUTH PLAIN and the answers of AUTH LOGIN sent
/// before their challenges, over a link with latency (the lines wait until the server has
/// read them, and so marked them).
#[test]
fn the_trace_masks_passwords() {
    const PASSWORD: &str = "s3cret-pw";
    let opts = Options {
        trace: true,
        users: vec![("carol@example.org".into(), PASSWORD.into())],
        latency: mail_sandbox::time::Duration::from_millis(20),
        ..Options::default()
    };
    let printed = Printed::default();
    let b = Running::printing_to(opts, |_| {}, printed.clone());
    let user = "carol@example.org";
    let all = |service: &str, script: String| {
        let mut s = b.connect(service);
        s.write_all(script.as_bytes()).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answers = String::new();
        s.read_to_string(&mut answers).unwrap();
        answers
    };
    let pop3 = all(
        "pop3",
        format!("USER {user}\r\nPASS {PASSWORD}\r\nQUIT\r\n"),
    );
    assert_eq!(pop3.matches("+OK").count(), 4, "{pop3}");
    let imap = all(
        "imap",
        format!("a1 LOGIN {user} \"{PASSWORD}\"\r\na2 LOGOUT\r\n"),
    );
    assert!(imap.contains("a1 OK"), "{imap}");
    let imap = all(
        "imap",
        format!(
            "b1 LOGIN {{{}+}}\r\n{user} {{{}+}}\r\n{PASSWORD}\r\nb2 LOGOUT\r\n",
            user.len(),
            PASSWORD.len()
        ),
    );
    assert!(imap.contains("b1 OK"), "{imap}");
    let plain = mail_sandbox::wire::sasl::encode_plain(user, PASSWORD);
    let smtp = all(
        "submission",
        format!("EHLO x\r\nAUTH PLAIN {plain}\r\nQUIT\r\n"),
    );
    assert!(smtp.contains("\r\n235 "), "{smtp}");
    let b64 = mail_sandbox::wire::sasl::b64_encode;
    let (login_user, login_pass) = (b64(user.as_bytes()), b64(PASSWORD.as_bytes()));
    let smtp = all(
        "submission",
        format!("EHLO x\r\nAUTH LOGIN\r\n{login_user}\r\n{login_pass}\r\nQUIT\r\n"),
    );
    assert!(smtp.contains("\r\n235 "), "{smtp}");
    // Every line printed: the five connections closed.
    let closed = |text: &str| text.matches("C: <close>").count() >= 5;
    for _ in 0..100 {
        if closed(&printed.text()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    b.finish();
    let text = printed.text();
    assert!(closed(&text), "{text}");
    for secret in [PASSWORD, &plain, &login_pass] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    assert!(text.contains("C: PASS ********"), "{text}");
    assert!(
        text.contains("C: a1 LOGIN carol@example.org ********"),
        "{text}"
    );
    assert!(text.contains("C: AUTH PLAIN ********"), "{text}");
    assert!(text.contains("C: b2 LOGOUT"), "{text}");
    assert!(text.contains(&format!("C: USER {user}")), "{text}");
}
