//! The default world: the journey of the seed documents. Smith works from home; her PC hands
//! mail to her ISP's SMTP host (submission, port 587), which looks up the MX of corp.example
//! and relays to the corporate SMTP host, which holds the mailboxes; her supervisor reads them
//! from his office PC with POP3 or IMAP.

use super::{HostRole, Service, World};
use crate::net::HostId;
use crate::store::{Flag, Flags};
use crate::time::{Duration, Instant, WallClock};

/// The hosts of the default world, by role.
#[derive(Debug, Clone, Copy)]
pub struct DefaultWorld {
    pub sender_pc: HostId,
    pub isp: HostId,
    pub corp: HostId,
    pub recipient_pc: HostId,
}

pub const SENDER_PC: &str = "pc.home.example";
pub const ISP_HOST: &str = "smtp.isp.example";
pub const CORP_HOST: &str = "mx.corp.example";
pub const RECIPIENT_PC: &str = "pc.corp.example";
/// The backup mail host of corp.example, in worlds that have one ([`add_backup_mx`]).
pub const BACKUP_MX: &str = "mx2.corp.example";

/// The users: (address, password, display name).
pub const USERS: [(&str, &str, &str); 3] = [
    ("smith@isp.example", "smith", "Jane Smith"),
    ("boss@corp.example", "boss", "Robert Boss"),
    ("alice@corp.example", "alice", "Alice Archer"),
];

/// Builds the default world with its seed messages.
pub fn default_world(seed: u64) -> (World, DefaultWorld) {
    let mut w = World::new(seed, WallClock::default());
    let sender_pc = w.add_host(
        SENDER_PC,
        "192.0.2.10",
        HostRole::Client,
        "Sender's PC (home)",
    );
    let isp = w.add_host(
        ISP_HOST,
        "198.51.100.25",
        HostRole::MailServer,
        "ISP's SMTP host",
    );
    let corp = w.add_host(
        CORP_HOST,
        "203.0.113.25",
        HostRole::MailServer,
        "Corporate SMTP host (mailboxes)",
    );
    let recipient_pc = w.add_host(
        RECIPIENT_PC,
        "203.0.113.50",
        HostRole::Client,
        "Recipient's PC (office)",
    );
    w.net.dns.add_mx("isp.example", 10, ISP_HOST);
    w.net.dns.add_mx("corp.example", 10, CORP_HOST);
    w.store.add_domain("isp.example", ISP_HOST);
    w.store.add_domain("corp.example", CORP_HOST);
    for (address, password, name) in USERS {
        // The addresses above are valid and their domains were just added.
        let _ = w.store.add_account(address, password, name);
    }
    for host in [isp, corp] {
        for s in Service::MAIL_HOST {
            w.add_service(host, s);
        }
    }
    w.add_service(corp, Service::Echo);
    w.add_service(corp, Service::Daytime);
    seed_messages(&mut w);
    (
        w,
        DefaultWorld {
            sender_pc,
            isp,
            corp,
            recipient_pc,
        },
    )
}

/// Adds a backup MX for corp.example: host `mx2.corp.example` at MX preference 20, behind the
/// main host's 10. Senders try the lower number first and the backup only when the main host
/// cannot be reached; the backup keeps the mail in its queue and passes it on to the main host
/// when that is back (RFC 5321 §5.1). Its SMTP server (port 25) stores no mail of its own.
pub fn add_backup_mx(w: &mut World) -> HostId {
    let backup = w.add_host(
        BACKUP_MX,
        "203.0.113.26",
        HostRole::MailServer,
        "Backup MX host (MX 20)",
    );
    w.net.dns.add_mx("corp.example", 20, BACKUP_MX);
    w.store.add_backup_host("corp.example", BACKUP_MX);
    w.add_service(backup, Service::Smtp);
    backup
}

