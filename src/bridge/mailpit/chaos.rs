//! Mailpit's chaos settings (`GET/PUT /api/v1/chaos`) as fault rules of the world (src/fault).
//!
//! Mailpit has three triggers, each an SMTP `ErrorCode` (400-599) and a `Probability` (0-100):
//! `Sender` (the answer to `MAIL FROM`), `Recipient` (to `RCPT TO`) and `Authentication` (to
//! `AUTH`). Each trigger with Probability 100 becomes one rule per SMTP service the bridge
//! listens for (`HOST:25` and `HOST:587` of each virtual host served):
//! `HOST:PORT MAIL => CODE Chaos sender error` (`RCPT`, `AUTH` likewise). Probability 0 is no
//! rule. Fault rules are deterministic (the world is reproducible from its inputs), so a
//! probability in between is refused with 400 rather than imitated.

use serde_json::{json, Value};

/// The code Mailpit reports for a trigger that was never set.
const DEFAULT_CODE: u16 = 451;

/// One trigger as Mailpit shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChaosTrigger {
    pub error_code: u16,
    pub probability: u8,
}

impl Default for ChaosTrigger {
    fn default() -> Self {
        ChaosTrigger {
            error_code: DEFAULT_CODE,
            probability: 0,
        }
    }
}

/// The three triggers, in Mailpit's order of the SMTP dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChaosTriggers {
    pub sender: ChaosTrigger,
    pub recipient: ChaosTrigger,
    pub authentication: ChaosTrigger,
}

/// The JSON names, the SMTP verbs they answer and the words of the reply.
const TRIGGERS: [(&str, &str, &str); 3] = [
    ("Sender", "MAIL", "sender"),
    ("Recipient", "RCPT", "recipient"),
    ("Authentication", "AUTH", "authentication"),
];

impl ChaosTriggers {
    fn all(&self) -> [ChaosTrigger; 3] {
        [self.sender, self.recipient, self.authentication]
    }

    pub fn json(&self) -> Value {
        let mut v = serde_json::Map::new();
        for ((name, _, _), t) in TRIGGERS.iter().zip(self.all()) {
            v.insert(
                (*name).to_string(),
                json!({ "ErrorCode": t.error_code, "Probability": t.probability }),
            );
        }
        Value::Object(v)
    }

    /// Reads a PUT body: omitted triggers go back to their defaults (Mailpit's rule; `{}`
    /// resets all).
    pub fn from_json(body: &[u8]) -> Result<ChaosTriggers, String> {
        let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?
        };
        let Some(obj) = v.as_object() else {
            return Err("expected a JSON object of triggers".into());
        };
        let mut parsed = [ChaosTrigger::default(); 3];
        for ((name, _, _), slot) in TRIGGERS.iter().zip(parsed.iter_mut()) {
            let Some(t) = obj.get(*name) else {
                continue;
            };
            let field = |f: &str| t.get(f).and_then(Value::as_u64);
            let code = field("ErrorCode").unwrap_or(u64::from(DEFAULT_CODE));
            let probability = field("Probability").unwrap_or(0);
            if !(400..=599).contains(&code) {
                return Err(format!("{name}: ErrorCode must be 400-599"));
            }
            if probability > 100 {
                return Err(format!("{name}: Probability must be 0-100"));
            }
            if probability != 0 && probability != 100 {
                return Err(format!(
                    "{name}: the bridge's fault rules are deterministic: Probability must be 0 or 100"
                ));
            }
            *slot = ChaosTrigger {
                error_code: code as u16,
                probability: probability as u8,
            };
        }
        Ok(ChaosTriggers {
            sender: parsed[0],
            recipient: parsed[1],
            authentication: parsed[2],
        })
    }

    /// The fault rules (text syntax) for the SMTP servers `smtp_servers` (`host`, `port`).
    pub fn rules(&self, smtp_servers: &[(String, u16)]) -> Vec<String> {
        let mut rules = Vec::new();
        for ((_, verb, words), t) in TRIGGERS.iter().zip(self.all()) {
            if t.probability == 0 {
                continue;
            }
            for (host, port) in smtp_servers {
                rules.push(format!(
                    "{host}:{port} {verb} => {} Chaos {words} error",
                    t.error_code
                ));
            }
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_become_rules_and_come_back_as_set() {
        let t =
            ChaosTriggers::from_json(br#"{"Recipient": {"ErrorCode": 550, "Probability": 100}}"#)
                .unwrap();
        assert_eq!(t.recipient.error_code, 550);
        assert_eq!(t.sender, ChaosTrigger::default());
        let servers = [
            ("mx.corp.example".to_string(), 25),
            ("mx.corp.example".to_string(), 587),
        ];
        assert_eq!(
            t.rules(&servers),
            vec![
                "mx.corp.example:25 RCPT => 550 Chaos recipient error",
                "mx.corp.example:587 RCPT => 550 Chaos recipient error"
            ]
        );
        for rule in t.rules(&servers) {
            assert!(crate::fault::parse_rule(&rule).is_ok(), "{rule}");
        }
        assert_eq!(
            t.json()["Recipient"],
            json!({"ErrorCode": 550, "Probability": 100})
        );
        assert_eq!(
            t.json()["Sender"],
            json!({"ErrorCode": 451, "Probability": 0})
        );
        assert_eq!(
            ChaosTriggers::from_json(b"").unwrap(),
            ChaosTriggers::default()
        );
        for bad in [
            &br#"{"Sender": {"ErrorCode": 250, "Probability": 100}}"#[..],
            br#"{"Sender": {"ErrorCode": 451, "Probability": 101}}"#,
            br#"{"Sender": {"ErrorCode": 451, "Probability": 50}}"#,
            b"[1]",
            b"{",
        ] {
            assert!(ChaosTriggers::from_json(bad).is_err());
        }
    }
}
