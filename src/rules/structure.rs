//! Structure: R003 duplicate-id, R004 dangling-link, R005 wrong-link-kind,
//! R006 cycle, R007 invalid-id, R303 confusable-id. These fire on withdrawn
//! nodes too.

use std::hash::BuildHasher;

use hashbrown::{HashTable, hash_table};
use rustc_hash::FxBuildHasher;

use petgraph::visit::{EdgeFiltered, EdgeRef};

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::graph::EdgeKind;
use crate::model::{Kind, LinkField};

/// R003, R004, R005, R006: what the links and definitions make of the graph.
pub fn check_links(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    duplicates(ctx, sink);
    bad_links(ctx, sink);
    cycles(ctx, sink);
}

/// R007, R303: the ids themselves.
pub fn check_ids(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let nodes = &ctx.model.nodes;
    let id = |i: usize| nodes.get(i).map_or("", |n| n.id.as_str());
    // One pass over the ids, each checked against its kind's pattern as
    // its skeleton is taken: reading an id is a cache miss in a large tree
    // (the ids lie far apart in the files' texts), so each is read once.
    let mut invalid = Vec::new();
    let pairs = confusable_pairs_visiting(
        nodes.len(),
        id,
        |key| FxBuildHasher.hash_one(key),
        |i, text| {
            let pattern = nodes.get(i).and_then(|n| ctx.config.id_pattern(n.kind));
            if pattern.is_some_and(|p| !p.regex.is_match(text)) {
                invalid.push(i);
            }
        },
    );
    invalid_ids(ctx, &invalid, sink);
    confusables(ctx, pairs, sink);
}

/// "a business requirement", "an SEC obligation"…
pub fn kind_phrase(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "a theme",
        Kind::Business => "a business requirement",
        Kind::Requirement => "an RTM entry",
        Kind::Sec => "an SEC obligation",
        Kind::Modification => "a modification",
    }
}

pub use crate::spec::kind_noun;

/// How a link reads in a sentence: "satisfies", "names in `themes`"…
fn verb(field: LinkField) -> &'static str {
    match field {
        LinkField::Themes => "names the theme",
        LinkField::Satisfies => "satisfies",
        LinkField::Refines => "refines",
        LinkField::Sec => "upholds",
        LinkField::DeviationSec => "deviates from",
        LinkField::DeviationModification => "relies on the modification",
        LinkField::ChangeSec => "changes",
    }
}

fn duplicates(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    // How many times each repeated id is defined, by its first definition.
    let mut times: rustc_hash::FxHashMap<usize, usize> = rustc_hash::FxHashMap::default();
    for &(_, first) in &ctx.graph.duplicates {
        *times.entry(first).or_insert(1) += 1;
    }
    for &(dup, first) in &ctx.graph.duplicates {
        let (Some(d), Some(f)) = (ctx.node(dup), ctx.node(first)) else {
            continue;
        };
        let (message, help) = match times.get(&first).copied().unwrap_or(2) {
            2 => (
                format!("{} is defined twice", d.id),
                "ids are unique across the whole tree: give one of the two a new id".to_owned(),
            ),
            n => (
                format!("{} is defined {n} times", d.id),
                format!(
                    "ids are unique across the whole tree: give all but one of the {n} a new id"
                ),
            ),
        };
        sink.push(
            Finding::new(Code::R003, d.id_span(), message)
                .node(&d.id)
                .label("defined again here")
                .related(f.id_span(), Some(&f.id), "first defined here")
                .help(help),
        );
    }
}

