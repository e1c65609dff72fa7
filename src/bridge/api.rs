//! The JSON API (`--http PORT`), in the manner of Mailpit's `/api/v1` and GreenMail's REST
//! API: users, mailboxes, messages (list, raw, delete one or all), text search, adding a user,
//! resetting the world, the relay queue, and the transcripts of recent connections. Runs on
//! the bridge's loop, so it sees the world exactly as the mail clients do.

use super::http::{error, ApiCall, ApiResponse, Method};
use super::{setup, Bridge};
use crate::message;
use crate::net::ConnId;
use crate::relay::RcptState;
use crate::sandbox::{Speaker, World};
use crate::store::{Store, StoredMessage};
use crate::time::civil_from_unix;
use serde_json::{json, Value};

/// Most connections listed by `GET /api/v1/connections`.
const RECENT_CONNECTIONS: usize = 100;

impl Bridge {
    /// `GET /api/live/log?from=N&limit=M`: the world's inputs from `N` on (see
    /// [`super::live`]).
    fn live_log(&self, query: &str) -> ApiResponse {
        let params = parse_query(query);
        let number = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let Some(from) = number("from") else {
            return error(400, "from=N is wanted");
        };
        let limit = number("limit").map_or(super::live::MAX_BATCH, |l| {
            usize::try_from(l).unwrap_or(usize::MAX)
        });
        ok(self.live.read(&self.world, from, limit))
    }

    /// Answers one API call.
    pub(super) fn handle_api(&mut self, call: &ApiCall) -> ApiResponse {
        let segments: Vec<String> = call.path.split('/').map(percent_decode).collect();
        let path: Vec<&str> = segments
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        if let (Method::Get, ["view", file]) = (call.method, path.as_slice()) {
            return self.handle_mailpit_view(file);
        }
        if let (Method::Get, ["api", "live", "log"]) = (call.method, path.as_slice()) {
            return self.live_log(&call.query);
        }
        if let (Method::Get, ["api", "ca.pem"]) = (call.method, path.as_slice()) {
            return ca_pem();
        }
        let Some(rest) = path.strip_prefix(&["api", "v1"]) else {
            return error(404, "not found: the API is under /api/v1");
        };
        if let Some(response) = self.handle_mailpit(call, rest) {
            return response;
        }
        let world = &mut self.world;
        match (call.method, rest) {
            (Method::Get, []) => ok(endpoints()),
            (Method::Get, ["users"]) => ok(users(world)),
            (Method::Post, ["users"]) => {
                let host = self.listeners.first().map(|l| l.info.virtual_host.clone());
                add_user(world, host.as_deref().unwrap_or_default(), &call.body)
            }
            (Method::Get, ["users", user, "mailboxes"]) => mailboxes(world, user),
            (Method::Get, ["users", user, "mailboxes", mbox, "messages"]) => {
                messages(world, user, mbox)
            }
            (Method::Post, ["users", user, "mailboxes", mbox, "import"]) => {
                super::import::import(world, user, mbox, &call.content_type, &call.body)
            }
            (Method::Delete, ["users", user, "mailboxes", mbox, "messages"]) => {
                delete(&mut world.store, user, mbox, None)
            }
            (Method::Get, ["users", user, "mailboxes", mbox, "messages", uid]) => {
                with_message(world, user, mbox, uid, |m| {
                    let mut v = summary(m);
                    v["text"] = message::text_body(&m.raw).map_or(Value::Null, Value::from);
                    ok(v)
                })
            }
            (Method::Get, ["users", user, "mailboxes", mbox, "messages", uid, "raw"]) => {
                with_message(world, user, mbox, uid, |m| ApiResponse {
                    status: 200,
                    content_type: "message/rfc822".into(),
                    body: m.raw.to_vec(),
                })
            }
            (Method::Delete, ["users", user, "mailboxes", mbox, "messages", uid]) => {
                match uid.parse::<u32>() {
                    Ok(uid) => delete(&mut world.store, user, mbox, Some(uid)),
                    Err(_) => error(404, "no such message"),
                }
            }
            (Method::Get, ["queue"]) => ok(queue(world)),
            (Method::Get, ["connections"]) => ok(connections(world)),
            (Method::Get, ["connections", id]) => match id.parse::<u64>() {
                Ok(id) => connection(world, ConnId(id)),
                Err(_) => error(404, "no such connection"),
            },
            (Method::Post, ["reset"]) => match self.reset_world() {
                Ok(()) => ok(json!({ "reset": true })),
                Err(e) => error(500, &e),
            },
            (_, [] | ["users" | "queue" | "connections" | "reset", ..]) => {
                error(405, "method not allowed here")
            }
            _ => error(404, "not found"),
        }
    }
}

pub(super) fn ok(v: Value) -> ApiResponse {
    ApiResponse {
        status: 200,
        content_type: "application/json".into(),
        body: v.to_string().into_bytes(),
    }
}

