//! `rtm import FILE --into TREE` (INTERCHANGE §1–§2): a sheet of a
//! workbook (`.xlsx`, `.xlsm`, `.xls`, `.ods`) or a CSV/TSV file, read into
//! node files. Every bad cell is reported (`SHEET!C12`, the header it sits
//! under, what was expected); when any is, nothing is written.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::{FILE_COLUMN, LINK_FIELDS, LIST_FIELDS, NODE_COLUMNS, STRING_FIELDS, cell_ref};
use crate::config::{Config, DEFAULT_ID_PATTERN, DIGIT_ID_PATTERN};
use crate::load::PROJECT_FILE;
use crate::load::decode::suggest;
use crate::model::{Category, Classification, Kind, Stage, Status};

/// Why an import could not start (exit status 2): the input or the
/// mapping cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(String),
    #[error("{path}: {message}")]
    Mapping { path: String, message: String },
    #[error("{0}")]
    Write(String),
}

/// One bad place in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// `SHEET!C12`, or the sheet alone when no cell is to blame.
    pub cell: String,
    /// The header of the cell's column ("" when none).
    pub header: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// `[sheet]`, `[columns]`, `[defaults]` and `[values.FIELD]` of a mapping
/// file (INTERCHANGE §2).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub sheet: Option<String>,
    /// 1-based.
    pub header_row: Option<usize>,
    /// rtm field → header text or column letter, in the file's order.
    pub columns: Vec<(String, String)>,
    pub defaults: BTreeMap<String, String>,
    /// field → (cell text, lower case and trimmed → rtm value).
    pub values: HashMap<String, HashMap<String, String>>,
}

impl Mapping {
    /// Reads a mapping file.
    pub fn read(path: &Path) -> Result<Mapping, ImportError> {
        let shown = path.display().to_string();
        let err = |message: String| ImportError::Mapping {
            path: shown.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let doc: toml::Table = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let mut m = Mapping::default();
        for (key, value) in &doc {
            match (key.as_str(), value) {
                ("sheet", toml::Value::Table(t)) => {
                    for (k, v) in t {
                        match (k.as_str(), v) {
                            ("name", toml::Value::String(s)) => m.sheet = Some(s.clone()),
                            ("header_row", toml::Value::Integer(n)) if *n >= 1 => {
                                m.header_row = usize::try_from(*n).ok();
                            }
                            _ => {
                                return Err(err(format!(
                                    "[sheet] {k}: expected `name = \"…\"` or `header_row = N` (1 or more)"
                                )));
                            }
                        }
                    }
                }
                ("columns", toml::Value::Table(t)) => {
                    for (k, v) in t {
                        let Some(s) = v.as_str() else {
                            return Err(err(format!(
                                "[columns] {k}: expected a header text or a column letter"
                            )));
                        };
                        if !super::known_field(k) {
                            return Err(err(unknown_field_message("[columns]", k)));
                        }
                        m.columns.push((k.clone(), s.to_owned()));
                    }
                }
                ("defaults", toml::Value::Table(t)) => {
                    for (k, v) in t {
                        let Some(s) = v.as_str() else {
                            return Err(err(format!("[defaults] {k}: expected a string")));
                        };
                        if !super::known_field(k) {
                            return Err(err(unknown_field_message("[defaults]", k)));
                        }
                        m.defaults.insert(k.clone(), s.to_owned());
                    }
                }
                ("values", toml::Value::Table(t)) => {
                    for (field, v) in t {
                        let Some(table) = v.as_table() else {
                            return Err(err(format!(
                                "[values.{field}]: expected a table of cell text = rtm value"
                            )));
                        };
                        if !super::known_field(field) {
                            return Err(err(unknown_field_message("[values]", field)));
                        }
                        let mut map = HashMap::new();
                        for (from, to) in table {
                            let Some(to) = to.as_str() else {
                                return Err(err(format!(
                                    "[values.{field}] {from}: expected a string"
                                )));
                            };
                            map.insert(normal(from), to.to_owned());
                        }
                        m.values.insert(field.clone(), map);
                    }
                }
                (k, _) => {
                    return Err(err(format!(
                        "unknown key `{k}`; a mapping has [sheet], [columns], [defaults] and [values.FIELD]"
                    )));
                }
            }
        }
        // A default of a field with fixed values is checked here, where
        // the mistake is (not blamed on a cell of every row).
        for (field, value) in &m.defaults {
            let choices = match field.as_str() {
                "kind" => Kind::NAMES,
                f => match choices_of(f) {
                    Some(c) => c,
                    None => continue,
                },
            };
            let v = normal(value);
            let mapped = m.values.get(field).and_then(|map| map.get(&v)).cloned();
            let v = mapped.unwrap_or(v).replace([' ', '_'], "-");
            let known =
                choices.contains(&v.as_str()) || (field == "classification" && v == "clear");
            if !known {
                let near = suggest(&v, choices)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(err(format!(
                    "[defaults] {field}: unknown {field} `{value}`: expected {}{near}",
                    choices.join(", ")
                )));
            }
        }
        Ok(m)
    }
}

/// The values a field with fixed values may take (`kind` aside, which a
/// row's other fields depend on).
fn choices_of(field: &str) -> Option<&'static [&'static str]> {
    match field {
        "status" => Some(Status::NAMES),
        "category" => Some(Category::NAMES),
        "stage" => Some(Stage::NAMES),
        "classification" => Some(Classification::NAMES),
        _ => None,
    }
}

fn unknown_field_message(section: &str, k: &str) -> String {
    let names: Vec<&str> = field_names();
    let hint = suggest(k, &names).map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
    format!("{section} {k}: not an rtm field{hint}")
}

fn field_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = NODE_COLUMNS.to_vec();
    for &k in Kind::ALL {
        for f in crate::spec::fields_of(k) {
            if !names.contains(&f.name) {
                names.push(f.name);
            }
        }
    }
    names.push(FILE_COLUMN);
    names
}

/// Lower case, surrounding spaces removed, inner runs of white space as
/// one space: how header texts and mapped values are compared.
fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// [`normal`], without a copy of a text that is already so (lower case
/// ASCII letters, digits, `-` and `_`: the usual cell).
fn normalized(s: &str) -> Cow<'_, str> {
    if s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(normal(s))
    }
}

/// How an import runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub mapping: Option<Mapping>,
    /// `--sheet`: wins over the mapping's `[sheet] name`.
    pub sheet: Option<String>,
    /// `--force`: the import replaces the tree's node files; every node
    /// file it does not write is removed (`rtm.toml` and hidden files
    /// stay).
    pub replace: bool,
}

/// One cell as read: its shown text, or an error value (`#N/A`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell<'a> {
    Text(&'a str),
    Error(&'a str),
}

/// A sheet as read: only the cells that hold something, by row then
/// column (0-based), whatever range the file states.
#[derive(Debug, Default)]
struct Grid {
    name: String,
    rows: BTreeMap<u32, Row>,
    /// The most cells a row has held so far (up to [`ROW_RESERVE`]): room
    /// a new row gets at once, instead of growing cell by cell.
    width: usize,
    /// The merged ranges of the sheet, whose values [`fill_merged`] put in
    /// every cell they cover.
    merged: Vec<calamine::Dimensions>,
}

/// The most cells a new row is given room for.
const ROW_RESERVE: usize = 256;

/// One row's cells, by column (ascending): a sheet's cells come in column
/// order, so each is pushed at the end. Their texts are kept side by side
/// in one string (two allocations a row, not one a cell: rows are made on
/// the reader's thread and dropped on another).
#[derive(Debug, Default)]
struct Row {
    text: String,
    cells: Vec<Slot>,
}

/// Where a cell of a [`Row`] is, and what it holds.
#[derive(Debug, Clone, Copy)]
struct Slot {
    col: u32,
    error: bool,
    start: usize,
    end: usize,
}

impl Row {
    fn with_capacity(cells: usize) -> Row {
        Row {
            text: String::with_capacity(cells * 16),
            cells: Vec::with_capacity(cells),
        }
    }

    fn cell(&self, slot: &Slot) -> Cell<'_> {
        let text = self.text.get(slot.start..slot.end).unwrap_or("");
        if slot.error {
            Cell::Error(text)
        } else {
            Cell::Text(text)
        }
    }

    fn get(&self, col: &u32) -> Option<Cell<'_>> {
        self.cells
            .binary_search_by_key(col, |s| s.col)
            .ok()
            .and_then(|i| self.cells.get(i))
            .map(|s| self.cell(s))
    }

    /// Sets a cell, replacing what it held.
    fn insert(&mut self, col: u32, cell: Cell<'_>) {
        let (error, text) = match cell {
            Cell::Text(t) => (false, t),
            Cell::Error(e) => (true, e),
        };
        self.insert_with(col, error, |s| s.push_str(text));
    }

    /// Sets a cell to what `write` writes (nothing for a text left
    /// empty), replacing what it held.
    fn insert_with(&mut self, col: u32, error: bool, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        let end = self.text.len();
        if start == end && !error {
            return;
        }
        let slot = Slot {
            col,
            error,
            start,
            end,
        };
        match self.cells.last() {
            Some(last) if last.col >= col => {
                match self.cells.binary_search_by_key(&col, |s| s.col) {
                    Ok(i) => {
                        if let Some(s) = self.cells.get_mut(i) {
                            *s = slot;
                        }
                    }
                    Err(i) => self.cells.insert(i, slot),
                }
            }
            _ => self.cells.push(slot),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u32, Cell<'_>)> {
        self.cells.iter().map(|s| (s.col, self.cell(s)))
    }

    fn len(&self) -> usize {
        self.cells.len()
    }

    fn last_col(&self) -> Option<u32> {
        self.cells.last().map(|s| s.col)
    }
}

impl Grid {
    /// Whether a cell holds the value of a merged range it is not the
    /// first cell of (a header merged across two columns heads the first).
    fn merge_filled(&self, row: u32, col: u32) -> bool {
        self.merged.iter().any(|d| {
            d.start != (row, col)
                && (d.start.0..=d.end.0).contains(&row)
                && (d.start.1..=d.end.1).contains(&col)
        })
    }

    fn get(&self, row: u32, col: u32) -> Option<Cell<'_>> {
        self.rows.get(&row).and_then(|r| r.get(&col))
    }

    fn text(&self, row: u32, col: u32) -> &str {
        match self.get(row, col) {
            Some(Cell::Text(t)) => t,
            _ => "",
        }
    }

    /// Puts a row's cells (none empty), as [`Grid::put`] would one by
    /// one.
    fn put_row(&mut self, at: u32, cells: Row) {
        let row = match self.rows.entry(at) {
            std::collections::btree_map::Entry::Vacant(v) => v.insert(cells),
            std::collections::btree_map::Entry::Occupied(o) => {
                let row = o.into_mut();
                for (col, cell) in cells.iter() {
                    row.insert(col, cell);
                }
                row
            }
        };
        self.width = self.width.max(row.len().min(ROW_RESERVE));
    }

    fn put(&mut self, row: u32, col: u32, cell: Cell<'_>) {
        if matches!(&cell, Cell::Text(t) if t.is_empty()) {
            return;
        }
        let width = self.width;
        let row = self
            .rows
            .entry(row)
            .or_insert_with(|| Row::with_capacity(width));
        row.insert(col, cell);
        self.width = self.width.max(row.len().min(ROW_RESERVE));
    }
}

