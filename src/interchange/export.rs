//! `rtm export xlsx` and `rtm export csv` (INTERCHANGE §2): the sheets
//! `Nodes`, `Deviations`, `Matrix` and `Findings`, built from a
//! [`View`], so that nothing above the level asked for is written.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::{Seek, Write};

use rustc_hash::FxHashMap;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Note, Workbook, Worksheet, XlsxError};

use super::sheetxml::Rows;
use super::tables::{NodeTables, file_tables};
use super::{FILE_COLUMN, LIST_FIELDS, NODE_COLUMNS, STRING_FIELDS};
use crate::model::{Kind, LinkField, Node};
use crate::source::{FileId, Span};
use crate::view::View;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}: cannot read the node back from its file")]
    Unreadable(String),
    /// A cell holds more characters than Excel allows in one.
    #[error(
        "{sheet}: {place} is {chars} characters, longer than the {limit} Excel allows in a cell; nothing written (`rtm export csv` and `rtm export reqif` have no such limit)",
        chars = thousands(*chars),
        limit = thousands(CELL_LIMIT)
    )]
    CellTooLong {
        /// The sheet's name.
        sheet: &'static str,
        /// The node's id and the column (`RTM-0001 \`text\``), or the row
        /// and the column when the row is about no node.
        place: String,
        /// The cell's length, in characters.
        chars: usize,
    },
    /// A sheet has more rows than Excel allows in one.
    #[error(
        "{sheet}: {rows} rows, more than the {limit} Excel allows below a header; nothing written (`rtm export csv` and `rtm export reqif` have no such limit)",
        rows = thousands(*rows),
        limit = thousands(ROW_LIMIT)
    )]
    TooManyRows {
        /// The sheet's name.
        sheet: &'static str,
        /// Its rows below the header.
        rows: usize,
    },
}

/// A count with a comma between thousands: `32,767`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// One sheet: its name, header and rows of cell texts (borrowed from the
/// checked tree where they are its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet<'a> {
    pub name: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cow<'a, str>>>,
}

/// The four sheets of the workbook, in order.
pub fn sheets<'v>(view: &'v View<'_>) -> Result<Vec<Sheet<'v>>, ExportError> {
    Ok(vec![
        nodes(view)?,
        deviations(view),
        matrix(view),
        findings(view),
    ])
}

/// A node's cells before the header is known: one per column of
/// [`NODE_COLUMNS`], then the fields not among them, by name.
pub struct NodeCells {
    /// Made with room for the row's last cell (its file), so that the
    /// row is this vector, not a copy of it, when the tree has no other
    /// fields.
    fixed: Vec<Cow<'static, str>>,
    extra: Vec<(String, String)>,
}

/// Every field of a node is exported.
fn every_field(_: Kind, _: &str) -> bool {
    true
}

/// What a spreadsheet export keeps of every node from the loader's parse:
/// its cells.
pub type KeptCells = NodeTables<NodeCells>;

/// The cells of every node, made as the loader parses the files (for a
/// view that withholds nothing: no id is then removed from a table).
pub fn kept_cells() -> KeptCells {
    NodeTables::new(every_field, cells_of)
}

/// A node's cells, from its table.
fn cells_of(kind: Kind, table: toml::Table) -> NodeCells {
    let mut fixed: Vec<Cow<'static, str>> = Vec::with_capacity(NODE_COLUMNS.len() + 1);
    fixed.resize(NODE_COLUMNS.len(), Cow::Borrowed(""));
    if let Some(k) = fixed.first_mut() {
        *k = Cow::Borrowed(kind.as_str());
    }
    let mut extra = Vec::new();
    for (key, value) in &table {
        match NODE_COLUMNS.iter().position(|c| c == key) {
            Some(0) => {}
            Some(i) => {
                if let Some(c) = fixed.get_mut(i) {
                    *c = Cow::Owned(cell(key, value));
                }
            }
            None if key == FILE_COLUMN => {}
            None => extra.push((key.clone(), cell(key, value))),
        }
    }
    NodeCells { fixed, extra }
}

/// Every node's cells, from its own table as its file holds it, one per
/// node of the view (in the view's order). When the view withholds
/// nothing, a file's cells are taken from `kept` (made as the loader
/// parsed it); else the file is read again, in parallel, and each table
/// has the withheld ids removed, is turned into cells and dropped at once.
fn node_cells(view: &View<'_>, kept: Option<&KeptCells>) -> Result<Vec<NodeCells>, ExportError> {
    use rayon::prelude::*;
    let kept = kept.filter(|_| view.withheld_nodes == 0);
    // The ordinal of every definition among those of its kind in its file
    // (the loader keeps a node when its id is a string, so the n-th such
    // table of a kind is the n-th node of that kind).
    let mut ordinal: FxHashMap<Span, usize> = FxHashMap::default();
    let mut count: FxHashMap<(FileId, Kind), usize> = FxHashMap::default();
    for n in &view.full.model.nodes {
        let c = count.entry((n.file(), n.kind)).or_default();
        ordinal.insert(n.id_span(), *c);
        *c += 1;
    }
    // Runs of nodes from one file (nodes come file by file).
    let nodes = &view.checked.model.nodes;
    let mut runs: Vec<(FileId, usize, usize)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        match runs.last_mut() {
            Some((f, _, end)) if *f == n.file() => *end = i + 1,
            _ => runs.push((n.file(), i, i + 1)),
        }
    }
    let sources = &view.checked.model.sources;
    let per_run: Vec<Vec<NodeCells>> = runs
        .par_iter()
        .map(|&(file, start, end)| {
            let run = nodes.get(start..end).unwrap_or_default();
            let missing = |n: &Node| ExportError::Unreadable(n.id.to_string());
            let mut out = Vec::with_capacity(run.len());
            if let Some(mut kinds) = kept.and_then(|k| k.take(file)) {
                for n in run {
                    let at = ordinal.get(&n.id_span()).copied().unwrap_or(usize::MAX);
                    let cells = kinds
                        .get_mut(&n.kind)
                        .and_then(|tables| tables.get_mut(at))
                        .and_then(Option::take)
                        .map(|(_, cells)| cells)
                        .ok_or_else(|| missing(n))?;
                    out.push(cells);
                }
                return Ok(out);
            }
            let text = sources.file(file).text.as_str();
            let unreadable = || {
                ExportError::Unreadable(run.first().map(|n| n.id.to_string()).unwrap_or_default())
            };
            let mut kinds = file_tables(text, every_field).ok_or_else(unreadable)?;
            for n in run {
                let at = ordinal.get(&n.id_span()).copied().unwrap_or(usize::MAX);
                let mut table = kinds
                    .get_mut(&n.kind)
                    .and_then(|tables| tables.get_mut(at))
                    .and_then(Option::take)
                    .map(|(_, table)| table)
                    .ok_or_else(|| missing(n))?;
                view.redact_table(&mut table);
                out.push(cells_of(n.kind, table));
            }
            Ok(out)
        })
        .collect::<Result<_, ExportError>>()?;
    Ok(per_run.into_iter().flatten().collect())
}

