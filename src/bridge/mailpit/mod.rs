//! A Mailpit-compatible subset of HTTP API v1, beside the bridge's own API, so a test suite
//! written against Mailpit (through its client libraries) runs unchanged against the bridge.
//! Field names and types follow Mailpit's own API documentation (its OpenAPI file).
//!
//! Which messages: every message of every folder of every user of the world (catch-all
//! mailboxes included), newest first (by arrival, then UID). A message's `ID` is
//! `base64url(user "\n" folder "\n" UIDVALIDITY "\n" UID)` without padding: URL-safe, stable
//! while the message stays, never reused for another message (a recreated folder has a new
//! UIDVALIDITY, RFC 3501 §2.3.1.1). "Read" is the `\Seen` flag, so IMAP and the API agree.

mod chaos;
mod search;
mod view;

pub use chaos::ChaosTriggers;

use super::api::{ok, rfc3339};
use super::http::{ApiCall, ApiResponse, Method};
use super::Bridge;
use crate::sandbox::World;
use crate::store::{Flag, StoredMessage};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use search::Query;
use serde_json::{json, Value};
use std::collections::HashMap;
use view::{is_read, MessageView};

/// Messages per page when `limit` is not given (Mailpit's default).
const DEFAULT_LIMIT: usize = 50;

/// Where a message lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MessageRef {
    user: String,
    folder: String,
    uidvalidity: u32,
    uid: u32,
}

impl MessageRef {
    fn id(&self) -> String {
        let key = format!(
            "{}\n{}\n{}\n{}",
            self.user, self.folder, self.uidvalidity, self.uid
        );
        URL_SAFE_NO_PAD.encode(key)
    }

    fn from_id(id: &str) -> Option<MessageRef> {
        let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut fields = text.split('\n');
        let (user, folder) = (fields.next()?, fields.next()?);
        let uidvalidity = fields.next()?.parse().ok()?;
        let uid = fields.next()?.parse().ok()?;
        if fields.next().is_some() {
            return None;
        }
        Some(MessageRef {
            user: user.to_string(),
            folder: folder.to_string(),
            uidvalidity,
            uid,
        })
    }
}

/// The order in which this API first saw messages: the store keeps arrival times in whole
/// seconds, so messages of the same second (in different mailboxes) are told apart by when a
/// listing first met them (and, met in the same listing, by UID).
#[derive(Debug, Clone, Default)]
pub(super) struct ArrivalOrder {
    seen: HashMap<MessageRef, u64>,
    next: u64,
}

impl ArrivalOrder {
    /// Sorts newest first, numbering messages not met before; forgets messages that are gone.
    fn sort(&mut self, list: &mut [(MessageRef, &StoredMessage)]) {
        list.sort_by_key(|(a, ma)| (ma.internal_date, a.uid));
        let mut seen = HashMap::with_capacity(list.len());
        for (at, _) in list.iter() {
            let n = match self.seen.get(at) {
                Some(n) => *n,
                None => {
                    self.next += 1;
                    self.next
                }
            };
            seen.insert(at.clone(), n);
        }
        self.seen = seen;
        let order = &self.seen;
        list.sort_by_key(|(at, m)| std::cmp::Reverse((m.internal_date, order.get(at).copied())));
    }
}

/// Every message of the world, newest first.
fn all_messages<'w>(
    world: &'w World,
    order: &mut ArrivalOrder,
) -> Vec<(MessageRef, &'w StoredMessage)> {
    let mut list = Vec::new();
    for account in world.store.accounts() {
        let Some(mailbox) = world.store.mailbox(&account.address) else {
            continue;
        };
        for (name, folder) in &mailbox.folders {
            for m in folder.messages() {
                let at = MessageRef {
                    user: account.address.clone(),
                    folder: name.clone(),
                    uidvalidity: folder.uidvalidity,
                    uid: m.uid,
                };
                list.push((at, m));
            }
        }
    }
    order.sort(&mut list);
    list
}

