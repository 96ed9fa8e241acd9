//! The source tree's floor plan, read from the `use` paths in `src/`: no two modules import
//! each other (directly or round a circle), each top-level module imports only the layers
//! below it, the analysis has no OpenCV, and no source file is over 450 lines.
//!
//! Paths are read from the code with its comments and unit tests left out: every
//! `crate::…` and `super::…` path (groups `{a, b::c}` included) is resolved to the deepest
//! module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up: a module may import only modules of a lower
/// layer (or its own descendants). The pipeline reads upward: frames and timing; the pose;
/// capture, analysis and privacy on it; the session files and the overlay; the records and
/// screens; reports; the settings that gather every stage's section; the commands (app,
/// bench).
const LAYERS: &[&[&str]] = &[
    &["frame", "timing"],
    &["pose"],
    &["capture", "analysis", "privacy"],
    &["session", "overlay"],
    &["record", "panel", "display"],
    &["report"],
    &["config"],
    &["app", "bench"],
];

const MAX_LINES: usize = 450;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The binary's own files (`main.rs` and its command line, `cli.rs` and `cli/`), which reach
/// the library from outside.
fn is_binary(file: &Path) -> bool {
    let rel = file.strip_prefix(src_dir()).unwrap();
    rel == Path::new("main.rs") || rel == Path::new("cli.rs") || rel.starts_with("cli")
}

/// `src/a/b.rs` → ["a", "b"]; `src/a/mod.rs` → ["a"]; `src/lib.rs` → [].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code without comments and without its unit tests (which may reach anywhere).
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The paths under one `crate::` or `super::`: `a::b::C` gives one, `{a::b, c}` several
/// (each as far as its first group).
fn paths_after(mut s: &str) -> Vec<Vec<String>> {
    let mut path = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(group) = s.strip_prefix('{') {
            let mut depth = 1;
            let mut items = Vec::new();
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            items.push(&group[start..i]);
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        items.push(&group[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            let mut out = Vec::new();
            for item in items {
                for tail in paths_after(item) {
                    let mut p = path.clone();
                    p.extend(tail);
                    out.push(p);
                }
            }
            return out;
        }
        let (ident, rest) = ident_at(s);
        if ident.is_empty() {
            return vec![path];
        }
        path.push(ident.to_string());
        match rest.trim_start().strip_prefix("::") {
            Some(r) => s = r,
            None => return vec![path],
        }
    }
}

/// Every module each module's code names, by module path ("a::b").
fn module_uses() -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter(|f| !is_binary(f))
        .map(|f| module_of(f).join("::"))
        .collect();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        if is_binary(file) {
            continue;
        }
        let here = module_of(file);
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let bytes = code.as_bytes();
        for (i, _) in code.match_indices("::") {
            // The root of a path: `crate` or a run of `super`s just before this `::`.
            let before = &code[..i];
            let (root, start) = match before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                Some(j) => (&before[j + 1..], j + 1),
                None => (before, 0),
            };
            if start >= 2 && &bytes[start - 2..start] == b"::" {
                continue; // not the start of a path
            }
            let mut base: Vec<String> = match root {
                "crate" => Vec::new(),
                "super" => here[..here.len().saturating_sub(1)].to_vec(),
                _ => continue,
            };
            let mut rest = &code[i + 2..];
            while let Some(r) = rest.trim_start().strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            for tail in paths_after(rest) {
                let mut full = base.clone();
                full.extend(tail);
                // The deepest module the path names.
                let target = (0..=full.len())
                    .rev()
                    .map(|k| full[..k].join("::"))
                    .find(|m| modules.contains(m))
                    .unwrap_or_default();
                uses.entry(here.join("::")).or_default().insert(target);
            }
        }
    }
    (modules, uses)
}

fn is_within(inner: &str, outer: &str) -> bool {
    outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}::"))
}

/// Edges between modules cut to their first `depth` parts, leaving out a module's uses of
/// its own ancestors and descendants.
fn edges_at(uses: &BTreeMap<String, BTreeSet<String>>, depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let cut = |m: &str| m.split("::").take(depth).collect::<Vec<_>>().join("::");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in uses {
        for to in targets {
            let (a, b) = (cut(from), cut(to));
            if a.is_empty() || b.is_empty() || is_within(&a, &b) || is_within(&b, &a) {
                continue;
            }
            out.entry(a).or_default().insert(b);
        }
    }
    out
}

/// One circle in `edges`, if there is any, as the modules round it.
fn a_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|m| m == next).unwrap();
                    let mut circle = stack[from..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if !state.contains_key(node) {
            if let Some(c) = visit(node, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_path_reader_sees_groups_supers_and_nested_modules() {
    assert_eq!(paths_after("a::b::C;"), vec![vec!["a", "b", "C"]]);
    assert_eq!(
        paths_after("{a::{B, c::D}, e};"),
        vec![vec!["a", "B"], vec!["a", "c", "D"], vec!["e"]]
    );
    // A circle round three modules is found, and a parent using its child is not one.
    let edges: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "a::x")]
        .iter()
        .fold(BTreeMap::new(), |mut m, (f, t)| {
            m.entry(f.to_string()).or_default().insert(t.to_string());
            m
        });
    assert_eq!(a_circle(&edges_at(&edges, 1)).map(|c| c.len()), Some(4));
    let (modules, uses) = module_uses();
    assert!(modules.contains("analysis::events::foot") && modules.contains("report"));
    assert!(
        uses["report::media"].contains("privacy"),
        "report::media's uses read as {:?}",
        uses["report::media"]
    );
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let (_, uses) = module_uses();
    for depth in 1..=4 {
        if let Some(circle) = a_circle(&edges_at(&uses, depth)) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn each_layer_imports_only_the_layers_below() {
    let (modules, uses) = module_uses();
    let layer_of = |m: &str| {
        let top = m.split("::").next().unwrap_or("");
        LAYERS.iter().position(|l| l.contains(&top))
    };
    let mut broken = Vec::new();
    for m in &modules {
        if !m.is_empty() && !m.contains("::") && layer_of(m).is_none() {
            broken.push(format!("'{m}' has no layer: add it to LAYERS"));
        }
    }
    for (from, to) in edges_at(&uses, 1)
        .iter()
        .flat_map(|(f, ts)| ts.iter().map(move |t| (f, t)))
    {
        if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
            if b >= a {
                broken.push(format!("{from} (layer {a}) imports {to} (layer {b})"));
            }
        }
    }
    assert!(broken.is_empty(), "layer rules broken:\n{}", broken.join("\n"));
}

#[test]
fn the_analysis_is_plain_arithmetic_without_opencv() {
    let mut files = Vec::new();
    rust_files(&src_dir().join("analysis"), &mut files);
    let with: Vec<_> = files
        .iter()
        .filter(|f| code_of(&std::fs::read_to_string(f).unwrap()).contains("opencv"))
        .collect();
    assert!(with.is_empty(), "OpenCV in the analysis: {with:?}");
}

#[test]
fn no_source_file_is_over_450_lines() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by what they do:\n{}",
        long.join("\n")
    );
}
