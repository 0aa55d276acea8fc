//! Node tables as their files hold them, for the exports (spreadsheets and
//! ReqIF), which write every field as written, even one the model does not
//! keep. They are taken from the loader's own parse ([`NodeTables::keep`],
//! the loader's hook) rather than by parsing every file a second time,
//! each node's table made at once into what the export writes of it (so
//! that memory holds that, not the tables); a file that was not kept is
//! parsed again ([`file_tables`]).

use std::sync::Mutex;

use rustc_hash::FxHashMap;
use toml::de::{DeTable, DeValue};

use crate::model::Kind;
use crate::source::FileId;

/// A file's node tables by kind, in file order: each table whose `id` is a
/// string (the nodes the loader keeps), with that id, holding the fields
/// asked for (or what was made of them, `T`).
pub type FileTables<T = toml::Table> = FxHashMap<Kind, Vec<Option<(String, T)>>>;

/// Which fields of a node of a kind are kept.
pub type Wanted = fn(Kind, &str) -> bool;

/// Every node file's tables, kept as the loader parses them, each node's
/// made into a `T` by `make`.
pub struct NodeTables<T> {
    wanted: Wanted,
    make: fn(Kind, toml::Table) -> T,
    files: Mutex<FxHashMap<FileId, FileTables<T>>>,
}

impl<T> NodeTables<T> {
    /// Keeps the fields `wanted` says of every node, made into a `T` by
    /// `make`.
    pub fn new(wanted: Wanted, make: fn(Kind, toml::Table) -> T) -> Self {
        NodeTables {
            wanted,
            make,
            files: Mutex::new(FxHashMap::default()),
        }
    }

    /// Keeps a file's tables (the loader's hook, [`crate::load::FileHook`]).
    pub fn keep(&self, file: FileId, doc: &DeTable<'_>) {
        // A file whose values cannot all be made TOML values is left to
        // be parsed again, which then says so.
        let Some(tables) = tables(doc, self.wanted) else {
            return;
        };
        let made: FileTables<T> = tables
            .into_iter()
            .map(|(kind, list)| {
                let list = list
                    .into_iter()
                    .map(|t| t.map(|(id, table)| (id, (self.make)(kind, table))))
                    .collect();
                (kind, list)
            })
            .collect();
        if let Ok(mut files) = self.files.lock() {
            files.insert(file, made);
        }
    }

    /// Takes a file's tables, when they were kept.
    pub fn take(&self, file: FileId) -> Option<FileTables<T>> {
        self.files.lock().ok()?.remove(&file)
    }
}

/// A file's tables, parsed from its text; `None` when it does not parse.
pub fn file_tables(text: &str, wanted: Wanted) -> Option<FileTables> {
    let doc = DeTable::parse(text).ok()?;
    tables(doc.get_ref(), wanted)
}

/// A document's node tables (see [`FileTables`]): each value made a TOML
/// value, as `toml::from_str` would make it; `None` when one cannot be.
fn tables(doc: &DeTable<'_>, wanted: Wanted) -> Option<FileTables> {
    let mut kinds = FileTables::default();
    for (key, value) in doc.iter() {
        let (Some(kind), DeValue::Array(items)) = (Kind::parse(key.get_ref()), value.get_ref())
        else {
            continue;
        };
        let mut list = Vec::with_capacity(items.len());
        for item in items.iter() {
            let DeValue::Table(t) = item.get_ref() else {
                continue;
            };
            let id = t.iter().find_map(|(key, v)| match v.get_ref() {
                DeValue::String(id) if key.get_ref() == "id" => Some(id.as_ref()),
                _ => None,
            });
            let Some(id) = id else {
                continue;
            };
            let mut table = toml::Table::new();
            for (key, v) in t.iter() {
                let key = key.get_ref();
                if !wanted(kind, key) {
                    continue;
                }
                let de = toml::de::ValueDeserializer::from(v.clone());
                let value = <toml::Value as serde::Deserialize>::deserialize(de).ok()?;
                table.insert(key.to_string(), value);
            }
            list.push(Some((id.to_owned(), table)));
        }
        kinds.insert(kind, list);
    }
    Some(kinds)
}