/// A value as one cell: strings as they are, lists of plain ids or
/// labels joined with `, `, everything else as inline TOML.
fn cell(field: &str, value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => {
            // A field this version does not know is read back as TOML when
            // it parses as TOML: such a string is quoted.
            if !STRING_FIELDS.contains(&field)
                && !LIST_FIELDS.contains(&field)
                && super::import::parse_toml_value(s).is_some()
            {
                value.to_string()
            } else {
                s.clone()
            }
        }
        toml::Value::Array(items) if LIST_FIELDS.contains(&field) && joinable(items) => items
            .iter()
            .filter_map(toml::Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Whether a list reads back the same once joined with `, `: strings only,
/// at least one, none empty, none holding a separator or surrounding
/// spaces, none starting with `[`.
fn joinable(items: &[toml::Value]) -> bool {
    !items.is_empty()
        && items.iter().all(|v| {
            v.as_str().is_some_and(|s| {
                !s.is_empty()
                    && s.trim() == s
                    && !s.starts_with('[')
                    && !s.contains([',', ';', '\n', '\r'])
            })
        })
}

/// The `Nodes` sheet: one row per node, every field it holds.
pub fn nodes<'v>(view: &'v View<'_>) -> Result<Sheet<'v>, ExportError> {
    nodes_from(view, None)
}

/// [`nodes`], taking each file's tables from `kept` when it holds them.
pub fn nodes_from<'v>(
    view: &'v View<'_>,
    kept: Option<&KeptCells>,
) -> Result<Sheet<'v>, ExportError> {
    let cells = node_cells(view, kept)?;
    let extra: BTreeSet<&str> = cells
        .iter()
        .flat_map(|c| c.extra.iter().map(|(k, _)| k.as_str()))
        .collect();
    let mut header: Vec<String> = NODE_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    header.extend(extra.iter().map(|s| (*s).to_owned()));
    header.push(FILE_COLUMN.to_owned());
    let extra: Vec<String> = extra.into_iter().map(str::to_owned).collect();
    let sources = &view.checked.model.sources;
    let rows = view
        .checked
        .model
        .nodes
        .iter()
        .zip(cells)
        .map(|(n, c)| {
            let mut row: Vec<Cow<'v, str>> = c.fixed;
            row.reserve(extra.len() + 1);
            if !extra.is_empty() {
                let mut own = c.extra;
                row.extend(extra.iter().map(|h| {
                    Cow::Owned(
                        own.iter_mut()
                            .find(|(k, _)| k == h)
                            .map(|(_, v)| std::mem::take(v))
                            .unwrap_or_default(),
                    )
                }));
            }
            row.push(Cow::Borrowed(sources.path(n.file())));
            row
        })
        .collect();
    Ok(Sheet {
        name: "Nodes",
        header,
        rows,
    })
}

fn by_id<'v>(view: &'v View<'_>) -> FxHashMap<&'v str, &'v Node> {
    let mut map = FxHashMap::default();
    for (_, n) in view.nodes() {
        map.entry(n.id.as_str()).or_insert(n);
    }
    map
}

/// The `Deviations` sheet: one row per declared deviation.
pub fn deviations<'v>(view: &'v View<'_>) -> Sheet<'v> {
    deviations_with(view, &by_id(view))
}

