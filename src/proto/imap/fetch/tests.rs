//! Known answers for ENVELOPE, BODYSTRUCTURE and body sections of tricky messages.

use super::*;
use crate::message::bodystructure::body_structure;
use crate::message::parse;
use crate::store::{Flag, Flags};
use std::sync::Arc;

const NESTED: &str = "From: a@x.example\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b1\r\nContent-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\nSubject: inner\r\nFrom: =?ISO-8859-1?Q?Andr=E9?= <andre@y.example>\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain\r\n--b2\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--b2--\r\n--b1\r\nContent-Type: multipart/related; boundary=b3\r\nContent-Disposition: inline\r\nContent-Language: en, fr\r\n\r\n--b3\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBO\r\n--b3--\r\n--b1--\r\n";

fn stored(raw: &str) -> StoredMessage {
    StoredMessage::new(
        5,
        Flags::new().with(Flag::Seen),
        1,
        0,
        Arc::from(raw.as_bytes()),
    )
}

fn structure(raw: &str, ext: bool) -> String {
    let info = parse(raw.as_bytes());
    let mut out = Vec::new();
    write_body(&mut out, &body_structure(raw.as_bytes(), &info.root), ext);
    String::from_utf8(out).unwrap()
}

fn section(raw: &str, spec: &str) -> Option<String> {
    let cmd = format!("a FETCH 1 BODY[{spec}]");
    let (_, name, mut p) = super::super::parse::head(cmd.as_bytes()).unwrap();
    let super::super::parse::Command::Fetch { items, .. } =
        super::super::parse::arguments(&name, &mut p).unwrap()
    else {
        panic!("not a fetch")
    };
    let FetchAtt::Section { section, .. } = &items[0] else {
        panic!("not a section")
    };
    let info = parse(raw.as_bytes());
    section_bytes(raw.as_bytes(), &info.root, section).map(|b| String::from_utf8(b).unwrap())
}

#[test]
fn bodystructure_of_nested_multiparts_and_an_enclosed_message() {
    let inner = &NESTED[NESTED.find("Subject: inner").unwrap()
        ..NESTED
            .find("\r\n--b1\r\nContent-Type: multipart/related")
            .unwrap()];
    let want = format!(
        "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 8 1 NIL NIL NIL NIL)\
(\"MESSAGE\" \"RFC822\" NIL NIL \"forwarded\" \"7BIT\" {} \
(NIL \"inner\" ((\"=?ISO-8859-1?Q?Andr=E9?=\" NIL \"andre\" \"y.example\")) ((\"=?ISO-8859-1?Q?Andr=E9?=\" NIL \"andre\" \"y.example\")) ((\"=?ISO-8859-1?Q?Andr=E9?=\" NIL \"andre\" \"y.example\")) NIL NIL NIL NIL NIL) \
((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 8 1 NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"b2\") NIL NIL NIL) \
{} NIL NIL NIL NIL)\
((\"IMAGE\" \"PNG\" NIL \"<img1>\" NIL \"BASE64\" 4 NIL NIL NIL NIL) \"RELATED\" (\"BOUNDARY\" \"b3\") (\"INLINE\" NIL) (\"en\" \"fr\") NIL) \
\"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)",
        inner.len(),
        inner.matches('\n').count() + 1
    );
    assert_eq!(structure(NESTED, true), want);
    // BODY: the same without extension data.
    let body = structure(NESTED, false);
    assert!(
        body.starts_with(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 8 1)(\"MESSAGE\""
        ),
        "{body}"
    );
    assert!(
        body.ends_with(
            "((\"IMAGE\" \"PNG\" NIL \"<img1>\" NIL \"BASE64\" 4) \"RELATED\") \"MIXED\")"
        ),
        "{body}"
    );
}

