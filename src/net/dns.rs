//! The virtual DNS: A records and MX records with preferences (RFC 5321 §5.1).

use crate::ordered::SortedMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRecord {
    pub preference: u16,
    pub exchange: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dns {
    a: SortedMap<String, String>,
    mx: SortedMap<String, Vec<MxRecord>>,
}

impl Dns {
    pub fn set_a(&mut self, name: &str, addr: &str) {
        self.a.insert(name.to_ascii_lowercase(), addr.to_string());
    }

    pub fn add_mx(&mut self, domain: &str, preference: u16, exchange: &str) {
        let list = self.mx.entry(domain.to_ascii_lowercase()).or_default();
        let exchange = exchange.to_ascii_lowercase();
        // Kept in order (preference, then name) by inserting in place: no sort of its own.
        let at = list
            .partition_point(|r| (r.preference, r.exchange.as_str()) <= (preference, &exchange));
        list.insert(
            at,
            MxRecord {
                preference,
                exchange,
            },
        );
    }

    /// The address of `name`, if it has an A record.
    pub fn resolve_a(&self, name: &str) -> Option<&str> {
        self.a
            .get(name.trim_end_matches('.').to_ascii_lowercase().as_str())
            .map(String::as_str)
    }

    /// MX records for `domain`, most preferred first.
    pub fn mx(&self, domain: &str) -> &[MxRecord] {
        self.mx
            .get(domain.trim_end_matches('.').to_ascii_lowercase().as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Where mail for `domain` goes (RFC 5321 §5.1): the MX hosts in preference order, or the
    /// domain itself when it has no MX but has an A record (the implicit MX).
    pub fn mail_exchangers(&self, domain: &str) -> Vec<String> {
        let mx = self.mx(domain);
        if !mx.is_empty() {
            return mx.iter().map(|r| r.exchange.clone()).collect();
        }
        if self.resolve_a(domain).is_some() {
            return vec![domain.to_ascii_lowercase()];
        }
        Vec::new()
    }

    pub fn mx_records(&self) -> impl Iterator<Item = (&str, &[MxRecord])> {
        self.mx.iter().map(|(d, r)| (d.as_str(), r.as_slice()))
    }
}