/// A number as shown: `101`, not `101.0`; to the 15 significant digits a
/// spreadsheet shows, so that a formula's cached `0.1+0.2` is `0.3`, as
/// the same number typed in is, not `0.30000000000000004`.
fn number_text(out: &mut String, f: f64) {
    use std::fmt::Write;
    let _ = if f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{}", f as i64)
    } else {
        let shown = format!("{f:.14e}").parse::<f64>().unwrap_or(f);
        write!(out, "{shown}")
    };
}

fn datetime_text(out: &mut String, dt: &calamine::ExcelDateTime) {
    use std::fmt::Write;
    if !dt.is_datetime() {
        return number_text(out, dt.as_f64());
    }
    let (y, m, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let _ = if (h, mi, s, ms) == (0, 0, 0, 0) {
        write!(out, "{y:04}-{m:02}-{d:02}")
    } else {
        write!(out, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    };
}

/// Puts a cell read by calamine in its row as shown (nothing when it is
/// empty): a number as `101`, not `101.0`, a date as `2020-09-30`, an
/// error value as the sheet shows it (`#N/A`).
fn put_cell(row: &mut Row, col: u32, v: &impl calamine::DataType) {
    use std::fmt::Write;
    let error = v.get_error();
    row.insert_with(col, error.is_some(), |out| {
        if let Some(e) = error {
            let _ = write!(out, "{e}");
        } else if let Some(s) = v.get_string() {
            out.push_str(s);
        } else if let Some(i) = v.get_int() {
            let _ = write!(out, "{i}");
        } else if let Some(f) = v.get_float() {
            number_text(out, f);
        } else if let Some(b) = v.get_bool() {
            out.push_str(if b { "TRUE" } else { "FALSE" });
        } else if let Some(dt) = v.get_datetime() {
            datetime_text(out, &dt);
        } else if let Some(s) = v.get_datetime_iso() {
            out.push_str(s.strip_suffix("T00:00:00").unwrap_or(s));
        } else if let Some(s) = v.get_duration_iso() {
            out.push_str(s);
        }
    });
}

/// The kind of sheet an input is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    Xlsx,
    Workbook,
    Csv(u8),
}

/// What an input's extension says it is: a sheet, or ReqIF (read by
/// [`crate::reqif`], not here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Sheet(Input),
    Reqif,
}

/// Every extension `rtm import` reads (INTERCHANGE §1, compared without
/// regard to case), in the order a message names them, with what it is:
/// the one list, so that what is read and what a message says is read
/// cannot differ.
const INPUTS: &[(&str, Format)] = &[
    ("xlsx", Format::Sheet(Input::Xlsx)),
    ("xlsm", Format::Sheet(Input::Xlsx)),
    ("xls", Format::Sheet(Input::Workbook)),
    ("ods", Format::Sheet(Input::Workbook)),
    ("csv", Format::Sheet(Input::Csv(b','))),
    ("tsv", Format::Sheet(Input::Csv(b'\t'))),
    ("reqif", Format::Reqif),
    ("reqifz", Format::Reqif),
];

/// What a path's extension says it is, if `rtm import` reads it.
fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?;
    INPUTS
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|&(_, format)| format)
}

/// Whether `rtm import` reads a file as ReqIF (`.reqif`, `.reqifz`), by
/// its extension; every other input is a sheet.
pub fn is_reqif(path: &Path) -> bool {
    format_of(path) == Some(Format::Reqif)
}

/// "unknown input format (expected .xlsx, …, .reqif or .reqifz)": every
/// extension of [`INPUTS`].
fn unknown_format(path: &Path) -> ImportError {
    let names: Vec<String> = INPUTS.iter().map(|(e, _)| format!(".{e}")).collect();
    let expected = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    };
    ImportError::Unreadable(format!(
        "{}: unknown input format (expected {expected})",
        path.display()
    ))
}

fn input_kind(path: &Path) -> Result<Input, ImportError> {
    // Said plainly: a zip reader says only "Invalid argument" of a folder.
    if path.is_dir() {
        return Err(ImportError::Unreadable(format!(
            "{}: is a folder, not a file",
            path.display()
        )));
    }
    match format_of(path) {
        Some(Format::Sheet(input)) => Ok(input),
        Some(Format::Reqif) => Err(ImportError::Unreadable(format!(
            "{}: ReqIF, not a spreadsheet or a CSV/TSV file: `rtm import` reads it with the ReqIF reader",
            path.display()
        ))),
        None => Err(unknown_format(path)),
    }
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable(format!("{}: cannot read: {e}", path.display()))
}

fn choose_sheet(
    path: &Path,
    names: &[String],
    wanted: Option<&str>,
) -> Result<String, ImportError> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .or_else(|| names.iter().find(|n| normal(n) == normal(w)))
            .cloned()
            .ok_or_else(|| {
                ImportError::Unreadable(format!(
                    "{}: no sheet named `{w}` (sheets: {})",
                    path.display(),
                    names.join(", ")
                ))
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ImportError::Unreadable(format!("{}: no sheet", path.display()))),
    }
}

/// How many rows at the top of a sheet are looked at for its header.
const HEAD_ROWS: usize = 100;

/// Rows of an xlsx sheet as its reader completes them, in the order they
/// are read.
enum Batch {
    /// The last row the sheet says it has (0-based), sent first.
    Stated(u32),
    Rows(Vec<(u32, Row)>),
    Done(Result<(), ImportError>),
}

/// How many rows the reader of an xlsx sheet sends at once.
const BATCH_ROWS: usize = 256;

/// The rows of an xlsx sheet still being read, after those in the grid.
struct RowStream {
    rx: std::sync::mpsc::Receiver<Batch>,
    /// The last row received: a row that comes after it but is not below
    /// it (a sheet whose rows are out of order) cannot be streamed.
    last: Option<u32>,
    /// The last row the sheet says it has.
    stated: u32,
    /// The file read, for the message when its reader stops.
    path: PathBuf,
}

/// Why the rows of a sheet could not all be streamed.
enum Stop {
    /// The input cannot be read, or the files not written.
    Error(ImportError),
    /// A row came after one below it: the sheet is read again whole.
    Disorder,
}

impl From<ImportError> for Stop {
    fn from(e: ImportError) -> Self {
        Stop::Error(e)
    }
}

impl RowStream {
    /// The reader's thread ended without saying it was done.
    fn stopped(&self) -> ImportError {
        ImportError::Unreadable(format!(
            "{}: the sheet's reader stopped",
            self.path.display()
        ))
    }

    /// Hands every row still to come to `each`, in order, while the sheet
    /// is being read (on this thread, while the reader has another), and
    /// returns the rows left once it is read (to share among the cores).
    /// While no row is ready, `idle` is called until it says it had
    /// nothing to do.
    fn for_each(
        mut self,
        mut each: impl FnMut(u32, Row),
        mut idle: impl FnMut() -> bool,
    ) -> Result<Vec<(u32, Row)>, Stop> {
        loop {
            let first = match self.rx.try_recv() {
                Ok(b) => b,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    // Waiting for the reader: something else first.
                    if idle() {
                        continue;
                    }
                    self.rx.recv().map_err(|_| Stop::Error(self.stopped()))?
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    return Err(Stop::Error(self.stopped()));
                }
            };
            let mut batches = vec![first];
            batches.extend(self.rx.try_iter());
            let mut rows = Vec::new();
            let mut done = None;
            for b in batches {
                match b {
                    Batch::Rows(r) => rows.extend(r),
                    Batch::Stated(n) => self.stated = n,
                    Batch::Done(d) => done = Some(d),
                }
            }
            for (r, _) in &rows {
                if self.last.is_some_and(|last| *r <= last) {
                    return Err(Stop::Disorder);
                }
                self.last = Some(*r);
            }
            match done {
                Some(Err(e)) => return Err(Stop::Error(e)),
                Some(Ok(())) => return Ok(rows),
                None => {
                    for (r, row) in rows {
                        each(r, row);
                    }
                }
            }
        }
    }
}

/// Reads an xlsx sheet's cells, sending each row through `tx` once it is
/// complete (cell by cell: a sheet whose stated range is a million rows
/// costs only the cells it holds). Stops when nobody receives.
fn send_rows<R: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<R>,
    name: &str,
    path: &Path,
    tx: &std::sync::mpsc::Sender<Batch>,
) -> Result<(), ImportError> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(path, e))?;
    let _ = tx.send(Batch::Stated(reader.dimensions().end.0));
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut width = 0;
    let mut open: Option<(u32, Row)> = None;
    let send = |batch: &mut Vec<(u32, Row)>| {
        let full = std::mem::replace(batch, Vec::with_capacity(BATCH_ROWS));
        tx.send(Batch::Rows(full)).is_ok()
    };
    while let Some(c) = reader.next_cell().map_err(|e| unreadable(path, e))? {
        let (r, col) = c.get_position();
        let v = c.get_value();
        {
            use calamine::DataRef as D;
            if matches!(v, D::Empty) || matches!(v, D::String(s) if s.is_empty()) {
                continue;
            }
        }
        match &mut open {
            Some((at, row)) if *at == r => put_cell(row, col, v),
            _ => {
                if let Some((at, row)) = open.take().filter(|(_, row)| row.len() > 0) {
                    width = row.len().clamp(width, ROW_RESERVE);
                    batch.push((at, row));
                    if batch.len() == BATCH_ROWS && !send(&mut batch) {
                        return Ok(());
                    }
                }
                let mut row = Row::with_capacity(width);
                put_cell(&mut row, col, v);
                open = Some((r, row));
            }
        }
    }
    batch.extend(open.filter(|(_, row)| row.len() > 0));
    if !batch.is_empty() {
        send(&mut batch);
    }
    Ok(())
}

/// The merged cells of an xlsx sheet: none when a search of its XML
/// shows it has none, else as calamine reads them.
fn merged_cells(path: &Path, name: &str) -> Result<Vec<calamine::Dimensions>, ImportError> {
    if super::merged::may_have_merged_cells(path, name) == Some(false) {
        return Ok(Vec::new());
    }
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(path, e))?;
    wb.merge_cells_by_sheet_name(name)
        .map_err(|e| unreadable(path, e))
}

/// Reads the chosen sheet. An xlsx sheet is read on a thread of its own;
/// when it has no merged cells and `stream` is set, only its first rows
/// are waited for (the [`HEAD_ROWS`] rows the header is looked for in,
/// and every row up to `header_row`, 0-based), and the others come
/// through the stream returned, as they are read.
fn read_sheet(
    path: &Path,
    sheet: Option<&str>,
    header_row: Option<u32>,
    stream: bool,
) -> Result<(Grid, Option<RowStream>), ImportError> {
    use calamine::Reader;
    if !matches!(input_kind(path)?, Input::Xlsx) {
        return Ok((read_grid(path, sheet)?, None));
    }
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(path, e))?;
    let name = choose_sheet(path, &wb.sheet_names(), sheet)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let (owned, sheet_name) = (path.to_owned(), name.clone());
    // Alone, the whole sheet is read here first.
    crate::threads::detached("sheet reader", move || {
        let done = send_rows(&mut wb, &sheet_name, &owned, &tx);
        let _ = tx.send(Batch::Done(done));
    });
    // Found while the cells are read.
    let merged = merged_cells(path, &name)?;
    let mut grid = Grid {
        name,
        ..Grid::default()
    };
    let mut rows = RowStream {
        rx,
        last: None,
        stated: 0,
        path: path.to_owned(),
    };
    let streamed = stream && merged.is_empty();
    loop {
        if streamed
            && grid.rows.len() >= HEAD_ROWS
            && header_row.is_none_or(|h| rows.last.is_some_and(|last| last > h))
        {
            return Ok((grid, Some(rows)));
        }
        match rows.rx.recv() {
            Ok(Batch::Rows(batch)) => {
                for (at, row) in batch {
                    rows.last = Some(rows.last.map_or(at, |l| l.max(at)));
                    grid.put_row(at, row);
                }
            }
            Ok(Batch::Stated(n)) => rows.stated = n,
            Ok(Batch::Done(done)) => {
                done?;
                break;
            }
            Err(_) => return Err(rows.stopped()),
        }
    }
    fill_merged(&mut grid, &merged);
    grid.merged = merged;
    Ok((grid, None))
}