/// [`deviations`], with the view's nodes by id.
fn deviations_with<'v>(view: &'v View<'_>, ids: &FxHashMap<&'v str, &'v Node>) -> Sheet<'v> {
    let shown = |id: &'v str| if view.hides_id(id) { None } else { Some(id) };
    let mut rows = Vec::new();
    for (_, n) in view.nodes() {
        for d in n.deviations() {
            let sec = n.link(d.sec).and_then(|l| shown(n.target(l)));
            let Some(sec) = sec else { continue };
            let modification = n.link(d.modification).and_then(|l| shown(n.target(l)));
            let stage = modification.and_then(|m| ids.get(m)).and_then(|m| m.stage);
            let contingent = match (&modification, stage) {
                (Some(_), Some(s)) => !s.is_settled(),
                (Some(_), None) => true,
                (None, _) => false,
            };
            rows.push(
                [
                    n.id.as_str(),
                    n.category.map_or("", |c| c.as_str()),
                    sec,
                    d.summary.as_ref().map_or("", |s| s.value.as_str()),
                    d.rationale.as_ref().map_or("", |s| s.value.as_str()),
                    modification.unwrap_or_default(),
                    stage.map_or("", |s| s.as_str()),
                    if contingent { "yes" } else { "no" },
                ]
                .map(Cow::Borrowed)
                .to_vec(),
            );
        }
    }
    Sheet {
        name: "Deviations",
        header: [
            "entry",
            "category",
            "sec",
            "summary",
            "rationale",
            "modification",
            "stage",
            "contingent",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

/// The `Matrix` sheet: one row per path theme → business requirement →
/// RTM entry (through `satisfies`, directly or from an entry it refines).
/// An entry that reaches no business requirement has a row of its own
/// with the theme and business columns empty.
pub fn matrix<'v>(view: &'v View<'_>) -> Sheet<'v> {
    matrix_with(view, &by_id(view))
}

/// [`matrix`], with the view's nodes by id.
fn matrix_with<'v>(view: &'v View<'_>, ids: &FxHashMap<&'v str, &'v Node>) -> Sheet<'v> {
    use rayon::prelude::*;
    // The business requirements each entry reaches are worked out while
    // the cells are ranked.
    let is_business = |b: &str| ids.get(b).is_some_and(|b| b.kind == Kind::Business);
    let (reached, ranked) = rayon::join(
        || reached_business(view, is_business),
        || Ranked::of(view, ids),
    );
    // Each entry's rows are made in parallel; the rows are then sorted,
    // so the order they were made in does not show.
    type Keyed<'v> = ((u32, u32, u32), [&'v str; 8]);
    let mut rows: Vec<Keyed<'v>> = ranked
        .entries
        .par_iter()
        .zip(ranked.entry_rank.par_iter())
        .flat_map_iter(|(&(i, e), &er)| {
            let business = reached.of(i);
            let [e0, e1, e2, e3] = entry_cells(e);
            let mut rows: Vec<Keyed<'v>> = Vec::new();
            for ((br, b0, b1), themes) in
                business.iter().filter_map(|b| ranked.business_parts.get(b))
            {
                for &(tr, t0, t1) in themes {
                    rows.push(((tr, *br, er), [t0, t1, b0, b1, e0, e1, e2, e3]));
                }
            }
            if rows.is_empty() {
                rows.push((
                    (ranked.no_theme, ranked.no_business, er),
                    ["", "", "", "", e0, e1, e2, e3],
                ));
            }
            rows
        })
        .collect();
    // Equal keys are equal rows throughout: an unstable sort gives the
    // same.
    rows.par_sort_unstable_by_key(|(k, _)| *k);
    let rows = rows
        .into_par_iter()
        .map(|(_, r)| r.map(Cow::Borrowed).to_vec())
        .collect();
    Sheet {
        name: "Matrix",
        header: [
            "theme",
            "theme title",
            "business",
            "business title",
            "entry",
            "entry title",
            "category",
            "status",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

/// A node's title, or nothing.
fn title_of(n: &Node) -> &str {
    n.title().unwrap_or_default()
}

/// An entry's cells on the `Matrix` sheet: id, title, category, status.
fn entry_cells(e: &Node) -> [&str; 4] {
    [
        e.id.as_str(),
        title_of(e),
        e.category.map_or("", |c| c.as_str()),
        e.status.as_str(),
    ]
}

/// A theme's or business requirement's part of a `Matrix` row: its rank,
/// id and title.
type Part<'v> = (u32, &'v str, &'v str);

/// What the `Matrix` rows are sorted by. The rows are sorted by their
/// cells. A row is three groups of cells: the theme's (id, title), the
/// business requirement's and the entry's (id, title, category, status).
/// Each group is ranked once, by its cells, so that a row sorts by three
/// numbers: the same order as by its eight texts (equal numbers are equal
/// cells), without comparing texts 159k × log n times. A theme or business
/// requirement is found by its id (the first node with it), so its cells
/// follow from its id.
struct Ranked<'v> {
    /// The entries, with their places among the view's nodes.
    entries: Vec<(usize, &'v Node)>,
    /// Each entry's rank among the entries, by its cells (equal cells,
    /// equal rank).
    entry_rank: Vec<u32>,
    /// Each business requirement's part of a row, once, and one part per
    /// theme it names (its themes by id; the empty part when it names
    /// none).
    business_parts: FxHashMap<&'v str, (Part<'v>, Vec<Part<'v>>)>,
    /// The ranks of the empty theme and business cells.
    no_theme: u32,
    no_business: u32,
}

impl<'v> Ranked<'v> {
    fn of(view: &'v View<'_>, ids: &FxHashMap<&'v str, &'v Node>) -> Self {
        use rayon::prelude::*;
        let entries: Vec<(usize, &'v Node)> = view
            .nodes()
            .filter(|(_, n)| n.kind == Kind::Requirement)
            .collect();
        let pair = |n: Option<&'v Node>| n.map_or(("", ""), |n| (n.id.as_str(), title_of(n)));
        let ranks_of = |kind: Kind| -> (FxHashMap<&'v str, u32>, u32) {
            let mut pairs: Vec<(&'v str, &'v str)> = ids
                .values()
                .filter(|n| n.kind == kind)
                .map(|n| pair(Some(n)))
                .collect();
            pairs.push(pair(None));
            pairs.sort_unstable();
            pairs.dedup();
            let rank = |p: &(&str, &str)| pairs.binary_search(p).map_or(0, |i| i as u32);
            let none = rank(&pair(None));
            let by_id = ids
                .values()
                .filter(|n| n.kind == kind)
                .map(|n| (n.id.as_str(), rank(&pair(Some(n)))))
                .collect();
            (by_id, none)
        };
        let (theme_rank, no_theme) = ranks_of(Kind::Theme);
        let (business_rank, no_business) = ranks_of(Kind::Business);
        let entry_rank: Vec<u32> = {
            let mut order: Vec<(usize, [&'v str; 4])> = entries
                .iter()
                .enumerate()
                .map(|(i, &(_, e))| (i, entry_cells(e)))
                .collect();
            order.par_sort_unstable_by(|a, b| a.1.cmp(&b.1));
            let mut rank = vec![0u32; entries.len()];
            let mut r = 0u32;
            let mut last: Option<[&'v str; 4]> = None;
            for (i, t) in order {
                if last.is_some_and(|l| l != t) {
                    r += 1;
                }
                last = Some(t);
                if let Some(slot) = rank.get_mut(i) {
                    *slot = r;
                }
            }
            rank
        };
        let business_parts = ids
            .values()
            .filter(|b| b.kind == Kind::Business)
            .map(|&b| {
                let themes: BTreeSet<&str> = b
                    .links_in(LinkField::Themes)
                    .map(|l| b.target(l))
                    .filter(|t| ids.get(t).is_some_and(|t| t.kind == Kind::Theme))
                    .collect();
                let themes: Vec<Part<'v>> = if themes.is_empty() {
                    vec![(no_theme, "", "")]
                } else {
                    themes
                        .iter()
                        .filter_map(|t| ids.get(t).copied())
                        .map(|t| {
                            let (id, title) = pair(Some(t));
                            (theme_rank.get(id).copied().unwrap_or(0), id, title)
                        })
                        .collect()
                };
                let br = business_rank.get(b.id.as_str()).copied().unwrap_or(0);
                (b.id.as_str(), ((br, b.id.as_str(), title_of(b)), themes))
            })
            .collect();
        Self {
            entries,
            entry_rank,
            business_parts,
            no_theme,
            no_business,
        }
    }
}

/// The business requirements each node reaches, by id: those it
/// `satisfies` (the ones `keep` keeps), and those of the entries it
/// refines, up the chain.
struct Reached<'v> {
    /// Every component's business requirements, one run after another,
    /// each sorted and without repeats.
    ids: Vec<&'v str>,
    /// Per node: its component's run in `ids`.
    run: Vec<(u32, u32)>,
}

impl<'v> Reached<'v> {
    fn of(&self, node: usize) -> &[&'v str] {
        self.run
            .get(node)
            .and_then(|&(from, to)| self.ids.get(from as usize..to as usize))
            .unwrap_or_default()
    }
}

/// [`Reached`] for every node of the view, worked out once for each strong
/// component of the `refines` links, the components an entry refines
/// first (walking up the chain from each entry took minutes for a chain
/// of 60,000 entries). The members of a loop reach what each of them
/// reaches.
fn reached_business<'v>(view: &'v View<'_>, keep: impl Fn(&str) -> bool) -> Reached<'v> {
    use crate::graph::EdgeKind;
    use petgraph::visit::{EdgeFiltered, EdgeRef};
    let nodes = &view.checked.model.nodes;
    let graph = &view.checked.graph;
    let refines = EdgeFiltered::from_fn(&graph.graph, |e| e.weight().kind() == EdgeKind::Refines);
    let small = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let mut ids: Vec<&'v str> = Vec::new();
    let mut run = vec![(0u32, 0u32); nodes.len()];
    let mut component = vec![u32::MAX; nodes.len()];
    let mut count = 0u32;
    let mut members: Vec<usize> = Vec::new();
    let mut scratch: Vec<&'v str> = Vec::new();
    crate::scc::each_component(&refines, |scc| {
        members.clear();
        members.extend(scc.iter().map(|n| n.index()));
        scratch.clear();
        for &m in &members {
            if let Some(slot) = component.get_mut(m) {
                *slot = count;
            }
        }
        for &m in &members {
            let Some(n) = nodes.get(m) else { continue };
            scratch.extend(
                n.links_in(LinkField::Satisfies)
                    .map(|l| n.target(l))
                    .filter(|b| keep(b)),
            );
            // The components it refines came before this one.
            for e in graph.out(m, EdgeKind::Refines) {
                let parent = e.target().index();
                if component.get(parent).is_some_and(|&c| c != count)
                    && let Some(&(from, to)) = run.get(parent)
                    && let Some(theirs) = ids.get(from as usize..to as usize)
                {
                    scratch.extend_from_slice(theirs);
                }
            }
        }
        scratch.sort_unstable();
        scratch.dedup();
        let from = small(ids.len());
        ids.extend_from_slice(&scratch);
        let to = small(ids.len());
        for &m in &members {
            if let Some(slot) = run.get_mut(m) {
                *slot = (from, to);
            }
        }
        count += 1;
    });
    Reached { ids, run }
}

/// The `Findings` sheet: the findings a reader at the view's level may see.
pub fn findings<'v>(view: &'v View<'_>) -> Sheet<'v> {
    let sources = &view.checked.model.sources;
    let rows = view
        .findings
        .iter()
        .map(|f| {
            let rule = f.code.rule();
            let (line, _) = sources.line_col(f.span);
            vec![
                Cow::Borrowed(rule.code),
                Cow::Borrowed(rule.name),
                Cow::Borrowed(f.level.as_str()),
                Cow::Borrowed(f.node.as_deref().unwrap_or_default()),
                Cow::Borrowed(sources.path(f.span.file)),
                Cow::Owned(line.to_string()),
                Cow::Borrowed(f.message.as_str()),
            ]
        })
        .collect();
    Sheet {
        name: "Findings",
        header: [
            "code", "rule", "severity", "node", "file", "line", "message",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }
}

/// The classification note every sheet carries: the document's level and
/// its handling rule, and what it withholds (FORMAT §10).
pub fn classification_note(view: &View<'_>) -> String {
    format!(
        "Classification: {}\nWithheld: {}",
        view.labels().label(view.document_level()),
        withheld(view, true)
    )
}

/// What an export leaves out: "none", or "3 withheld items above White
/// (2 nodes and 1 finding about them)"; the findings only for a document
/// that shows findings.
pub fn withheld(view: &View<'_>, findings: bool) -> String {
    use crate::escape::plural;
    let about = if findings { view.withheld_findings } else { 0 };
    if view.withheld_nodes + about == 0 {
        return "none".to_owned();
    }
    let above = view.labels().name(view.level);
    let nodes = plural(view.withheld_nodes, "node", "nodes");
    if findings {
        format!(
            "{} above {above} ({nodes} and {} about them)",
            crate::view::withheld_phrase(view.withheld_nodes + about),
            plural(about, "finding", "findings"),
        )
    } else {
        format!("{nodes} above {above}")
    }
}

/// Excel's limit on the characters of a page header.
const HEADER_LIMIT: usize = 255;

/// The page header: the whole note, on one line, when it fits in Excel's
/// limit (rust_xlsxwriter drops a longer one with a message on standard
/// error); else the level's name and what is withheld; else the name.
fn page_header(view: &View<'_>) -> String {
    let level = view.document_level();
    let name = view.labels().name(level);
    let label = view.labels().label(level);
    let withheld = withheld(view, true);
    let fits = |s: &str| s.encode_utf16().count() + 2 <= HEADER_LIMIT;
    [
        format!(
            "Classification: {}. Withheld: {withheld}",
            label.trim_end_matches('.')
        ),
        format!("Classification: {name}. Withheld: {withheld}"),
        format!("Classification: {name}"),
    ]
    .into_iter()
    .map(|s| s.replace('&', "&&"))
    .find(|s| fits(s))
    .map_or_else(|| format!("&C{name}"), |s| format!("&C{s}"))
}

/// Excel's limit on the characters of one cell.
const CELL_LIMIT: usize = 32_767;

/// Excel's limit on the rows of a sheet, the header's not counted.
const ROW_LIMIT: usize = 1_048_575;

/// Column widths, in characters: the longest line of the header and the
/// first rows, between 8 and 60.
fn widths(sheet: &Sheet) -> Vec<f64> {
    sheet
        .header
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let longest = sheet
                .rows
                .iter()
                .take(200)
                .filter_map(|r| r.get(c).map(|t| t.as_ref()))
                .chain(std::iter::once(h.as_str()))
                .flat_map(|t| t.lines())
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0);
            (longest + 2).clamp(8, 60) as f64
        })
        .collect()
}

/// What a workbook's export reports as it goes, for a progress bar: the
/// rows of every sheet are known only once the sheet is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// A sheet of this many rows is about to be written.
    Rows(u64),
    /// This many more rows are written.
    Written(u64),
}

/// The workbook's bytes. The same view gives the same bytes: the creation
/// date is fixed.
pub fn xlsx(
    view: &View<'_>,
    kept: Option<&KeptCells>,
    progress: &(dyn Fn(Tick) + Sync),
) -> Result<Vec<u8>, ExportError> {
    let mut out = std::io::Cursor::new(Vec::new());
    write_xlsx(view, kept, progress, &mut out)?;
    Ok(out.into_inner())
}

/// The formats every sheet uses: the header's, and the columns' wrapped
/// text.
struct Formats {
    head: Format,
    wrap: Format,
}

/// The style (`xf` index) of every cell below a header: the columns'
/// wrapped text, the first format [`prepare`] registers. A unit test
/// checks it against the rows rust_xlsxwriter writes itself.
const WRAP_STYLE: u32 = 1;

/// What every sheet carries besides its cells.
struct Meta {
    /// The classification note of cell A1.
    note: String,
    /// The page header.
    header: String,
    properties: DocProperties,
}

impl Meta {
    fn of(view: &View<'_>) -> Result<Self, ExportError> {
        let note = classification_note(view);
        let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
        // What an import into a new tree keeps of the project: the level
        // of its nodes that name none, its name and its variants.
        let project = &view.checked.config.project;
        let mut properties = DocProperties::new()
            .set_creation_datetime(&created)
            .set_comment(note.as_str())
            .set_custom_property(super::DEFAULT_LEVEL_PROPERTY, view.default_level().as_str());
        if let Some(name) = project.name.as_deref().filter(|n| !n.trim().is_empty()) {
            properties = properties.set_custom_property(super::NAME_PROPERTY, name);
        }
        if !project.variants.is_empty() {
            properties = properties.set_custom_property(
                super::VARIANTS_PROPERTY,
                super::variants_text(&project.variants).as_str(),
            );
        }
        Ok(Self {
            note,
            header: page_header(view),
            properties,
        })
    }
}

/// Names a sheet and gives it its columns, frozen header, page header,
/// note, header row and autofilter.
fn prepare(
    ws: &mut Worksheet,
    sheet: &Sheet<'_>,
    meta: &Meta,
    formats: &Formats,
) -> Result<(), ExportError> {
    ws.set_name(sheet.name)?;
    // Wrapped text as the columns' format: a cell written without a
    // format of its own takes it.
    for (c, w) in widths(sheet).into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
        ws.set_column_format(c as u16, &formats.wrap)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_header(&meta.header);
    ws.insert_note(0, 0, &Note::new(&meta.note).add_author_prefix(false))?;
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &formats.head)?;
    }
    let last_col = sheet.header.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, sheet.rows.len() as u32, last_col)?;
    Ok(())
}