fn bad_links(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let dangling = ctx
        .graph
        .bad_links
        .iter()
        .filter(|b| b.wrong_kind.is_none())
        .count();
    let counts = ctx.model.counts();
    for bad in &ctx.graph.bad_links {
        let Some(node) = ctx.node(bad.node) else {
            continue;
        };
        let Some(link) = node.links.get(bad.link) else {
            continue;
        };
        let want = link.field.target_kind();
        match bad.wrong_kind.and_then(|t| ctx.node(t)) {
            None => {
                let mut f = Finding::new(
                    Code::R004,
                    node.link_span(link),
                    format!(
                        "{} {} {}, which does not exist",
                        node.id,
                        verb(link.field),
                        node.target(link)
                    ),
                )
                .node(&node.id)
                .label("no node has this id");
                // Suggestions scan every id of the kind: only worth it for
                // a few links, and within a fixed number of comparisons.
                let ids = counts.get(want as usize).copied().unwrap_or(0);
                let guess = (dangling <= 100 && dangling.saturating_mul(ids) <= 2_000_000)
                    .then(|| closest(ctx, node.target(link), want))
                    .flatten();
                f = f.help(match guess {
                    Some(g) => format!("did you mean `{g}`?"),
                    None => format!(
                        "check the id for a typo, or add {} with id `{}`",
                        kind_phrase(want),
                        node.target(link)
                    ),
                });
                sink.push(f);
            }
            Some(target) => sink.push(
                Finding::new(
                    Code::R005,
                    node.link_span(link),
                    format!(
                        "{} {} {}, which is {}, not {}",
                        node.id,
                        verb(link.field),
                        target.id,
                        kind_phrase(target.kind),
                        kind_phrase(want)
                    ),
                )
                .node(&node.id)
                .label(format!("expected {}", kind_phrase(want)))
                .related(
                    target.id_span(),
                    Some(&target.id),
                    format!("{} is {}", target.id, kind_phrase(target.kind)),
                )
                .help(format!("`{}` names {} ids only", link.field.name(), want)),
            ),
        }
    }
}

/// The id of the given kind closest to `id`, if close enough to be a typo.
fn closest(ctx: &Ctx<'_>, id: &str, kind: Kind) -> Option<String> {
    ctx.model
        .nodes
        .iter()
        .filter(|n| n.kind == kind && !far_apart(id, &n.id))
        .map(|n| (strsim::damerau_levenshtein(id, &n.id), &n.id))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, s)| s.to_string())
}

/// Whether two ids are surely more than 2 edits apart, by a bound cheap
/// enough to try against every id of a big tree: each insertion, deletion
/// or substitution changes the lengths by at most one and the character
/// counts by at most two, a transposition neither.
fn far_apart(a: &str, b: &str) -> bool {
    if !(a.is_ascii() && b.is_ascii()) {
        return a.chars().count().abs_diff(b.chars().count()) > 2;
    }
    if a.len().abs_diff(b.len()) > 2 {
        return true;
    }
    let mut counts = [0i32; 128];
    for (bytes, step) in [(a.as_bytes(), 1), (b.as_bytes(), -1)] {
        for &x in bytes {
            if let Some(c) = counts.get_mut(usize::from(x)) {
                *c += step;
            }
        }
    }
    counts.iter().map(|c| c.unsigned_abs()).sum::<u32>() > 4
}

/// The most loops R006 reports for one tangle of loops (a strong
/// component of the `refines` links): a tangle can hold exponentially
/// many.
pub const MAX_LOOPS: usize = 100;

