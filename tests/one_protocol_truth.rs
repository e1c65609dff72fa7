//! One protocol truth (issue 25): what the journey draws, what a challenge observes and how a
//! hop is explained come from the typed records the servers write, per connection, and from
//! the service each connection reached, never from reading the wire again or from the port.
//! Each of these failed when the journey and the watch had grammars of their own.

mod common;

use common::*;
use mail_sandbox::learn::challenge::{Observed, ReplyClass};
use mail_sandbox::learn::hops::describe;
use mail_sandbox::net::HostId;
use mail_sandbox::proto::verb::{ImapVerb, Pop3Verb, Verb};
use mail_sandbox::sandbox::journey::{Hop, Journey};
use mail_sandbox::sandbox::{Service, World};

/// The hops and the observations since `journey` and `seen` started.
fn look(w: &mut World, journey: &mut Journey, seen: &mut Observed) -> Vec<Hop> {
    let events: Vec<_> = std::iter::from_fn(|| w.poll_event_stamped()).collect();
    let hops = journey.poll(w, &events);
    seen.observe(w, &hops);
    hops
}

fn verbs_from(hops: &[Hop], client: HostId) -> Vec<String> {
    hops.iter()
        .filter_map(|h| match h {
            Hop::Command {
                client: c, verb, ..
            } if *c == client => Some(verb.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn imap_sort_thread_getquotaroot_and_starttls_are_hops_and_observed_exchanges() {
    let (mut w, d) = world();
    let mut journey = Journey::new(&w);
    let mut seen = Observed::new(&w);
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    i.say(&mut w, "a1 LOGIN boss boss");
    i.say(&mut w, "a2 SELECT INBOX");
    let r = i.say(&mut w, "a3 SORT (SUBJECT) UTF-8 ALL");
    assert!(r.contains("* SORT"), "{r}");
    let r = i.say(&mut w, "a4 THREAD ORDEREDSUBJECT UTF-8 ALL");
    assert!(r.contains("* THREAD"), "{r}");
    let r = i.say(&mut w, "a5 GETQUOTAROOT INBOX");
    assert!(r.contains("* QUOTAROOT"), "{r}");
    i.say(&mut w, "a6 UID SORT (DATE) UTF-8 ALL");
    i.say(&mut w, "a7 STARTTLS");
    let hops = look(&mut w, &mut journey, &mut seen);
    let verbs = verbs_from(&hops, d.recipient_pc);
    assert_eq!(
        verbs,
        [
            "LOGIN",
            "SELECT",
            "SORT",
            "THREAD",
            "GETQUOTAROOT",
            "UID SORT",
            "STARTTLS"
        ]
    );
    let conv = seen.conversations().next().expect("the IMAP connection");
    let got: Vec<(String, Option<ReplyClass>, Vec<String>)> = conv
        .exchanges()
        .map(|e| (e.verb.to_string(), e.reply, e.untagged.clone()))
        .collect();
    let find = |verb: &str| got.iter().find(|(v, _, _)| v == verb).cloned();
    let sort = find("SORT").expect("SORT observed");
    assert_eq!(sort.1, Some(ReplyClass::Ok));
    assert!(sort.2.contains(&"SORT".to_string()), "{sort:?}");
    let thread = find("THREAD").expect("THREAD observed");
    assert!(thread.2.contains(&"THREAD".to_string()), "{thread:?}");
    let quota = find("GETQUOTAROOT").expect("GETQUOTAROOT observed");
    assert_eq!(quota.1, Some(ReplyClass::Ok));
    assert!(quota.2.contains(&"QUOTAROOT".to_string()), "{quota:?}");
    assert!(find("STARTTLS").is_some(), "{got:?}");
    assert_eq!(conv.user.as_deref(), Some("boss@corp.example"));
}

#[test]
fn smtp_commands_after_a_refused_data_are_still_drawn() {
    let (mut w, d) = world();
    let mut journey = Journey::new(&w);
    let mut seen = Observed::new(&w);
    let mut s = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    s.say(&mut w, "EHLO pc.home.example");
    let r = s.say(&mut w, "DATA");
    assert!(r.starts_with("503"), "DATA before MAIL is refused: {r}");
    s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    s.say(&mut w, "RCPT TO:<boss@corp.example>");
    s.say(&mut w, "NOOP");
    s.say(&mut w, "QUIT");
    let hops = look(&mut w, &mut journey, &mut seen);
    assert_eq!(
        verbs_from(&hops, d.sender_pc),
        ["EHLO", "DATA", "MAIL", "RCPT", "NOOP", "QUIT"]
    );
    let conv = seen.conversations().next().expect("the SMTP connection");
    let replies: Vec<(String, Option<ReplyClass>)> = conv
        .exchanges()
        .map(|e| (e.verb.to_string(), e.reply))
        .collect();
    assert_eq!(replies[1], ("DATA".to_string(), Some(ReplyClass::Error)));
    assert_eq!(replies[2], ("MAIL".to_string(), Some(ReplyClass::Ok)));
}

#[test]
fn bdat_chunk_text_is_never_drawn_as_a_command() {
    let (mut w, d) = world();
    let mut journey = Journey::new(&w);
    let mut seen = Observed::new(&w);
    let mut s = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    s.say(&mut w, "EHLO pc.home.example");
    s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    s.say(&mut w, "RCPT TO:<boss@corp.example>");
    let chunk = "Subject: x\r\n\r\nRCPT TO:<zoe@corp.example>\r\nQUIT\r\n";
    let r = s.raw(
        &mut w,
        format!("BDAT {} LAST\r\n{chunk}", chunk.len()).as_bytes(),
    );
    assert!(r.starts_with("250"), "{r}");
    s.say(&mut w, "NOOP");
    let hops = look(&mut w, &mut journey, &mut seen);
    assert_eq!(
        verbs_from(&hops, d.sender_pc),
        ["EHLO", "MAIL", "RCPT", "BDAT", "NOOP"]
    );
}

#[test]
fn a_service_on_a_port_of_its_own_is_drawn_and_explained_by_its_protocol() {
    let (mut w, d) = world();
    w.add_service_on(d.corp, Service::Pop3, 2110);
    let mut journey = Journey::new(&w);
    let mut seen = Observed::new(&w);
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 2110);
    p.say(&mut w, "USER boss");
    p.say(&mut w, "PASS boss");
    p.say(&mut w, "LIST");
    let hops = look(&mut w, &mut journey, &mut seen);
    let list = hops
        .iter()
        .find(|h| matches!(h, Hop::Command { verb, .. } if *verb == Verb::Pop3(Pop3Verb::List)))
        .expect("POP3 LIST on port 2110 is drawn");
    let name = |h: HostId| w.net.host_name(h).to_string();
    let (text, _) = describe(list, name);
    assert!(text.rfc.contains("RFC 1939"), "{text:?}");
    let conv = seen.conversations().next().expect("observed");
    assert_eq!(conv.user.as_deref(), Some("boss@corp.example"));
}

#[test]
fn the_imap_list_of_the_mail_client_is_explained_as_imap() {
    let (mut w, d) = world();
    let mut journey = Journey::new(&w);
    let mut seen = Observed::new(&w);
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    i.say(&mut w, "a1 LOGIN boss boss");
    i.say(&mut w, "a2 LIST \"\" \"*\"");
    let hops = look(&mut w, &mut journey, &mut seen);
    let list = hops
        .iter()
        .find(|h| {
            matches!(h, Hop::Command { verb, .. }
                if *verb == Verb::Imap { verb: ImapVerb::List, uid: false })
        })
        .expect("IMAP LIST is drawn");
    let name = |h: HostId| w.net.host_name(h).to_string();
    let (text, _) = describe(list, name);
    assert!(
        !text.detail.contains("maildrop") && !text.rfc.contains("1939"),
        "IMAP's LIST explained as POP3's: {text:?}"
    );
    assert!(text.rfc.contains("RFC 3501"), "{text:?}");
}

/// Records say which command was sent, never the secret it carried.
#[test]
fn no_password_lands_in_a_record() {
    use mail_sandbox::wire::sasl::{b64_encode, encode_plain};
    let (mut w, d) = world();
    let plain = encode_plain("boss", "hunter2");
    let login_b64 = b64_encode(b"hunter2");
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    i.say(&mut w, "a1 LOGIN boss hunter2");
    i.say(&mut w, "a2 LGIN boss hunter2");
    i.say(&mut w, &format!("a3 AUTHENTICATE PLAIN {plain}"));
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    p.say(&mut w, "USER boss");
    p.say(&mut w, "PASS hunter2");
    p.say(&mut w, "PSS hunter2");
    let mut s = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    s.say(&mut w, "EHLO x");
    s.say(&mut w, &format!("AUTH PLAIN {plain}"));
    s.say(&mut w, "AUTH LOGIN");
    s.say(&mut w, &b64_encode(b"boss"));
    s.say(&mut w, &login_b64);
    for conn in [i.conn, p.conn, s.conn] {
        let records: Vec<_> = w.records_of(conn).collect();
        assert!(!records.is_empty());
        let text = format!("{records:?}");
        assert!(
            !text.contains("hunter2") && !text.contains(&plain) && !text.contains(&login_b64),
            "{text}"
        );
    }
}