/// The message an `ID` (or `latest`) names.
fn find<'w>(
    world: &'w World,
    order: &mut ArrivalOrder,
    id: &str,
) -> Option<(MessageRef, &'w StoredMessage)> {
    if id == "latest" {
        return all_messages(world, order).into_iter().next();
    }
    let at = MessageRef::from_id(id)?;
    let folder = world.store.folder(&at.user, &at.folder)?;
    if folder.uidvalidity != at.uidvalidity {
        return None;
    }
    let m = folder.by_uid(at.uid)?;
    Some((at, m))
}

/// Mailpit's `MessageSummary` (plus where the message lives in our world: `User`, `Mailbox`,
/// `UID`, which Mailpit clients ignore).
fn summary(at: &MessageRef, m: &StoredMessage, v: &MessageView) -> Value {
    json!({
        "ID": at.id(),
        "MessageID": v.message_id,
        "Read": is_read(m),
        "From": v.sender_json(),
        "To": MessageView::address_list(&v.to),
        "Cc": MessageView::address_list(&v.cc),
        "Bcc": MessageView::address_list(&v.bcc),
        "ReplyTo": MessageView::address_list(&v.reply_to),
        "Subject": v.subject,
        "Created": rfc3339(m.internal_date),
        "Tags": m.flags.keywords(),
        "Size": m.size(),
        "Attachments": v.attachments.len(),
        "Snippet": v.snippet(),
        "User": at.user,
        "Mailbox": at.folder,
        "UID": at.uid,
    })
}

/// A plain-text answer (Mailpit answers errors and "ok" as text/plain).
fn text(status: u16, body: &str) -> ApiResponse {
    ApiResponse {
        status,
        content_type: "text/plain; charset=utf-8".into(),
        body: body.as_bytes().to_vec(),
    }
}

fn not_found() -> ApiResponse {
    text(404, "message not found")
}

/// `start`/`limit` of a query string (`limit` 0 or absent: Mailpit's default of 50).
fn page(params: &[(String, String)]) -> Result<(usize, usize), String> {
    let number = |name: &str| -> Result<Option<usize>, String> {
        match params.iter().find(|(k, _)| k == name) {
            Some((_, v)) if !v.is_empty() => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name} must be a number")),
            _ => Ok(None),
        }
    };
    let start = number("start")?.unwrap_or(0);
    let limit = number("limit")?.filter(|l| *l > 0).unwrap_or(DEFAULT_LIMIT);
    Ok((start, limit))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `GET /api/v1/messages` and `GET /api/v1/search`: Mailpit's `MessagesSummary`. `total` and
/// `unread` count the whole world, `messages_count` the matches, `messages` one page.
fn list(
    world: &World,
    order: &mut ArrivalOrder,
    query: Option<&Query>,
    user: Option<&str>,
    raw_query: &str,
) -> ApiResponse {
    let params = super::api::parse_query(raw_query);
    let (start, limit) = match page(&params) {
        Ok(p) => p,
        Err(e) => return text(400, &e),
    };
    let all = all_messages(world, order);
    let total = all.len();
    let unread = all.iter().filter(|(_, m)| !is_read(m)).count();
    let mut matched = 0;
    let mut messages = Vec::new();
    for (at, m) in &all {
        if user.is_some_and(|u| !u.eq_ignore_ascii_case(&at.user)) {
            continue;
        }
        let hit = match query {
            None => true,
            Some(q) if q.is_flags_only() => q.matches(&MessageView::default(), is_read(m)),
            Some(q) => q.matches(&MessageView::new(&m.raw), is_read(m)),
        };
        if !hit {
            continue;
        }
        if matched >= start && messages.len() < limit {
            messages.push(summary(at, m, &MessageView::new(&m.raw)));
        }
        matched += 1;
    }
    ok(json!({
        "total": total,
        "unread": unread,
        "count": messages.len(),
        "messages_count": matched,
        "start": start,
        "tags": Vec::<String>::new(),
        "messages": messages,
    }))
}

/// The IDs of a `{"IDs": [...]}` body: `None` when there are none (meaning "all").
fn ids_of(body: &[u8]) -> Result<(Option<Vec<String>>, Value), String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, Value::Null));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let ids = match v.get("IDs") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.is_empty() => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("IDs must be strings")?,
        ),
        Some(_) => return Err("IDs must be an array of strings".into()),
    };
    Ok((ids, v))
}