/// The workbook with every sheet prepared and no row below the headers.
/// The worksheets are in rust_xlsxwriter's constant-memory mode, which
/// writes the header row as [`Rows`] writes the others (strings inline,
/// no `spans`); its temporary files hold only the headers.
fn workbook(sheets: &[Sheet<'_>], meta: &Meta) -> Result<Workbook, ExportError> {
    let mut workbook = Workbook::new();
    // The fastest deflate: a large tree's workbook is written several
    // times faster, and only somewhat larger.
    workbook.set_zip_compression_level(1);
    workbook.set_properties(&meta.properties);
    let formats = Formats {
        head: Format::new().set_bold().set_text_wrap(),
        wrap: Format::new().set_text_wrap(),
    };
    for sheet in sheets {
        let ws = match workbook.add_worksheet_with_constant_memory() {
            Ok(ws) => ws,
            // No temporary folder to write into: held in memory instead.
            Err(_) => workbook.add_worksheet(),
        };
        prepare(ws, sheet, meta, &formats)?;
    }
    Ok(workbook)
}

/// Writes a sheet's rows into `out`, dropping each once written. A cell
/// longer than Excel allows stops the export, naming the row's node and
/// the column.
fn fill<W: Write>(
    out: W,
    sheet: Sheet<'_>,
    progress: &(dyn Fn(Tick) + Sync),
) -> Result<W, ExportError> {
    let last_row = sheet.rows.len() as u32;
    let ids: Vec<Option<usize>> = (0..sheet.header.len())
        .map(|c| id_column(sheet.name, &sheet.header, c))
        .collect();
    let mut rows = Rows::new(out, sheet.header.len(), WRAP_STYLE);
    for (r, row) in sheet.rows.into_iter().enumerate() {
        // Measured in bytes first: a cell of fewer bytes than the limit
        // has fewer UTF-16 units (what Excel counts) too.
        let long = row.iter().enumerate().find_map(|(c, text)| {
            let units = (text.len() > CELL_LIMIT).then(|| text.encode_utf16().count())?;
            (units > CELL_LIMIT).then_some((c, units))
        });
        if let Some((c, chars)) = long {
            let column = sheet.header.get(c).map_or("", String::as_str);
            let id = ids
                .get(c)
                .copied()
                .flatten()
                .and_then(|i| row.get(i))
                .filter(|id| !id.is_empty());
            return Err(ExportError::CellTooLong {
                sheet: sheet.name,
                place: match id {
                    Some(id) => format!("{id} `{column}`"),
                    None => format!("row {} `{column}`", r + 2),
                },
                chars,
            });
        }
        rows.row(r as u32 + 2, row.iter().map(AsRef::as_ref))
            .map_err(XlsxError::from)?;
        if r % 1000 == 999 {
            progress(Tick::Written(1000));
        }
    }
    progress(Tick::Written(u64::from(last_row % 1000)));
    Ok(rows.finish().map_err(XlsxError::from)?)
}

/// The column of a sheet holding the id of the node that column `c` of a
/// row is about: `id` on `Nodes`, `entry` on `Deviations`, `node` on
/// `Findings` (empty for a finding about no node), and on `Matrix` the
/// theme, the business requirement or the entry whose id or title it is.
fn id_column(sheet: &str, header: &[String], c: usize) -> Option<usize> {
    let at = |name: &str| header.iter().position(|h| h == name);
    match sheet {
        "Nodes" => at("id"),
        "Deviations" => at("entry"),
        "Findings" => at("node"),
        "Matrix" => match header.get(c).map(String::as_str) {
            Some("theme" | "theme title") => at("theme"),
            Some("business" | "business title") => at("business"),
            _ => at("entry"),
        },
        _ => None,
    }
}

/// Writes the workbook into `out`.
///
/// rust_xlsxwriter makes the workbook with every sheet's header, note,
/// widths and autofilter, and no rows; rtm then writes the rows into each
/// sheet (see `sheetxml`) and compresses the sheets on two threads, while
/// the rest of the package is copied as rust_xlsxwriter made it. The
/// `Nodes` sheet is built and written on one thread, the other three on
/// the other.
pub fn write_xlsx<W: Write + Seek + Send>(
    view: &View<'_>,
    kept: Option<&KeptCells>,
    progress: &(dyn Fn(Tick) + Sync),
    out: W,
) -> Result<(), ExportError> {
    let meta = Meta::of(view)?;
    let (rest, nodes) = crate::threads::both(
        || {
            let ids = by_id(view);
            [
                deviations_with(view, &ids),
                matrix_with(view, &ids),
                findings(view),
            ]
        },
        || nodes_from(view, kept),
    );
    let rest = rest.map_err(|_| broken("a sheet could not be made"))?;
    let sheets: Vec<Sheet<'_>> = std::iter::once(nodes?).chain(rest).collect();
    package(sheets, &meta, progress, out)
}

/// An error in putting the workbook together.
fn broken(why: &str) -> ExportError {
    ExportError::Xlsx(std::io::Error::other(why.to_owned()).into())
}

/// The name of the `n`-th worksheet's part in the package, from 0.
fn sheet_part(n: usize) -> String {
    format!("xl/worksheets/sheet{}.xml", n + 1)
}

/// The options rust_xlsxwriter gives every part of the package.
fn part_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .unix_permissions(0o600)
        .last_modified_time(zip::DateTime::default())
}