/// Reads the chosen sheet whole (any input but xlsx, which
/// [`read_sheet`] reads).
fn read_grid(path: &Path, sheet: Option<&str>) -> Result<Grid, ImportError> {
    match input_kind(path)? {
        Input::Xlsx => {
            let (grid, _) = read_sheet(path, sheet, None, false)?;
            Ok(grid)
        }
        Input::Workbook => {
            use calamine::Reader;
            let mut wb = calamine::open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
            let name = choose_sheet(path, &wb.sheet_names(), sheet)?;
            let range = wb.worksheet_range(&name).map_err(|e| unreadable(path, e))?;
            let mut grid = Grid {
                name,
                ..Grid::default()
            };
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                let mut cell = Row::default();
                put_cell(&mut cell, 0, v);
                if let Some(value) = cell.get(&0) {
                    grid.put(r0 + r as u32, c0 + c as u32, value);
                }
            }
            Ok(grid)
        }
        Input::Csv(delimiter) => {
            let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(bytes);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut grid = Grid {
                name,
                ..Grid::default()
            };
            // A record's row is counted as a spreadsheet program shows the
            // file: the blank lines the reader skips are empty rows, and a
            // quoted field over several lines is one row.
            let mut record = csv::StringRecord::new();
            let mut row: u32 = 0;
            let mut end: u64 = 0;
            loop {
                let more = reader
                    .read_record(&mut record)
                    .map_err(|e| match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => {
                            ImportError::Unreadable(format!("{}: not UTF-8: {e}", path.display()))
                        }
                        _ => unreadable(path, e),
                    })?;
                if !more {
                    break;
                }
                // The reader starts a record where the previous one ended,
                // then skips the blank lines before it.
                let from = usize::try_from(end).unwrap_or(usize::MAX);
                let rest = bytes.get(from..).unwrap_or_default();
                let ends = rest
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
                // The `\n` of a `\r\n` that ended the previous record.
                let crlf =
                    from > 0 && bytes.get(from - 1) == Some(&b'\r') && rest.first() == Some(&b'\n');
                let blank = rest.get(usize::from(crlf)..ends).unwrap_or_default();
                row = row.saturating_add(blank_lines(blank));
                for (c, field) in record.iter().enumerate() {
                    grid.put(row, c as u32, Cell::Text(field));
                }
                row = row.saturating_add(1);
                end = reader.position().byte();
            }
            Ok(grid)
        }
    }
}

/// How many line ends (`\n`, `\r\n` or a lone `\r`) the bytes between two
/// CSV records hold: the blank lines between them.
fn blank_lines(between: &[u8]) -> u32 {
    let mut n: u32 = 0;
    let mut bytes = between.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == b'\n' || (b == b'\r' && bytes.peek() != Some(&&b'\n')) {
            n = n.saturating_add(1);
        }
    }
    n
}

/// A merged range shows its value in every cell it covers (a business
/// requirement merged down several rows belongs to each of them). Only
/// rows and columns that hold something are filled.
fn fill_merged(grid: &mut Grid, merged: &[calamine::Dimensions]) {
    let last_row = grid.rows.keys().next_back().copied().unwrap_or(0);
    let last_col = grid
        .rows
        .values()
        .filter_map(Row::last_col)
        .max()
        .unwrap_or(0);
    for d in merged {
        let (r0, c0) = d.start;
        // The value, held apart from the grid it is put in.
        let mut held = Row::default();
        match grid.get(r0, c0) {
            Some(value) => held.insert(0, value),
            None => continue,
        }
        let Some(value) = held.get(&0) else {
            continue;
        };
        for r in r0..=d.end.0.min(last_row) {
            for c in c0..=d.end.1.min(last_col) {
                if (r, c) != (r0, c0) && grid.get(r, c).is_none() {
                    grid.put(r, c, value);
                }
            }
        }
    }
}

/// What an import would write.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Node files, by path relative to the tree, with their bytes (shared
    /// with the check of the files, which reads them while they are
    /// written).
    pub files: Vec<(String, Arc<String>)>,
    /// `rtm.toml`, for a new tree.
    pub project: Option<String>,
    /// Nodes per kind, in [`Kind::ALL`] order.
    pub counts: [usize; 5],
    /// Ids written in link fields.
    pub links: usize,
    /// Columns read and left out (their header does not name an rtm
    /// field), as `SHEET!C1 "header"`.
    pub ignored: Vec<String>,
    /// Rows skipped because every mapped cell is blank.
    pub blank_rows: usize,
    /// The sheet read.
    pub sheet: String,
    /// Node files of the tree that the import does not write, removed by
    /// `--force` (relative to the tree).
    pub removed: Vec<String>,
    /// What the import did that the user should know of, in words.
    pub warnings: Vec<String>,
}

/// Says that the imported nodes that name no classification are written
/// with the input's `level`, above the tree's default.
pub fn raised_warning(
    level: crate::model::Classification,
    tree: crate::model::Classification,
) -> String {
    format!(
        "the input's nodes that name no classification are {level} (its project's default), above this tree's {tree}: each is written with classification = \"{level}\""
    )
}

/// A new tree's project file with `level` as its default classification.
pub fn with_default_level(project: &str, level: crate::model::Classification) -> String {
    let Ok(mut doc) = project.parse::<toml_edit::DocumentMut>() else {
        return project.to_owned();
    };
    if let Some(t) = doc
        .get_mut("project")
        .and_then(toml_edit::Item::as_table_mut)
    {
        t.insert("classification", toml_edit::value(level.as_str()));
    }
    doc.to_string()
}

/// A column read: its index and header text.
#[derive(Debug, Clone)]
struct Column {
    col: u32,
    header: String,
}

/// Where a diagnostic on a field goes: its column and header, else
/// (no column) the id's column, without a header.
fn place_of(id_col: u32, c: Option<&Column>) -> (u32, &str) {
    c.map_or((id_col, ""), |c| (c.col, c.header.as_str()))
}

/// The header row, each field's column, and the columns left out.
type Header = (u32, Vec<(String, Column)>, Vec<String>);

