#!/usr/bin/env python3
"""Where the page's wasm bytes go, grouped by crate and by module of our own code.

Input: a wasm that keeps its function names (see scripts/wasm-weight.sh). Reads
`twiggy top --format csv` and sums each item's shallow size into a group; the name section and
other custom sections are left out, so the total is what ships. A generic function is counted
where its name says it lives (`<&mut serde_json::de::Deserializer<R> as ...>::deserialize_seq`
is serde_json even when its type parameter is ours), except serde impls of our own types,
which get their own row. Closures the optimiser merged into `core::ops::function` shims count
as "core/alloc/std (generic)".

Usage: wasm_weight.py FILE.wasm            the table (markdown)
       wasm_weight.py FILE.wasm GROUP [N]  the N biggest items of one group
"""
import csv
import re
import subprocess
import sys
from collections import defaultdict

CRATES = [
    ("leptos/reactive_graph/tachys",
     r"\b(leptos\w*|reactive_graph|tachys|any_spawner|throw_error|or_poisoned|send_wrapper|"
     r"oco_ref|hydration_context|either_of|guardian|slotmap|futures\w*|pin_project\w*)::"),
    ("serde_json", r"\b(serde_json|zmij)::"),
    ("serde (core)", r"\bserde(_core)?::"),
    ("idb/tokio/thiserror/indexmap", r"\b(idb|tokio|thiserror|indexmap)::"),
    ("wasm-bindgen/js-sys/web-sys", r"\b(wasm_bindgen\w*|js_sys|web_sys|gloo\w*|console_error_panic_hook)::"),
    ("base64/md5", r"\b(base64|md5|md_5|digest|block_buffer)::"),
    ("core::fmt", r"\bcore(\[[0-9a-f]+\])?::fmt::"),
    ("core/alloc/std (generic)", r"(\b(core|alloc|std|hashbrown|dlmalloc|__rustc)(\[[0-9a-f]+\])?::|^<(str|char)>::)"),
]
FLOAT = re.compile(r"(<f(32|64) as core(\[[0-9a-f]+\])?::fmt|::flt2dec::|::bignum::|::dec2flt::|\bzmij::)")
SERDE_IMPL = re.compile(
    r"serde(_core)?::(de|ser)::(Deserialize|Serialize|Visitor|SeqAccess|MapAccess|EnumAccess|VariantAccess)")


def classify(name):
    if name.startswith("data segment"):
        return "data (.rodata: texts, tables)"
    if name.startswith(("custom section", '"function names"', '"data names"')) or "subsection" in name:
        return None
    if FLOAT.search(name):
        return "float formatting/parsing"
    own = re.search(r"\bmail_sandbox::([a-z_]+)(::([a-z_]+))?", name)
    if own and SERDE_IMPL.search(name):
        return "own: serde derives"
    best = None
    for label, pattern in CRATES:
        m = re.search(pattern, name)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), label)
    if own and (best is None or own.start() < best[0] or best[1].startswith("core")):
        top, sub = own.group(1), own.group(3)
        if top == "proto" and sub in ("imap", "smtp", "pop3"):
            return f"own: proto::{sub}"
        return f"own: {top}"
    return best[1] if best else "other (wasm-bindgen shims, unnamed)"


def rows(path):
    out = subprocess.run(["twiggy", "top", "--format", "csv", path],
                         capture_output=True, text=True, check=True).stdout
    for row in csv.DictReader(out.splitlines()):
        yield row["Name"], int(row["ShallowSize"])


def main():
    path = sys.argv[1]
    if len(sys.argv) > 2:
        items = sorted(((s, n) for n, s in rows(path) if classify(n) == sys.argv[2]), reverse=True)
        for size, name in items[: int(sys.argv[3]) if len(sys.argv) > 3 else 30]:
            print(size, name[:200])
        return
    groups = defaultdict(int)
    for name, size in rows(path):
        group = classify(name)
        if group is not None:
            groups[group] += size
    total = sum(groups.values())
    print("| group | bytes | % |\n|---|---:|---:|")
    for group, size in sorted(groups.items(), key=lambda g: -g[1]):
        print(f"| {group} | {size:,} | {100 * size / total:.1f} |")
    print(f"| **total** (what ships, without names) | {total:,} | 100 |")


if __name__ == "__main__":
    main()
