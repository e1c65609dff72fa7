//! Delivery status notifications (RFC 3464, `multipart/report` of RFC 6522).

use super::{QueueEntry, RcptState};
use crate::time::format_rfc5322;

/// The status code (RFC 3463 §2) of a failure reason the relay wrote (`452 4.2.2 mailbox
/// full`, `4.4.1 cannot reach ...`), if it has one.
pub fn reason_status(reason: &str) -> Option<&str> {
    reason.split_whitespace().take(2).find(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    })
}

/// The status code of a failure reason, or the generic permanent one.
fn status_of(reason: &str) -> &str {
    reason_status(reason).unwrap_or("5.0.0")
}

/// Each failed recipient of `entry` with the status code of its failure (RFC 3464 §2.3.4).
pub fn failed_statuses(entry: &QueueEntry) -> Vec<(String, String)> {
    entry
        .recipients
        .iter()
        .filter_map(|r| match &r.state {
            RcptState::Failed(why) => Some((r.address.clone(), status_of(why).to_string())),
            _ => None,
        })
        .collect()
}

/// The bounce for the failed recipients of `entry`, from the postmaster of `host`, or `None`
/// when nothing failed or the message had the null reverse-path (RFC 5321 §4.5.5: never a
/// bounce for a bounce).
pub fn bounce_message(entry: &QueueEntry, host: &str, unix_now: i64, id: &str) -> Option<Vec<u8>> {
    if entry.mail_from.is_empty() {
        return None;
    }
    let failed: Vec<(&str, &str, Option<&str>)> = entry
        .recipients
        .iter()
        .filter_map(|r| match &r.state {
            RcptState::Failed(why) => Some((
                r.address.as_str(),
                why.as_str(),
                r.unanswered_hop.as_deref(),
            )),
            _ => None,
        })
        .collect();
    if failed.is_empty() {
        return None;
    }
    let boundary = format!("dsn-{id}");
    let date = format_rfc5322(unix_now);
    let header_end = crate::message::header_end(&entry.data);
    let original_headers = String::from_utf8_lossy(&entry.data[..header_end]);
    let mut human = String::new();
    for (addr, why, unanswered) in &failed {
        human.push_str(&format!("  <{addr}>: {why}\r\n"));
        if let Some(hop) = unanswered {
            // RFC 5321 §6.1: the sender should know this failure may not be the whole story.
            human.push_str(&format!(
                "    Note: an earlier attempt sent the whole message to {hop}, but {hop}'s\r\n    \
                 answer never arrived (the connection was lost after the final dot). {hop} may\r\n    \
                 have delivered it, so <{addr}> may have received it after all\r\n    \
                 (RFC 5321 section 6.1).\r\n"
            ));
        }
    }
    let mut per_rcpt = String::new();
    for (addr, why, _) in &failed {
        per_rcpt.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {addr}\r\nAction: failed\r\nStatus: {}\r\nDiagnostic-Code: smtp; {}\r\n",
            status_of(why),
            why.replace(['\r', '\n'], " ")
        ));
    }
    let text = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\n\
         To: <{to}>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: {date}\r\n\
         Message-ID: <{id}.bounce@{host}>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         This is the mail system at host {host}.\r\n\
         \r\n\
         Your message (queue id {qid}) could not be delivered to one or more\r\n\
         recipients. It is attached below.\r\n\
         \r\n\
         {human}\
         \r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; {host}\r\n\
         Arrival-Date: {date}\r\n\
         {per_rcpt}\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         {original_headers}\
         --{boundary}--\r\n",
        to = entry.mail_from,
        qid = entry.id,
    );
    Some(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::Recipient;
    use crate::time::Instant;

    fn entry(from: &str) -> QueueEntry {
        QueueEntry {
            id: "Q1".into(),
            host: "smtp.isp.example".into(),
            mail_from: from.into(),
            recipients: vec![
                Recipient {
                    address: "nobody@corp.example".into(),
                    state: RcptState::Failed(
                        "550 5.1.1 <nobody@corp.example>: user unknown".into(),
                    ),
                    unanswered_hop: None,
                },
                Recipient {
                    address: "boss@corp.example".into(),
                    state: RcptState::Delivered,
                    unanswered_hop: None,
                },
            ],
            data: b"Subject: hi\r\nFrom: smith@isp.example\r\n\r\nbody\r\n"
                .to_vec()
                .into(),
            created: Instant::ZERO,
            attempts: 1,
            next_attempt: Instant::ZERO,
            last_error: None,
        }
    }

    #[test]
    fn a_bounce_names_the_failed_recipient_with_its_status() {
        let raw = bounce_message(&entry("smith@isp.example"), "smtp.isp.example", 0, "B1").unwrap();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.contains("Final-Recipient: rfc822; nobody@corp.example\r\n"));
        assert!(text.contains("Status: 5.1.1\r\n"));
        assert!(!text.contains("Final-Recipient: rfc822; boss@corp.example"));
        assert!(text.contains("Subject: hi\r\n"));
        let info = crate::message::parse(&raw);
        assert_eq!(info.root.subtype, "report");
        assert_eq!(info.root.children.len(), 3);
    }

    /// A recipient whose earlier attempt lost the next hop's answer after the final dot: the
    /// bounce says the message may have arrived after all (RFC 5321 §6.1).
    #[test]
    fn a_bounce_says_when_an_earlier_answer_never_arrived() {
        let mut e = entry("smith@isp.example");
        let plain =
            String::from_utf8(bounce_message(&e, "smtp.isp.example", 0, "B1").unwrap()).unwrap();
        assert!(!plain.contains("never arrived"), "{plain}");
        e.recipients[0].unanswered_hop = Some("mx.corp.example".into());
        let text =
            String::from_utf8(bounce_message(&e, "smtp.isp.example", 0, "B1").unwrap()).unwrap();
        assert!(
            text.contains("an earlier attempt sent the whole message to mx.corp.example"),
            "{text}"
        );
        assert!(text.contains("answer never arrived"), "{text}");
        assert!(
            text.contains("<nobody@corp.example> may have received it"),
            "{text}"
        );
    }

    #[test]
    fn never_a_bounce_for_a_bounce() {
        assert!(bounce_message(&entry(""), "smtp.isp.example", 0, "B1").is_none());
    }
}
