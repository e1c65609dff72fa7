//! Every "RFC N §x" the project writes points to a section that exists.
//!
//! The learner is told to check a citation, so each one must lead somewhere. This test reads
//! every citation in the sources (learning text, command lines, doc comments), the tours
//! (`scenarios/`), the challenges (`challenges/`) and the README, and looks each section up in
//! `tests/rfc_sections/rfcN.txt`: one `§ number<TAB>title` line per section, taken from the
//! RFC's table of contents (README, "Citing an RFC"). A citation of an RFC with no table, or
//! of a section its table lacks, fails the test with the file and line.
//!
//! Forms read: `RFC 5321 §4.5.5`, `RFC 5321 §4.1.1.1, §4.1.1.2`, `RFC 1939 §5-7`,
//! `RFC 3501 §6.3.3-§6.3.7`, `RFC 3501 §6.3.1 and §6.3.2`. A bare `§x` with no RFC before it
//! (a doc comment naming its module's RFC once) is not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One citation found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Citation {
    rfc: u32,
    section: String,
    line: usize,
}

/// Section numbers per RFC, read from `tests/rfc_sections/`.
fn section_tables(root: &Path) -> BTreeMap<u32, BTreeSet<String>> {
    let mut tables = BTreeMap::new();
    let dir = root.join("tests/rfc_sections");
    for entry in fs::read_dir(&dir).expect("tests/rfc_sections exists") {
        let path = entry.expect("readable entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(number) = name
            .strip_prefix("rfc")
            .and_then(|n| n.strip_suffix(".txt"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let text = fs::read_to_string(&path).expect("table is UTF-8");
        let mut sections = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (number_part, title) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{name}:{}: expected `§ number<TAB>title`", i + 1));
            let section = number_part
                .strip_prefix("§ ")
                .unwrap_or_else(|| panic!("{name}:{}: a row starts with `§ `", i + 1));
            assert!(
                !title.trim().is_empty(),
                "{name}:{}: a row has a title",
                i + 1
            );
            sections.insert(section.trim().to_string());
        }
        tables.insert(number, sections);
    }
    tables
}

/// A section token: digits and capital letters (appendices) with dots between, no dot at the end.
fn take_section(s: &str) -> Option<(String, &str)> {
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c.is_ascii_uppercase() || c == '.'))
        .map_or(s.len(), |(i, _)| i);
    let token = s[..end].trim_end_matches('.');
    let first = token.chars().next()?;
    if !(first.is_ascii_digit() || (first.is_ascii_uppercase() && token.len() > 1)) {
        return None;
    }
    Some((token.to_string(), &s[token.len()..]))
}

/// Every citation in `text`, with its 1-based line.
fn citations(text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("RFC") {
            rest = &rest[at + 3..];
            let after_space = rest.strip_prefix(' ').unwrap_or(rest);
            let digits: String = after_space
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let Ok(rfc) = digits.parse::<u32>() else {
                continue;
            };
            let mut tail = &after_space[digits.len()..];
            tail = tail.strip_prefix(',').unwrap_or(tail);
            tail = tail.trim_start_matches(' ');
            let Some(mut tail) = tail.strip_prefix('§') else {
                rest = tail;
                continue;
            };
            loop {
                tail = tail.trim_start_matches(' ');
                let Some((section, after)) = take_section(tail) else {
                    break;
                };
                found.push(Citation {
                    rfc,
                    section,
                    line: index + 1,
                });
                tail = after;
                // A range `§5-7` or `§6.3.3-§6.3.7`: its end must exist as well.
                if let Some(range_end) = tail.strip_prefix('-') {
                    let range_end = range_end.strip_prefix('§').unwrap_or(range_end);
                    if let Some((section, after)) = take_section(range_end) {
                        found.push(Citation {
                            rfc,
                            section,
                            line: index + 1,
                        });
                        tail = after;
                    }
                }
                let next = [", §", " and §", "; §", " or §", ", and §"]
                    .iter()
                    .find_map(|sep| tail.strip_prefix(sep));
                match next {
                    Some(after) => tail = after,
                    None => break,
                }
            }
            rest = tail;
        }
    }
    found
}

fn files_under(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, extension, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some(extension) {
            out.push(path);
        }
    }
}

/// The files whose citations a learner may follow.
fn cited_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(&root.join("src"), "rs", &mut files);
    files_under(&root.join("scenarios"), "json", &mut files);
    files_under(&root.join("challenges"), "json", &mut files);
    files.push(root.join("README.md"));
    files.sort();
    files
}

#[test]
fn every_rfc_citation_names_a_section_that_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tables = section_tables(root);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in cited_files(root) {
        let text = fs::read_to_string(&path).expect("source is UTF-8");
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for citation in citations(&text) {
            checked += 1;
            match tables.get(&citation.rfc) {
                None => wrong.push(format!(
                    "{shown}:{}: RFC {} §{}: no table tests/rfc_sections/rfc{}.txt",
                    citation.line, citation.rfc, citation.section, citation.rfc
                )),
                Some(sections) if !sections.contains(&citation.section) => wrong.push(format!(
                    "{shown}:{}: RFC {} has no §{}",
                    citation.line, citation.rfc, citation.section
                )),
                Some(_) => {}
            }
        }
    }
    assert!(checked > 300, "the scan found only {checked} citations");
    assert!(
        wrong.is_empty(),
        "{} wrong citations:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_scanner_reads_lists_ranges_and_appendices() {
    let found = citations(
        "(RFC 5321 §4.1.1.1, §4.1.1.2) RFC 1939 §5-7; RFC 3501 §6.3.3-§6.3.7 and RFC 1321 §A.5.\n\
         RFC 2087 alone, RFC 3501 §6.3.1 and §6.3.2. §9 bare",
    );
    let pairs: Vec<(u32, &str, usize)> = found
        .iter()
        .map(|c| (c.rfc, c.section.as_str(), c.line))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (5321, "4.1.1.1", 1),
            (5321, "4.1.1.2", 1),
            (1939, "5", 1),
            (1939, "7", 1),
            (3501, "6.3.3", 1),
            (3501, "6.3.7", 1),
            (1321, "A.5", 1),
            (3501, "6.3.1", 2),
            (3501, "6.3.2", 2),
        ]
    );
}

#[test]
fn a_section_missing_from_its_table_is_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tables = section_tables(root);
    let smtp = tables.get(&5321).expect("RFC 5321 has a table");
    assert!(
        smtp.contains("4.5.5"),
        "§4.5.5 Messages with a Null Reverse-Path"
    );
    assert!(!smtp.contains("4.5.6"), "RFC 5321 has no §4.5.6");
}