/// R006: one finding per loop of `refines` links (FORMAT §9), on the link
/// that leaves the member with the smallest id; a tangle with more than
/// [`MAX_LOOPS`] loops gets one more finding that says so.
fn cycles(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let g = &ctx.graph.graph;
    let refines = EdgeFiltered::from_fn(g, |e| e.weight().kind() == EdgeKind::Refines);
    // Only the components that are loops are kept (in Tarjan's order), not
    // one vector for each of the 100,000 components of a large tree.
    let mut tangles: Vec<Vec<usize>> = Vec::new();
    crate::scc::each_component(&refines, |scc| {
        let is_loop = scc.len() > 1
            || scc.first().is_some_and(|m| {
                ctx.graph
                    .out(m.index(), EdgeKind::Refines)
                    .any(|e| e.target() == *m)
            });
        if is_loop {
            tangles.push(scc.iter().map(|n| n.index()).collect());
        }
    });
    for mut members in tangles {
        // Smallest id first (byte order; a repeated id by its place), so
        // that each loop is found from that member.
        members.sort_by(|&a, &b| (id_of(ctx, a), a).cmp(&(id_of(ctx, b), b)));
        let local: rustc_hash::FxHashMap<usize, usize> =
            members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let adj: Vec<Vec<usize>> = members
            .iter()
            .map(|&m| {
                let mut out: Vec<usize> = ctx
                    .graph
                    .out(m, EdgeKind::Refines)
                    .filter_map(|e| local.get(&e.target().index()).copied())
                    .collect();
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect();
        let (loops, more) = super::loops::elementary_loops(&adj, MAX_LOOPS);
        for path in &loops {
            let path: Vec<usize> = path
                .iter()
                .filter_map(|&i| members.get(i).copied())
                .collect();
            if let Some(f) = loop_finding(ctx, &path) {
                sink.push(f);
            }
        }
        if more && let Some(f) = tangle_finding(ctx, &members) {
            sink.push(f);
        }
    }
}

/// The R006 of one loop, `path` from its member with the smallest id.
fn loop_finding(ctx: &Ctx<'_>, path: &[usize]) -> Option<Finding> {
    let &start = path.first()?;
    let node = ctx.node(start)?;
    // Point at the link that leaves the first member along the loop.
    let next = path.get(1).copied().unwrap_or(start);
    let span = ctx
        .graph
        .out(start, EdgeKind::Refines)
        .find(|e| e.target().index() == next)
        .and_then(|e| ctx.graph.link(&e))
        .and_then(|l| node.links.get(l))
        .map_or(node.id_span(), |l| node.link_span(l));
    let mut names: Vec<&str> = path.iter().map(|&i| id_of(ctx, i)).collect();
    names.push(&node.id);
    let mut f = Finding::new(
        Code::R006,
        span,
        format!("`refines` links form a loop: {}", names.join(" → ")),
    )
    .node(&node.id)
    .label("the loop starts here")
    .help("an entry cannot refine itself, directly or through others: remove one `refines` link of the loop");
    let mut others: Vec<usize> = path.iter().copied().filter(|&m| m != start).collect();
    others.sort_by(|&a, &b| (id_of(ctx, a), a).cmp(&(id_of(ctx, b), b)));
    for m in others {
        if let Some(n) = ctx.node(m) {
            f = f.related(n.id_span(), Some(&n.id), format!("{} is in the loop", n.id));
        }
    }
    Some(f)
}

/// The R006 that says a tangle holds more loops than are reported, on
/// its member with the smallest id, every other member related.
fn tangle_finding(ctx: &Ctx<'_>, members: &[usize]) -> Option<Finding> {
    let (&first, rest) = members.split_first()?;
    let node = ctx.node(first)?;
    let mut f = Finding::new(
        Code::R006,
        node.id_span(),
        format!(
            "`refines` links form more than {MAX_LOOPS} loops through {} and the {} entries tangled with it; the first {MAX_LOOPS} are reported",
            node.id,
            rest.len()
        ),
    )
    .node(&node.id)
    .label("more loops through here")
    .help("an entry cannot refine itself, directly or through others: untangle the `refines` links of these entries");
    for &m in rest {
        if let Some(n) = ctx.node(m) {
            f = f.related(n.id_span(), Some(&n.id), format!("{} is in a loop", n.id));
        }
    }
    Some(f)
}

fn id_of<'a>(ctx: &Ctx<'a>, i: usize) -> &'a str {
    ctx.node(i).map_or("", |n| n.id.as_str())
}