/// The messages named by `ids` (unknown ones are skipped), or all of them.
fn targets(world: &World, order: &mut ArrivalOrder, ids: Option<&[String]>) -> Vec<MessageRef> {
    match ids {
        None => all_messages(world, order)
            .into_iter()
            .map(|(at, _)| at)
            .collect(),
        Some(ids) => ids
            .iter()
            .filter_map(|id| find(world, order, id).map(|(at, _)| at))
            .collect(),
    }
}

/// Deletes messages at once (like IMAP's EXPUNGE: open sessions are told).
fn delete(world: &mut World, targets: &[MessageRef]) {
    for at in targets {
        if let Some(folder) = world.store.folder_mut(&at.user, &at.folder) {
            if folder.uidvalidity == at.uidvalidity {
                folder.expunge(&[at.uid]);
            }
        }
    }
}

/// Sets or clears `\Seen` (what Mailpit calls read).
fn set_read(world: &mut World, targets: &[MessageRef], read: bool) {
    for at in targets {
        let Some(folder) = world.store.folder_mut(&at.user, &at.folder) else {
            continue;
        };
        let Some(m) = folder.by_uid(at.uid) else {
            continue;
        };
        let mut flags = m.flags.clone();
        if read {
            flags.insert(Flag::Seen);
        } else {
            flags.remove(Flag::Seen);
        }
        folder.set_flags(at.uid, flags);
    }
}

/// `GET /api/v1/message/{ID}`: Mailpit's `Message`; marks it read.
fn message(world: &mut World, order: &mut ArrivalOrder, id: &str) -> ApiResponse {
    let Some((at, m)) = find(world, order, id) else {
        return not_found();
    };
    let v = MessageView::new(&m.raw);
    let date = v.date.unwrap_or(m.internal_date);
    let body = json!({
        "ID": at.id(),
        "MessageID": v.message_id,
        "From": v.sender_json(),
        "To": MessageView::address_list(&v.to),
        "Cc": MessageView::address_list(&v.cc),
        "Bcc": MessageView::address_list(&v.bcc),
        "ReplyTo": MessageView::address_list(&v.reply_to),
        "ReturnPath": v.return_path,
        "Subject": v.subject,
        "Date": rfc3339(date),
        "Tags": m.flags.keywords(),
        "Text": v.text,
        "HTML": v.html,
        "Size": m.size(),
        "Inline": MessageView::attachments_json(&v.inline),
        "Attachments": MessageView::attachments_json(&v.attachments),
        "User": at.user,
        "Mailbox": at.folder,
        "UID": at.uid,
    });
    set_read(world, &[at], true);
    ok(body)
}

fn info(bridge: &mut Bridge) -> Value {
    let all = all_messages(&bridge.world, &mut bridge.mailpit.order);
    let unread = all.iter().filter(|(_, m)| !is_read(m)).count();
    json!({
        "Version": format!("mail-sandbox {}", env!("CARGO_PKG_VERSION")),
        "LatestVersion": "",
        "Database": "",
        "DatabaseSize": 0,
        "Messages": all.len(),
        "Unread": unread,
        "Tags": {},
        "RuntimeStats": {
            "Uptime": bridge.started.elapsed().as_secs(),
            "Memory": 0,
            "MessagesDeleted": bridge.mailpit.deleted,
            "SMTPAccepted": 0,
            "SMTPAcceptedSize": 0,
            "SMTPRejected": 0,
            "SMTPIgnored": 0,
        },
    })
}

/// What the Mailpit side keeps between calls.
#[derive(Debug, Clone, Default)]
pub(super) struct MailpitState {
    /// The chaos triggers as last set.
    chaos: ChaosTriggers,
    /// The fault rules they were turned into (to take them out again).
    chaos_rules: Vec<crate::fault::FaultRule>,
    /// Messages deleted through this API (for `/info`).
    deleted: u64,
    order: ArrivalOrder,
}

