//! Helpers for scenario tests over the whole world.
#![allow(dead_code)]

use mail_sandbox::net::{ConnId, HostId};
use mail_sandbox::sandbox::{default_world, DefaultWorld, World};
use mail_sandbox::time::{Duration, Instant};
use mail_sandbox::wire::sasl::encode_plain;

pub fn world() -> (World, DefaultWorld) {
    default_world(42)
}

/// Advances the world by `ms` milliseconds.
pub fn wait(w: &mut World, ms: u64) {
    let t = w.now() + Duration::from_millis(ms);
    w.run_until(t);
}

/// A typed session: connect, read the greeting, then send lines one by one, collecting the
/// server's answer to each (after giving the network time to carry it).
pub struct Typed {
    pub conn: ConnId,
    pub log: String,
}

impl Typed {
    pub fn open(w: &mut World, from: HostId, target: &str, port: u16) -> Typed {
        let conn = w.connect(from, target, port).expect("connects");
        wait(w, 200);
        let greeting = String::from_utf8_lossy(&w.take_received(conn)).to_string();
        Typed {
            conn,
            log: greeting,
        }
    }

    /// Sends one line (CRLF added) and returns what came back.
    pub fn say(&mut self, w: &mut World, line: &str) -> String {
        self.raw(w, format!("{line}\r\n").as_bytes())
    }

    pub fn raw(&mut self, w: &mut World, bytes: &[u8]) -> String {
        w.send(self.conn, bytes);
        wait(w, 200);
        let got = String::from_utf8_lossy(&w.take_received(self.conn)).to_string();
        self.log.push_str(&got);
        got
    }
}

/// Submits a message through the ISP's submission port as smith, the way a mail client would.
pub fn submit(w: &mut World, d: &DefaultWorld, rcpts: &[&str], subject: &str) -> String {
    let mut s = Typed::open(w, d.sender_pc, "smtp.isp.example", 587);
    s.say(w, "EHLO pc.home.example");
    let auth = s.say(
        w,
        &format!("AUTH PLAIN {}", encode_plain("smith@isp.example", "smith")),
    );
    assert!(auth.starts_with("235"), "{auth}");
    s.say(w, "MAIL FROM:<smith@isp.example>");
    for r in rcpts {
        s.say(w, &format!("RCPT TO:<{r}>"));
    }
    s.say(w, "DATA");
    let done = s.raw(
        w,
        format!(
            "From: Jane Smith <smith@isp.example>\r\nTo: {}\r\nSubject: {subject}\r\n\r\nHello from home.\r\n.\r\n",
            rcpts.join(", ")
        )
        .as_bytes(),
    );
    s.say(w, "QUIT");
    done
}

/// Raw messages in a user's folder.
pub fn messages(w: &World, user: &str, folder: &str) -> Vec<String> {
    w.store
        .folder(user, folder)
        .map(|f| {
            f.messages()
                .iter()
                .map(|m| String::from_utf8_lossy(&m.raw).to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}