/// R007 for the nodes at `invalid`, whose ids do not match their kind's
/// pattern.
fn invalid_ids(ctx: &Ctx<'_>, invalid: &[usize], sink: &mut Sink<'_>) {
    for node in invalid.iter().filter_map(|&i| ctx.node(i)) {
        let Some(pattern) = ctx.config.id_pattern(node.kind) else {
            continue;
        };
        sink.push(
            Finding::new(
                Code::R007,
                node.id_span(),
                format!(
                    "id `{}` does not match the {} pattern `{}`",
                    node.id, node.kind, pattern.source
                ),
            )
            .node(&node.id)
            .label("invalid id")
            .help(if node.id.is_empty() {
                "give the node a non-empty id".to_owned()
            } else {
                format!(
                    "rename the node, or change `[ids] {}` in rtm.toml",
                    node.kind
                )
            }),
        );
    }
}

/// The forms two ids share when they differ only by case or look-alikes:
/// Unicode's confusable skeleton (UTS #39) folded for case, and the same
/// with Cyrillic `Р` read as the Latin `R` it spells (Unicode only pairs it
/// with `P`, but in ids such as `РTM-0001` it stands for an R). The second
/// form is given only when it differs from the first.
fn skeletons(id: &str) -> (String, Option<String>) {
    let first = fold(id);
    if !id.contains(['\u{0420}', '\u{0440}']) {
        return (first, None);
    }
    let read_as_r: String = id
        .chars()
        .map(|c| {
            if matches!(c, '\u{0420}' | '\u{0440}') {
                'R'
            } else {
                c
            }
        })
        .collect();
    (first, Some(fold(&read_as_r)))
}

/// Skeleton and case folded twice over, so that a look-alike of an
/// upper-case letter meets its lower-case form too.
fn fold(id: &str) -> String {
    if id.is_ascii() {
        // For ASCII the fold works character by character (see
        // `ascii_skeleton`), so each character's fold is asked once.
        static FOLDED: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
            (0u8..128)
                .map(|b| {
                    let c = char::from(b).to_string();
                    let once = ascii_skeleton(&c).to_ascii_lowercase();
                    ascii_skeleton(&once).to_ascii_lowercase()
                })
                .collect()
        });
        let mut out = String::with_capacity(id.len());
        for b in id.bytes() {
            if let Some(f) = FOLDED.get(usize::from(b)) {
                out.push_str(f);
            }
        }
        return out;
    }
    let once: String = unicode_security::skeleton(id)
        .collect::<String>()
        .to_lowercase();
    unicode_security::skeleton(&once)
        .collect::<String>()
        .to_lowercase()
}

/// The UTS #39 skeleton of an ASCII text. For ASCII the skeleton maps each
/// character on its own (normalisation changes nothing), so the crate's
/// answer for each of the 128 characters is asked once and reused.
fn ascii_skeleton(id: &str) -> String {
    static TABLE: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        (0u8..128)
            .map(|b| unicode_security::skeleton(&char::from(b).to_string()).collect())
            .collect()
    });
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        match TABLE.get(usize::from(b)) {
            Some(s) => out.push_str(s),
            None => out.push(char::from(b)),
        }
    }
    out
}

/// R303 for each (id, earlier confusable id) of `pairs`.
fn confusables(ctx: &Ctx<'_>, pairs: Vec<(usize, usize)>, sink: &mut Sink<'_>) {
    let nodes = &ctx.model.nodes;
    for (i, f) in pairs {
        let (Some(node), Some(first)) = (nodes.get(i), nodes.get(f)) else {
            continue;
        };
        sink.push(
            Finding::new(
                Code::R303,
                node.id_span(),
                format!(
                    "{} and {} differ only by case or look-alike characters",
                    escape_id(&node.id),
                    escape_id(&first.id)
                ),
            )
            .node(&node.id)
            .label("confusable id")
            .related(first.id_span(), Some(&first.id), "the other id")
            .help("readers cannot tell these ids apart: rename one of them"),
        );
    }
}

