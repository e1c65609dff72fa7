//! Compiles the guided scenarios in `scenarios/*.json` (see src/learn/scenario.rs) and the
//! challenges in `challenges/*.json` (see src/learn/challenge) into the crate, so adding one is
//! adding a file. Each file is read here, at build time, with the format types the crate uses
//! (`src/learn/format/`), and written out as a Rust expression building the same values
//! (`build_support/rust_literal.rs`): the page carries the values, not JSON and a JSON reader
//! for them (issue 17). The texts themselves are included too, for the native tests that read
//! every file and compare. With the `page` feature, a release build of the bridge also carries
//! the page (build_support/page.rs).

#[allow(dead_code)]
#[path = "src/learn/format/challenge.rs"]
mod challenge;
#[cfg(feature = "page")]
#[path = "build_support/page.rs"]
mod page;
#[allow(dead_code)]
#[path = "build_support/rust_literal.rs"]
mod rust_literal;
#[allow(dead_code)]
#[path = "src/learn/format/scenario.rs"]
mod scenario;

use std::{env, fs, path::Path, path::PathBuf};

/// The JSON files of `dir`, by name.
fn json_files(dir: &str) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={dir}");
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    files
}

fn write(out: &str, text: String) {
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join(out);
    fs::write(dest, text).expect("write a generated file");
}

/// Writes `OUT_DIR/<out>`: an array of `include_str!` of every JSON file in `dir`, by name.
fn include_texts(files: &[PathBuf], out: &str) {
    let root = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let mut text = String::from("[\n");
    for f in files {
        let abs = Path::new(&root).join(f);
        text.push_str(&format!(
            "    include_str!({:?}),\n",
            abs.display().to_string()
        ));
    }
    text.push(']');
    write(out, text);
}

/// Writes `OUT_DIR/<out>`: `vec![<value>, ...]` of every file that `read` accepts. A file it
/// refuses is left out with a warning, as the runtime reader did (a test reads every file and
/// names the one that fails).
fn write_values<T: serde::Serialize, E: std::fmt::Display>(
    files: &[PathBuf],
    out: &str,
    read: impl Fn(&str) -> Result<T, E>,
) {
    let mut text = String::from("vec![\n");
    for f in files {
        let json = fs::read_to_string(f).unwrap_or_default();
        match read(&json) {
            Ok(value) => {
                let expr = rust_literal::to_rust(&value).expect("a data value as Rust");
                text.push_str(&expr);
                text.push_str(",\n");
            }
            Err(e) => println!("cargo:warning={} is left out: {e}", f.display()),
        }
    }
    text.push(']');
    write(out, text);
}

fn main() {
    println!("cargo:rerun-if-changed=src/learn/format");
    println!("cargo:rerun-if-changed=build_support");
    let scenarios = json_files("scenarios");
    include_texts(&scenarios, "scenarios.rs");
    write_values(&scenarios, "scenario_values.rs", |t| {
        serde_json::from_str::<scenario::Scenario>(t)
    });
    let challenges = json_files("challenges");
    include_texts(&challenges, "challenges.rs");
    write_values(&challenges, "challenge_values.rs", challenge::parse_shape);
    // The live page built into the bridge (issue 28 item 5).
    #[cfg(feature = "page")]
    page::write_page_files();
    #[cfg(not(feature = "page"))]
    write(
        "page_files.rs",
        "pub(super) static PAGE_FILES: &[(&str, &[u8])] = &[];\n\
         pub(super) static PAGE_MISSING: &str = \"it was built without the `page` feature\";\n"
            .into(),
    );
}