fn endpoints() -> Value {
    json!({
        "endpoints": [
            "GET /api/v1/users",
            "POST /api/v1/users {\"address\", \"password\"}",
            "GET /api/v1/users/{address}/mailboxes",
            "GET /api/v1/users/{address}/mailboxes/{mailbox}/messages",
            "POST /api/v1/users/{address}/mailboxes/{mailbox}/import (an mbox, a message, or multipart/form-data files)",
            "DELETE /api/v1/users/{address}/mailboxes/{mailbox}/messages",
            "GET /api/v1/users/{address}/mailboxes/{mailbox}/messages/{uid}",
            "GET /api/v1/users/{address}/mailboxes/{mailbox}/messages/{uid}/raw",
            "DELETE /api/v1/users/{address}/mailboxes/{mailbox}/messages/{uid}",
            "GET /api/v1/queue",
            "GET /api/v1/connections",
            "GET /api/v1/connections/{id}",
            "POST /api/v1/reset",
            "GET /api/live/log?from=N[&limit=M] (the world's inputs, for the live page at /)"
        ],
        "mailpit": [
            "GET /api/v1/info",
            "GET /api/v1/messages?start=N&limit=N",
            "PUT /api/v1/messages {\"IDs\", \"Read\"}",
            "DELETE /api/v1/messages [{\"IDs\"}]",
            "GET /api/v1/message/{ID|latest}",
            "GET /api/v1/message/{ID}/raw",
            "GET /api/v1/message/{ID}/headers",
            "GET /api/v1/message/{ID}/part/{PartID}",
            "GET /api/v1/search?query=QUERY[&start=N&limit=N&user=ADDRESS]",
            "DELETE /api/v1/search?query=QUERY",
            "GET /api/v1/chaos",
            "PUT /api/v1/chaos {\"Sender\", \"Recipient\", \"Authentication\"}"
        ]
    })
}

fn users(world: &World) -> Value {
    let list: Vec<Value> = world
        .store
        .accounts()
        .map(|a| {
            json!({
                "address": a.address,
                "name": a.display_name,
                "host": world.store.domain_host(a.domain()),
            })
        })
        .collect();
    json!({ "total": list.len(), "users": list, "catch_all": world.store.catch_all() })
}

fn add_user(world: &mut World, host: &str, body: &[u8]) -> ApiResponse {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return error(400, "expected a JSON object {\"address\", \"password\"}");
    };
    let field = |name: &str| v.get(name).and_then(Value::as_str).map(str::trim);
    let (Some(address), Some(password)) = (field("address"), field("password")) else {
        return error(400, "\"address\" and \"password\" are required");
    };
    let address = address.to_ascii_lowercase();
    let valid = address.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty()
            && !d.is_empty()
            && !d.contains('@')
            && address
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"<>()[],;:\\\"/".contains(&b))
    });
    if !valid || password.is_empty() {
        return error(400, "not a mail address, or an empty password");
    }
    let existed = world.store.is_user(&address);
    if let Err(e) = setup::add_user(world, host, &address, password) {
        return error(400, &e);
    }
    let account = world.store.account(&address);
    let mut response = ok(json!({
        "address": address,
        "name": account.map(|a| a.display_name.clone()),
        "host": world.store.domain_host(address.rsplit('@').next().unwrap_or_default()),
        "created": !existed,
    }));
    if !existed {
        response.status = 201;
    }
    response
}

fn mailboxes(world: &World, user: &str) -> ApiResponse {
    let Some(mailbox) = world.store.mailbox(user) else {
        return error(404, "no such user");
    };
    let list: Vec<Value> = mailbox
        .folders
        .iter()
        .map(|(name, f)| {
            let unseen = f
                .messages()
                .iter()
                .filter(|m| !m.flags.contains(crate::store::Flag::Seen))
                .count();
            json!({
                "name": name,
                "messages": f.len(),
                "unseen": unseen,
                "size": f.messages().iter().map(StoredMessage::size).sum::<usize>(),
                "uidvalidity": f.uidvalidity,
                "uidnext": f.uidnext,
            })
        })
        .collect();
    ok(json!({ "user": user.to_ascii_lowercase(), "mailboxes": list }))
}

fn messages(world: &World, user: &str, mbox: &str) -> ApiResponse {
    let Some(folder) = world.store.folder(user, mbox) else {
        return error(404, "no such user or mailbox");
    };
    let list: Vec<Value> = folder.messages().iter().map(summary).collect();
    ok(json!({ "total": list.len(), "messages": list }))
}

fn with_message(
    world: &World,
    user: &str,
    mbox: &str,
    uid: &str,
    f: impl FnOnce(&StoredMessage) -> ApiResponse,
) -> ApiResponse {
    let found = uid.parse::<u32>().ok().and_then(|uid| {
        world
            .store
            .folder(user, mbox)
            .and_then(|folder| folder.by_uid(uid))
    });
    match found {
        Some(m) => f(m),
        None => error(404, "no such message"),
    }
}