/// For each of the `n` ids (`id(i)`, in tree order) that shares a skeleton
/// with an earlier, different id: its index and the index of the first id
/// with that skeleton. The first id of each skeleton is kept in a table
/// hashed by `hash` of the skeleton: 4 bytes an entry for the tree's ids
/// (neither the skeleton nor its hash is stored; ids with the same hash
/// are told apart by their skeletons, so the result does not depend on
/// the hash).
#[cfg(test)]
fn confusable_pairs<'a>(
    n: usize,
    id: impl Fn(usize) -> &'a str,
    hash: impl Fn(&str) -> u64,
) -> Vec<(usize, usize)> {
    confusable_pairs_visiting(n, id, hash, |_, _| {})
}

/// [`confusable_pairs`], showing each id to `visit` (its index and text)
/// when it is first read, in order.
fn confusable_pairs_visiting<'a>(
    n: usize,
    id: impl Fn(usize) -> &'a str,
    hash: impl Fn(&str) -> u64,
    visit: impl FnMut(usize, &str),
) -> Vec<(usize, usize)> {
    if u32::pack(n, true).is_some() {
        pairs_through::<u32, _, _, _>(n, id, hash, visit)
    } else {
        pairs_through::<usize, _, _, _>(n, id, hash, visit)
    }
}

/// An entry of [`confusable_pairs`]' table: the index of an id and which
/// of its [`skeletons`] the entry is for (the second only for an id with
/// a Cyrillic `Р`), so that the table can hash it again when it grows.
trait Slot: Copy {
    /// `None` when `i` does not fit.
    fn pack(i: usize, second: bool) -> Option<Self>;
    fn unpack(self) -> (usize, bool);
}

impl Slot for u32 {
    fn pack(i: usize, second: bool) -> Option<u32> {
        let i = u32::try_from(i).ok()?.checked_mul(2)?;
        Some(i | u32::from(second))
    }
    fn unpack(self) -> (usize, bool) {
        ((self >> 1) as usize, self & 1 == 1)
    }
}

/// For more ids than a `u32` numbers (never seen, but not refused).
impl Slot for usize {
    fn pack(i: usize, second: bool) -> Option<usize> {
        Some(i.checked_mul(2)? | usize::from(second))
    }
    fn unpack(self) -> (usize, bool) {
        (self >> 1, self & 1 == 1)
    }
}

/// [`confusable_pairs`] with a table of `S`.
fn pairs_through<
    'a,
    S: Slot,
    I: Fn(usize) -> &'a str,
    H: Fn(&str) -> u64,
    V: FnMut(usize, &str),
>(
    n: usize,
    id: I,
    hash: H,
    mut visit: V,
) -> Vec<(usize, usize)> {
    let mut seen: HashTable<S> = HashTable::with_capacity(n);
    // The skeleton an entry was entered by.
    let skeleton = |s: &S| {
        let (j, second) = s.unpack();
        let (first, other) = skeletons(id(j));
        match other {
            Some(other) if second => other,
            _ => first,
        }
    };
    // Asked only when the table grows (more skeletons than ids).
    let rehash = |s: &S| hash(&skeleton(s));
    let mut pairs = Vec::new();
    for i in 0..n {
        let this = id(i);
        visit(i, this);
        let mut other: Option<usize> = None;
        let (key, second) = skeletons(this);
        let keys = std::iter::once((false, key)).chain(second.map(|k| (true, k)));
        for (is_second, key) in keys {
            // Its own skeleton, not either of the id's: an entry found by
            // the id's other skeleton would be lost when the table grows.
            let same = |s: &S| skeleton(s) == key;
            let first = match seen.entry(hash(&key), same, rehash) {
                hash_table::Entry::Occupied(slot) => slot.get().unpack().0,
                hash_table::Entry::Vacant(slot) => {
                    // Every index below `n` packs (checked by the caller).
                    if let Some(s) = S::pack(i, is_second) {
                        slot.insert(s);
                    }
                    i
                }
            };
            if id(first) != this && other.is_none() {
                other = Some(first);
            }
        }
        if let Some(first) = other {
            pairs.push((i, first));
        }
    }
    pairs
}

