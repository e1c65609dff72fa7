//! Compiles the guided scenarios in `scenarios/*.json` into the crate (see src/learn/scenario.rs),
//! so adding a scenario is adding a file.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
    let mut files: Vec<_> = fs::read_dir("scenarios")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let root = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let mut out = String::from("[\n");
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let abs = Path::new(&root).join(&f);
        out.push_str(&format!(
            "    include_str!({:?}),\n",
            abs.display().to_string()
        ));
    }
    out.push(']');
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("scenarios.rs");
    fs::write(dest, out).expect("write scenarios.rs");
}