/// Writes `sheets` as a workbook into `out`.
fn package<W: Write + Seek + Send>(
    sheets: Vec<Sheet<'_>>,
    meta: &Meta,
    progress: &(dyn Fn(Tick) + Sync),
    out: W,
) -> Result<(), ExportError> {
    if let Some(sheet) = sheets.iter().find(|s| s.rows.len() > ROW_LIMIT) {
        return Err(ExportError::TooManyRows {
            sheet: sheet.name,
            rows: sheet.rows.len(),
        });
    }
    for sheet in &sheets {
        progress(Tick::Rows(sheet.rows.len() as u64));
    }
    let mut template = std::io::Cursor::new(Vec::new());
    workbook(&sheets, meta)?.save_to_writer(&mut template)?;
    let mut template = zip::ZipArchive::new(template).map_err(XlsxError::from)?;
    let mut parts = Vec::with_capacity(sheets.len());
    for (n, sheet) in sheets.iter().enumerate() {
        parts.push(around_rows(&mut template, &sheet_part(n), sheet)?);
    }
    let mut jobs = sheets.into_iter().zip(parts).enumerate();
    let Some(first) = jobs.next() else {
        return Err(broken("the workbook has no sheet"));
    };
    let rest: Vec<_> = jobs.collect();
    let (rest, first) = crate::threads::both(
        || {
            rest.into_iter()
                .map(|(n, (sheet, around))| compress(n, sheet, &around, progress))
                .collect::<Result<Vec<_>, _>>()
        },
        || compress(first.0, first.1.0, &first.1.1, progress),
    );
    let first = first?;
    let rest = rest.map_err(|_| broken("a sheet could not be written"))??;
    let mut sheets: FxHashMap<String, zip::write::PreparedZipFile> =
        std::iter::once(first).chain(rest).collect();
    // The zip's headers come in small pieces: one system call each into
    // the file without a buffer.
    let out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut zip = zip::ZipWriter::new(out);
    for i in 0..template.len() {
        let part = template.by_index_raw(i).map_err(XlsxError::from)?;
        let name = part.name().map_err(XlsxError::from)?.into_owned();
        match sheets.remove(&name) {
            Some(sheet) => {
                drop(part);
                zip.add_prepared_file(sheet).map_err(XlsxError::from)?;
            }
            None => zip.raw_copy_file(part).map_err(XlsxError::from)?,
        }
    }
    let mut out = zip.finish().map_err(XlsxError::from)?;
    out.flush().map_err(XlsxError::from)?;
    Ok(())
}

