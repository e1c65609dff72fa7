//! Share links that stay small: a world is written as what differs from the default world,
//! as a JSON merge patch (RFC 7386) over the default world's snapshot, with the default
//! world's message bodies referred to by id (the receiver has them) and only new bodies
//! inline. The page compresses the text before it goes into the link's fragment.
//!
//! A link is untrusted input: it is refused with a reason when it is not a patch of this
//! format, refers to a body the default world does not have, or gives a world the engine
//! cannot run on (the snapshot's own checks); the world is then unchanged.

use super::{default_world, World};
use crate::store::bodies::{self, BodySink, BodyTable};
use serde_json::{Map, Value};

/// What a share text says it is.
const SHARE_FORMAT: &str = "mail-sandbox-share/1";

/// Deepest JSON a share text may nest (a snapshot nests about 8 levels).
const MAX_DEPTH: usize = 32;

/// The default world's snapshot with every body as a reference, and its bodies.
fn base() -> (Value, BodyTable) {
    let (world, _) = default_world(1);
    let mut sink = BodySink::new();
    let json = bodies::with_sink(&mut sink, || world.snapshot_json());
    let value = serde_json::from_str(&json).unwrap_or(Value::Null);
    (value, sink.take_used())
}

impl World {
    /// This world as a share text: the merge patch from the default world.
    pub fn share_json(&self) -> String {
        let (base, base_bodies) = base();
        let mut sink = BodySink::referring_only_to(base_bodies.keys().cloned().collect());
        let json = bodies::with_sink(&mut sink, || self.snapshot_json());
        let now: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        let patch = diff(&base, &now).unwrap_or_else(|| Value::Object(Map::new()));
        serde_json::json!({ "format": SHARE_FORMAT, "patch": patch }).to_string()
    }

    /// Restores a share text made by [`World::share_json`]. On error nothing changes.
    pub fn restore_share_json(&mut self, text: &str) -> Result<(), String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not a share link: {e}"))?;
        if value.get("format").and_then(Value::as_str) != Some(SHARE_FORMAT) {
            return Err("not a share link of this version".into());
        }
        let patch = value.get("patch").ok_or("the share link has no world")?;
        if depth(patch) > MAX_DEPTH {
            return Err("the share link nests too deep".into());
        }
        let (mut world, base_bodies) = base();
        apply(&mut world, patch);
        bodies::with_source(base_bodies, || self.restore_json(&world.to_string()))
    }
}

/// The merge patch that turns `from` into `to` (RFC 7386 §2), None when they are equal.
/// Arrays are replaced whole; a removed member is `null`. The snapshot has no member whose
/// value is `null` that is not an `Option`, so `null` for "absent" reads back the same.
pub fn diff(from: &Value, to: &Value) -> Option<Value> {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut patch = Map::new();
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                patch.insert(key.clone(), Value::Null);
            }
            for (key, value) in b {
                match a.get(key) {
                    Some(old) => {
                        if let Some(d) = diff(old, value) {
                            patch.insert(key.clone(), d);
                        }
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            (!patch.is_empty()).then_some(Value::Object(patch))
        }
        _ if from == to => None,
        _ => Some(to.clone()),
    }
}

/// Applies a merge patch to `target` (RFC 7386 §2, MergePatch).
pub fn apply(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(obj) = target {
        for (key, value) in members {
            if value.is_null() {
                obj.remove(key);
            } else {
                apply(obj.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// How deep `v` nests (iteratively, so a hostile input cannot exhaust the stack here).
fn depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(members) => stack.extend(members.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    fn send_one(w: &mut World, d: &super::super::DefaultWorld, subject: &str) {
        let c = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
        let msg = format!(
            "EHLO pc\r\nMAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\nDATA\r\n\
             Subject: {subject}\r\n\r\nHello boss, one new line.\r\n.\r\nQUIT\r\n"
        );
        w.send(c, msg.as_bytes());
        let t = w.now() + crate::time::Duration::from_millis(2000);
        w.run_until(t);
    }

    #[test]
    fn the_default_world_shares_as_an_empty_patch() {
        let (w, _) = default_world(1);
        assert_eq!(
            w.share_json(),
            r#"{"format":"mail-sandbox-share/1","patch":{}}"#
        );
    }

    #[test]
    fn a_share_text_round_trips_and_carries_only_the_new_body() {
        let (mut w, d) = default_world(1);
        send_one(&mut w, &d, "Shared");
        w.set_host_up(d.isp, false);
        let text = w.share_json();
        assert!(text.len() < 1500, "{} bytes: {text}", text.len());
        let (mut fresh, _) = default_world(1);
        fresh.restore_share_json(&text).unwrap();
        assert_eq!(fresh.snapshot_json(), w.snapshot_json());
        assert!(!fresh.net.is_up(d.isp));
        let inbox = fresh.store.folder("boss@corp.example", "INBOX").unwrap();
        assert!(inbox
            .messages()
            .iter()
            .any(|m| String::from_utf8_lossy(&m.raw).contains("Subject: Shared")));
    }

    #[test]
    fn untrusted_share_texts_are_refused_with_a_reason() {
        let (mut w, _) = default_world(1);
        w.run_until(Instant::from_millis(10));
        let before = w.snapshot_json();
        let deep = format!(
            r#"{{"format":"mail-sandbox-share/1","patch":{}1{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        // A link whose INBOX refers to a body the default world does not have.
        let (mut flagged, d) = default_world(1);
        send_one(&mut flagged, &d, "x");
        let text = flagged.share_json();
        let at = text.find("\"@").unwrap() + 1;
        let unknown_body = format!("{}@0123{}", &text[..at], &text[at + 33..]);
        let cases = [
            ("{", "not a share link"),
            (r#"{"format":"other","patch":{}}"#, "this version"),
            (r#"{"format":"mail-sandbox-share/1"}"#, "no world"),
            (deep.as_str(), "nests too deep"),
            (unknown_body.as_str(), "@0123 is missing"),
            (
                r#"{"format":"mail-sandbox-share/1","patch":{"clock":{"epoch_unix":9223372036854775000}}}"#,
                "clock out of range",
            ),
            (
                r#"{"format":"mail-sandbox-share/1","patch":{"version":7}}"#,
                "version 7",
            ),
        ];
        for (text, reason) in cases {
            let err = w.restore_share_json(text).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
            assert_eq!(w.snapshot_json(), before, "{text} changed the world");
        }
    }

    #[test]
    fn merge_patch_follows_rfc_7386_examples() {
        // RFC 7386 Appendix A, a selection.
        let cases = [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"["a","b"]"#, r#"["c","d"]"#, r#"["c","d"]"#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#),
            (r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#),
        ];
        for (target, patch, result) in cases {
            let mut t: Value = serde_json::from_str(target).unwrap();
            apply(&mut t, &serde_json::from_str(patch).unwrap());
            assert_eq!(
                t,
                serde_json::from_str::<Value>(result).unwrap(),
                "{target} + {patch}"
            );
        }
        let a: Value = serde_json::from_str(r#"{"x":{"y":1,"z":[1]},"w":2}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"x":{"y":2,"z":[1]},"v":3}"#).unwrap();
        let p = diff(&a, &b).unwrap();
        assert_eq!(p, serde_json::json!({"x":{"y":2},"w":null,"v":3}));
        let mut t = a.clone();
        apply(&mut t, &p);
        assert_eq!(t, b);
        assert_eq!(diff(&a, &a), None);
    }
}
