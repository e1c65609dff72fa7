//! The page built into `mailsandbox-tcp` (issue 28 item 5): `cargo install --path .` needs a
//! Rust toolchain and nothing else (no Trunk, no wasm-bindgen CLI, no built `dist/`), and the
//! installed binary serves the live page by itself. On a release build of the native binaries
//! this script:
//!
//! 1. builds the live page's binary (`mail-sandbox-live`) for wasm32 with a nested
//!    `cargo build --release`, in its own target folder (`<target>/release/page-build`: the
//!    outer cargo holds the lock on its own folders; this one stays warm between builds),
//! 2. runs wasm-bindgen on it through `wasm-bindgen-cli-support`, pinned in Cargo.toml to the
//!    Cargo.lock version of `wasm-bindgen` (the two must agree on their format),
//! 3. writes `live.html` as Trunk does (the `data-trunk` links of the source `live.html`, the
//!    preload script of `Trunk.live.toml`), next to the stylesheet, the icon, the explanations and
//!    `learn-data.bin` (the tours and challenges, which build.rs wrote),
//! 4. writes `OUT_DIR/page_files.rs`: every file as `include_bytes!`, read by
//!    `src/bridge/page.rs`.
//!
//! No wasm-opt: the page works without it, it is only bigger (see README "Install").
//! Skipped, with the reason kept for the bridge to print: builds for wasm32 (the nested build
//! itself), debug builds (`cargo test`, clippy), `MAIL_SANDBOX_PAGE=off`, and a missing wasm32
//! target. `MAIL_SANDBOX_PAGE_DIR=<a trunk build>` embeds that folder instead of building.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The wasm32 target the page is built for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The live page's binary: the bridge serves the live page, not the sandbox's (issue 29: each
/// page carries only what it runs).
const PAGE_BIN: &str = "mail-sandbox-live";
/// The live page's HTML (its source at the crate's root, and its name in the built page).
const PAGE_HTML: &str = "live.html";

/// Writes `OUT_DIR/page_files.rs`: the page's files, or none and why. `learn_data` is
/// `learn-data.bin`, the tours and challenges the page fetches.
pub fn write_page_files(learn_data: &[u8]) {
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    let text = match page_folder(&out_dir, learn_data) {
        Ok(dir) => files_rs(&dir, ""),
        Err(missing) => files_rs(Path::new(""), &missing),
    };
    fs::write(out_dir.join("page_files.rs"), text).expect("write page_files.rs");
}

/// The folder holding the built page, or why there is none. The environment variables are
/// watched only where they matter, so a debug build is not redone when a release script sets
/// `MAIL_SANDBOX_PAGE=off`.
fn page_folder(out_dir: &Path, learn_data: &[u8]) -> Result<PathBuf, String> {
    let target = env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") {
        return Err("this is a wasm32 build".into());
    }
    println!("cargo:rerun-if-env-changed=MAIL_SANDBOX_PAGE_DIR");
    if let Ok(dir) = env::var("MAIL_SANDBOX_PAGE_DIR") {
        let dir = PathBuf::from(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        if !dir.join(PAGE_HTML).is_file() {
            panic!(
                "MAIL_SANDBOX_PAGE_DIR={} holds no {PAGE_HTML} (give a trunk build's dist folder)",
                dir.display()
            );
        }
        return Ok(dir);
    }
    if env::var("PROFILE").as_deref() != Ok("release") {
        return Err("it is a debug build; release builds carry the page, \
                    as `cargo install --path .` makes"
            .into());
    }
    println!("cargo:rerun-if-env-changed=MAIL_SANDBOX_PAGE");
    if env::var("MAIL_SANDBOX_PAGE").is_ok_and(|v| v == "off") {
        return Err("it was built with MAIL_SANDBOX_PAGE=off".into());
    }
    if !wasm_target_installed() {
        let why = format!(
            "the {WASM_TARGET} target was not installed when it was built; \
             run `rustup target add {WASM_TARGET}`, then build or install again"
        );
        println!("cargo:warning=the live page is left out: {why}");
        return Err(why);
    }
    build_page(out_dir, learn_data)
}

/// Whether the compiler has the wasm32 standard library.
fn wasm_target_installed() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    sysroot.is_some_and(|s| Path::new(&s).join("lib/rustlib").join(WASM_TARGET).is_dir())
}

/// Builds the page into `OUT_DIR/page`.
fn build_page(out_dir: &Path, learn_data: &[u8]) -> Result<PathBuf, String> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    for input in [
        "src",
        "www",
        PAGE_HTML,
        "Trunk.live.toml",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
    // OUT_DIR is <target>/[<triple>/]release/build/<pkg>/out.
    let profile_dir = out_dir.ancestors().nth(3).unwrap_or(out_dir);
    let build_dir = profile_dir.join("page-build");
    let wasm = build_wasm(&root, &build_dir);
    let page = out_dir.join("page");
    let _ = fs::remove_dir_all(&page);
    fs::create_dir_all(&page).expect("create OUT_DIR/page");
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&wasm)
        .out_name(PAGE_BIN)
        .typescript(false)
        .web(true)
        .and_then(|b| b.generate(&page))
        .unwrap_or_else(|e| panic!("wasm-bindgen on {}: {e:#}", wasm.display()));
    let preload = trunk_preload_pattern(&root.join("Trunk.live.toml"));
    let html = fs::read_to_string(root.join(PAGE_HTML)).expect("read live.html");
    let html = render_html(&html, &preload, &root, &page);
    fs::write(page.join(PAGE_HTML), html).expect("write live.html");
    // The tours and challenges the page fetches after its first paint (as Trunk's hook copies
    // them next to a trunk build).
    fs::write(page.join("learn-data.bin"), learn_data).expect("write learn-data.bin");
    Ok(page)
}

