//! Imports point one way: inside every module folder of `src/` (the crate
//! root, `planning/`, `server/`, ...), no two sibling modules depend on each
//! other, directly or round a loop. A module depends on a sibling when any
//! of its files names it through a `crate::` or `super::` path (in a `use`
//! or in code); unit tests (`#[cfg(test)]` onwards) are left out.
//!
//! The check reads the source tree, so it runs without building anything
//! beyond this test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root: `["planning", "solve"]`.
type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file defines: `src/planning/mod.rs` is `planning`,
/// `src/planning/solve.rs` is `planning::solve`.
fn module_of(src: &Path, file: &Path) -> Option<ModPath> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        parts.clear();
    }
    Some(parts)
}

/// The source without comments, string contents and unit tests.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        // Quoted text may hold anything; drop it.
        let mut quoted = false;
        for c in line.chars() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// Every path a `use` tree names, braces expanded: `super::{a, b::c}` gives
/// `super::a` and `super::b::c`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The `crate::`/`super::`/`self::` paths a file's code names, made
/// absolute; in a `use`, a path starting with one of the module's own
/// children (`pub use queue::SharedQueue` in a `mod.rs`) too.
fn named_paths(module: &ModPath, is_mod_file: bool, code: &str) -> Vec<ModPath> {
    let mut raw = Vec::new();
    for statement in code.split(';') {
        let s = statement.trim();
        let s = s.strip_prefix("pub(crate)").unwrap_or(s).trim();
        let s = s.strip_prefix("pub(super)").unwrap_or(s).trim();
        let s = s.strip_prefix("pub").unwrap_or(s).trim();
        if let Some(tree) = s.strip_prefix("use ") {
            for path in expand(tree) {
                let first = path.split("::").next().unwrap_or("");
                let known_root = ["crate", "super", "std", "core", "alloc"].contains(&first)
                    || path.starts_with("::");
                if first == "self" {
                    raw.push(format!("self{}", &path[4..]));
                } else if !known_root && path.contains("::") {
                    // Relative to this module: a child, or an external crate
                    // (which names no module of ours and is dropped below).
                    raw.push(format!("self::{path}"));
                } else {
                    raw.push(path);
                }
            }
        }
    }
    // Paths in code: `crate::a::b` and `super::a` tokens.
    let bytes: Vec<char> = code.chars().collect();
    let text: String = bytes.iter().collect();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(start) {
            let at = from + i;
            let end = text[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |e| at + e);
            raw.push(text[at..end].to_string());
            from = end.max(at + 1);
        }
    }
    raw.into_iter()
        .filter_map(|p| {
            let segments: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
            let (first, rest) = segments.split_first()?;
            let mut base: ModPath = match *first {
                "crate" => Vec::new(),
                // Children of a `mod.rs` are under its module; beside a
                // plain file they would be under the file's module too.
                "self" => module.clone(),
                "super" => {
                    // `super` of a `mod.rs` file is the folder's parent.
                    let mut b = module.clone();
                    if !is_mod_file || !b.is_empty() {
                        b.pop();
                    }
                    b
                }
                _ => return None,
            };
            let mut rest = rest.iter().peekable();
            while rest.peek() == Some(&&"super") {
                rest.next();
                base.pop();
            }
            base.extend(rest.map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

/// The sibling modules of a folder that depend on one another round a loop,
/// found with Tarjan's algorithm: each component of more than one module.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(next) = s.edges.get(v) {
            for w in next {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// Per folder (its module path), the edges between its child modules.
fn folder_edges() -> BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<ModPath> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut folders: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        // The binary's own files are another crate, not modules of the library.
        if module.first().is_some_and(|m| m == "main" || m == "bin") {
            continue;
        }
        let is_mod_file = file.file_name().is_some_and(|n| n == "mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_paths(&module, is_mod_file, &code(&text)) {
            // The longest known module the path names.
            let Some(target) = (0..=named.len())
                .rev()
                .map(|n| named[..n].to_vec())
                .find(|p| modules.contains(p))
            else {
                continue;
            };
            // The deepest folder both sit in, and the children of it on
            // each side; a folder's own file (`mod.rs`) is the node
            // `mod`, so that a child using what its parent's file defines
            // while that file uses the child is a cycle too.
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() && common == target.len() {
                continue; // itself
            }
            let (folder, from, to) = if common == module.len() {
                // The folder's file naming one of its children.
                (module.clone(), "mod".to_string(), target[common].clone())
            } else if common == target.len() {
                // A module naming an item of an enclosing folder's file.
                (target.clone(), module[common].clone(), "mod".to_string())
            } else {
                (
                    module[..common].to_vec(),
                    module[common].clone(),
                    target[common].clone(),
                )
            };
            folders
                .entry(folder)
                .or_default()
                .entry(from)
                .or_default()
                .insert(to);
        }
    }
    folders
}

#[test]
fn no_module_folder_has_an_import_cycle() {
    let mut found = Vec::new();
    for (folder, edges) in folder_edges() {
        for cycle in cycles(&edges) {
            found.push(format!("src/{}: {}", folder.join("/"), cycle.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_braced_imports_and_cycles() {
    let paths = expand("super::{a, b::{c, d}, e}");
    assert_eq!(
        paths,
        ["super::a", "super::b::c", "super::b::d", "super::e"]
    );
    let module = vec!["planning".to_string(), "solve".to_string()];
    let named = named_paths(
        &module,
        false,
        "use super::formulation::{Col, Rows};\nlet x = crate::model::validate(d);",
    );
    assert!(named.contains(&vec!["planning".into(), "formulation".into(), "Col".into()]));
    assert!(named.contains(&vec!["model".into(), "validate".into()]));
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    edges.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    edges.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        cycles(&edges),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}