fn seed_messages(w: &mut World) {
    let clock = w.clock;
    let at = |mins_ago: u64| {
        let t = Instant::ZERO;
        clock.unix(t) - (Duration::from_secs(mins_ago * 60).as_secs() as i64)
    };
    let date = |unix: i64| crate::time::format_rfc5322(unix);
    let messages: Vec<(&str, i64, Flags, String)> = vec![
        (
            "boss@corp.example",
            at(180),
            Flags::new().with(Flag::Seen),
            format!(
                "Return-Path: <alice@corp.example>\r\n\
                 Received: from pc.corp.example ([203.0.113.50]) by mx.corp.example with ESMTPA id seed1; {d}\r\n\
                 From: Alice Archer <alice@corp.example>\r\n\
                 To: Robert Boss <boss@corp.example>\r\n\
                 Subject: Welcome to Mail Sandbox\r\n\
                 Date: {d}\r\n\
                 Message-ID: <seed1@corp.example>\r\n\
                 MIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=us-ascii\r\n\
                 \r\n\
                 Hi Robert,\r\n\
                 \r\n\
                 this mailbox lives on mx.corp.example. Read it with POP3 (port 110)\r\n\
                 or IMAP (port 143), or watch a new message arrive from Smith.\r\n\
                 \r\n\
                 Alice\r\n",
                d = date(at(180))
            ),
        ),
        (
            "boss@corp.example",
            at(120),
            Flags::new(),
            format!(
                "Return-Path: <smith@isp.example>\r\n\
                 Received: from smtp.isp.example (smtp.isp.example [198.51.100.25]) by mx.corp.example with ESMTP id seed2; {d}\r\n\
                 Received: from pc.home.example ([192.0.2.10]) by smtp.isp.example with ESMTPA id seed2a; {d}\r\n\
                 From: Jane Smith <smith@isp.example>\r\n\
                 To: Robert Boss <boss@corp.example>\r\n\
                 Subject: Progress on the quarterly report\r\n\
                 Date: {d}\r\n\
                 Message-ID: <seed2@isp.example>\r\n\
                 MIME-Version: 1.0\r\n\
                 Content-Type: multipart/mixed; boundary=\"outer-1\"\r\n\
                 \r\n\
                 This is a multi-part message in MIME format.\r\n\
                 --outer-1\r\n\
                 Content-Type: multipart/alternative; boundary=\"alt-1\"\r\n\
                 \r\n\
                 --alt-1\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\
                 \r\n\
                 Hello Robert,\r\n\
                 \r\n\
                 the figures for the report are attached. Two sections are done.\r\n\
                 \r\n\
                 Jane\r\n\
                 --alt-1\r\n\
                 Content-Type: text/html; charset=utf-8\r\n\
                 \r\n\
                 <p>Hello Robert,</p><p>the figures for the report are <b>attached</b>. Two sections are done.</p><p>Jane</p>\r\n\
                 --alt-1--\r\n\
                 --outer-1\r\n\
                 Content-Type: text/csv; name=\"figures.csv\"\r\n\
                 Content-Disposition: attachment; filename=\"figures.csv\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\
                 \r\n\
                 cXVhcnRlcixyZXZlbnVlClExLDEyMApRMiwxMzUKUTMsMTUwCg==\r\n\
                 --outer-1--\r\n",
                d = date(at(120))
            ),
        ),
        (
            "boss@corp.example",
            at(60),
            Flags::new(),
            format!(
                "Return-Path: <zoe@corp.example>\r\n\
                 From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@corp.example>\r\n\
                 To: Robert Boss <boss@corp.example>\r\n\
                 Cc: Alice Archer <alice@corp.example>\r\n\
                 Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgWsO8cmljaCDigJMgQ2Fmw6kg4piV?=\r\n\
                 Date: {d}\r\n\
                 Message-ID: <seed3@corp.example>\r\n\
                 MIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: 8bit\r\n\
                 \r\n\
                 Grüße aus Zürich! The café meeting is moved to Thursday.\r\n",
                d = date(at(60))
            ),
        ),
        (
            "smith@isp.example",
            at(240),
            Flags::new(),
            format!(
                "Return-Path: <boss@corp.example>\r\n\
                 From: Robert Boss <boss@corp.example>\r\n\
                 To: Jane Smith <smith@isp.example>\r\n\
                 Subject: The quarterly report\r\n\
                 Date: {d}\r\n\
                 Message-ID: <seed4@corp.example>\r\n\
                 \r\n\
                 Jane, could you send me an update on the report this week?\r\n\
                 Robert\r\n",
                d = date(at(240))
            ),
        ),
    ];
    for (user, when, flags, raw) in messages {
        let _ = w
            .store
            .deliver(user, "INBOX", raw.into_bytes(), flags, when);
    }
}