/// Shows non-ASCII characters of an id as `\u{…}` so look-alikes are seen.
use crate::escape::non_ascii as escape_id;

#[cfg(test)]
mod tests {
    use super::skeletons;

    /// R303 keys its map by a hash of the skeleton: skeletons that share a
    /// hash (here every one: a constant hash) give the same pairs.
    #[test]
    fn confusable_pairs_do_not_depend_on_the_hash() {
        use super::confusable_pairs;
        use std::hash::BuildHasher;
        let ids = [
            "RTM-1",
            "BR-1",
            "rtm-1",
            "BR-l",
            "X-1",
            "RTM-1",
            "\u{0420}TM-1",
            "Y-2",
            "y-2",
            "Z-9",
        ];
        let id = |i: usize| ids.get(i).copied().unwrap_or("");
        let real = confusable_pairs(ids.len(), id, |k| rustc_hash::FxBuildHasher.hash_one(k));
        let expected = vec![(2, 0), (3, 1), (6, 0), (8, 7)];
        assert_eq!(real, expected);
        assert_eq!(confusable_pairs(ids.len(), id, |_| 0), expected);
        assert_eq!(
            confusable_pairs(ids.len(), id, |k| k.len() as u64),
            expected
        );
    }

    /// The table of first ids holds an index (and which skeleton) but no
    /// hash: when it grows past one entry an id (ids with a Cyrillic `Р`
    /// have two skeletons), each entry is hashed again by the right
    /// skeleton, and the pairs are those of a map from skeleton text to
    /// first index, for either width of entry and any hash.
    #[test]
    fn confusable_pairs_match_a_map_of_skeletons() {
        use super::{confusable_pairs, pairs_through};
        use std::collections::HashMap;
        use std::hash::BuildHasher;
        // 1000 ids with two skeletons each fill the table past its first
        // size; the later ids meet them by either skeleton.
        let mut ids: Vec<String> = (0..1000).map(|i| format!("\u{0420}TM-{i}")).collect();
        ids.extend((0..200).map(|i| format!("RTM-{}", i * 5)));
        ids.extend((0..200).map(|i| format!("ptm-{}", i * 3)));
        ids.extend((0..100).map(|i| format!("\u{0440}tm-{}", 990 + i)));
        ids.push("RTM-1".to_owned());
        let id = |i: usize| ids.get(i).map_or("", String::as_str);
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut expected = Vec::new();
        for (i, this) in ids.iter().enumerate() {
            let (a, b) = skeletons(this);
            // Every skeleton is entered, even after a pair is found.
            let firsts: Vec<usize> = std::iter::once(a)
                .chain(b)
                .map(|k| *first.entry(k).or_insert(i))
                .collect();
            let other = firsts.into_iter().find(|&f| id(f) != this);
            if let Some(f) = other {
                expected.push((i, f));
            }
        }
        assert_eq!(expected.len(), 411);
        let fx = |k: &str| rustc_hash::FxBuildHasher.hash_one(k);
        assert_eq!(confusable_pairs(ids.len(), id, fx), expected);
        // Each id is shown to the visitor once, in order, as it is read.
        let mut visited = Vec::new();
        let through = pairs_through::<usize, _, _, _>(ids.len(), id, fx, |i, t| {
            visited.push((i, t.to_owned()))
        });
        assert_eq!(through, expected);
        let in_order: Vec<(usize, String)> = ids.iter().cloned().enumerate().collect();
        assert_eq!(visited, in_order);
        // Few hashes: many skeletons meet under each.
        let coarse = |k: &str| fx(k) % 64;
        let few: Vec<(usize, usize)> = expected.iter().copied().filter(|p| p.0 < 300).collect();
        assert_eq!(confusable_pairs(300, id, coarse), few);
    }

