//! The modules of the crate form layers: no top-level module reaches back
//! to itself through `crate::` imports (see docs/architecture.md). The
//! test reads `src/**/*.rs` (skipping `#[cfg(test)]` modules and
//! comments), builds the graph of `crate::` references between top-level
//! modules, and names any cycle it finds.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without comments and without its `#[cfg(test)]`
/// items (a test may use any module).
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i32> = None;
    let mut depth = 0i32;
    let mut cfg_test = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let line = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        if trimmed.starts_with("#[cfg(test)]") {
            cfg_test = true;
            continue;
        }
        let opens = line.matches('{').count() as i32;
        let closes = line.matches('}').count() as i32;
        if cfg_test {
            cfg_test = false;
            if opens > closes {
                skip_depth = Some(depth);
            } else {
                // A one-line item: skipped.
                continue;
            }
        }
        depth += opens - closes;
        if let Some(d) = skip_depth {
            if depth <= d {
                skip_depth = None;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The top-level names a file refers to with `crate::`: `crate::a::…` and
/// every top-level name of `crate::{a, b::{c}}`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `rtm_crate::`…
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of a group: those at brace depth 0.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_ascii_alphanumeric() || c == '_') => {
                        refs.insert(ident(&group[i..]));
                        start = false;
                    }
                    c if c.is_whitespace() => {}
                    _ => start = false,
                }
            }
        } else {
            refs.insert(ident(rest));
        }
    }
    refs
}

/// The top-level module of a file under `src`: `rules` for
/// `src/rules/coverage.rs`, `stamp` for `src/stamp.rs`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_owned()
}

/// module → (module it refers to → a file where it does).
type Imports = BTreeMap<String, BTreeMap<String, String>>;

fn imports(src: &Path) -> Imports {
    let files = rust_files(src);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top_module(src, f))
        .filter(|m| m != "lib" && m != "main" && m != "bin")
        .collect();
    let mut graph: Imports = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for f in &files {
        let from = top_module(src, f);
        let Some(edges) = graph.get_mut(&from) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for to in crate_refs(&code(&text)) {
            if to != from && modules.contains(&to) {
                let rel = f.strip_prefix(src).unwrap().display().to_string();
                edges.entry(to).or_insert(rel);
            }
        }
    }
    graph
}

/// A cycle of the graph, as the list of its modules with the file of each
/// step, if there is one.
fn find_cycle(graph: &Imports) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state: BTreeMap<&str, State> = graph.keys().map(|k| (k.as_str(), State::New)).collect();
    fn visit<'g>(
        m: &'g str,
        graph: &'g Imports,
        state: &mut BTreeMap<&'g str, State>,
        path: &mut Vec<&'g str>,
    ) -> Option<Vec<String>> {
        state.insert(m, State::Open);
        path.push(m);
        for to in graph[m].keys() {
            match state[to.as_str()] {
                State::Open => {
                    let at = path.iter().position(|p| *p == to).unwrap();
                    let mut cycle: Vec<String> = path[at..]
                        .iter()
                        .zip(path[at..].iter().skip(1).chain([&to.as_str()]))
                        .map(|(a, b)| format!("{a} → {b} (in src/{})", graph[*a][*b]))
                        .collect();
                    cycle.sort();
                    return Some(cycle);
                }
                State::New => {
                    if let Some(c) = visit(to, graph, state, path) {
                        return Some(c);
                    }
                }
                State::Done => {}
            }
        }
        path.pop();
        state.insert(m, State::Done);
        None
    }
    for m in graph.keys() {
        if state[m.as_str()] == State::New
            && let Some(c) = visit(m, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_module_reaches_back_to_itself() {
    // RTM_LAYERS_SRC: check another copy of the sources (e.g. an older one).
    let src = std::env::var_os("RTM_LAYERS_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let graph = imports(&src);
    assert!(graph.contains_key("rules") && graph.contains_key("finding"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("a cycle of module imports:\n  {}", cycle.join("\n  "));
    }
}

#[test]
fn the_import_reader_sees_every_form() {
    let code = code(
        "use crate::a::X;\nuse crate::{b, c::{D, e}};\n// crate::commented\nlet x = crate::f::g();\n$crate::h\n#[cfg(test)]\nmod tests {\n    use crate::tested;\n}\n#[cfg(test)]\nuse crate::one_line;\n",
    );
    let refs: Vec<String> = crate_refs(&code).into_iter().collect();
    assert_eq!(refs, ["a", "b", "c", "f"]);
    let mut g: Imports = BTreeMap::new();
    g.entry("x".into())
        .or_default()
        .insert("y".into(), "x.rs".into());
    g.entry("y".into())
        .or_default()
        .insert("x".into(), "y.rs".into());
    assert_eq!(
        find_cycle(&g).unwrap(),
        ["x → y (in src/x.rs)", "y → x (in src/y.rs)"]
    );
}