#[test]
fn sections_of_nested_parts() {
    assert_eq!(section(NESTED, "1").as_deref(), Some("part one"));
    assert_eq!(
        section(NESTED, "2.HEADER").as_deref(),
        Some("Subject: inner\r\nFrom: =?ISO-8859-1?Q?Andr=E9?= <andre@y.example>\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n")
    );
    assert_eq!(section(NESTED, "2.1").as_deref(), Some("plain"));
    assert_eq!(section(NESTED, "2.2").as_deref(), Some("<b>x</b>"));
    assert_eq!(
        section(NESTED, "2.2.MIME").as_deref(),
        Some("Content-Type: text/html\r\n\r\n")
    );
    assert!(section(NESTED, "2.TEXT").unwrap().starts_with("--b2\r\n"));
    assert!(section(NESTED, "2").unwrap().starts_with("Subject: inner"));
    assert_eq!(
        section(NESTED, "2.HEADER.FIELDS (subject)").as_deref(),
        Some("Subject: inner\r\n\r\n")
    );
    assert_eq!(section(NESTED, "3.1").as_deref(), Some("iVBO"));
    assert_eq!(
        section(NESTED, "3.1.MIME").as_deref(),
        Some("Content-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    );
    assert_eq!(section(NESTED, "4"), None);
    assert_eq!(section(NESTED, "1.1"), None);
    assert_eq!(section(NESTED, "1.HEADER"), None, "part 1 is not a message");
    assert_eq!(
        section(NESTED, "HEADER.FIELDS.NOT (Content-Type From)").as_deref(),
        Some("Subject: nested\r\n\r\n")
    );
    // A single-part message has one part, its body.
    let simple = "Subject: s\r\n\r\nbody\r\n";
    assert_eq!(section(simple, "1").as_deref(), Some("body\r\n"));
    assert_eq!(section(simple, "TEXT").as_deref(), Some("body\r\n"));
    assert_eq!(section(simple, "").as_deref(), Some(simple));
}

#[test]
fn envelope_with_missing_headers_groups_and_quoting() {
    let raw = "Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nSubject: say \"hi\" \\o/\r\nFrom: \"Joe Q. Public\" <john.q.public@example.com>\r\nSender: Secretary <sec@example.com>\r\nTo: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\r\nCc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\r\nBcc: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\r\nIn-Reply-To: <1234@local.machine.example>\r\nMessage-ID: <5678.21-Nov-1997@example.com>\r\n\r\n";
    let m = stored(raw);
    let out = String::from_utf8(fetch_response(
        1,
        &m,
        &[FetchAtt::Envelope],
        false,
        false,
        false,
        false,
    ))
    .unwrap();
    assert_eq!(
        out,
        "* 1 FETCH (ENVELOPE (\"Mon, 02 Nov 2026 09:00:00 +0000\" \"say \\\"hi\\\" \\\\o/\" \
((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) \
((\"Secretary\" NIL \"sec\" \"example.com\")) \
((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) \
((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")(\"Who?\" NIL \"one\" \"y.test\")) \
((NIL NIL \"boss\" \"nil.test\")(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\")) \
((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)) \
\"<1234@local.machine.example>\" \"<5678.21-Nov-1997@example.com>\"))\r\n"
    );
    // Nothing at all: every field NIL.
    let bare = stored("\r\nbody");
    let out = String::from_utf8(fetch_response(
        2,
        &bare,
        &[FetchAtt::Envelope],
        false,
        false,
        false,
        false,
    ))
    .unwrap();
    assert_eq!(
        out,
        "* 2 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
    );
}

#[test]
fn eight_bit_header_values_go_out_as_literals() {
    let m = stored("Subject: Caf\u{e9} cr\u{e8}me\r\n\r\n");
    let out = fetch_response(1, &m, &[FetchAtt::Envelope], false, false, false, true);
    let want = "* 1 FETCH (ENVELOPE (NIL {12}\r\nCaf\u{e9} cr\u{e8}me NIL NIL NIL NIL NIL NIL NIL NIL))\r\n";
    assert_eq!(String::from_utf8(out).unwrap(), want);
}

#[test]
fn uid_first_and_implicit_flags() {
    let m = stored("Subject: x\r\n\r\nhello\r\n");
    let items = [FetchAtt::Section {
        section: Section::default(),
        partial: Some((1, 3)),
        peek: false,
    }];
    let out = String::from_utf8(fetch_response(4, &m, &items, true, true, true, true)).unwrap();
    assert_eq!(
        out,
        "* 4 FETCH (UID 5 BODY[]<1> {3}\r\nubj FLAGS (\\Seen \\Recent))\r\n"
    );
}
