//! Compiles the guided scenarios in `scenarios/*.json` (see src/learn/scenario.rs) and the
//! challenges in `challenges/*.json` (see src/learn/challenge) into the crate, so adding one is
//! adding a file.

use std::{env, fs, path::Path};

/// Writes `OUT_DIR/<out>`: an array of `include_str!` of every JSON file in `dir`, by name.
fn include_dir(dir: &str, out: &str) {
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
    let root = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let mut text = String::from("[\n");
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let abs = Path::new(&root).join(&f);
        text.push_str(&format!(
            "    include_str!({:?}),\n",
            abs.display().to_string()
        ));
    }
    text.push(']');
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join(out);
    fs::write(dest, text).expect("write the list of included files");
}

fn main() {
    include_dir("scenarios", "scenarios.rs");
    include_dir("challenges", "challenges.rs");
}