/// `cargo build --release --target wasm32-unknown-unknown --features web --bin mail-sandbox-web` into
/// `build_dir`; the path of the wasm it writes.
fn build_wasm(root: &Path, build_dir: &Path) -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "--bin",
            PAGE_BIN,
        ])
        .arg("--no-default-features")
        .arg("--target-dir")
        .arg(build_dir);
    // The page's features are this build's, without `page` itself, and `web` (the page's
    // binaries need it: Cargo.toml's required-features).
    match env::var_os("CARGO_FEATURE_TLS") {
        Some(_) => cmd.args(["--features", "web,tls"]),
        None => cmd.args(["--features", "web"]),
    };
    // The host's flags (from the outer cargo or the user's RUSTFLAGS) are not the page's:
    // the page's come from .cargo/config.toml (`--cfg erase_components`), which these would
    // override. The jobserver (CARGO_MAKEFLAGS) is kept, so both cargos share the job slots.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo for the page: {e}"));
    if !status.success() {
        panic!(
            "the page's wasm build failed (its errors are above); \
             MAIL_SANDBOX_PAGE=off builds the bridge without the page"
        );
    }
    build_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{PAGE_BIN}.wasm"))
}

/// The text of `pattern_preload = '''...'''` in a Trunk file ("" when there is none).
fn trunk_preload_pattern(trunk_toml: &Path) -> String {
    let text = fs::read_to_string(trunk_toml).unwrap_or_default();
    text.split_once("pattern_preload = '''")
        .and_then(|(_, rest)| rest.split_once("'''"))
        .map(|(pattern, _)| pattern.trim_start_matches('\n').to_string())
        .unwrap_or_default()
}

/// The page's HTML as Trunk writes it: each `<link data-trunk ...>` replaced by what it asks
/// for (its files copied into `page`).
fn render_html(source: &str, preload: &str, root: &Path, page: &Path) -> String {
    let mut html = String::new();
    let mut rest = source;
    let mut trailer = String::new();
    while let Some(start) = rest.find("<link data-trunk") {
        html.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + len + 1];
        rest = &rest[start + len + 1..];
        let attr = |name: &str| attribute(tag, name).unwrap_or_default();
        let href = attr("href");
        match attr("rel").as_str() {
            "inline" => {
                let text = fs::read_to_string(root.join(&href)).expect("read an inline asset");
                html.push_str(&format!("<script>{text}</script>"));
            }
            rel @ ("css" | "icon") => {
                let name = Path::new(&href)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                fs::copy(root.join(&href), page.join(&name)).expect("copy an asset");
                match rel {
                    "css" => {
                        html.push_str(&format!("<link rel=\"stylesheet\" href=\"./{name}\"/>"))
                    }
                    _ => html.push_str(&format!("<link rel=\"icon\" href=\"./{name}\"/>")),
                }
            }
            // A file the page fetches (texts/explanations.txt), copied next to it.
            "copy-file" => {
                let name = Path::new(&href)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                fs::copy(root.join(&href), page.join(&name)).expect("copy a file");
            }
            "rust" => {
                let bin = attr("data-bin");
                let (js, wasm) = (format!("./{bin}.js"), format!("./{bin}_bg.wasm"));
                html.push_str(&format!(
                    "\n<script type=\"module\">\nimport init, * as bindings from '{js}';\n\
                     const wasm = await init({{ module_or_path: '{wasm}' }});\n\
                     window.wasmBindings = bindings;\n\
                     dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {{detail: {{wasm}}}}));\n\
                     </script>"
                ));
                trailer = preload
                    .replace("{base}", "./")
                    .replace("{js}", js.trim_start_matches("./"))
                    .replace("{wasm}", wasm.trim_start_matches("./"))
                    .replace("{crossorigin}", "anonymous");
            }
            other => panic!("{PAGE_HTML}: a data-trunk link of rel={other:?} is not built in"),
        }
    }
    html.push_str(rest);
    // Trunk puts the preload pattern at the end of <head>.
    html.replacen("</head>", &format!("{trailer}</head>"), 1)
}

/// The value of `name="..."` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_string())
}

/// `page_files.rs`: `PAGE_FILES`, every file under `dir` (by its path from `dir`) as
/// `include_bytes!`, and `PAGE_MISSING`, why there are none ("" when there are).
fn files_rs(dir: &Path, missing: &str) -> String {
    let mut files = Vec::new();
    if missing.is_empty() {
        collect_files(dir, dir, &mut files);
    }
    files.sort();
    let mut text = String::from(
        "/// The page's files built into this binary (build_support/page.rs), by path.\n\
         pub(super) static PAGE_FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        text.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    text.push_str(&format!(
        "];\n/// Why [`PAGE_FILES`] is empty (\"\" when it is not).\n\
         pub(super) static PAGE_MISSING: &str = {missing:?};\n"
    ));
    text
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            let abs = fs::canonicalize(&path).unwrap_or(path.clone());
            out.push((name, abs.to_string_lossy().to_string()));
        }
    }
}
