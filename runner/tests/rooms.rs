//! The runner's rooms (see docs/development.md): every folder of `runner/src`
//! but `bench/` and `bin/` is a room, and a room only uses the rooms below it.
//! Every `crate::` path in a room's files (imports, inline paths, doc links)
//! is checked against [`ROOMS`]; a root re-export such as `crate::Policy`
//! counts as the room it comes from. Each room's `mod.rs` says the same in
//! its `May use:` line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each room and the rooms it may use, lowest first.
const ROOMS: &[(&str, &[&str])] = &[
    ("kube", &[]),
    ("wasm", &[]),
    ("oci", &["wasm"]),
    ("engine", &["kube", "oci", "wasm"]),
    ("publish", &["engine", "kube", "oci", "wasm"]),
    ("scan", &["engine", "kube", "oci", "wasm"]),
];

/// Folders of `runner/src` outside the library's rooms: kwbench's helpers
/// (compiled into the kwbench binary) and the binaries, which may use anything.
const OUTSIDE: &[&str] = &["bench", "bin"];

/// Files directly in `runner/src`: the library's root and kwrunner's command line.
const ROOT_FILES: &[&str] = &["lib.rs", "main.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn allowed(room: &str) -> &'static [&'static str] {
    ROOMS
        .iter()
        .find(|(name, _)| *name == room)
        .map(|(_, may_use)| *may_use)
        .unwrap_or_else(|| panic!("{room} is not in the ROOMS table"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c| !is_ident_char(c)).unwrap_or(text.len());
    &text[..end]
}

/// The first segment after every `crate::` in `text`, with its line number:
/// `crate::oci::Access` gives `oci`, `crate::{kube::settings, Policy}` gives
/// `kube` and `Policy`.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| is_ident_char(c) || c == '$') {
            continue;
        }
        let line = text[..at].matches('\n').count() + 1;
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The items of the group at its top level: `a::b`, `c::{d, e}`, `F`.
            let mut depth = 0;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.push((line, ident_at(group[item_start..].trim_start()).to_owned()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push((line, ident_at(group[item_start..].trim_start()).to_owned()));
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.push((line, ident_at(rest).to_owned()));
        }
    }
    found.retain(|(_, name)| !name.is_empty());
    found
}

/// The names `lib.rs` re-exports at the crate root, with the room each comes
/// from (`pub use engine::policy::{Instance, Policy};`).
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let room = ident_at(path).to_owned();
        let leaves = match path.find('{') {
            Some(open) => path[open + 1..].trim_end_matches('}').to_owned(),
            None => path.rsplit("::").next().unwrap_or(path).to_owned(),
        };
        for leaf in leaves.split(',') {
            let leaf = leaf.trim();
            let name = leaf.rsplit(" as ").next().unwrap_or(leaf).trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), room.clone());
            }
        }
    }
    names
}

/// The paths in `text`, a file of `room`, that reach a room it may not use.
fn violations(room: &str, text: &str, reexports: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (line, first) in crate_paths(text) {
        let target = if ROOMS.iter().any(|(name, _)| *name == first) {
            first.clone()
        } else if let Some(from) = reexports.get(&first) {
            from.clone()
        } else {
            found.push(format!(
                "line {line}: crate::{first} is neither a room nor a root re-export"
            ));
            continue;
        };
        if target != room && !allowed(room).contains(&target.as_str()) {
            found.push(format!(
                "line {line}: crate::{first} is in {target}/, which {room}/ may not use"
            ));
        }
    }
    for (at, _) in text.match_indices("super::super::") {
        let line = text[..at].matches('\n').count() + 1;
        found.push(format!(
            "line {line}: super::super:: leaves the file's room; name the room with crate::"
        ));
    }
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_file_of_runner_src_is_in_a_room() {
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(src()).expect("runner/src") {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let known = if path.is_dir() {
            OUTSIDE.contains(&name.as_str()) || ROOMS.iter().any(|(room, _)| *room == name)
        } else {
            ROOT_FILES.contains(&name.as_str())
        };
        if !known {
            strays.push(name);
        }
    }
    assert!(
        strays.is_empty(),
        "runner/src/{strays:?}: put them in a room, or add a room to ROOMS in tests/rooms.rs \
         (and to docs/development.md)"
    );
}

#[test]
fn the_library_declares_exactly_the_rooms() {
    let lib = read(&src().join("lib.rs"));
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|line| line.strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';'))
        .collect();
    let rooms: BTreeSet<&str> = ROOMS.iter().map(|(room, _)| *room).collect();
    assert_eq!(declared, rooms, "lib.rs's `pub mod` lines and ROOMS differ");
}