impl Bridge {
    /// Answers a Mailpit call (`rest` is the path after `/api/v1`); `None` when the path is
    /// not one of Mailpit's.
    pub(super) fn handle_mailpit(&mut self, call: &ApiCall, rest: &[&str]) -> Option<ApiResponse> {
        let params = super::api::parse_query(&call.query);
        let (world, state) = (&mut self.world, &mut self.mailpit);
        let order = &mut state.order;
        let response = match (call.method, rest) {
            (Method::Get, ["info"]) => return Some(ok(info(self))),
            (Method::Get, ["messages"]) => list(world, order, None, None, &call.query),
            (Method::Get, ["search"]) => {
                let Some(q) = param(&params, "query").filter(|q| !q.trim().is_empty()) else {
                    return Some(text(400, "query=... is required"));
                };
                match Query::parse(q) {
                    Ok(query) => list(
                        world,
                        order,
                        Some(&query),
                        param(&params, "user"),
                        &call.query,
                    ),
                    Err(e) => text(400, &e),
                }
            }
            (Method::Delete, ["search"]) => {
                let query = match param(&params, "query").map(Query::parse) {
                    Some(Ok(q)) => q,
                    Some(Err(e)) => return Some(text(400, &e)),
                    None => return Some(text(400, "query=... is required")),
                };
                let hits: Vec<MessageRef> = all_messages(world, order)
                    .into_iter()
                    .filter(|(_, m)| query.matches(&MessageView::new(&m.raw), is_read(m)))
                    .map(|(at, _)| at)
                    .collect();
                state.deleted += hits.len() as u64;
                delete(world, &hits);
                text(200, "ok")
            }
            (Method::Delete, ["messages"]) => match ids_of(&call.body) {
                Ok((ids, _)) => {
                    let hits = targets(world, order, ids.as_deref());
                    state.deleted += hits.len() as u64;
                    delete(world, &hits);
                    text(200, "ok")
                }
                Err(e) => text(400, &e),
            },
            (Method::Put, ["messages"]) => match ids_of(&call.body) {
                Ok((ids, v)) => {
                    let read = v.get("Read").and_then(Value::as_bool).unwrap_or(false);
                    let hits = targets(world, order, ids.as_deref());
                    set_read(world, &hits, read);
                    text(200, "ok")
                }
                Err(e) => text(400, &e),
            },
            (Method::Get, ["message", id]) => message(world, order, id),
            (Method::Get, ["message", id, "raw"]) => match find(world, order, id) {
                Some((_, m)) => ApiResponse {
                    status: 200,
                    content_type: "text/plain; charset=utf-8".into(),
                    body: m.raw.to_vec(),
                },
                None => not_found(),
            },
            (Method::Get, ["message", id, "headers"]) => match find(world, order, id) {
                Some((_, m)) => ok(Value::Object(view::header_map(&m.raw))),
                None => not_found(),
            },
            (Method::Get, ["message", id, "part", part_id]) => match find(world, order, id) {
                Some((_, m)) => match view::part_content(&m.raw, part_id) {
                    Some((content_type, body)) => ApiResponse {
                        status: 200,
                        content_type,
                        body,
                    },
                    None => text(404, "part not found"),
                },
                None => not_found(),
            },
            (Method::Get, ["chaos"]) => ok(state.chaos.json()),
            (Method::Put, ["chaos"]) => match ChaosTriggers::from_json(&call.body) {
                Ok(triggers) => match self.set_chaos(triggers) {
                    Ok(()) => ok(triggers.json()),
                    Err(e) => text(400, &e),
                },
                Err(e) => text(400, &e),
            },
            (_, ["info" | "messages" | "message" | "chaos", ..]) => {
                text(405, "method not allowed here")
            }
            _ => return None,
        };
        Some(response)
    }