/// A sheet's part of the template, cut where its rows go: what comes
/// before them, with the extent of the cells (`<dimension>`) they make,
/// and what comes after.
fn around_rows(
    template: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
    name: &str,
    sheet: &Sheet<'_>,
) -> Result<(String, String), ExportError> {
    use std::io::Read;
    let missing = || broken(&format!("the workbook has no part {name}"));
    let mut xml = String::new();
    template
        .by_name(name)
        .map_err(|_| missing())?
        .read_to_string(&mut xml)
        .map_err(XlsxError::from)?;
    let end = xml.rfind("</sheetData>").ok_or_else(missing)?;
    let after = xml.split_off(end);
    let start = xml.find("<dimension ref=\"").ok_or_else(missing)? + "<dimension ref=\"".len();
    let stop = xml
        .get(start..)
        .and_then(|rest| rest.find('"'))
        .ok_or_else(missing)?
        + start;
    let (last_row, last_col) = extent(sheet);
    let extent = rust_xlsxwriter::utility::cell_range(0, 0, last_row, last_col);
    xml.replace_range(start..stop, &extent);
    Ok((xml, after))
}

/// The last row and column (from 0) of a sheet's cells that hold text,
/// the header's included.
fn extent(sheet: &Sheet<'_>) -> (u32, u16) {
    fn last<T: AsRef<str>>(cells: &[T]) -> Option<usize> {
        cells.iter().rposition(|c| !c.as_ref().is_empty())
    }
    let mut last_row = 0;
    let mut last_col = last(&sheet.header).unwrap_or(0);
    for (r, row) in sheet.rows.iter().enumerate() {
        if let Some(c) = last(row) {
            last_row = r + 1;
            last_col = last_col.max(c);
        }
    }
    (last_row as u32, last_col as u16)
}

