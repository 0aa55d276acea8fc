//! Whether a worksheet of an xlsx workbook can hold merged cells, told
//! without parsing its XML.
//!
//! calamine finds a sheet's merged cells by reading the sheet's whole XML
//! (they are written after the last row), nearly as long as reading the
//! cells. Most sheets have none: the name of the element, `mergeCell`,
//! cannot appear in a sheet that has none except inside a cell's text,
//! so a plain search of the inflated part tells such sheets apart, and
//! only a sheet where the name is found is read for its merged cells.
//! The sheet's part is found as calamine finds it: the package's
//! relationships name the workbook, the workbook's name the sheet.

use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;

/// The element name searched for (`mergeCells` and `mergeCell`, with or
/// without a namespace prefix).
const MERGE_CELL: &[u8] = b"mergeCell";

/// `Some(false)` when the sheet surely has no merged cells; `Some(true)`
/// when it may have some; `None` when its part could not be found (then
/// it is read as one that may).
pub fn may_have_merged_cells(path: &Path, sheet: &str) -> Option<bool> {
    let file = std::fs::File::open(path).ok()?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let part = sheet_part(&mut archive, sheet)?;
    let entry = archive.by_name(&part).ok()?;
    contains(entry, MERGE_CELL)
}

/// Whether `needle` occurs in what `reader` reads, read in blocks, a
/// needle across two blocks included. `None` on a read error, or when the
/// text is not UTF-8 (XML may be UTF-16: a NUL byte among its first two,
/// or a UTF-16 byte order mark), where a UTF-8 needle says nothing.
fn contains(mut reader: impl Read, needle: &[u8]) -> Option<bool> {
    let finder = memchr::memmem::Finder::new(needle);
    let keep = needle.len().saturating_sub(1);
    let mut buf = vec![0u8; 1 << 18];
    // The bytes in `buf[..kept]` are the previous block's last ones.
    let mut kept = 0;
    let mut first = true;
    loop {
        let n = match reader.read(buf.get_mut(kept..)?) {
            Ok(0) => return Some(false),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        let end = kept + n;
        if first && end >= 2 {
            first = false;
            let head = buf.get(..2)?;
            if head.contains(&0) || head == [0xFE, 0xFF] || head == [0xFF, 0xFE] {
                return None;
            }
        }
        if finder.find(buf.get(..end)?).is_some() {
            return Some(true);
        }
        let from = end.saturating_sub(keep);
        buf.copy_within(from..end, 0);
        kept = end - from;
    }
}

/// A part's text, when the package holds it and it is not too large to be
/// a workbook's or a relationships part (16 MiB).
fn part_text<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Option<String> {
    let entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.take(16 << 20).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The attributes of every element named `element` (local name) in `xml`,
/// as (local name, value) pairs; `None` when the XML cannot be read.
fn elements(xml: &str, element: &str) -> Option<Vec<Vec<(String, String)>>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e)
                if AsRef::<str>::as_ref(&e.local_name()) == element =>
            {
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.ok()?;
                    let key = a.key.local_name().into_inner().to_owned();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()?
                        .into_owned();
                    attrs.push((key, value));
                }
                out.push(attrs);
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// The value of the attribute `key` (local name).
fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The relationship `id`'s target in the relationships part `rels`, as a
/// part name, resolved against the folder of the part they belong to.
fn target(rels: &str, id: Option<&str>, of_type: Option<&str>, folder: &str) -> Option<String> {
    let all = elements(rels, "Relationship")?;
    let rel = all.iter().find(|r| {
        id.is_none_or(|id| attr(r, "Id") == Some(id))
            && of_type.is_none_or(|t| attr(r, "Type").is_some_and(|v| v.ends_with(t)))
    })?;
    if attr(rel, "TargetMode") == Some("External") {
        return None;
    }
    let target = attr(rel, "Target")?;
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None if folder.is_empty() => target.to_owned(),
        None => format!("{folder}/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The folder of a part name ("" at the root) and its file name.
fn split(part: &str) -> (&str, &str) {
    part.rsplit_once('/').unwrap_or(("", part))
}

/// The part name of the worksheet named `sheet`.
fn sheet_part<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    sheet: &str,
) -> Option<String> {
    let root = part_text(archive, "_rels/.rels")?;
    let workbook = target(&root, None, Some("/officeDocument"), "")?;
    let (folder, file) = split(&workbook);
    let rels_name = if folder.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{folder}/_rels/{file}.rels")
    };
    let sheets = elements(&part_text(archive, &workbook)?, "sheet")?;
    let id = sheets
        .iter()
        .find(|s| attr(s, "name") == Some(sheet))
        .and_then(|s| attr(s, "id"))?;
    target(&part_text(archive, &rels_name)?, Some(id), None, folder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format, Workbook};

    /// A workbook of three sheets: `Plain`, `Merged & more` (cells B2:C3
    /// merged) and `Named` (a cell whose text, in the sheet's XML, names
    /// the element).
    fn workbook(dir: &Path) -> std::path::PathBuf {
        let mut wb = Workbook::new();
        let plain = wb.add_worksheet();
        plain.set_name("Plain").unwrap();
        plain.write_string(0, 0, "id").unwrap();
        let merged = wb.add_worksheet();
        merged.set_name("Merged & more").unwrap();
        merged
            .merge_range(1, 1, 2, 2, "merged", &Format::new())
            .unwrap();
        // Written inline (a constant-memory sheet), not as a shared string.
        let named = wb.add_worksheet_with_constant_memory().unwrap();
        named.set_name("Named").unwrap();
        named.write_string(0, 0, "a mergeCell in text").unwrap();
        let path = dir.join("w.xlsx");
        wb.save(&path).unwrap();
        path
    }

    #[test]
    fn a_sheet_is_known_to_have_no_merged_cells_only_when_it_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = workbook(dir.path());
        assert_eq!(may_have_merged_cells(&path, "Plain"), Some(false));
        // Found through the workbook's relationships, the escaped name
        // read as the sheet's name.
        assert_eq!(may_have_merged_cells(&path, "Merged & more"), Some(true));
        // Named in a cell's text: read for merged cells (none found).
        assert_eq!(may_have_merged_cells(&path, "Named"), Some(true));
        // A sheet the workbook does not hold, or a file that is not one.
        assert_eq!(may_have_merged_cells(&path, "Missing"), None);
        let not = dir.path().join("not.xlsx");
        std::fs::write(&not, b"not a zip").unwrap();
        assert_eq!(may_have_merged_cells(&not, "Plain"), None);
    }

    #[test]
    fn a_needle_across_two_blocks_is_found() {
        let mut text = vec![b'x'; (1 << 18) - 4];
        text.extend_from_slice(MERGE_CELL);
        text.extend_from_slice(b"s yy");
        assert_eq!(contains(text.as_slice(), MERGE_CELL), Some(true));
        let plain = vec![b'x'; 3 << 18];
        assert_eq!(contains(plain.as_slice(), MERGE_CELL), Some(false));
        assert_eq!(contains(&b"mergeCel"[..], MERGE_CELL), Some(false));
        // UTF-16, with or without a byte order mark: nothing can be said.
        let utf16: Vec<u8> = "<?xml version=\"1.0\"?><worksheet/>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(contains(utf16.as_slice(), MERGE_CELL), None);
        let marked = [&[0xFF, 0xFE][..], &utf16].concat();
        assert_eq!(contains(marked.as_slice(), MERGE_CELL), None);
    }

    #[test]
    fn targets_resolve_against_their_folder() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Type="http://x/worksheet" Target="worksheets/sheet1.xml"/>
            <Relationship Id="rId2" Type="http://x/worksheet" Target="/xl/other/s.xml"/>
            <Relationship Id="rId3" Type="http://x/worksheet" Target="../up/s.xml"/>
            <Relationship Id="rId4" Type="http://x/worksheet" Target="http://e/s.xml" TargetMode="External"/>
        </Relationships>"#;
        assert_eq!(
            target(rels, Some("rId1"), None, "xl").as_deref(),
            Some("xl/worksheets/sheet1.xml")
        );
        assert_eq!(
            target(rels, Some("rId2"), None, "xl").as_deref(),
            Some("xl/other/s.xml")
        );
        assert_eq!(
            target(rels, Some("rId3"), None, "xl").as_deref(),
            Some("up/s.xml")
        );
        assert_eq!(target(rels, Some("rId4"), None, "xl"), None);
        assert_eq!(target(rels, Some("rId9"), None, "xl"), None);
        assert_eq!(target(rels, Some("rId3"), None, ""), None);
    }
}
