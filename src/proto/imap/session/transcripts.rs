//! Every IMAP server transcript under `tests/transcripts/`, replayed at every chunk size
//! against a fresh world ([`super::tests::run_transcript`]).

use super::tests::run_transcript;

#[test]
fn transcript_auth() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_auth.txt"));
}

#[test]
fn transcript_authenticate() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_authenticate.txt"
    ));
}

#[test]
fn transcript_saslir_and_failed_login_limit() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_saslir.txt"
    ));
}

#[test]
fn transcript_mailboxes() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_mailboxes.txt"
    ));
}

#[test]
fn transcript_fetch() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_fetch.txt"));
}

#[test]
fn transcript_store_search() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_store_search.txt"
    ));
}

#[test]
fn transcript_copy_move_append_expunge() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_copy_append.txt"
    ));
}

#[test]
fn transcript_rfc3501_sample_session() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_rfc3501_sample.txt"
    ));
}

#[test]
fn transcript_idle_and_literal_plus() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_idle.txt"));
}

#[test]
fn transcript_conformance_fixes() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_conformance.txt"
    ));
}

#[test]
fn transcript_condstore_and_esearch() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_condstore_esearch.txt"
    ));
}

#[test]
fn transcript_list_status_create_special_use_and_auth_login() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_list_status_special_use_login.txt"
    ));
}

#[test]
fn transcript_quota() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_quota.txt"));
}

#[test]
fn transcript_searchres() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_searchres.txt"
    ));
}

#[test]
fn transcript_sort_and_thread() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_sort_thread.txt"
    ));
}

#[test]
fn transcript_binary() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_binary.txt"
    ));
}

#[test]
fn transcript_qresync() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_qresync.txt"
    ));
}

#[test]
fn transcript_utf8_accept() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_utf8_accept.txt"
    ));
}

#[test]
fn transcript_imap4rev2() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_rev2.txt"));
}

#[test]
fn transcript_thread_references() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_thread_references.txt"
    ));
}

#[test]
fn transcript_a_list_pattern_that_names_nothing_answers_ok() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_list_pattern_names_nothing.txt"
    ));
}

#[test]
fn transcript_nil_in_a_flag_list_is_a_keyword() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_store_nil_keyword.txt"
    ));
}

#[test]
fn transcript_binary_parts_with_nul_octets_are_kept() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_binary_nul.txt"
    ));
}

#[test]
fn transcript_binary_of_quoted_printable_follows_rfc_2045() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_binary_quoted_printable.txt"
    ));
}

#[test]
fn transcript_esearch_min_max_report_their_own_modseq() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_esearch_min_max_modseq.txt"
    ));
}

#[test]
fn transcript_sort_by_base_subject_with_unicode_casemap() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_sort_base_subject.txt"
    ));
}

#[test]
fn transcript_sort_by_the_first_cc_mailbox() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_sort_cc.txt"
    ));
}

#[test]
fn transcript_childinfo_only_for_descendants_the_patterns_miss() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_list_recursivematch_childinfo.txt"
    ));
}

#[test]
fn transcript_every_select_reports_highestmodseq() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_select_highestmodseq.txt"
    ));
}

#[test]
fn transcript_utf8_headers_are_downgraded_for_ascii_sessions() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_utf8_downgrade.txt"
    ));
}

#[test]
fn transcript_multiappend_after_rfc_3502() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_multiappend.txt"
    ));
}

#[test]
fn transcript_within_after_rfc_5032() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_within.txt"
    ));
}

#[test]
fn transcript_savedate_after_rfc_8514() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_savedate.txt"
    ));
}

#[test]
fn transcript_esort() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_esort.txt"));
}

#[test]
fn transcript_sort_display() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_sort_display.txt"
    ));
}

#[test]
fn transcript_i18nlevel_1() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_i18nlevel.txt"
    ));
}

#[test]
fn transcript_preview() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_preview.txt"
    ));
}

#[test]
fn transcript_thread_refs() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_thread_refs.txt"
    ));
}

#[test]
fn transcript_context_search() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_context_search.txt"
    ));
}

/// The server without the feature `imap-extensions` (the embed's build): run by
/// `cargo test --no-default-features --features tls --lib imap_core_profile`.
#[cfg(not(feature = "imap-extensions"))]
#[test]
fn transcript_imap_core_profile() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_core_profile.txt"
    ));
}