#[test]
fn no_room_uses_a_room_above_it() {
    let reexports = root_reexports(&read(&src().join("lib.rs")));
    let mut found = Vec::new();
    for (room, _) in ROOMS {
        let mut files = Vec::new();
        rust_files(&src().join(room), &mut files);
        assert!(!files.is_empty(), "runner/src/{room}/ has no files");
        for file in files {
            for violation in violations(room, &read(&file), &reexports) {
                found.push(format!(
                    "{}: {violation}",
                    file.strip_prefix(src()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "arrows against the rooms' order (tests/rooms.rs, ROOMS):\n{}",
        found.join("\n")
    );
}

#[test]
fn each_room_says_what_it_is_for_and_what_it_may_use() {
    for (room, may_use) in ROOMS {
        let text = read(&src().join(room).join("mod.rs"));
        assert!(
            text.starts_with("//! "),
            "{room}/mod.rs must start with a module comment saying what the room is for"
        );
        let line = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .find_map(|line| line.strip_prefix("//! May use: "))
            .unwrap_or_else(|| panic!("{room}/mod.rs's module comment has no `May use:` line"));
        let said: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        assert_eq!(
            said, *may_use,
            "{room}/mod.rs says `May use: {line}`; ROOMS says {may_use:?}"
        );
    }
}

#[test]
fn the_check_finds_forbidden_arrows() {
    let reexports = root_reexports(
        "pub use engine::policy::{Instance, Policy};\npub use kube::settings::Settings;\n",
    );
    assert_eq!(reexports.get("Policy").map(String::as_str), Some("engine"));
    assert_eq!(reexports.get("Settings").map(String::as_str), Some("kube"));
    // Allowed: downwards, within the room, and root re-exports of lower rooms.
    for (room, text) in [
        ("engine", "use crate::oci;\nuse crate::kube::request::{AdmissionRequest};\n"),
        ("scan", "use crate::{Instance, Policy, Settings};\nuse crate::scan::manifests::{self, Source};\n"),
        ("oci", "/// [`crate::wasm::metadata::Metadata`]\nfn f() { crate::oci::registry_of(\"x\"); }\n"),
    ] {
        assert_eq!(violations(room, text, &reexports), Vec::<String>::new(), "{text}");
    }
    // Refused: upwards, sideways, through a group, a re-export, an inline path.
    for (room, text, wanted) in [
        (
            "oci",
            "use crate::publish::commands;\n",
            "crate::publish is in publish/",
        ),
        (
            "oci",
            "use crate::engine::host::Host;\n",
            "crate::engine is in engine/",
        ),
        (
            "kube",
            "use crate::{\n    patch,\n    scan::{Report, Scanner},\n};\n",
            "line 1: crate::patch is neither",
        ),
        (
            "kube",
            "use crate::{kube::patch, scan::{Report, Scanner}};\n",
            "crate::scan is in scan/",
        ),
        (
            "kube",
            "use crate::Policy;\n",
            "crate::Policy is in engine/",
        ),
        (
            "scan",
            "fn f() { let _ = crate::publish::commands::store(None); }\n",
            "publish/",
        ),
        (
            "publish",
            "use crate::scan::Scanner;\n",
            "crate::scan is in scan/",
        ),
        ("wasm", "use super::super::oci;\n", "super::super::"),
    ] {
        let found = violations(room, text, &reexports);
        assert!(
            found.iter().any(|v| v.contains(wanted)),
            "{room}: {text:?} gave {found:?}, wanted one with {wanted:?}"
        );
    }
}
