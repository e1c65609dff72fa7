//! The page's files, served at `/` with `--http` (the live page): read from a folder
//! (`--page-dir`, a trunk build: for working on the page) or, by default, the copy built into
//! this binary by build.rs (build_support/page.rs), so `cargo install --path .` gives a
//! bridge that serves its page from nothing but itself.

use super::http::{error, ApiResponse};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/page_files.rs"));

/// Where the page's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PageSource {
    /// A folder of the page's files (trunk's build).
    Folder(PathBuf),
    /// The files built into this binary.
    BuiltIn,
}

/// The page's files when there are none built in: trunk's release build in the crate's
/// `dist` folder (a checkout's `scripts/serve.sh` or `trunk build --release` writes it).
const DEFAULT_PAGE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/dist");

impl PageSource {
    /// `--page-dir` if given, else the built-in page, else the checkout's `dist` folder.
    pub fn choose(page_dir: Option<&Path>) -> PageSource {
        match page_dir {
            Some(dir) => PageSource::Folder(dir.to_path_buf()),
            None if is_built_in() => PageSource::BuiltIn,
            None => PageSource::Folder(PathBuf::from(DEFAULT_PAGE_DIR)),
        }
    }

    /// One line saying where the page comes from, printed at start with `--http`.
    pub fn describe(&self) -> String {
        match self {
            PageSource::BuiltIn => {
                let bytes: usize = PAGE_FILES.iter().map(|(_, b)| b.len()).sum();
                format!(
                    "PAGE built into this binary ({} files, {} KiB)",
                    PAGE_FILES.len(),
                    bytes / 1024
                )
            }
            PageSource::Folder(dir) if is_built_in() => format!("PAGE from {}", dir.display()),
            PageSource::Folder(dir) => format!(
                "PAGE from {}; none built into this binary: {PAGE_MISSING}",
                dir.display()
            ),
        }
    }

    /// The file at `path` (`/` is `index.html`); `404` for a path that leaves the folder or
    /// names no file.
    pub fn file(&self, path: &str) -> ApiResponse {
        let relative = match path.trim_start_matches('/') {
            "" => "index.html",
            p => p,
        };
        let safe = relative
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != "." && !seg.contains('\\'));
        if !safe {
            return error(404, "not found");
        }
        let body = match self {
            PageSource::BuiltIn => PAGE_FILES
                .iter()
                .find(|(name, _)| *name == relative)
                .map(|(_, bytes)| bytes.to_vec()),
            PageSource::Folder(dir) => std::fs::read(dir.join(relative)).ok(),
        };
        match body {
            Some(body) => ApiResponse {
                status: 200,
                content_type: content_type_of(relative).into(),
                body,
            },
            None if relative == LIVE_PAGE => error(404, &self.not_built()),
            None => error(404, "not found"),
        }
    }

    fn not_built(&self) -> String {
        match self {
            PageSource::Folder(dir) if is_built_in() => {
                format!("no page in {} (give a trunk build's folder)", dir.display())
            }
            PageSource::Folder(dir) => format!(
                "the page is not built: no {}, and none built into this binary: \
                 {PAGE_MISSING}. Install with `cargo install --path .`, or give \
                 --page-dir a trunk build",
                dir.join(LIVE_PAGE).display()
            ),
            PageSource::BuiltIn => format!("the built-in page has no {LIVE_PAGE}"),
        }
    }
}

/// The live page's file: where `/` goes (build_support/page.rs builds it into this binary; a
/// trunk build has it beside `index.html`, the sandbox's page).
pub(super) const LIVE_PAGE: &str = "live.html";

/// Whether this binary carries the page.
pub(super) fn is_built_in() -> bool {
    PAGE_FILES.iter().any(|(name, _)| *name == LIVE_PAGE)
}

fn content_type_of(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") | Some("webmanifest") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_page_serves_its_files_with_their_types_and_refuses_paths_out_of_it() {
        let dir = std::env::temp_dir().join(format!("page-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        std::fs::write(dir.join("index.html"), "<html>").unwrap();
        std::fs::write(dir.join("snippets/a.js"), "x").unwrap();
        let page = PageSource::choose(Some(&dir));
        let index = page.file("/");
        assert_eq!((index.status, index.body), (200, b"<html>".to_vec()));
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        assert_eq!(page.file("/snippets/a.js").content_type, "text/javascript");
        assert_eq!(page.file("/../etc/passwd").status, 404);
        assert_eq!(page.file("/missing.wasm").status, 404);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_page_dir_the_built_in_page_is_served_when_there_is_one() {
        let page = PageSource::choose(None);
        if is_built_in() {
            assert_eq!(page, PageSource::BuiltIn);
            assert_eq!(page.file("/live.html").status, 200);
        } else {
            // A debug build carries no page; the message says why and what to do.
            let body = String::from_utf8(page.file("/live.html").body).unwrap();
            assert!(body.contains(PAGE_MISSING), "{body}");
            assert!(body.contains("cargo install --path ."), "{body}");
        }
    }
}