    /// Mailpit's `GET /view/{ID}.html` and `/view/{ID}.txt` (`ID` may be `latest`): just the
    /// message's HTML or text body, for UI tests that open it in a browser; 404 when the
    /// message has no such part.
    pub(super) fn handle_mailpit_view(&mut self, file: &str) -> ApiResponse {
        let (id, html) = match (file.strip_suffix(".html"), file.strip_suffix(".txt")) {
            (Some(id), _) => (id, true),
            (_, Some(id)) => (id, false),
            _ => return text(404, "not found: /view/{ID}.html or /view/{ID}.txt"),
        };
        let Some((_, m)) = find(&self.world, &mut self.mailpit.order, id) else {
            return not_found();
        };
        let v = MessageView::new(&m.raw);
        let (body, content_type) = match html {
            true => (v.html, "text/html; charset=utf-8"),
            false => (v.text, "text/plain; charset=utf-8"),
        };
        if body.is_empty() {
            return text(404, "the message has no such part");
        }
        ApiResponse {
            status: 200,
            content_type: content_type.into(),
            body: body.into_bytes(),
        }
    }

    /// Replaces the chaos rules in the world's fault book.
    fn set_chaos(&mut self, triggers: ChaosTriggers) -> Result<(), String> {
        for old in std::mem::take(&mut self.mailpit.chaos_rules) {
            if let Some(i) = self.world.fault_rules().iter().position(|r| *r == old) {
                self.world.remove_fault(i + 1);
            }
        }
        self.mailpit.chaos = ChaosTriggers::default();
        let mut servers: Vec<(String, u16)> = self
            .listeners
            .iter()
            .filter(|l| matches!(l.info.service, "smtp" | "submission"))
            .map(|l| (l.info.virtual_host.clone(), l.info.virtual_port))
            .collect();
        servers.dedup();
        for rule in triggers.rules(&servers) {
            let n = self.world.add_fault(&rule).map_err(|e| e.to_string())?;
            if let Some(added) = self.world.fault_rules().get(n - 1) {
                self.mailpit.chaos_rules.push(added.clone());
            }
        }
        self.mailpit.chaos = triggers;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_and_read_back() {
        let at = MessageRef {
            user: "new-user-4711@customer.example".into(),
            folder: "Archive/2026 Q1".into(),
            uidvalidity: 7,
            uid: 42,
        };
        let id = at.id();
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(MessageRef::from_id(&id), Some(at));
        assert_eq!(MessageRef::from_id("not base64!"), None);
        assert_eq!(
            MessageRef::from_id(&URL_SAFE_NO_PAD.encode("a\nb\nx\n1")),
            None
        );
    }

    #[test]
    fn the_world_lists_newest_first_and_latest_is_the_first() {
        let (world, _) = crate::sandbox::default_world(1);
        let order = &mut ArrivalOrder::default();
        let all = all_messages(&world, order);
        assert!(all.len() >= 4);
        assert!(all
            .windows(2)
            .all(|w| w[0].1.internal_date >= w[1].1.internal_date));
        let (latest, _) = find(&world, order, "latest").unwrap();
        assert_eq!(latest, all[0].0);
        let second = find(&world, order, &all[1].0.id()).map(|(at, _)| at);
        assert_eq!(second, Some(all[1].0.clone()));
    }

    fn json_of(r: &ApiResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn search_uses_mailpit_syntax_over_every_mailbox() {
        let (world, _) = crate::sandbox::default_world(1);
        let hits = |q: &str, user: Option<&str>| {
            let query = Query::parse(q).unwrap();
            let order = &mut ArrivalOrder::default();
            json_of(&list(&world, order, Some(&query), user, ""))["messages_count"]
                .as_u64()
                .unwrap()
        };
        assert_eq!(hits("QUARTERLY", None), 2);
        assert_eq!(hits("quarterly", Some("smith@isp.example")), 1);
        // The subject is an encoded-word: "Grüße aus Zürich – Café ☕".
        assert_eq!(hits("\"Grüße aus\"", None), 1);
        assert_eq!(hits("kangaroo", None), 0);
        let order = &mut ArrivalOrder::default();
        let all = json_of(&list(&world, order, None, None, "start=1&limit=2"));
        assert_eq!(all["count"], 2);
        assert_eq!(all["start"], 1);
        assert_eq!(all["messages_count"], all["total"]);
        assert_eq!(list(&world, order, None, None, "limit=x").status, 400);
    }
}
