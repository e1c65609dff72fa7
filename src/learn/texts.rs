//! The explanation texts (`texts/explanations.txt`): what each reply, code and command means,
//! with its RFC section, as data (issue 29). The native build includes the file; the page does
//! not carry it in its wasm: it fetches the file after its first paint and [`install`]s it, and
//! until then every explanation is `None` (the page shows it when the text arrives).
//!
//! The format is one explanation a line: key, RFC section and text separated by tabs; lines
//! starting with `#` and blank lines are comments.

use std::sync::OnceLock;

/// One explanation of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub rfc: String,
    pub text: String,
}

/// The explanations of one file, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    entries: Vec<Entry>,
}

/// A line of the file that is not `key<TAB>rfc<TAB>text` (1-based line number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine(pub usize);

impl Texts {
    /// Reads the file; a malformed line is an error naming it.
    pub fn parse(text: &str) -> Result<Texts, BadLine> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some(key), Some(rfc), Some(text))
                    if !key.is_empty() && !rfc.is_empty() && !text.is_empty() =>
                {
                    entries.push(Entry {
                        key: key.into(),
                        rfc: rfc.into(),
                        text: text.into(),
                    })
                }
                _ => return Err(BadLine(index + 1)),
            }
        }
        Ok(Texts { entries })
    }

    /// The explanation with this key: its text and RFC section.
    pub fn get(&self, key: &str) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| (e.text.as_str(), e.rfc.as_str()))
    }

    /// The entries whose key starts with `prefix`, in file order, with the rest of the key.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Entry)> {
        self.entries
            .iter()
            .filter_map(move |e| e.key.strip_prefix(prefix).map(|rest| (rest, e)))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

static INSTALLED: OnceLock<Texts> = OnceLock::new();

/// The explanations, once there: natively always (the file is included), in the page once
/// [`install`] was called with the fetched file.
pub fn texts() -> Option<&'static Texts> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        Some(INSTALLED.get_or_init(|| Texts::parse(FILE).unwrap_or_default()))
    }
    #[cfg(target_arch = "wasm32")]
    {
        INSTALLED.get()
    }
}

/// Installs the fetched file (the page; the first call wins).
pub fn install(text: &str) -> Result<(), BadLine> {
    let texts = Texts::parse(text)?;
    let _ = INSTALLED.set(texts);
    Ok(())
}

/// The file, for the native build (and its tests).
#[cfg(not(target_arch = "wasm32"))]
pub const FILE: &str = include_str!("../../texts/explanations.txt");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_file_is_an_explanation_with_a_unique_key() {
        let texts = Texts::parse(FILE).unwrap_or_else(|BadLine(n)| {
            panic!("texts/explanations.txt line {n} is not key<TAB>rfc<TAB>text")
        });
        assert!(texts.entries().len() > 100);
        for e in texts.entries() {
            assert_eq!(
                texts.entries().iter().filter(|o| o.key == e.key).count(),
                1,
                "{} twice",
                e.key
            );
            assert!(e.rfc.starts_with("RFC "), "{}: {}", e.key, e.rfc);
        }
    }

    #[test]
    fn a_line_without_its_three_fields_is_refused() {
        assert_eq!(
            Texts::parse("# c\n\na\tRFC 1\tx\nb\tRFC 2\n"),
            Err(BadLine(4))
        );
        let t = Texts::parse("smtp.reply.250\tRFC 5321\tOK, done.\n").unwrap();
        assert_eq!(t.get("smtp.reply.250"), Some(("OK, done.", "RFC 5321")));
        assert_eq!(
            t.with_prefix("smtp.reply.").next().map(|(k, _)| k),
            Some("250")
        );
    }
}