/// The `n`-th sheet's part, compressed: `around`'s two halves with the
/// sheet's rows between them.
fn compress(
    n: usize,
    sheet: Sheet<'_>,
    (before, after): &(String, String),
    progress: &(dyn Fn(Tick) + Sync),
) -> Result<(String, zip::write::PreparedZipFile), ExportError> {
    let name = sheet_part(n);
    let mut part =
        zip::write::ZipFileBuilder::new(&name, part_options()).map_err(XlsxError::from)?;
    part.write_all(before.as_bytes()).map_err(XlsxError::from)?;
    let mut part = fill(part, sheet, progress)?;
    part.write_all(after.as_bytes()).map_err(XlsxError::from)?;
    Ok((name, part.finish().map_err(XlsxError::from)?))
}

/// The `Nodes` sheet as CSV (RFC 4180, UTF-8).
pub fn csv(view: &View<'_>, kept: Option<&KeptCells>) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::new();
    write_csv(view, kept, &mut out)?;
    Ok(out)
}

/// Writes the `Nodes` sheet as CSV into `out`.
pub fn write_csv<W: Write>(
    view: &View<'_>,
    kept: Option<&KeptCells>,
    out: W,
) -> Result<(), ExportError> {
    let sheet = nodes_from(view, kept)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(1 << 20)
        .from_writer(out);
    w.write_record(&sheet.header)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| c.as_bytes()))?;
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of filling a one-row sheet whose column `long` holds a
    /// text past Excel's limit.
    fn too_long(name: &'static str, header: &[&str], row: &[&str], long: usize) -> String {
        too_long_with(name, header, row, long, &"é".repeat(CELL_LIMIT + 1))
    }

    /// [`too_long`], with the long text given.
    fn too_long_with(
        name: &'static str,
        header: &[&str],
        row: &[&str],
        long: usize,
        text: &str,
    ) -> String {
        let mut row: Vec<Cow<'_, str>> = row.iter().map(|c| Cow::Borrowed(*c)).collect();
        row[long] = Cow::Borrowed(text);
        let sheet = Sheet {
            name,
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: vec![vec![Cow::Borrowed(""); header.len()], row],
        };
        match fill(Vec::new(), sheet, &|_| {}) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("written"),
        }
    }

    /// Every sheet names the node a too long cell is about, when the row
    /// has one; else the row.
    #[test]
    fn a_cell_past_the_limit_names_its_row_s_node_and_column() {
        let tail = "is 32,768 characters, longer than the 32,767 Excel allows in a cell; nothing written (`rtm export csv` and `rtm export reqif` have no such limit)";
        let matrix = [
            "theme",
            "theme title",
            "business",
            "business title",
            "entry",
            "entry title",
            "category",
            "status",
        ];
        let row = ["TH-01", "", "BR-001", "", "RTM-0001", "", "mvp", "draft"];
        for (long, place) in [
            (1, "TH-01 `theme title`"),
            (3, "BR-001 `business title`"),
            (5, "RTM-0001 `entry title`"),
        ] {
            assert_eq!(
                too_long("Matrix", &matrix, &row, long),
                format!("Matrix: {place} {tail}")
            );
        }
        let row = ["", "", "", "", "RTM-0001", "", "mvp", "draft"];
        assert_eq!(
            too_long("Matrix", &matrix, &row, 1),
            format!("Matrix: row 3 `theme title` {tail}")
        );
        assert_eq!(
            too_long(
                "Deviations",
                &["entry", "category", "sec", "summary"],
                &["RTM-0001", "mvp", "SEC-POA-60", ""],
                3
            ),
            format!("Deviations: RTM-0001 `summary` {tail}")
        );
        let findings = [
            "code", "rule", "severity", "node", "file", "line", "message",
        ];
        assert_eq!(
            too_long(
                "Findings",
                &findings,
                &["R001", "x", "error", "RTM-0001", "a.toml", "1", ""],
                6
            ),
            format!("Findings: RTM-0001 `message` {tail}")
        );
        assert_eq!(
            too_long(
                "Findings",
                &findings,
                &["R001", "x", "error", "", "a.toml", "1", ""],
                6
            ),
            format!("Findings: row 3 `message` {tail}")
        );
    }

    /// Excel counts a cell's UTF-16 units: 16,384 characters outside the
    /// Basic Multilingual Plane are 32,768 of them, one too many.
    #[test]
    fn the_limit_counts_what_excel_counts() {
        let header = ["entry", "category", "sec", "summary"];
        let row = ["RTM-0001", "mvp", "SEC-POA-60", ""];
        let emoji = "😀".repeat(CELL_LIMIT.div_ceil(2));
        assert_eq!(
            too_long_with("Deviations", &header, &row, 3, &emoji),
            "Deviations: RTM-0001 `summary` is 32,768 characters, longer than the 32,767 \
             Excel allows in a cell; nothing written (`rtm export csv` and `rtm export \
             reqif` have no such limit)"
        );
        // One fewer fits.
        let mut cells: Vec<Cow<'_, str>> = row.iter().map(|c| Cow::Borrowed(*c)).collect();
        let fits = "😀".repeat(CELL_LIMIT / 2);
        cells[3] = Cow::Borrowed(&fits);
        let sheet = Sheet {
            name: "Deviations",
            header: header.map(str::to_owned).to_vec(),
            rows: vec![cells],
        };
        assert!(fill(Vec::new(), sheet, &|_| {}).is_ok());
    }

    /// Sheets whose cells hold what needs care in SpreadsheetML.
    fn awkward_sheets() -> Vec<Sheet<'static>> {
        let texts = [
            "plain",
            "  leading and trailing  ",
            "\tTab first",
            "ends with a line feed\n",
            "a & b <c> \"d\" 'e'",
            "controls \u{0}\u{1}\u{8}\u{b}\u{c}\r\u{1b}\u{1f} tab\tline\nend",
            "_x0041_ _x00e9_ _xZZZZ_ _x12_ __x0041__ _x0041",
            "not characters \u{FFFE}\u{FFFF} but \u{FFFD}",
            "é ü 😀 中文",
            "",
        ];
        let wide: Vec<String> = (0..30).map(|c| format!("column {c}")).collect();
        let mut nodes: Vec<Vec<Cow<'static, str>>> = Vec::new();
        for (r, _) in texts.iter().enumerate() {
            nodes.push(
                (0..wide.len())
                    .map(|c| Cow::Borrowed(texts[(r + c) % texts.len()]))
                    .collect(),
            );
        }
        // A row with no text, then one whose only cell is the last
        // column, then (at the end) another row with no text.
        nodes.insert(3, vec![Cow::Borrowed(""); wide.len()]);
        let mut last_only = vec![Cow::Borrowed(""); wide.len()];
        last_only[29] = Cow::Borrowed("AD");
        nodes.push(last_only);
        nodes.push(vec![Cow::Borrowed(""); wide.len()]);
        let matrix_header = ["theme", "theme title", "business", "entry"].map(str::to_owned);
        let matrix: Vec<Vec<Cow<'static, str>>> = (0..2500)
            .map(|i| {
                vec![
                    Cow::Borrowed(if i % 3 == 0 { "" } else { "TH-01" }),
                    Cow::Borrowed(texts[i % texts.len()]),
                    Cow::Owned(format!("BR-{i:03}")),
                    Cow::Owned(format!("RTM-{i:04}")),
                ]
            })
            .collect();
        vec![
            Sheet {
                name: "Nodes",
                header: wide,
                rows: nodes,
            },
            Sheet {
                name: "Deviations",
                header: vec!["entry".to_owned()],
                rows: Vec::new(),
            },
            Sheet {
                name: "Matrix",
                header: matrix_header.to_vec(),
                rows: matrix,
            },
            Sheet {
                name: "Findings",
                header: vec!["code".to_owned(), "message".to_owned()],
                rows: vec![vec![Cow::Borrowed("R001"), Cow::Borrowed("_x0041_ & <")]],
            },
        ]
    }

    /// Every part of a workbook, by name, in the package's order.
    fn parts(xlsx: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut part = zip.by_index(i).unwrap();
                let mut bytes = Vec::new();
                part.read_to_end(&mut bytes).unwrap();
                (part.name().unwrap().into_owned(), bytes)
            })
            .collect()
    }

    /// The rows rtm puts into the sheets are those rust_xlsxwriter writes
    /// when it is given every cell itself: the whole package is the same,
    /// part for part.
    #[test]
    fn the_workbook_is_the_one_rust_xlsxwriter_makes() {
        let meta = Meta {
            note: "Classification: White\nWithheld: none".to_owned(),
            header: "&CClassification: White".to_owned(),
            properties: DocProperties::new()
                .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1).unwrap()),
        };
        let sheets = awkward_sheets();
        let mut theirs = workbook(&sheets, &meta).unwrap();
        for (ws, sheet) in theirs.worksheets_mut().iter_mut().zip(&sheets) {
            for (r, row) in sheet.rows.iter().enumerate() {
                for (c, text) in row.iter().enumerate() {
                    if !text.is_empty() {
                        ws.write_string(r as u32 + 1, c as u16, text.as_ref())
                            .unwrap();
                    }
                }
            }
        }
        let theirs = parts(theirs.save_to_buffer().unwrap());
        let mut ours = std::io::Cursor::new(Vec::new());
        package(sheets, &meta, &|_| {}, &mut ours).unwrap();
        let ours = parts(ours.into_inner());
        let names = |p: &[(String, Vec<u8>)]| p.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&ours), names(&theirs));
        for ((name, ours), (_, theirs)) in ours.iter().zip(&theirs) {
            assert!(
                ours == theirs,
                "{name} differs:\nours:   {}\ntheirs: {}",
                String::from_utf8_lossy(ours),
                String::from_utf8_lossy(theirs)
            );
        }
        // The sheets did get their rows.
        let nodes = &ours
            .iter()
            .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .unwrap()
            .1;
        let nodes = String::from_utf8_lossy(nodes);
        assert!(nodes.contains("<dimension ref=\"A1:AD13\"/>"), "{nodes}");
        assert!(nodes.contains("<c r=\"AD13\" s=\"1\" t=\"inlineStr\"><is><t>AD</t></is></c>"));
    }

    /// A sheet longer than Excel allows is refused by name, and one row
    /// fewer is written.
    #[test]
    fn a_sheet_past_excel_s_rows_is_refused() {
        let meta = Meta {
            note: String::new(),
            header: String::new(),
            properties: DocProperties::new(),
        };
        let sheets = |rows: usize| {
            let mut sheets = awkward_sheets();
            sheets[2].rows = vec![vec![Cow::Borrowed("x")]; rows];
            sheets
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let err = package(sheets(ROW_LIMIT + 1), &meta, &|_| {}, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Matrix: 1,048,576 rows, more than the 1,048,575 Excel allows below a header; \
             nothing written (`rtm export csv` and `rtm export reqif` have no such limit)"
        );
        assert!(out.into_inner().is_empty());
        let mut out = std::io::Cursor::new(Vec::new());
        package(sheets(ROW_LIMIT), &meta, &|_| {}, &mut out).unwrap();
        let matrix = parts(out.into_inner())
            .into_iter()
            .find(|(n, _)| n == "xl/worksheets/sheet3.xml")
            .unwrap()
            .1;
        let matrix = String::from_utf8(matrix).unwrap();
        assert!(matrix.contains("<dimension ref=\"A1:D1048576\"/>"));
        assert!(matrix.contains("<row r=\"1048576\"><c r=\"A1048576\""));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(32_767), "32,767");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
