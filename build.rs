//! Reads the guided scenarios in `scenarios/*.json` (see src/learn/scenario.rs) and the
//! challenges in `challenges/*.json` (see src/learn/challenge) at build time, with the format
//! types the crate uses (`src/learn/format/`), and writes them as one compact file,
//! `learn-data.bin` (postcard, read back with the same types' serde derives): so adding a tour
//! or a challenge is adding a file. The native build includes it
//! (`crate::learn::library::Library::builtin`); the page fetches it after its first paint
//! instead of carrying it in its wasm (issue 29), so the file is also written next to the
//! wasm (`<target>/wasm32-unknown-unknown/<profile>/learn-data.bin`), where Trunk's hook
//! (`scripts/learn-data.sh`) copies it from. The files' texts are included too, for the native
//! tests that read every file and compare. With the `page` feature, a release build of the
//! bridge also carries the page (build_support/page.rs).

#[allow(dead_code)]
#[path = "src/learn/format/challenge.rs"]
mod challenge;
#[cfg(feature = "page")]
#[path = "build_support/page.rs"]
mod page;
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

/// The values of every file that `read` accepts. A file it refuses is left out with a warning,
/// as the runtime reader did (a test reads every file and names the one that fails).
fn read_values<T, E: std::fmt::Display>(
    files: &[PathBuf],
    read: impl Fn(&str) -> Result<T, E>,
) -> Vec<T> {
    let mut values = Vec::new();
    for f in files {
        let json = fs::read_to_string(f).unwrap_or_default();
        match read(&json) {
            Ok(value) => values.push(value),
            Err(e) => println!("cargo:warning={} is left out: {e}", f.display()),
        }
    }
    values
}

/// A short tag of `bytes` that changes when they do: the page asks for its data files with it
/// (`learn-data.bin?v=<tag>`), so a browser's cached copy of an older build is never read.
fn version_tag(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Writes `learn-data.bin` into OUT_DIR and next to the wasm (see the top of this file), and
/// `learn_files.rs`: the version tags of the page's data files.
fn write_learn_data(bytes: &[u8]) {
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    fs::write(out_dir.join("learn-data.bin"), bytes).expect("write learn-data.bin");
    if env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32")) {
        // OUT_DIR is <target>/<triple>/<profile>/build/<pkg>/out.
        if let Some(profile_dir) = out_dir.ancestors().nth(3) {
            fs::write(profile_dir.join("learn-data.bin"), bytes).expect("write learn-data.bin");
            // The URL the page asks for, so a page that needs the file for its first screen
            // (the embed, a tour) can preload it with the wasm (scripts/build-side-page.sh).
            let url = format!("./learn-data.bin?v={}", version_tag(bytes));
            fs::write(profile_dir.join("learn-data.url"), url).expect("write learn-data.url");
        }
    }
    println!("cargo:rerun-if-changed=texts");
    let explanations = fs::read("texts/explanations.txt").unwrap_or_default();
    write(
        "learn_files.rs",
        format!(
            "/// `learn-data.bin?v=...`: the tours and challenges, as this build wrote them.\n\
             pub const LEARN_DATA_URL: &str = \"./learn-data.bin?v={}\";\n\
             /// `explanations.txt?v=...`: the explanations, as this build read them.\n\
             pub const EXPLANATIONS_URL: &str = \"./explanations.txt?v={}\";\n",
            version_tag(bytes),
            version_tag(&explanations)
        ),
    );
}

fn main() {
    println!("cargo:rerun-if-changed=src/learn/format");
    println!("cargo:rerun-if-changed=build_support");
    let scenarios = json_files("scenarios");
    include_texts(&scenarios, "scenarios.rs");
    let scenario_values = read_values(&scenarios, |t| {
        serde_json::from_str::<scenario::Scenario>(t)
    });
    let challenges = json_files("challenges");
    include_texts(&challenges, "challenges.rs");
    let challenge_values = read_values(&challenges, challenge::parse_shape);
    // Two parts, each its own length-prefixed bytes, so a page that needs only one of them
    // (the embed and the tour page the tours, the sandbox the challenges) reads only it and
    // carries no reader for the other (issue 29).
    let tours = postcard::to_allocvec(&scenario_values).expect("the tours as postcard");
    let challenges = postcard::to_allocvec(&challenge_values).expect("the challenges as postcard");
    // (A byte slice is a length and its bytes in postcard, as `Library` reads them back.)
    let bytes = postcard::to_allocvec(&(tours.as_slice(), challenges.as_slice()))
        .expect("the tours and challenges as postcard");
    write_learn_data(&bytes);
    // The live page built into the bridge (issue 28 item 5).
    #[cfg(feature = "page")]
    page::write_page_files(&bytes);
    #[cfg(not(feature = "page"))]
    write(
        "page_files.rs",
        "pub(super) static PAGE_FILES: &[(&str, &[u8])] = &[];\n\
         pub(super) static PAGE_MISSING: &str = \"it was built without the `page` feature\";\n"
            .into(),
    );
}