    /// An entry answers only for the skeleton it was entered by: when an
    /// id's two skeletons meet in the table before it grows (here by a
    /// hash that differs only in bits the small table ignores), the second
    /// is entered too, and is still found once the table has grown.
    #[test]
    fn each_skeleton_of_an_id_has_its_own_entry() {
        use super::confusable_pairs;
        use std::hash::BuildHasher;
        let mut ids: Vec<String> = (0..200).map(|i| format!("\u{0420}TM-{i}")).collect();
        ids.extend((0..800).map(|i| format!("\u{0420}QQ-{i}")));
        ids.extend((0..200).map(|i| format!("RTM-{i}")));
        let id = |i: usize| ids.get(i).map_or("", String::as_str);
        let fx = |k: &str| rustc_hash::FxBuildHasher.hash_one(k);
        let hash = |k: &str| match k.strip_prefix("rt") {
            Some(rest) => fx(&format!("pt{rest}")) ^ (0x7ff << 11),
            None => fx(k),
        };
        let pairs = confusable_pairs(ids.len(), id, hash);
        let expected: Vec<(usize, usize)> = (0..200).map(|i| (1000 + i, i)).collect();
        assert_eq!(pairs, expected);
        assert_eq!(confusable_pairs(ids.len(), id, fx), expected);
    }

    #[test]
    fn far_apart_never_rejects_a_close_id() {
        use super::far_apart;
        for (a, b) in [
            ("BR-010", "BR-010"),
            ("BR-010", "BR-01"),
            ("BR-010", "BR-0100"),
            ("BR-010", "BR-100"),
            ("BR-010", "RB-010"),
            ("BR-010", "BR-0"),
            ("RTM-0001", "RTM-0010"),
            ("RTM-0001", "RTM-0091"),
            ("é-1", "é-22"),
        ] {
            assert!(!far_apart(a, b), "{a} {b}");
            assert!(strsim::damerau_levenshtein(a, b) <= 2, "{a} {b}");
        }
        assert!(far_apart("RTM-MISSING", "RTM-00001"));
        assert!(far_apart("BR-010", "BR-010000"));
        assert!(far_apart("BR-010", "XY-999"));
    }

    #[test]
    fn case_and_cyrillic_look_alikes_share_a_skeleton() {
        let keys = |s: &str| {
            let (a, b) = skeletons(s);
            std::iter::once(a).chain(b).collect::<Vec<_>>()
        };
        let same = |a: &str, b: &str| {
            let (a, b) = (keys(a), keys(b));
            a.iter().any(|x| b.contains(x))
        };
        assert!(same("RTM-0001", "rtm-0001"));
        // Cyrillic Т (U+0422) looks like Latin T.
        assert!(same("RTM-0001", "R\u{0422}M-0001"));
        // Cyrillic Р (U+0420) looks like P and reads as R.
        assert!(same("PTM-0001", "\u{0420}TM-0001"));
        assert!(same("RTM-0001", "\u{0420}TM-0001"));
        assert!(!same("RTM-0001", "RTM-0002"));
        assert!(!same("RTM-0001", "PTM-0001"));
        // The ASCII fast path agrees with the crate on every character.
        for b in 0u8..128 {
            let s = char::from(b).to_string();
            let slow: String = unicode_security::skeleton(&s).collect();
            assert_eq!(super::ascii_skeleton(&s), slow, "{b}");
        }
        assert_eq!(super::fold("RTM-0l01"), super::fold("rtm-0101"));
        // Character by character gives the same as the whole text.
        for id in ["RTM-0001", "rnm-Il0O", "dsn.plugins_x.1", "A-b_C.d"] {
            let once = super::ascii_skeleton(id).to_ascii_lowercase();
            let whole = super::ascii_skeleton(&once).to_ascii_lowercase();
            assert_eq!(super::fold(id), whole, "{id}");
        }
    }
}