/// What a message list shows of one message.
fn summary(m: &StoredMessage) -> Value {
    let info = message::parse(&m.raw);
    let addr = |a: &message::Addr| json!({ "name": a.name, "address": a.address });
    let mut flags: Vec<&str> = m.flags.system().map(|f| f.imap_name()).collect();
    flags.extend(m.flags.keywords().iter().map(String::as_str));
    json!({
        "uid": m.uid,
        "flags": flags,
        "size": m.size(),
        "subject": info.subject,
        "from": info.from.first().map(addr),
        "to": info.to.iter().map(addr).collect::<Vec<_>>(),
        "date": info.date.map(rfc3339),
        "received": rfc3339(m.internal_date),
        "message_id": info.message_id,
    })
}

/// Deletes one message, or every message of the mailbox (at once, like IMAP's EXPUNGE: other
/// sessions are told).
fn delete(store: &mut Store, user: &str, mbox: &str, uid: Option<u32>) -> ApiResponse {
    let Some(folder) = store.folder_mut(user, mbox) else {
        return error(404, "no such user or mailbox");
    };
    let uids: Vec<u32> = match uid {
        Some(uid) => vec![uid],
        None => folder.messages().iter().map(|m| m.uid).collect(),
    };
    let deleted = folder.expunge(&uids);
    if uid.is_some() && deleted.is_empty() {
        return error(404, "no such message");
    }
    ok(json!({ "deleted": deleted.len() }))
}

fn queue(world: &World) -> Value {
    let now = world.now();
    let list: Vec<Value> = world
        .queue
        .entries()
        .map(|e| {
            let rcpts: Vec<Value> = e
                .recipients
                .iter()
                .map(|r| {
                    let (state, error) = match &r.state {
                        RcptState::Pending => ("pending", None),
                        RcptState::InFlight => ("in_flight", None),
                        RcptState::Delivered => ("delivered", None),
                        RcptState::Failed(why) => ("failed", Some(why.as_str())),
                    };
                    json!({ "address": r.address, "state": state, "error": error })
                })
                .collect();
            json!({
                "id": e.id,
                "host": e.host,
                "from": e.mail_from,
                "recipients": rcpts,
                "size": e.data.len(),
                "attempts": e.attempts,
                "next_attempt_in_ms": e.next_attempt.saturating_since(now).as_millis(),
                "last_error": e.last_error,
            })
        })
        .collect();
    json!({ "total": list.len(), "entries": list })
}

fn connection_summary(world: &World, c: &crate::sandbox::ConnSummary) -> Value {
    json!({
        "id": c.conn.0,
        "client": world.net.host_name(c.client),
        "server": world.net.host_name(c.server),
        "port": c.port,
        "opened": rfc3339(world.clock.unix(c.opened)),
        "bytes": c.bytes,
    })
}

fn connections(world: &World) -> Value {
    let all = world.connections_seen();
    let recent = &all[all.len().saturating_sub(RECENT_CONNECTIONS)..];
    let list: Vec<Value> = recent
        .iter()
        .map(|c| connection_summary(world, c))
        .collect();
    json!({ "total": list.len(), "connections": list })
}

/// One connection with its transcript (passwords masked).
fn connection(world: &World, id: ConnId) -> ApiResponse {
    let all = world.connections_seen();
    let Some(c) = all.iter().find(|c| c.conn == id) else {
        return error(404, "no such connection (or too old)");
    };
    let mut v = connection_summary(world, c);
    let lines: Vec<Value> = world
        .transcript(id, true)
        .into_iter()
        .map(|l| {
            let speaker = match l.speaker {
                Speaker::Client => "client",
                Speaker::Server => "server",
                Speaker::Net => "net",
            };
            json!({ "at_ms": l.at.as_millis(), "speaker": speaker, "text": l.text() })
        })
        .collect();
    v["transcript"] = Value::from(lines);
    ok(v)
}

/// `2026-12-01T19:55:00Z`.
pub(super) fn rfc3339(unix: i64) -> String {
    let (y, m, d, secs) = civil_from_unix(unix);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `a=1&b=x%20y` -> [("a", "1"), ("b", "x y")] (`+` is a space).
pub(super) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Decodes `%XX` escapes (invalid ones stay as they are; invalid UTF-8 is replaced).
fn percent_decode(s: &str) -> String {
    let bytes = crate::message::transfer::decode_escapes(s.as_bytes(), b'%');
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `GET /api/ca.pem`: the sandbox root CA, for real clients to verify the bridge's TLS with.
fn ca_pem() -> ApiResponse {
    #[cfg(feature = "tls")]
    return ApiResponse {
        status: 200,
        content_type: "application/x-pem-file".into(),
        body: crate::tls::pki::CA_PEM.as_bytes().to_vec(),
    };
    #[cfg(not(feature = "tls"))]
    error(404, "this build has no TLS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%40b%2Fc%zz%4"), "a@b/c%zz%4");
        assert_eq!(
            parse_query("query=hello+world&user=boss%40corp.example&x"),
            vec![
                ("query".into(), "hello world".into()),
                ("user".into(), "boss@corp.example".into()),
                ("x".into(), String::new())
            ]
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_780_000_000), "2026-05-28T20:26:40Z");
    }
}