/// The header row and each field's column.
fn find_header(
    grid: &Grid,
    mapping: Option<&Mapping>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Header> {
    let names = |row: u32| -> Vec<(u32, String)> {
        grid.rows
            .get(&row)
            .map(|r| {
                r.iter()
                    .filter_map(|(c, v)| match v {
                        Cell::Text(t) => Some((c, t.to_owned())),
                        Cell::Error(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let header_row = match mapping.and_then(|m| m.header_row) {
        Some(n) => {
            let row = u32::try_from(n.saturating_sub(1)).ok()?;
            // A row the sheet does not have: said so, not "no column".
            let last = grid.rows.keys().next_back().copied();
            if last.is_none_or(|last| row > last) {
                diags.push(Diagnostic {
                    cell: grid.name.clone(),
                    header: String::new(),
                    message: format!(
                        "the mapping's header_row = {n} is past the sheet's last row ({})",
                        last.map_or(0, |l| l + 1)
                    ),
                    help: Some("set [sheet] header_row to the row of the column headers".into()),
                });
                return None;
            }
            row
        }
        None => {
            let wanted: Vec<String> = match mapping {
                Some(m) => m.columns.iter().map(|(_, h)| normal(h)).collect(),
                None => field_names().iter().map(|s| (*s).to_owned()).collect(),
            };
            let found = grid.rows.keys().take(100).copied().find(|&r| {
                names(r)
                    .iter()
                    .filter(|(_, t)| wanted.contains(&normal(t)))
                    .count()
                    >= 2
            });
            match found {
                Some(r) => r,
                None => {
                    let what = if mapping.is_some() {
                        "the mapping's [columns]"
                    } else {
                        "rtm fields (id, title, kind…)"
                    };
                    diags.push(Diagnostic {
                        cell: grid.name.clone(),
                        header: String::new(),
                        message: format!("no header row: no row names at least two of {what}"),
                        help: Some(if mapping.is_some() {
                            "set [sheet] header_row, or check the header texts in [columns]".into()
                        } else {
                            "name the columns after rtm fields, or import with --mapping MAP.toml"
                                .into()
                        }),
                    });
                    return None;
                }
            }
        }
    };
    let header = names(header_row);
    let mut columns: Vec<(String, Column)> = Vec::new();
    let mut ignored = Vec::new();
    match mapping {
        Some(m) => {
            for (field, spec) in &m.columns {
                let mut matching = header.iter().filter(|(c, t)| {
                    normal(t) == normal(spec) && !grid.merge_filled(header_row, *c)
                });
                let by_text = matching.next();
                if let (Some((first, _)), Some((second, text))) = (by_text, matching.next()) {
                    let help = format!(
                        "name the column by its letter in [columns]: {field} = \"{}\" or \"{}\"",
                        super::column_letter(*first as usize),
                        super::column_letter(*second as usize)
                    );
                    diags.push(two_columns(
                        grid,
                        header_row,
                        (*first, *second),
                        text,
                        field,
                        help,
                    ));
                    continue;
                }
                let by_letter = || {
                    let letters = spec.trim();
                    if !letters.is_empty()
                        && letters.len() <= 3
                        && letters.chars().all(|c| c.is_ascii_alphabetic())
                    {
                        let col = letters
                            .to_ascii_uppercase()
                            .bytes()
                            .fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1))
                            - 1;
                        Some((col, grid.text(header_row, col).to_owned()))
                    } else {
                        None
                    }
                };
                match by_text.cloned().or_else(by_letter) {
                    Some((col, text)) => columns.push((
                        field.clone(),
                        Column {
                            col,
                            header: text.trim().to_owned(),
                        },
                    )),
                    None => {
                        let shown: Vec<String> = header
                            .iter()
                            .map(|(_, t)| format!("`{}`", t.trim()))
                            .collect();
                        let texts: Vec<String> = header.iter().map(|(_, t)| normal(t)).collect();
                        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                        let near = suggest(&normal(spec), &refs);
                        diags.push(Diagnostic {
                            cell: format!("{}!{}", quoted(&grid.name), header_row + 1),
                            header: String::new(),
                            message: format!(
                                "no column `{spec}` (for `{field}`) in the header row; its headers are {}",
                                shown.join(", ")
                            ),
                            help: near.map(|n| format!("did you mean `{n}`?")),
                        });
                    }
                }
            }
        }
        None => {
            for (col, text) in &header {
                let name = normal(text);
                if let Some((_, first)) = columns
                    .iter()
                    .find(|(f, _)| *f == name)
                    .filter(|_| !grid.merge_filled(header_row, *col))
                {
                    let help = "rename or delete one of them, or import with --mapping MAP.toml naming the column by its letter";
                    diags.push(two_columns(
                        grid,
                        header_row,
                        (first.col, *col),
                        text,
                        &name,
                        help.into(),
                    ));
                } else if super::known_field(&name) && !columns.iter().any(|(f, _)| *f == name) {
                    columns.push((
                        name,
                        Column {
                            col: *col,
                            header: text.trim().to_owned(),
                        },
                    ));
                } else {
                    ignored.push(format!(
                        "{} `{}`",
                        cell_ref(&grid.name, header_row as usize, *col as usize),
                        text.trim()
                    ));
                }
            }
        }
    }
    Some((header_row, columns, ignored))
}

/// The error of a header text that heads two columns (`first`, then
/// `second`) and so does not tell which holds `field`: at the second.
fn two_columns(
    grid: &Grid,
    header_row: u32,
    (first, second): (u32, u32),
    text: &str,
    field: &str,
    help: String,
) -> Diagnostic {
    let at = |col: u32| cell_ref(&grid.name, header_row as usize, col as usize);
    Diagnostic {
        cell: at(second),
        header: text.trim().to_owned(),
        message: format!(
            "`{}` heads more than one column (also {}): which holds `{field}` is not clear",
            text.trim(),
            at(first)
        ),
        help: Some(help),
    }
}

fn quoted(sheet: &str) -> String {
    let r = cell_ref(sheet, 0, 0);
    r.strip_suffix("!A1").unwrap_or(&r).to_owned()
}

/// Parses a cell as one TOML value (`{ a = 1 }`, `[1, 2]`, `60`).
pub fn parse_toml_value(text: &str) -> Option<toml::Value> {
    let doc: toml::Table = toml::from_str(&format!("v = {text}")).ok()?;
    doc.get("v").cloned()
}

/// Whether an id has only the characters an id may have.
fn id_chars(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Where the nodes of a kind go when the input names no file: one file
/// per kind, split every [`PER_FILE`] nodes.
fn default_file(kind: Kind, n: usize) -> String {
    let stem = match kind {
        Kind::Theme => "themes",
        Kind::Business => "business",
        Kind::Requirement => "requirements",
        Kind::Sec => "sec",
        Kind::Modification => "modifications",
    };
    match n / PER_FILE {
        0 => format!("{stem}.toml"),
        k => format!("{stem}-{}.toml", k + 1),
    }
}

const PER_FILE: usize = 2000;

/// Whether a `file` cell names a node file inside the tree.
fn valid_file(rel: &str) -> bool {
    crate::load::FileSet::is_node_path(rel)
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != ".." && c != ".")
}

/// One node as prepared: kind, key/value pairs in order, the file, and
/// the row it came from.
struct Prepared {
    kind: Kind,
    fields: Vec<(Cow<'static, str>, Val)>,
    file: Option<String>,
}

/// The node files of an import, as the rows are folded: each file's
/// nodes in row order and, for a file the rows have left, its text, built
/// when there is time while the sheet is still being read (on the thread
/// that folds the rows, when it waits for the reader). A file whose rows
/// come again after it was built is built again at the end, and never
/// early again (rows alternating between two files cost one early build
/// each, not one a row).
#[derive(Default)]
struct Files {
    by_file: BTreeMap<String, FileNodes>,
    /// The file of the last row.
    open: Option<String>,
    /// Files the rows have left, to be built when there is time.
    left: std::collections::VecDeque<String>,
    /// Nodes per kind so far, in [`Kind::ALL`] order.
    counts: [usize; 5],
}

/// One file's nodes, and its text and link count once built.
#[derive(Default)]
struct FileNodes {
    nodes: Vec<Prepared>,
    built: Option<(Arc<String>, usize)>,
    /// Given rows after the rows had left it: built at the end.
    again: bool,
}

impl Files {
    /// Adds a node to its file: the one its row names, else the kind's
    /// file for its place among the nodes of its kind.
    fn push(&mut self, p: Prepared) {
        let k = p.kind as usize;
        let n = self.counts.get(k).copied().unwrap_or(0);
        if let Some(c) = self.counts.get_mut(k) {
            *c += 1;
        }
        let rel = match &p.file {
            Some(f) => Cow::Borrowed(f.as_str()),
            None => Cow::Owned(default_file(p.kind, n)),
        };
        if self.open.as_deref() != Some(&*rel) {
            if let Some(left) = self.open.take() {
                self.left.push_back(left);
            }
            let rel = rel.into_owned();
            let file = self.by_file.entry(rel.clone()).or_default();
            if file.built.take().is_some() {
                file.again = true;
            }
            self.open = Some(rel);
        }
        if let Some(file) = self.open.as_ref().and_then(|o| self.by_file.get_mut(o)) {
            file.nodes.push(p);
        }
    }

    /// Builds the text of one file the rows have left: its path and
    /// text, or `None` when there is none to build.
    fn build_one(&mut self) -> Option<(String, Arc<String>)> {
        while let Some(rel) = self.left.pop_front() {
            if self.open.as_ref() == Some(&rel) {
                continue;
            }
            if let Some(file) = self.by_file.get_mut(&rel)
                && file.built.is_none()
                && !file.again
            {
                let (text, links) = file_text(&file.nodes);
                let text = Arc::new(text);
                file.built = Some((Arc::clone(&text), links));
                return Some((rel, text));
            }
        }
        None
    }
}

/// One row converted: its node, and what is settled in row order.
#[derive(Default)]
struct RowOut<'c> {
    /// Blank in every mapped column: a separator.
    blank: bool,
    /// The row's diagnostics and its id, in the order they are found.
    pending: Vec<Pending<'c>>,
    /// Its id is valid only with a wider pattern.
    relax: bool,
    /// What the import did to the row that the user should know of.
    warnings: Vec<String>,
    /// The variants it names, in order.
    variants: Vec<String>,
    prepared: Option<Prepared>,
}

/// A diagnostic of a row, or its id: a duplicate of an id in an earlier
/// row is reported where the id is found.
enum Pending<'c> {
    Diag(Diagnostic),
    Id {
        id: String,
        col: u32,
        /// The header of the id's column.
        header: &'c str,
    },
}

/// A field's value as prepared: small, since every node's are held until
/// the files are written.
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    List(Vec<String>),
    /// A value read as inline TOML, as it is written after `key =`.
    Toml(String),
}

impl Val {
    /// A value read as inline TOML.
    fn toml(v: &toml_edit::Value) -> Val {
        let mut text = String::new();
        push_value(&mut text, v);
        Val::Toml(text)
    }
}

/// A value as toml_edit writes it after `key =` in a table: its own
/// leading decor, else one space.
fn push_value(out: &mut String, v: &toml_edit::Value) {
    use std::fmt::Write as _;
    if v.decor().prefix().is_none() {
        out.push(' ');
    }
    let _ = write!(out, "{v}");
}

/// A field name without an allocation of its own when it is one rtm
/// knows (every node holds a dozen).
fn field_key(field: &str, known: &[&'static str]) -> Cow<'static, str> {
    known
        .iter()
        .find(|k| **k == field)
        .map_or_else(|| Cow::Owned(field.to_owned()), |k| Cow::Borrowed(*k))
}

/// Reads the input and prepares every file; `Err` lists every bad cell.
pub fn prepare(
    input: &Path,
    into: &Path,
    options: &Options,
) -> Result<Result<Plan, Vec<Diagnostic>>, ImportError> {
    prepare_with(input, into, options, &|_, _| {})
}

/// [`prepare`], calling `tick(rows read, rows in all)` now and then (for a
/// progress bar).
pub fn prepare_with(
    input: &Path,
    into: &Path,
    options: &Options,
    tick: &dyn Fn(u64, u64),
) -> Result<Result<Plan, Vec<Diagnostic>>, ImportError> {
    Ok(prepare_staged(input, into, options, tick, None)?.map(|(plan, _)| plan))
}

/// A plan and the paths it was written to.
pub type Imported = (Plan, Vec<PathBuf>);

/// A plan and, when asked for, its files staged.
type Staged = (Plan, Option<Staging>);

/// [`prepare_with`], then [`write`]: the files are staged while they are
/// checked (R001/R002/R003/R007), and put in place only when the check
/// finds nothing; otherwise the staged files are removed and the
/// diagnostics returned, as if nothing had been staged. Returns the plan
/// and the paths written.
pub fn import_with(
    input: &Path,
    into: &Path,
    options: &Options,
    tick: &dyn Fn(u64, u64),
    force: bool,
) -> Result<Result<Imported, Vec<Diagnostic>>, ImportError> {
    match prepare_staged(input, into, options, tick, Some(force))? {
        Ok((plan, Some(staging))) => {
            let written = commit(&plan, into, force, staging)?;
            Ok(Ok((plan, written)))
        }
        // Never so: staging was asked for.
        Ok((plan, None)) => {
            let written = write(&plan, into, force)?;
            Ok(Ok((plan, written)))
        }
        Err(diags) => Ok(Err(diags)),
    }
}

/// [`prepare_with`], staging the files (`Some(force)`) while they are
/// checked.
fn prepare_staged(
    input: &Path,
    into: &Path,
    options: &Options,
    tick: &dyn Fn(u64, u64),
    stage_force: Option<bool>,
) -> Result<Result<Staged, Vec<Diagnostic>>, ImportError> {
    let done = match prepare_read(input, into, options, tick, stage_force, true) {
        // Rows out of order: read whole, as they are put together.
        Err(Stop::Disorder) => prepare_read(input, into, options, tick, stage_force, false),
        done => done,
    };
    done.map_err(|stop| match stop {
        Stop::Error(e) => e,
        // Never so: a sheet read whole is not streamed.
        Stop::Disorder => ImportError::Unreadable(format!(
            "{}: the rows could not be read in order",
            input.display()
        )),
    })
}

/// [`prepare_staged`], the rows of an xlsx sheet without merged cells
/// converted as they are read when `stream` is set.
fn prepare_read(
    input: &Path,
    into: &Path,
    options: &Options,
    tick: &dyn Fn(u64, u64),
    stage_force: Option<bool>,
    stream: bool,
) -> Result<Result<Staged, Vec<Diagnostic>>, Stop> {
    let mapping = options.mapping.as_ref();
    let sheet = options
        .sheet
        .as_deref()
        .or_else(|| mapping.and_then(|m| m.sheet.as_deref()));
    let head = mapping
        .and_then(|m| m.header_row)
        .map(|n| u32::try_from(n.saturating_sub(1)));
    let (mut grid, rows) = read_sheet(
        input,
        sheet,
        head.and_then(Result::ok),
        stream && !matches!(head, Some(Err(_))),
    )?;
    // The tree's node files now; with --force, only its project file
    // counts (every node file is replaced or removed).
    let present = if into.is_dir() {
        crate::load::FileSet::from_dir(into).unwrap_or_default()
    } else {
        crate::load::FileSet::default()
    };
    // A tree exists when it has a project file, or node files the import
    // keeps (`rtm.toml` is optional, FORMAT §1): its ids and settings
    // hold, and no `rtm.toml` is made for it.
    let existing =
        into.join(PROJECT_FILE).is_file() || (!options.replace && !present.entries.is_empty());
    let tree = if existing {
        let mut set = present.clone();
        if options.replace {
            set.entries.clear();
        }
        Some(crate::load::load_files(set))
    } else {
        None
    };
    let config = tree
        .as_ref()
        .map_or_else(Config::default, |t| t.config.clone());
    let mut diags = Vec::new();
    let Some((header_row, columns, ignored)) = find_header(&grid, mapping, &mut diags) else {
        return Ok(Err(diags));
    };
    if !diags.is_empty() {
        return Ok(Err(diags));
    }
    let column_of = |field: &str| columns.iter().find(|(f, _)| f == field).map(|(_, c)| c);
    if column_of("id").is_none() {
        diags.push(Diagnostic {
            cell: format!("{}!{}", quoted(&grid.name), header_row + 1),
            header: String::new(),
            message: "no `id` column".into(),
            help: Some(if mapping.is_some() {
                "map one in [columns]: id = \"Req ID\"".into()
            } else {
                "name a column `id`, or import with --mapping MAP.toml".into()
            }),
        });
        return Ok(Err(diags));
    }
    // The level the input states for its nodes that name none (an xlsx
    // export states its project's default): kept, failing closed (FORMAT
    // §10). A new tree takes it as its default; a tree whose default is
    // lower gets it on every imported node that names none.
    let stated = super::stated(input);
    let raised = stated.default.filter(|&s| s > config.classification());
    let mut defaults = mapping.map(|m| m.defaults.clone()).unwrap_or_default();
    if let Some(level) = raised.filter(|_| existing) {
        defaults
            .entry("classification".to_owned())
            .or_insert_with(|| level.as_str().to_owned());
    }
    let empty = HashMap::new();
    let values_of = |field: &str| mapping.and_then(|m| m.values.get(field)).unwrap_or(&empty);
    let files = std::cell::RefCell::new(Files::default());
    // Each id's first cell and its last (row, column).
    let mut cells_of: rustc_hash::FxHashMap<String, [(u32, u32); 2]> =
        rustc_hash::FxHashMap::default();
    let mut relaxed: BTreeSet<Kind> = BTreeSet::new();
    let mut variants_seen: Vec<String> = Vec::new();
    let mut blank_rows = 0;
    let id_col = column_of("id").map_or(0, |c| c.col);
    let known = field_names();
    // The rows below the header, each dropped once read (so that the
    // memory of the cells is reused for the nodes).
    let body: Vec<(u32, Row)> = grid
        .rows
        .split_off(&header_row.saturating_add(1))
        .into_iter()
        .collect();
    cells_of.reserve(body.len());
    let sheet_name = grid.name.as_str();
    // One row into a node, on its own (the rows are converted in
    // parallel); what depends on the rows before it (a duplicate id, the
    // variants in the order they come) is settled in row order below.
    let convert = |row: u32, cells: Row| -> RowOut {
        // A row blank in every mapped column is a separator.
        if columns.iter().all(|(_, c)| match cells.get(&c.col) {
            None => true,
            Some(Cell::Text(t)) => t.trim().is_empty(),
            Some(Cell::Error(_)) => false,
        }) {
            return RowOut {
                blank: true,
                ..RowOut::default()
            };
        }
        let pending: std::cell::RefCell<Vec<Pending>> = std::cell::RefCell::default();
        let mut relax = false;
        let mut variants_here: Vec<String> = Vec::new();
        let at = |col: u32| cell_ref(sheet_name, row as usize, col as usize);
        let bad = |col: u32, header: &str, message: String, help: Option<String>| {
            pending.borrow_mut().push(Pending::Diag(Diagnostic {
                cell: at(col),
                header: header.to_owned(),
                message,
                help,
            }));
        };
        let mut warnings: Vec<String> = Vec::new();
        macro_rules! done {
            ($prepared:expr) => {
                return RowOut {
                    blank: false,
                    warnings,
                    pending: pending.into_inner(),
                    relax,
                    variants: variants_here,
                    prepared: $prepared,
                }
            };
        }
        // Each field's text: the cell, or the default (marked `true`); an
        // error value is reported.
        let mut texts: Vec<(&str, Option<&Column>, &str, bool)> = Vec::new();
        for (field, c) in &columns {
            match cells.get(&c.col) {
                Some(Cell::Error(e)) => {
                    bad(
                        c.col,
                        &c.header,
                        format!("the cell holds the error value {e}"),
                        Some("fix the formula, or type the value".into()),
                    );
                }
                Some(Cell::Text(t)) if !t.trim().is_empty() => {
                    texts.push((field, Some(c), t, false));
                }
                _ => {
                    if let Some(d) = defaults.get(field) {
                        texts.push((field, Some(c), d, true));
                    }
                }
            }
        }
        for (field, d) in &defaults {
            if column_of(field).is_none() {
                texts.push((field, None, d, true));
            }
        }
        // The kind first: it says which fields the row may have.
        let kind_text = texts.iter().find(|(f, _, _, _)| *f == "kind");
        let kind = match kind_text {
            None => {
                let (col, header) = place_of(id_col, column_of("kind"));
                bad(
                    col,
                    header,
                    "no kind: expected theme, business, requirement, sec or modification".into(),
                    Some("add a `kind` column, or set one kind for every row with [defaults] kind = \"requirement\"".into()),
                );
                done!(None);
            }
            Some((_, c, t, _)) => {
                let t = normalized(t);
                let t = values_of("kind")
                    .get(t.as_ref())
                    .map_or(t, |v| Cow::Borrowed(v.as_str()));
                match Kind::parse(&t) {
                    Some(k) => k,
                    None => {
                        let (col, header) = place_of(id_col, *c);
                        bad(
                            col,
                            header,
                            format!(
                                "unknown kind `{t}`: expected theme, business, requirement, sec or modification"
                            ),
                            suggest(&t, Kind::NAMES).map(|s| format!("did you mean `{s}`?")),
                        );
                        done!(None);
                    }
                }
            }
        };
        let fields = crate::spec::fields_of(kind);
        let mut out: Vec<(Cow<'static, str>, Val)> = Vec::with_capacity(texts.len());
        let mut file = None;
        // The place of the id among `out`.
        let mut id: Option<usize> = None;
        for &(field, c, raw, default) in &texts {
            if field == "kind" {
                continue;
            }
            let (col, header) = place_of(id_col, c);
            if field == FILE_COLUMN {
                let rel = raw.trim();
                if valid_file(rel) {
                    file = Some(rel.to_owned());
                } else {
                    bad(
                        col,
                        header,
                        format!("`{rel}` is not a node file of the tree"),
                        Some("a relative path ending in .toml, without `..`, not rtm.toml".into()),
                    );
                }
                continue;
            }
            if !fields.iter().any(|f| f.name == field) {
                // A default is for the rows whose kind has the field
                // (`status` is not a modification's, `themes` only a
                // business requirement's); a cell is the row's own.
                if default {
                    continue;
                }
                let hint = if kind == Kind::Modification && field == "status" {
                    Some("a modification has `stage` instead".to_owned())
                } else {
                    Some("leave the cell empty for this kind".to_owned())
                };
                bad(
                    col,
                    header,
                    format!("a {kind} has no field `{field}`"),
                    hint,
                );
                continue;
            }
            // `text` is kept as written (its spaces and line breaks are
            // Markdown); with a mapping, surrounding spaces go too.
            let keep = field == "text" && mapping.is_none();
            let text = if keep {
                raw.to_owned()
            } else {
                raw.trim().to_owned()
            };
            let map = values_of(field);
            let text = if map.is_empty() {
                text
            } else {
                map.get(&normal(&text)).cloned().unwrap_or(text)
            };
            if field == "id" {
                match check_id(&text, kind, &config, existing) {
                    Ok(relaxes) => {
                        if relaxes {
                            relax = true;
                        }
                        pending.borrow_mut().push(Pending::Id {
                            id: text.clone(),
                            col,
                            header,
                        });
                        id = Some(out.len());
                        out.push((field_key(field, &known), Val::Str(text)));
                    }
                    Err((message, help)) => bad(col, header, message, help),
                }
                continue;
            }
            if let Some(choices) = choices_of(field) {
                // The usual cell is written as the value is: no copy.
                let folded = (!text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
                    .then(|| normal(&text).replace([' ', '_'], "-"));
                let v = folded.as_deref().unwrap_or(&text);
                if choices.contains(&v) || (field == "classification" && v == "clear") {
                    out.push((field_key(field, &known), Val::Str(folded.unwrap_or(text))));
                } else {
                    let near = suggest(v, choices).map(|s| format!("did you mean `{s}`?"));
                    bad(
                        col,
                        header,
                        format!(
                            "unknown {field} `{}`: expected {}",
                            text.trim(),
                            choices.join(", ")
                        ),
                        near.or_else(|| {
                            Some(format!(
                                "map the cell's text in [values.{field}] of a mapping"
                            ))
                        }),
                    );
                }
                continue;
            }
            if STRING_FIELDS.contains(&field) {
                // A title is one line: a line break typed in the cell
                // (Alt+Enter) is a space.
                let text = if field == "title" && text.contains(crate::decode::LINE_BREAKS) {
                    text.split(crate::decode::LINE_BREAKS)
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    text
                };
                out.push((field_key(field, &known), Val::Str(text)));
                continue;
            }
            if LIST_FIELDS.contains(&field) {
                match split_list(&text, LINK_FIELDS.contains(&field)) {
                    Ok(items) => {
                        if field == "variants" {
                            for v in &items {
                                if existing && !config.project.variants.contains(v) {
                                    let vs: Vec<&str> = config
                                        .project
                                        .variants
                                        .iter()
                                        .map(String::as_str)
                                        .collect();
                                    bad(
                                        col,
                                        header,
                                        format!(
                                            "unknown variant `{v}`: the project's are {}",
                                            if vs.is_empty() {
                                                "none".to_owned()
                                            } else {
                                                vs.join(", ")
                                            }
                                        ),
                                        suggest(v, &vs).map(|s| format!("did you mean `{s}`?")),
                                    );
                                }
                                variants_here.push(v.clone());
                            }
                        }
                        out.push((field_key(field, &known), Val::List(items)));
                    }
                    Err((message, help)) => bad(col, header, message, Some(help)),
                }
                continue;
            }
            // Tables and arrays of tables, and fields this version does not
            // know: inline TOML (a string when it is not TOML). A plain
            // table (the usual `values` cell) is written as it is.
            if super::plain::is_plain_table(&text) {
                out.push((field_key(field, &known), Val::Toml(format!(" {text}"))));
                continue;
            }
            match text.parse::<toml_edit::Value>() {
                Ok(v) if !matches!(v, toml_edit::Value::String(_)) => {
                    let mut v = v;
                    v.decor_mut().clear();
                    out.push((field_key(field, &known), Val::toml(&v)));
                }
                Ok(v) => out.push((field_key(field, &known), Val::toml(&v))),
                Err(_) if NODE_COLUMNS.contains(&field) || field == "questions" => bad(
                    col,
                    header,
                    format!(
                        "`{field}` must be written as inline TOML, not `{}`",
                        text.trim()
                    ),
                    Some(match field {
                        "values" => "e.g. { poa_latency_s = 180 }".into(),
                        "limits" => "e.g. { poa_latency_s = { max = 60 } }".into(),
                        _ => format!("e.g. the cell an export writes for `{field}`"),
                    }),
                ),
                Err(_) => out.push((field_key(field, &known), Val::Str(text))),
            }
        }
        // Required fields.
        let id_text = |out: &[(Cow<'static, str>, Val)]| match id.and_then(|i| out.get(i)) {
            Some((_, Val::Str(s))) => Some(s.clone()),
            _ => None,
        };
        for f in fields.iter().filter(|f| f.required) {
            if !out.iter().any(|(k, _)| k == f.name)
                && !texts.iter().any(|(k, _, _, _)| *k == f.name)
            {
                let (col, header) = place_of(id_col, column_of(f.name));
                // A business requirement without a theme is a gap in the
                // RTM, not a cell that cannot be read: written with
                // `themes = []`, as the ReqIF import does, for `rtm check`
                // to report (R104).
                if kind == Kind::Business && f.name == "themes" {
                    if let Some(id) = id_text(&out) {
                        let under = if header.is_empty() {
                            " (no `themes` column)".to_owned()
                        } else {
                            format!(" (under `{header}`)")
                        };
                        warnings.push(format!(
                            "{}{under}: business requirement {id} has no theme: written with `themes = []`, which `rtm check` reports (R104)",
                            at(col)
                        ));
                    }
                    out.push((field_key(f.name, &known), Val::List(Vec::new())));
                    continue;
                }
                let what = match id_text(&out) {
                    Some(id) => format!("{kind} {id}"),
                    None => format!("a {kind}"),
                };
                bad(
                    col,
                    header,
                    if f.name == "id" {
                        "empty id: every node needs one".to_owned()
                    } else {
                        format!("{what} needs `{}`, and the cell is empty", f.name)
                    },
                    None,
                );
            }
        }
        if id.is_none() {
            done!(None);
        }
        out.sort_by_key(|(k, _)| {
            (
                NODE_COLUMNS
                    .iter()
                    .position(|c| c == k)
                    .unwrap_or(NODE_COLUMNS.len()),
                k.clone(),
            )
        });
        done!(Some(Prepared {
            kind,
            fields: out,
            file,
        }));
    };
    // The rows below the header as far as the sheet says it goes (the
    // progress bar's length; it may say more than it holds).
    let last_row = rows
        .as_ref()
        .map_or(0, |r| r.stated)
        .max(body.last().map_or(header_row, |(r, _)| *r));
    let mut ticked = 0;
    // What each row says, taken in row order (as they are read when the
    // rows are streamed).
    let mut row_warnings: Vec<String> = Vec::new();
    let mut fold = |row: u32, out: RowOut| {
        if row / 1000 > ticked {
            ticked = row / 1000;
            tick(
                u64::from(row - header_row),
                u64::from(last_row.max(row) - header_row),
            );
        }
        if out.blank {
            blank_rows += 1;
            return;
        }
        row_warnings.extend(out.warnings);
        for p in out.pending {
            match p {
                Pending::Diag(d) => diags.push(d),
                Pending::Id { id, col, header } => match cells_of.get_mut(&id) {
                    Some([(r, c), last]) => {
                        diags.push(Diagnostic {
                            cell: cell_ref(&grid.name, row as usize, col as usize),
                            header: header.to_owned(),
                            message: format!(
                                "duplicate id `{id}`: also at {}",
                                cell_ref(&grid.name, *r as usize, *c as usize)
                            ),
                            help: Some("give every node its own id".into()),
                        });
                        *last = (row, col);
                    }
                    None => {
                        cells_of.insert(id, [(row, col); 2]);
                    }
                },
            }
        }
        if let Some(p) = out.prepared {
            if out.relax {
                relaxed.insert(p.kind);
            }
            files.borrow_mut().push(p);
        }
        for v in out.variants {
            if !variants_seen.contains(&v) {
                variants_seen.push(v);
            }
        }
    };
    // Rows at hand are converted on every core, then folded in order.
    let convert_all = |rows: Vec<(u32, Row)>| -> Vec<(u32, RowOut)> {
        use rayon::prelude::*;
        rows.into_par_iter()
            .map(|(row, cells)| (row, convert(row, cells)))
            .collect()
    };
    for (row, out) in convert_all(body) {
        fold(row, out);
    }
    // A file built while the sheet is read (when this thread waits for
    // the reader) is read back then too, with the project's settings: a
    // tree's, or those a new tree's `rtm.toml` is expected to have (the
    // variants the input states). Read back otherwise if it does not.
    let mut early = super::readback::Early::with(tree.as_ref().map_or_else(
        || {
            let mut expected = Config::default();
            expected.project.variants = stated.variants_with(&[]);
            expected
        },
        |t| t.config.clone(),
    ));
    if let Some(rows) = rows {
        let rest = rows.for_each(
            |row, cells| fold(row, convert(row, cells)),
            || match files.borrow_mut().build_one() {
                Some((rel, text)) => {
                    early.check(rel, text);
                    true
                }
                None => false,
            },
        )?;
        for (row, out) in convert_all(rest) {
            fold(row, out);
        }
    }
    // With bad cells, the rows that converted are still planned, so that
    // their clashes with the tree are reported with the rest.

    // The cells are no longer needed: only the sheet's name.
    grid.rows.clear();
    let grid = grid;
    let mut plan = build(
        &grid,
        files.into_inner(),
        existing,
        &relaxed,
        (
            stated.name.as_deref(),
            &stated.variants_with(&variants_seen),
        ),
        input,
        ignored,
        blank_rows,
    );
    plan.warnings = row_warnings;
    if let Some(level) = raised {
        match plan.project.as_mut() {
            Some(project) => *project = with_default_level(project, level),
            None => {
                plan.warnings
                    .push(raised_warning(level, config.classification()));
            }
        }
    }
    if options.replace {
        let written: BTreeSet<&str> = plan.files.iter().map(|(r, _)| r.as_str()).collect();
        plan.removed = present.node_files_except(|rel| written.contains(rel));
    }
    // An id the tree already holds, in a file the import does not replace.
    if let Some(t) = &tree {
        let replaced: BTreeSet<&str> = plan.files.iter().map(|(r, _)| r.as_str()).collect();
        for n in &t.model.nodes {
            let path = t.model.sources.path(n.file());
            if replaced.contains(path) {
                continue;
            }
            if let Some(&[_, (row, col)]) = cells_of.get(n.id.as_str()) {
                diags.push(Diagnostic {
                    cell: cell_ref(&grid.name, row as usize, col as usize),
                    header: column_of("id")
                        .map(|c| c.header.clone())
                        .unwrap_or_default(),
                    message: format!(
                        "duplicate id `{}`: the tree already holds it in {path}",
                        n.id
                    ),
                    help: Some(
                        "give every node its own id, or replace the tree's node files with --force"
                            .into(),
                    ),
                });
            }
        }
    }
    // Bad cells or a clash: the read-back below would report a clash
    // again, and the plan lacks the bad rows.
    if !diags.is_empty() {
        return Ok(Err(diags));
    }
    // The files as rtm reads them: anything the loader refuses is a
    // diagnostic on the row it came from.
    // Staged (when asked and nothing is wrong so far) while checked.
    let (loaded, staging) = match stage_force.filter(|_| diags.is_empty()) {
        Some(force) => {
            let (staging, loaded) = crate::threads::both(
                || stage(&plan, into, force),
                || super::readback::check_plan_fields(&plan, tree.as_ref(), early),
            );
            let staging = staging.unwrap_or_else(|_| {
                Err(ImportError::Write(
                    "the files could not be staged; nothing written".into(),
                ))
            });
            (loaded, Some(staging))
        }
        None => (
            super::readback::check_plan_fields(&plan, tree.as_ref(), early),
            None,
        ),
    };
    for (f, field) in loaded {
        let (row, id_at) = f
            .node
            .as_deref()
            .and_then(|id| cells_of.get(id))
            .map(|[_, last]| last)
            .copied()
            .unwrap_or((header_row, id_col));
        // The column of the field the message names, else of the field
        // the finding lies in (a waiver's `by`, a decision's `outcome`),
        // else the id's.
        let column = columns
            .iter()
            .find(|(name, _)| {
                ["`", ".", "["]
                    .iter()
                    .any(|end| f.message.contains(&format!("`{name}{end}")))
            })
            .or_else(|| {
                let field = field.as_deref()?;
                columns.iter().find(|(name, _)| *name == field)
            })
            .map(|(_, c)| c)
            .or_else(|| column_of("id"));
        let col = column.map_or(id_at, |c| c.col);
        diags.push(Diagnostic {
            cell: cell_ref(&grid.name, row as usize, col as usize),
            header: column.map(|c| c.header.clone()).unwrap_or_default(),
            message: f.message,
            help: f.help,
        });
    }
    match staging {
        _ if !diags.is_empty() => {
            if let Some(Ok(staging)) = staging {
                unstage(staging);
            }
            Ok(Err(diags))
        }
        Some(Err(e)) => Err(e.into()),
        Some(Ok(staging)) => Ok(Ok((plan, Some(staging)))),
        // A dry run says what the import would do: refused as staging
        // would refuse.
        None => {
            refuse_links(&plan, into)?;
            Ok(Ok((plan, None)))
        }
    }
}

/// Never through a link in the tree, nor over a folder or a FIFO.
fn refuse_links(plan: &Plan, into: &Path) -> Result<(), ImportError> {
    let targets = plan.files.iter().map(|(r, _)| r.as_str());
    let project = plan.project.as_ref().map(|_| PROJECT_FILE);
    crate::output::refuse_links(into, targets.chain(project))
        .map_err(|e| ImportError::Write(format!("nothing written: {e}")))
}

/// Checks an id: `Ok(true)` when it is valid only with a wider pattern
/// (it starts with a digit: a new tree's `rtm.toml` then gets one).
fn check_id(
    id: &str,
    kind: Kind,
    config: &Config,
    existing: bool,
) -> Result<bool, (String, Option<String>)> {
    if id.is_empty() {
        return Err(("empty id: every node needs one".into(), None));
    }
    if let Some(p) = config.id_pattern(kind)
        && p.regex.is_match(id)
    {
        return Ok(false);
    }
    let pattern = config
        .id_pattern(kind)
        .map_or(DEFAULT_ID_PATTERN, |p| p.source.as_str());
    if !id_chars(id) {
        let hint = if id.contains(char::is_whitespace) {
            "an id cannot hold spaces: use `-` or `_`"
        } else {
            "an id holds letters, digits, `.`, `_` and `-`"
        };
        return Err((
            format!("`{id}` cannot be made a valid {kind} id"),
            Some(hint.to_owned()),
        ));
    }
    if !existing && pattern == DEFAULT_ID_PATTERN {
        // A new tree's pattern is relaxed to let it in: only when the
        // pattern written into its rtm.toml does.
        static RELAXED: std::sync::LazyLock<Option<regex::Regex>> =
            std::sync::LazyLock::new(|| regex::Regex::new(DIGIT_ID_PATTERN).ok());
        if RELAXED.as_ref().is_some_and(|r| r.is_match(id)) {
            return Ok(true);
        }
        return Err((
            format!("`{id}` cannot be made a valid {kind} id"),
            Some("an id starts with a letter or a digit".to_owned()),
        ));
    }
    Err((
        format!("`{id}` does not match the {kind} id pattern `{pattern}` of rtm.toml"),
        Some("change the id, or the pattern in [ids] of rtm.toml".into()),
    ))
}

/// Splits a list cell on commas, semicolons and line breaks; a cell
/// written as a TOML array (`["a, b", "c"]`) is read as one.
fn split_list(text: &str, ids: bool) -> Result<Vec<String>, (String, String)> {
    let t = text.trim();
    if t.starts_with('[') {
        let parsed = parse_toml_value(t).and_then(|v| {
            v.as_array().and_then(|a| {
                a.iter()
                    .map(|x| x.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
        });
        return parsed.ok_or_else(|| {
            (
                format!("`{t}` is not a list of strings"),
                "write the items separated by commas, or a TOML array such as [\"a\", \"b\"]"
                    .to_owned(),
            )
        });
    }
    let items: Vec<String> = t
        .split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if ids {
        for item in &items {
            if item.contains(char::is_whitespace) || !id_chars(item) {
                return Err((
                    format!("`{t}` does not split into ids (`{item}` is not one)"),
                    "separate the ids with commas, semicolons or line breaks".to_owned(),
                ));
            }
        }
    }
    Ok(items)
}

#[allow(clippy::too_many_arguments)]
fn build(
    grid: &Grid,
    files: Files,
    existing: bool,
    relaxed: &BTreeSet<Kind>,
    (name, variants): (Option<&str>, &[String]),
    input: &Path,
    ignored: Vec<String>,
    blank_rows: usize,
) -> Plan {
    let counts = files.counts;
    let mut links = 0;
    // Each file not yet built is built on its own (in parallel), in path
    // order, and its nodes dropped.
    use rayon::prelude::*;
    let built: Vec<(String, Arc<String>, usize)> = files
        .by_file
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(rel, file)| {
            let (text, n) = file.built.unwrap_or_else(|| {
                let (text, n) = file_text(&file.nodes);
                (Arc::new(text), n)
            });
            (rel, text, n)
        })
        .collect();
    let mut files = Vec::with_capacity(built.len());
    for (rel, text, n) in built {
        links += n;
        files.push((rel, text));
    }
    let project = (!existing).then(|| {
        // The project's name as the export states it, else the file's.
        let name = name.map(str::to_owned).unwrap_or_else(|| {
            input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let mut doc = toml_edit::DocumentMut::new();
        let mut project = toml_edit::Table::new();
        project.insert("name", toml_edit::value(name));
        if !variants.is_empty() {
            let mut a = toml_edit::Array::new();
            for v in variants {
                a.push(v.as_str());
            }
            project.insert("variants", toml_edit::value(a));
        }
        doc.insert("project", toml_edit::Item::Table(project));
        if !relaxed.is_empty() {
            let mut ids = toml_edit::Table::new();
            for k in relaxed {
                ids.insert(k.as_str(), toml_edit::value(DIGIT_ID_PATTERN));
            }
            doc.insert("ids", toml_edit::Item::Table(ids));
        }
        format!(
            "# The project file of a tree imported from {} (sheet {}).\n{doc}",
            input
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            grid.name
        )
    });
    Plan {
        files,
        project,
        counts,
        links,
        ignored,
        blank_rows,
        sheet: grid.name.clone(),
        removed: Vec::new(),
        warnings: Vec::new(),
    }
}

/// One file's text, from its nodes in row order, and the ids it holds
/// in link fields: the nodes of each kind (kinds in the order they first
/// come) as an array of tables, written as toml_edit writes such a
/// document, each value formatted by toml_edit.
fn file_text(nodes: &[Prepared]) -> (String, usize) {
    let mut links = 0;
    let mut kinds: Vec<(Kind, Vec<&Prepared>)> = Vec::new();
    for p in nodes {
        match kinds.iter_mut().find(|(kind, _)| *kind == p.kind) {
            Some((_, v)) => v.push(p),
            None => kinds.push((p.kind, vec![p])),
        }
    }
    // Room for the whole text at once (it is not copied as it grows): a
    // node's header and each field's key, value and punctuation.
    let room: usize = nodes
        .iter()
        .map(|p| {
            20 + p
                .fields
                .iter()
                .map(|(key, value)| {
                    key.len()
                        + 8
                        + match value {
                            Val::Str(s) | Val::Toml(s) => s.len(),
                            Val::List(items) => items.iter().map(|i| i.len() + 4).sum(),
                        }
                })
                .sum::<usize>()
        })
        .sum();
    let mut out = String::with_capacity(room);
    for (kind, nodes) in kinds {
        for p in nodes {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str("[[");
            out.push_str(kind.as_str());
            out.push_str("]]\n");
            for (key, value) in &p.fields {
                if !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    out.push_str(key);
                } else {
                    out.push_str(&toml_edit::Key::new(key.as_ref()).display_repr());
                }
                out.push_str(" =");
                match value {
                    Val::Str(s) if crate::escape::toml_plain(s) => {
                        out.push_str(" \"");
                        out.push_str(s);
                        out.push('"');
                    }
                    Val::Str(s) => push_value(&mut out, &toml_edit::Value::from(s.as_str())),
                    Val::List(items) if items.iter().all(|i| crate::escape::toml_plain(i)) => {
                        if LINK_FIELDS.contains(&key.as_ref()) {
                            links += items.len();
                        }
                        out.push(' ');
                        crate::escape::push_toml_plain_array(
                            &mut out,
                            items.iter().map(String::as_str),
                        );
                    }
                    Val::List(items) => {
                        if LINK_FIELDS.contains(&key.as_ref()) {
                            links += items.len();
                        }
                        let mut a = toml_edit::Array::new();
                        for item in items {
                            a.push(item.as_str());
                        }
                        push_value(&mut out, &toml_edit::Value::Array(a));
                    }
                    Val::Toml(text) => out.push_str(text),
                }
                out.push('\n');
            }
        }
    }
    (out, links)
}

/// [`file_text`] through toml_edit's document model, as imports wrote
/// files before: the tests check that both write the same bytes.
#[cfg(test)]
fn file_text_document(nodes: Vec<(Kind, Vec<(String, toml_edit::Value)>)>) -> (String, usize) {
    let mut links = 0;
    let mut arrays: Vec<(Kind, toml_edit::ArrayOfTables)> = Vec::new();
    for (kind, fields) in nodes {
        let mut table = toml_edit::Table::new();
        for (key, value) in fields {
            if LINK_FIELDS.contains(&key.as_str())
                && let toml_edit::Value::Array(a) = &value
            {
                links += a.len();
            }
            table.insert(&key, toml_edit::Item::Value(value));
        }
        match arrays.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, aot)) => aot.push(table),
            None => {
                let mut aot = toml_edit::ArrayOfTables::new();
                aot.push(table);
                arrays.push((kind, aot));
            }
        }
    }
    let mut doc = toml_edit::DocumentMut::new();
    for (kind, aot) in arrays {
        doc.insert(kind.as_str(), toml_edit::Item::ArrayOfTables(aot));
    }
    (doc.to_string(), links)
}

/// Writes the plan: refuses, before writing anything, when a file exists
/// and `force` is not set; then stages every file (written in full beside
/// its target and synced), and only when all are staged puts them in
/// place and removes the node files the plan replaces (`force`). A
/// failure while staging leaves the tree as it was.
pub fn write(plan: &Plan, into: &Path, force: bool) -> Result<Vec<PathBuf>, ImportError> {
    let staging = stage(plan, into, force)?;
    commit(plan, into, force, staging)
}

/// The plan's files staged beside their targets, not yet in place, and
/// the folders made for them. Dropped ([`unstage`]) it leaves nothing
/// behind.
pub struct Staging {
    staged: Vec<crate::output::Staged>,
    targets: Vec<PathBuf>,
    /// Folders that did not exist, parents first, each recorded for an
    /// interrupt to remove until the files are in place.
    made: Vec<(PathBuf, crate::interrupt::Made)>,
}

/// The first half of [`write`]: refuses when a file exists and `force`
/// is not set, makes the folders and stages every file. On a failure
/// nothing is left (no temporary file, no folder it made).
fn stage(plan: &Plan, into: &Path, force: bool) -> Result<Staging, ImportError> {
    refuse_links(plan, into)?;
    let mut targets: Vec<(PathBuf, &str)> = plan
        .files
        .iter()
        .map(|(rel, text)| (into.join(rel), text.as_str()))
        .collect();
    if let Some(p) = &plan.project {
        targets.push((into.join(PROJECT_FILE), p.as_str()));
    }
    if !force {
        let exist: Vec<String> = targets
            .iter()
            .filter(|(p, _)| p.exists())
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !exist.is_empty() {
            return Err(ImportError::Write(format!(
                "{} already exist{}: nothing written (--force overwrites)",
                exist.join(", "),
                if exist.len() == 1 { "s" } else { "" }
            )));
        }
    }
    let mut made: Vec<(PathBuf, crate::interrupt::Made)> = Vec::new();
    let mut seen: std::collections::HashSet<&Path> = std::collections::HashSet::new();
    for (path, _) in &targets {
        let Some(dir) = path.parent() else { continue };
        if !seen.insert(dir) || dir.is_dir() {
            continue;
        }
        let missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        let made_now = crate::interrupt::making(|| {
            let done = std::fs::create_dir_all(dir);
            made.extend(missing.into_iter().rev().map(|m| {
                let record = crate::interrupt::made(&m, true);
                (m, record)
            }));
            done
        });
        if let Err(e) = made_now {
            remove_folders(&made);
            return Err(ImportError::Write(format!("{}: {e}", dir.display())));
        }
    }
    match crate::output::stage_all(&targets) {
        Ok(staged) => Ok(Staging {
            staged,
            targets: targets.into_iter().map(|(p, _)| p).collect(),
            made,
        }),
        Err((path, e)) => {
            remove_folders(&made);
            Err(ImportError::Write(format!(
                "{}: {e}; nothing written",
                path.display()
            )))
        }
    }
}

/// Removes the folders a staging made, deepest first (each only when
/// empty).
fn remove_folders(made: &[(PathBuf, crate::interrupt::Made)]) {
    for (dir, _) in made.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Undoes a [`stage`]: the temporary files and the folders it made go.
fn unstage(staging: Staging) {
    let Staging { staged, made, .. } = staging;
    drop(staged);
    remove_folders(&made);
}

/// The second half of [`write`]: puts every staged file in place, then
/// removes the node files the plan replaces (`force`).
fn commit(
    plan: &Plan,
    into: &Path,
    force: bool,
    staging: Staging,
) -> Result<Vec<PathBuf>, ImportError> {
    // The folders made stay recorded until every file is in place.
    let Staging {
        staged,
        targets,
        made: _made,
    } = staging;
    let removed: Vec<PathBuf> = if force {
        plan.removed.iter().map(|rel| into.join(rel)).collect()
    } else {
        Vec::new()
    };
    crate::output::commit_all(staged, &removed)
        .map_err(|(path, e)| ImportError::Write(format!("{}: {e}", path.display())))?;
    Ok(targets)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_a_spreadsheet_shows_them() {
        let text = |f: f64| {
            let mut s = String::new();
            number_text(&mut s, f);
            s
        };
        assert_eq!(text(101.0), "101");
        assert_eq!(text(0.1 + 0.2), "0.3");
        assert_eq!(text(12.5), "12.5");
        assert_eq!(text(-0.995), "-0.995");
        assert_eq!(text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(text(123_456_789.123_456_78), "123456789.123457");
        assert_eq!(text(1e20), "100000000000000000000");
    }

    /// One import, read as rows stream in (`true`) or whole, as what it
    /// says: the plan's files and counts, or the diagnostics.
    fn import_read(path: &Path, into: &Path, options: &Options, stream: bool) -> String {
        match prepare_read(path, into, options, &|_, _| {}, None, stream) {
            Ok(Ok((plan, _))) => format!(
                "{:?} {:?} {} {} {:?}",
                plan.files, plan.counts, plan.links, plan.blank_rows, plan.ignored
            ),
            Ok(Err(diags)) => format!("{diags:?}"),
            Err(Stop::Error(e)) => format!("error {e}"),
            Err(Stop::Disorder) => "disorder".into(),
        }
    }

    /// Sheets of every size around the rows first waited for and the rows
    /// handed over at once, with a title block or not, rows going to
    /// files in runs or alternating, blank rows, links, and (in some) a
    /// duplicate id or a bad category: read while the rows stream in,
    /// each imports as when read whole.
    #[test]
    fn a_sheet_streamed_imports_as_when_read_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let sizes = [0usize, 1, 99, 100, 101, 255, 256, 257, 700];
        for (case, &rows) in sizes.iter().enumerate() {
            let above = if case % 2 == 0 { 0 } else { 3 };
            let with_file = case % 3 != 0;
            let alternate = case % 4 == 1;
            let broken = case % 5 == 4;
            let path = dir.path().join(format!("case{case}.xlsx"));
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb
                .add_worksheet_with_constant_memory()
                .unwrap_or_else(|e| panic!("{e}"));
            let mut put = |r: usize, c: u16, text: &str| {
                ws.write_string(r as u32, c, text)
                    .unwrap_or_else(|e| panic!("{e}"));
            };
            for r in 0..above {
                put(r, 0, &format!("Programme RTM, line {r}"));
            }
            let header = [
                "kind",
                "id",
                "title",
                "status",
                "category",
                "satisfies",
                "file",
                "themes",
            ];
            for (c, h) in header.iter().enumerate() {
                if *h != "file" || with_file {
                    put(above, c as u16, h);
                }
            }
            for n in 0..rows {
                let r = above + 1 + n;
                if next(20) == 0 {
                    continue; // a blank separator row
                }
                let business = next(4) == 0;
                let kind = if business { "business" } else { "requirement" };
                let id = if broken && n == rows / 2 {
                    "RTM-0".to_owned()
                } else if business {
                    format!("BR-{n}")
                } else {
                    format!("RTM-{n}")
                };
                put(r, 0, kind);
                put(r, 1, &id);
                put(r, 2, &format!("Entry {n}: a title"));
                put(r, 3, "draft");
                if business {
                    put(r, 7, "TH-1");
                } else {
                    let category = if broken && n == rows / 3 {
                        "mvpp"
                    } else {
                        "mvp"
                    };
                    put(r, 4, category);
                    put(r, 5, &format!("BR-{}, BR-{}", next(50), next(50)));
                }
                if with_file {
                    let file = if alternate {
                        ["a.toml", "b.toml"][n % 2]
                    } else {
                        ["a.toml", "b.toml", "c.toml"][(n / 90) % 3]
                    };
                    put(r, 6, file);
                }
            }
            wb.save(&path).unwrap_or_else(|e| panic!("{e}"));
            let into = dir.path().join(format!("tree{case}"));
            let options = Options::default();
            let streamed = import_read(&path, &into, &options, true);
            let whole = import_read(&path, &into, &options, false);
            assert_eq!(streamed, whole, "case {case}: {rows} rows");

            assert!(!streamed.starts_with("error"), "case {case}: {streamed}");
        }
    }

    /// A file built while the sheet was read and given rows again later
    /// is written with all its nodes, in row order; nodes without a file
    /// go to their kind's.
    #[test]
    fn a_file_built_early_and_given_rows_again_is_written_whole() {
        let node = |id: &str, file: Option<&str>| Prepared {
            kind: Kind::Requirement,
            fields: vec![("id".into(), Val::Str(id.into()))],
            file: file.map(str::to_owned),
        };
        let mut files = Files::default();
        files.push(node("R-1", Some("a.toml")));
        files.push(node("R-2", Some("b.toml")));
        // a.toml is left: built; b.toml is still being given rows.
        let (rel, text) = files.build_one().expect("a.toml is built");
        assert_eq!(rel, "a.toml");
        assert!(files.build_one().is_none());
        let kept = files.by_file["a.toml"]
            .built
            .as_ref()
            .map(|(t, _)| Arc::clone(t));
        assert!(kept.is_some_and(|kept| Arc::ptr_eq(&kept, &text)));
        files.push(node("R-3", Some("a.toml")));
        assert!(files.by_file["a.toml"].built.is_none());
        files.push(node("R-4", None));
        // b.toml is built; a.toml, given rows again, is left to the end.
        assert_eq!(
            files.build_one().map(|(rel, _)| rel).as_deref(),
            Some("b.toml")
        );
        assert!(files.build_one().is_none());
        assert!(files.by_file["b.toml"].built.is_some());
        assert!(files.by_file["a.toml"].built.is_none());
        assert_eq!(files.counts[Kind::Requirement as usize], 4);
        let plan = build(
            &Grid::default(),
            files,
            true,
            &BTreeSet::new(),
            (None, &[]),
            Path::new("x.xlsx"),
            Vec::new(),
            0,
        );
        let texts: Vec<(&str, &str)> = plan
            .files
            .iter()
            .map(|(r, t)| (r.as_str(), t.as_str()))
            .collect();
        let text = |ids: &[&str]| {
            let nodes: Vec<Prepared> = ids.iter().map(|id| node(id, None)).collect();
            file_text(&nodes).0
        };
        assert_eq!(
            texts,
            [
                ("a.toml", text(&["R-1", "R-3"]).as_str()),
                ("b.toml", text(&["R-2"]).as_str()),
                ("requirements.toml", text(&["R-4"]).as_str()),
            ]
        );
        assert_eq!(plan.counts[Kind::Requirement as usize], 4);
    }

    #[test]
    fn rows_keep_their_cells_in_column_order() {
        let mut row = Row::default();
        row.insert(3, Cell::Text("d"));
        row.insert(7, Cell::Text("h"));
        row.insert(1, Cell::Error("#N/A"));
        row.insert(3, Cell::Text("D"));
        // An empty text is no cell.
        row.insert(5, Cell::Text(""));
        let cols: Vec<(u32, Cell<'_>)> = row.iter().collect();
        assert_eq!(
            cols,
            [
                (1, Cell::Error("#N/A")),
                (3, Cell::Text("D")),
                (7, Cell::Text("h"))
            ]
        );
        assert_eq!(row.get(&7), Some(Cell::Text("h")));
        assert_eq!(row.get(&2), None);
        assert_eq!(row.get(&5), None);
        assert_eq!(row.last_col(), Some(7));
        assert_eq!(row.len(), 3);
    }

    /// A row put whole (as an xlsx sheet's rows are read) gives the grid a
    /// cell by cell put gives, also when the row comes again later.
    #[test]
    fn a_row_put_whole_is_the_row_put_cell_by_cell() {
        let text = Cell::Text;
        let cells = [
            (4, 2, "c"),
            (4, 0, "a"),
            (2, 1, "x"),
            (4, 2, "C"),
            (4, 1, "b"),
        ];
        let mut by_cell = Grid::default();
        for (r, c, v) in cells {
            by_cell.put(r, c, text(v));
        }
        let mut by_row = Grid::default();
        let mut first = Row::default();
        first.insert(2, text("c"));
        first.insert(0, text("a"));
        by_row.put_row(4, first);
        let mut other = Row::default();
        other.insert(1, text("x"));
        by_row.put_row(2, other);
        let mut again = Row::default();
        again.insert(2, text("C"));
        again.insert(1, text("b"));
        by_row.put_row(4, again);
        let dump = |g: &Grid| -> Vec<(u32, u32, String)> {
            g.rows
                .iter()
                .flat_map(|(r, row)| row.iter().map(move |(c, v)| (*r, c, format!("{v:?}"))))
                .collect()
        };
        assert_eq!(dump(&by_row), dump(&by_cell));
        assert_eq!(by_row.text(4, 2), "C");
        assert_eq!(by_row.width, 3);
    }

    /// The node files are written as text, byte for byte as toml_edit's
    /// document model wrote them.
    #[test]
    fn files_are_written_as_toml_edit_wrote_them() {
        let strings = [
            "REQ-1",
            "plain title",
            "it's \"quoted\"",
            "line one\nline two\n",
            "tab\there and a backslash \\ and 'both' \"kinds\"",
            "trailing space ",
            "ünïcödé — “quotes”",
            "three ''' and \"\"\" quotes\nover lines",
            "control \u{7} char",
            "",
        ];
        let inline = [
            "{ poa_latency_s = 180 }",
            "{ a = { max = 60 },b=\"x\" }",
            "[{ sec = \"SEC-1\", summary = \"s\" }, { sec = \"SEC-2\" }]",
            "60",
            "\"a quoted string\"",
            "'literal'",
            "[1, 2,3]",
            "2026-01-01",
        ];
        let kinds = [
            Kind::Requirement,
            Kind::Business,
            Kind::Requirement,
            Kind::Theme,
            Kind::Business,
        ];
        let keys = ["id", "title", "text", "my key", "ünknown", "x.y", "tags"];
        let mut reference = Vec::new();
        let mut prepared = Vec::new();
        for (n, kind) in kinds.iter().enumerate() {
            let mut doc_fields: Vec<(String, toml_edit::Value)> = Vec::new();
            let mut fields: Vec<(Cow<'static, str>, Val)> = Vec::new();
            for (i, s) in strings.iter().enumerate() {
                let key = format!("{}{i}", keys[(i + n) % keys.len()]);
                doc_fields.push((key.clone(), (*s).into()));
                fields.push((Cow::Owned(key), Val::Str((*s).to_owned())));
            }
            for (i, t) in inline.iter().enumerate() {
                let mut v: toml_edit::Value = t.parse().unwrap();
                if !matches!(v, toml_edit::Value::String(_)) {
                    v.decor_mut().clear();
                }
                let key = format!("inline{i}");
                fields.push((Cow::Owned(key.clone()), Val::toml(&v)));
                doc_fields.push((key, v));
            }
            let lists: [&[&str]; 5] = [
                &[],
                &["a"],
                &["SEC-1", "it's", "B \"2\""],
                &["SEC-1", "SEC-2", "ünï", "x y"],
                &["", "a\tb"],
            ];
            for (i, items) in lists.iter().enumerate() {
                let key = match i {
                    2 => "satisfies".to_owned(),
                    3 => "sec".to_owned(),
                    _ => format!("list{i}"),
                };
                let mut a = toml_edit::Array::new();
                for item in *items {
                    a.push(*item);
                }
                doc_fields.push((key.clone(), toml_edit::Value::Array(a)));
                fields.push((
                    Cow::Owned(key),
                    Val::List(items.iter().map(|s| (*s).to_owned()).collect()),
                ));
            }
            reference.push((*kind, doc_fields));
            prepared.push(Prepared {
                kind: *kind,
                fields,
                file: None,
            });
        }
        let (want, want_links) = file_text_document(reference);
        let (got, got_links) = file_text(&prepared);
        assert_eq!(got, want);
        assert_eq!(got_links, want_links);
        assert_eq!(got_links, 35);
        // The text is TOML that reads back.
        let _: toml::Table = toml::from_str(&got).unwrap();
    }
}
