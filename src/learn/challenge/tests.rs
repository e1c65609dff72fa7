//! Every challenge solved by a scripted session, and a wrong or partial attempt that is not.

use super::*;

#[test]
fn every_challenge_file_parses_with_a_unique_id() {
    let all = parse_all().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 10);
    assert_eq!(builtin().len(), all.len());
    assert!(find("deliver-by-hand").is_some());
}
