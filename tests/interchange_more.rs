//! `rtm import` of OpenDocument spreadsheets (built here, as a zip of
//! `mimetype` and `content.xml`), and `--force` replacing a tree's node
//! files.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;
use std::path::Path;

use common::{assert_same_tree, export, import, rtm};

fn bundled() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One ODS cell.
enum Ods<'a> {
    /// A text, one `<text:p>` per line (as LibreOffice writes it).
    Text(&'a str),
    /// A number (`office:value-type="float"`).
    Number(f64),
    /// A text cell merged over this many columns, then the covered cells.
    Spanned(&'a str, usize),
    /// Empty cells, written as one repeated cell.
    Empty(usize),
}

/// Writes an `.ods`: `mimetype` first and stored, the manifest, then
/// `content.xml` holding one table per sheet.
fn ods(path: &Path, sheets: &[(&str, Vec<Vec<Ods<'_>>>)]) {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
    );
    for (name, rows) in sheets {
        xml.push_str(&format!(
            r#"<table:table table:name="{}">"#,
            xml_escape(name)
        ));
        for row in rows {
            xml.push_str("<table:table-row>");
            for cell in row {
                match cell {
                    Ods::Text(t) => {
                        xml.push_str(r#"<table:table-cell office:value-type="string">"#);
                        for line in t.split('\n') {
                            xml.push_str(&format!("<text:p>{}</text:p>", xml_escape(line)));
                        }
                        xml.push_str("</table:table-cell>");
                    }
                    Ods::Number(n) => xml.push_str(&format!(
                        r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                    )),
                    Ods::Spanned(t, n) => {
                        xml.push_str(&format!(
                            r#"<table:table-cell table:number-columns-spanned="{n}" office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                            xml_escape(t)
                        ));
                        xml.push_str(&format!(
                            r#"<table:covered-table-cell table:number-columns-repeated="{}"/>"#,
                            n - 1
                        ));
                    }
                    Ods::Empty(n) => xml.push_str(&format!(
                        r#"<table:table-cell table:number-columns-repeated="{n}"/>"#
                    )),
                }
            }
            xml.push_str("</table:table-row>");
        }
        xml.push_str("</table:table>");
    }
    xml.push_str("</office:spreadsheet></office:body></office:document-content>");
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#,
    )
    .unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap();
}

#[test]
fn an_ods_in_the_export_s_layout_gives_back_the_bundled_tree() {
    let dir = tempfile::tempdir().unwrap();
    // The export's own cells, from its CSV, laid out as an ODS sheet.
    let csv_file = dir.path().join("rtm.csv");
    rtm()
        .args(["export", "csv"])
        .arg(bundled())
        .arg("-o")
        .arg(&csv_file)
        .assert()
        .success();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&csv_file)
        .unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(records.len() > 10);
    let rows: Vec<Vec<Ods<'_>>> = records
        .iter()
        .map(|r| {
            r.iter()
                .map(|t| {
                    if t.is_empty() {
                        Ods::Empty(1)
                    } else {
                        Ods::Text(t)
                    }
                })
                .collect()
        })
        .collect();
    let file = dir.path().join("rtm.ods");
    ods(&file, &[("Nodes", rows)]);
    let into = dir.path().join("back");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let nodes = records.len() - 1;
    assert!(out.contains(&format!("wrote {nodes} nodes")), "{out}");
    assert_same_tree(&bundled(), &into);
}

#[test]
fn an_ods_with_a_title_block_and_a_mapping_imports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("programme.ods");
    let rows = vec![
        // A title block over the header, merged over four columns.
        vec![Ods::Spanned("Programme RTM, version 0.3", 4)],
        vec![],
        vec![
            Ods::Text("Req ID"),
            Ods::Text("Requirement "),
            Ods::Text("MVP / SEC / Optional"),
            Ods::Text("Business Req"),
        ],
        vec![
            Ods::Text("RTM-0101 "),
            Ods::Text("Power outage alert latency"),
            Ods::Text("MVP"),
            Ods::Text("BR-001;\nBR-002"),
        ],
        // A blank separator row, then an id typed as a number.
        vec![Ods::Empty(4)],
        vec![
            Ods::Number(102.0),
            Ods::Text("Hub firmware"),
            Ods::Text("SEC Support"),
            Ods::Text("BR-003"),
        ],
    ];
    // A second sheet first: the mapping names the sheet to read.
    ods(
        &file,
        &[("Cover", vec![vec![Ods::Text("Read me")]]), ("RTM", rows)],
    );
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        r#"
[sheet]
name = "RTM"

[columns]
id = "Req ID"
title = "requirement"
category = "MVP / SEC / Optional"
satisfies = "Business Req"

[defaults]
kind = "requirement"
status = "agreed"

[values.category]
"MVP" = "mvp"
"SEC Support" = "sec-support"
"#,
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &["--mapping", map.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote 2 nodes (2 requirement)"), "{out}");
    let text = std::fs::read_to_string(into.join("requirements.toml")).unwrap();
    assert_eq!(
        text,
        r#"[[requirement]]
id = "RTM-0101"
title = "Power outage alert latency"
status = "agreed"
category = "mvp"
satisfies = ["BR-001", "BR-002"]

[[requirement]]
id = "102"
title = "Hub firmware"
status = "agreed"
category = "sec-support"
satisfies = ["BR-003"]
"#
    );
    // A bad cell is reported at its place in the ODS sheet.
    let bad = dir.path().join("bad.ods");
    ods(
        &bad,
        &[(
            "RTM",
            vec![
                vec![
                    Ods::Text("Req ID"),
                    Ods::Text("Requirement"),
                    Ods::Text("MVP / SEC / Optional"),
                    Ods::Text("Business Req"),
                ],
                vec![
                    Ods::Text("RTM 0101"),
                    Ods::Text("Spaces in the id"),
                    Ods::Text("MVP"),
                ],
            ],
        )],
    );
    let (code, out, _) = import(
        &bad,
        &dir.path().join("bad-tree"),
        &["--mapping", map.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "error: RTM!A2 (under `Req ID`): `RTM 0101` cannot be made a valid requirement id"
        ),
        "{out}"
    );
}

/// Every file below `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn force_makes_the_tree_s_node_files_exactly_the_import_s() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("tree");
    let first = dir.path().join("first.csv");
    std::fs::write(
        &first,
        "kind,id,title,file\r\n\
         theme,TH-01,First,a.toml\r\n\
         theme,TH-02,Second,b.toml\r\n\
         theme,TH-03,Third,b.toml\r\n\
         theme,TH-04,Fourth,old/d.toml\r\n",
    )
    .unwrap();
    let (code, out, err) = import(&first, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    // What the import does not own: the project file, a hidden folder, a
    // file that is not a node file.
    std::fs::write(into.join("rtm.toml"), "[project]\nname = \"kept\"\n").unwrap();
    std::fs::create_dir(into.join(".hidden")).unwrap();
    std::fs::write(into.join(".hidden/notes.toml"), "x = 1\n").unwrap();
    std::fs::write(into.join("README.txt"), "kept\n").unwrap();

    // The refreshed sheet: TH-02 and TH-04 deleted, TH-03 moved to c.toml.
    let second = dir.path().join("second.csv");
    std::fs::write(
        &second,
        "kind,id,title,file\r\n\
         theme,TH-01,First,a.toml\r\n\
         theme,TH-03,Third moved,c.toml\r\n",
    )
    .unwrap();
    let before = files(&into);
    let (code, out, err) = import(&second, &into, &["--force", "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("would write a.toml\nwould write c.toml\n"),
        "{out}"
    );
    assert!(
        out.contains("would remove b.toml (not in the import; --force)\nwould remove old/d.toml (not in the import; --force)\n"),
        "{out}"
    );
    assert!(
        out.contains("rtm: would remove 2 node files that the import does not write"),
        "{out}"
    );
    assert_eq!(files(&into), before, "a dry run changed the tree");
    let (code, out, err) = import(
        &second,
        &into,
        &["--force", "--dry-run", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["removed"], serde_json::json!(["b.toml", "old/d.toml"]));

    let (code, out, err) = import(&second, &into, &["--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("removed b.toml (not in the import; --force)"),
        "{out}"
    );
    let now: Vec<String> = files(&into).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        now,
        [
            ".hidden/notes.toml",
            "README.txt",
            "a.toml",
            "c.toml",
            "rtm.toml"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(into.join("rtm.toml")).unwrap(),
        "[project]\nname = \"kept\"\n"
    );
    // The deleted node is gone, the moved one is there once.
    let checked = common::check(&into);
    let ids: Vec<&str> = checked.model.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["TH-01", "TH-03"]);
    let out = rtm()
        .arg("check")
        .arg(&into)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("R003"), "{text}");

    // Without --force, a refreshed sheet that writes an existing file is
    // refused and nothing is removed.
    let third = dir.path().join("third.csv");
    std::fs::write(&third, "kind,id,title,file\r\ntheme,TH-05,Fifth,e.toml\r\n").unwrap();
    let before = files(&into);
    let (code, out, err) = import(&third, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("remove"), "{out}");
    let mut want: Vec<String> = before.into_iter().map(|(p, _)| p).collect();
    want.push("e.toml".into());
    want.sort();
    let now: Vec<String> = files(&into).into_iter().map(|(p, _)| p).collect();
    assert_eq!(now, want);
}

/// One BIFF record: type, length, data.
fn biff(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend(typ.to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
}

/// Writes a minimal `.xls` (BIFF8 in a version 3 compound file, as
/// MS-XLS and MS-CFB describe them): a workbook globals substream (BOF,
/// BoundSheet8, EOF) and one worksheet substream (BOF, Number and Label
/// cells, EOF) in the `Workbook` stream. A cell that parses as a whole
/// number is a Number record; texts must be ASCII (stored 8-bit).
fn xls(path: &Path, sheet: &str, rows: &[&[&str]]) {
    let bof = |dt: u16| {
        let mut d = Vec::new();
        d.extend(0x0600u16.to_le_bytes()); // BIFF8
        d.extend(dt.to_le_bytes());
        d.extend([0u8; 12]);
        d
    };
    // The globals: BOF (4 + 16), BoundSheet8 (4 + 8 + name), EOF (4).
    let sheet_at = 20 + (4 + 8 + sheet.len()) + 4;
    let mut stream = Vec::new();
    biff(&mut stream, 0x0809, &bof(0x0005));
    let mut bound = (sheet_at as u32).to_le_bytes().to_vec();
    bound.extend([0, 0, sheet.len() as u8, 0]);
    bound.extend(sheet.as_bytes());
    biff(&mut stream, 0x0085, &bound);
    biff(&mut stream, 0x000A, &[]);
    assert_eq!(stream.len(), sheet_at);
    biff(&mut stream, 0x0809, &bof(0x0010));
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let mut d = Vec::new();
            d.extend((r as u16).to_le_bytes());
            d.extend((c as u16).to_le_bytes());
            d.extend(0u16.to_le_bytes()); // XF
            match text.parse::<i64>() {
                Ok(n) => {
                    d.extend((n as f64).to_le_bytes());
                    biff(&mut stream, 0x0203, &d);
                }
                Err(_) => {
                    assert!(text.is_ascii());
                    d.extend((text.len() as u16).to_le_bytes());
                    d.push(0); // 8-bit characters
                    d.extend(text.as_bytes());
                    biff(&mut stream, 0x0204, &d);
                }
            }
        }
    }
    biff(&mut stream, 0x000A, &[]);
    // At least 4096 bytes, so that the stream lives in regular sectors
    // (no mini stream); the padding follows the last EOF.
    let size = stream.len().max(4096);
    let sectors = size.div_ceil(512);
    assert!(sectors <= 126);
    stream.resize(sectors * 512, 0);
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let put = |buf: &mut [u8], at: usize, v: &[u8]| buf[at..at + v.len()].copy_from_slice(v);
    let mut header = vec![0u8; 512];
    put(&mut header, 0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    put(&mut header, 24, &0x003Eu16.to_le_bytes());
    put(&mut header, 26, &3u16.to_le_bytes());
    put(&mut header, 28, &0xFFFEu16.to_le_bytes());
    put(&mut header, 30, &9u16.to_le_bytes()); // 512-byte sectors
    put(&mut header, 32, &6u16.to_le_bytes()); // 64-byte mini sectors
    put(&mut header, 44, &1u32.to_le_bytes()); // one FAT sector
    put(&mut header, 48, &1u32.to_le_bytes()); // the directory: sector 1
    put(&mut header, 56, &4096u32.to_le_bytes());
    put(&mut header, 60, &END.to_le_bytes()); // no mini FAT
    put(&mut header, 68, &END.to_le_bytes()); // no DIFAT sectors
    for i in 0..109 {
        let v = if i == 0 { 0 } else { FREE }; // the FAT: sector 0
        put(&mut header, 76 + 4 * i, &v.to_le_bytes());
    }
    let mut fat = vec![0u8; 512];
    for i in 0..128 {
        let v: u32 = match i {
            0 => 0xFFFF_FFFD, // the FAT itself
            1 => END,         // the directory
            i if i >= 2 && i < 1 + sectors => i as u32 + 1,
            i if i == 1 + sectors => END,
            _ => FREE,
        };
        put(&mut fat, 4 * i, &v.to_le_bytes());
    }
    let entry = |name: &str, kind: u8, child: u32, start: u32, len: u32| {
        let mut e = vec![0u8; 128];
        let utf16: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        put(&mut e, 0, &utf16);
        put(&mut e, 64, &(utf16.len() as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        put(&mut e, 68, &FREE.to_le_bytes());
        put(&mut e, 72, &FREE.to_le_bytes());
        put(&mut e, 76, &child.to_le_bytes());
        put(&mut e, 116, &start.to_le_bytes());
        put(&mut e, 120, &len.to_le_bytes());
        e
    };
    let mut dir = Vec::new();
    dir.extend(entry("Root Entry", 5, 1, END, 0));
    dir.extend(entry("Workbook", 2, FREE, 2, size as u32));
    dir.extend(entry("", 0, FREE, FREE, 0));
    dir.extend(entry("", 0, FREE, FREE, 0));
    let mut file = header;
    file.extend(fat);
    file.extend(dir);
    file.extend(stream);
    std::fs::write(path, file).unwrap();
}

#[test]
fn an_xls_imports_with_a_title_block_and_a_number_for_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rtm.xls");
    xls(
        &file,
        "RTM",
        &[
            &["Programme RTM, version 0.3"],
            &[],
            &["kind", "id", "title", "themes", "category", "satisfies"],
            &["theme", "TH-01", "Alerts", "", "", ""],
            &["business", "BR-001", "Outage alerts", "TH-01", "", ""],
            &[
                "requirement",
                "RTM-0101",
                "Alert latency ",
                "",
                "mvp",
                "BR-001;\nBR-002",
            ],
            &[],
            &[
                "requirement",
                "102",
                "Hub firmware",
                "",
                "sec-support",
                "BR-001",
            ],
        ],
    );
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("wrote 4 nodes (1 theme, 1 business, 2 requirement)"),
        "{out}"
    );
    let text = std::fs::read_to_string(into.join("requirements.toml")).unwrap();
    assert_eq!(
        text,
        r#"[[requirement]]
id = "RTM-0101"
title = "Alert latency"
category = "mvp"
satisfies = ["BR-001", "BR-002"]

[[requirement]]
id = "102"
title = "Hub firmware"
category = "sec-support"
satisfies = ["BR-001"]
"#
    );
    // A bad cell is reported at its place in the sheet.
    let bad = dir.path().join("bad.xls");
    xls(
        &bad,
        "RTM",
        &[
            &["kind", "id", "title"],
            &["requirment", "RTM-0101", "Alert latency"],
        ],
    );
    let (code, out, _) = import(&bad, &dir.path().join("bad-tree"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: RTM!A2 (under `kind`): unknown kind `requirment`"),
        "{out}"
    );
    assert!(out.contains("did you mean `requirement`?"), "{out}");
}

/// An xlsx of a header (kind, id, title, status, category) below `above` rows of title
/// block, then `rows` requirements, its strings written inline in the
/// sheet (as an export writes them).
fn plain_xlsx(path: &Path, above: u32, rows: u32) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    ws.set_name("Nodes").unwrap();
    for r in 0..above {
        ws.write_string(r, 0, format!("Title block, line {}", r + 1))
            .unwrap();
    }
    for (c, h) in ["kind", "id", "title", "status", "category"]
        .iter()
        .enumerate()
    {
        ws.write_string(above, c as u16, *h).unwrap();
    }
    for n in 1..=rows {
        let r = above + n;
        ws.write_string(r, 0, "requirement").unwrap();
        ws.write_string(r, 1, format!("RTM-{n}")).unwrap();
        ws.write_string(r, 2, format!("Entry {n}")).unwrap();
        ws.write_string(r, 3, "draft").unwrap();
        ws.write_string(r, 4, "mvp").unwrap();
    }
    wb.save(path).unwrap();
}

/// Copies an xlsx, its first sheet's XML changed by `edit`.
fn edit_sheet(from: &Path, to: &Path, edit: impl Fn(&str) -> String) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            bytes = edit(std::str::from_utf8(&bytes).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

/// The `<row r="N" …>…</row>` element of row `n` (1-based) in a sheet's
/// XML, and where it starts.
fn row_element(xml: &str, n: u32) -> (usize, String) {
    let start = xml.find(&format!("<row r=\"{n}\"")).unwrap();
    let end = start + xml[start..].find("</row>").unwrap() + "</row>".len();
    (start, xml[start..end].to_owned())
}

#[test]
fn rows_out_of_order_in_an_xlsx_are_put_together_as_when_in_order() {
    // The rows past the first hundred are read while they are converted;
    // one of them split in two, its title after a later row, and another
    // moved below the next: the import is the in-order sheet's.
    let dir = tempfile::tempdir().unwrap();
    let ordered = dir.path().join("ordered.xlsx");
    plain_xlsx(&ordered, 0, 400);
    let disordered = dir.path().join("disordered.xlsx");
    edit_sheet(&ordered, &disordered, |xml| {
        let (at, row) = row_element(xml, 251);
        let title = row.find("<c r=\"C251\"").unwrap();
        let (first, rest) = (format!("{}</row>", &row[..title]), row[title..].to_owned());
        let mut xml = xml.replacen(&row, &first, 1);
        let (_, later) = row_element(&xml, 301);
        xml = xml.replacen(&later, &format!("{later}<row r=\"251\">{rest}"), 1);
        // Row 351 after row 352.
        let (_, a) = row_element(&xml, 351);
        let (_, b) = row_element(&xml, 352);
        xml = xml.replacen(&format!("{a}{b}"), &format!("{b}{a}"), 1);
        assert!(at > 0);
        xml
    });
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (code, out, err) = import(&ordered, &a, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = import(&disordered, &b, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote 400 nodes"), "{out}");
    let text = std::fs::read_to_string(b.join("requirements.toml")).unwrap();
    // The project files differ only in the name of the file imported.
    assert!(text == std::fs::read_to_string(a.join("requirements.toml")).unwrap());
    assert!(
        text.contains("id = \"RTM-250\"\ntitle = \"Entry 250\"\n"),
        "{text}"
    );
}

#[test]
fn a_header_row_below_the_first_hundred_rows_is_found_in_an_xlsx() {
    // A mapping's header row past the rows first looked at (and past the
    // first rows the reader hands over at once): every row down to it is
    // read before the header is taken.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.xlsx");
    plain_xlsx(&file, 600, 300);
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[sheet]\nheader_row = 601\n\n[columns]\nkind = \"kind\"\nid = \"id\"\ntitle = \"title\"\nstatus = \"status\"\ncategory = \"category\"\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &["--mapping", map.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote 300 nodes (300 requirement)"), "{out}");
    let text = std::fs::read_to_string(into.join("requirements.toml")).unwrap();
    assert!(
        text.starts_with("[[requirement]]\nid = \"RTM-1\"\ntitle = \"Entry 1\"\n"),
        "{text}"
    );
}

#[test]
fn an_error_value_in_an_xlsx_is_reported_as_the_sheet_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    plain_xlsx(&plain, 0, 3);
    let file = dir.path().join("errors.xlsx");
    edit_sheet(&plain, &file, |xml| {
        let (_, row) = row_element(xml, 3);
        let start = row.find("<c r=\"C3\"").unwrap();
        let end = start + row[start..].find("</c>").unwrap() + "</c>".len();
        let cell = &row[start..end];
        xml.replacen(cell, r#"<c r="C3" t="e"><v>#N/A</v></c>"#, 1)
    });
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("error: Nodes!C3 (under `title`): the cell holds the error value #N/A"),
        "{out}"
    );
    assert!(!into.exists());
}

#[test]
fn a_sheet_broken_past_its_first_rows_exits_2_and_writes_nothing() {
    // The rows before the break are read and converted while the sheet is
    // read; the break still stops the import, as a file that cannot be
    // read.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    plain_xlsx(&plain, 0, 600);
    let file = dir.path().join("broken.xlsx");
    edit_sheet(&plain, &file, |xml| {
        // Cut inside row 500's first cell.
        let (at, _) = row_element(xml, 500);
        format!("{}<row r=\"500\"><c r=\"A500", &xml[..at])
    });
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("broken.xlsx: cannot read"), "{err}");
    assert!(!into.exists());
}

/// A new tree's id pattern is relaxed for ids that start with a digit
/// (`101`), never for one that starts with `-`, `_` or `.`: such an id
/// is the cell's error, and nothing is written (the tree would fail
/// R007).
#[test]
fn an_id_no_pattern_can_let_in_is_the_cell_s_error() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rtm.csv");
    std::fs::write(
        &csv,
        "kind,id,title,themes\n\
         theme,101,Numbered,\n\
         theme,-0,Minus zero,\n\
         theme,_x,Underscore,\n\
         business,.5,Dot,101\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&csv, &into, &[]);
    assert_eq!(code, 1, "{out}");
    for (cell, id, kind) in [
        ("B3", "-0", "theme"),
        ("B4", "_x", "theme"),
        ("B5", ".5", "business"),
    ] {
        assert!(
            out.contains(&format!(
                "error: 'rtm.csv'!{cell} (under `id`): `{id}` cannot be made a valid {kind} id\n  help: an id starts with a letter or a digit"
            )),
            "{cell}: {out}"
        );
    }
    assert!(!out.contains("!B2"), "101 is let in: {out}");
    assert!(!into.exists(), "nothing written");

    // Without them, the tree is written with the relaxed pattern, and
    // checks clean of R007.
    std::fs::write(&csv, "kind,id,title\ntheme,101,Numbered\n").unwrap();
    let (code, out, err) = import(&csv, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let check = rtm().arg("check").arg(&into).output().unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(!text.contains("R007"), "{text}");
}

/// A mapping's default fills the rows whose kind has the field: on a
/// sheet mixing kinds, `status` leaves the modifications alone (they
/// have `stage`) and `themes` goes to business requirements only. A cell
/// that gives a kind a field it does not have is still the cell's error.
#[test]
fn a_default_fills_only_the_rows_whose_kind_has_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rtm.csv");
    std::fs::write(
        &csv,
        "Type,Ref,Name,Group,Stage\n\
         Theme,TH-01,Outages,,\n\
         Business,BR-001,Alerts reach DNOs,,\n\
         Requirement,RTM-0101,Alert latency,mvp,\n\
         Modification,DP096,DNO alerts,,proposed\n",
    )
    .unwrap();
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[columns]\nkind = \"Type\"\nid = \"Ref\"\ntitle = \"Name\"\ncategory = \"Group\"\nstage = \"Stage\"\n\
         [defaults]\nstatus = \"agreed\"\nthemes = \"TH-01\"\nsatisfies = \"BR-001\"\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, err) = import(&csv, &into, &["--mapping", map.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let checked = common::check(&into);
    let node = |id: &str| checked.model.nodes.iter().find(|n| n.id == id).unwrap();
    use rtm::model::LinkField;
    let links = |id: &str, f: LinkField| -> Vec<String> {
        node(id).targets_in(f).map(str::to_string).collect()
    };
    assert_eq!(links("BR-001", LinkField::Themes), ["TH-01"]);
    assert_eq!(links("RTM-0101", LinkField::Satisfies), ["BR-001"]);
    assert!(links("RTM-0101", LinkField::Themes).is_empty());
    let codes: Vec<&str> = checked
        .findings
        .iter()
        .map(|f| f.code.rule().code)
        .collect();
    assert!(!codes.contains(&"R002"), "{codes:?}");
    assert_eq!(
        checked
            .findings
            .iter()
            .filter(|f| f.code.rule().code == "R101")
            .count(),
        0
    );

    // A cell is not a default: `Stage` on a requirement row is an error.
    std::fs::write(
        &csv,
        "Type,Ref,Name,Group,Stage\nRequirement,RTM-0101,Alert latency,mvp,proposed\n",
    )
    .unwrap();
    let (code, out, _) = import(
        &csv,
        &dir.path().join("other"),
        &["--mapping", map.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("'rtm.csv'!E2 (under `Stage`): a requirement has no field `stage`"),
        "{out}"
    );
}

/// Every bad place is reported at once: an id the tree already holds is
/// reported with a bad cell in another row, not only once that is fixed;
/// and a tree without `rtm.toml` is still a tree whose ids count.
#[test]
fn a_clash_with_the_tree_is_reported_with_the_other_bad_cells() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("tree");
    std::fs::create_dir(&into).unwrap();
    std::fs::write(
        into.join("existing.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"There\"\n",
    )
    .unwrap();
    let csv = dir.path().join("rtm.csv");
    std::fs::write(
        &csv,
        "kind,id,title,category,satisfies\n\
         theme,TH-01,Again,,\n\
         requirement,RTM-0001,Entry,mpv,BR-001\n",
    )
    .unwrap();
    let (code, out, _) = import(&csv, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: 'rtm.csv'!D3 (under `category`): unknown category `mpv`"),
        "{out}"
    );
    assert!(
        out.contains("error: 'rtm.csv'!B2 (under `id`): duplicate id `TH-01`: the tree already holds it in existing.toml"),
        "{out}"
    );
    assert!(out.contains("rtm: 2 bad cells: nothing written"), "{out}");
    assert_eq!(
        std::fs::read_dir(&into).unwrap().count(),
        1,
        "nothing written"
    );

    // The clash alone: said once, although the tree has no `rtm.toml`
    // (FORMAT §1: it is optional), which is no new tree.
    std::fs::write(&csv, "kind,id,title\ntheme,TH-01,Again\n").unwrap();
    let (code, out, _) = import(&csv, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("error: ").count(), 1, "{out}");
    assert!(
        out.contains("'rtm.csv'!B2 (under `id`): duplicate id `TH-01`"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_dir(&into).unwrap().count(),
        1,
        "nothing written"
    );
}

/// A mapped header that heads two columns (an old one hidden beside the
/// new) is the header cell's error, not the first column taken silently;
/// a header merged across two columns heads only the first, as before.
#[test]
fn a_header_heading_two_columns_is_an_error_unless_merged() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("rtm.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("RTM").unwrap();
    for (c, h) in ["Type", "Req ID", "Req ID", "Requirement"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["theme", "OLD-1", "TH-01", "A theme"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.set_column_hidden(1).unwrap();
    wb.save(&book).unwrap();
    let mapping = dir.path().join("map.toml");
    std::fs::write(
        &mapping,
        "[columns]\nkind = \"Type\"\nid = \"Req ID\"\ntitle = \"Requirement\"\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let map = ["--mapping", mapping.to_str().unwrap()];
    let (code, out, _) = import(&book, &into, &map);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: RTM!C1 (under `Req ID`): `Req ID` heads more than one column (also RTM!B1): which holds `id` is not clear\n  help: name the column by its letter in [columns]: id = \"B\" or \"C\""),
        "{out}"
    );
    assert!(!into.exists(), "nothing written");

    // Named by its letter, the column is clear.
    std::fs::write(
        &mapping,
        "[columns]\nkind = \"Type\"\nid = \"C\"\ntitle = \"Requirement\"\n",
    )
    .unwrap();
    let (code, out, err) = import(&book, &into, &map);
    assert_eq!(code, 0, "{out}{err}");
    let themes = std::fs::read_to_string(into.join("themes.toml")).unwrap();
    assert!(themes.contains("id = \"TH-01\""), "{themes}");

    // Without a mapping, an rtm field named twice.
    let csv = dir.path().join("two.csv");
    std::fs::write(&csv, "kind,id,title,id\ntheme,TH-02,T,TH-03\n").unwrap();
    let fresh = dir.path().join("fresh");
    let (code, out, _) = import(&csv, &fresh, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "error: 'two.csv'!D1 (under `id`): `id` heads more than one column (also 'two.csv'!B1)"
        ),
        "{out}"
    );
    assert!(!fresh.exists());
}

/// A tree's symbolic links are never followed (FORMAT §9): an import does
/// not write through one (a linked folder or a linked node file), on a
/// dry run either, and `--force` removes only `*.toml` files, never a
/// linked folder.
#[cfg(unix)]
#[test]
fn an_import_never_writes_through_a_symbolic_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("tree");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&into).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(into.join("rtm.toml"), "[project]\nname = \"t\"\n").unwrap();
    symlink("../outside", into.join("sub")).unwrap();
    std::fs::write(outside.join("target.toml"), "keep\n").unwrap();
    symlink("../outside/target.toml", into.join("y.toml")).unwrap();
    let csv = dir.path().join("rtm.csv");
    for (file, link) in [("sub/x.toml", "sub"), ("y.toml", "y.toml")] {
        std::fs::write(&csv, format!("kind,id,title,file\ntheme,TH-01,T,{file}\n")).unwrap();
        for extra in [&[][..], &["--force"], &["--dry-run"]] {
            let (code, out, err) = import(&csv, &into, extra);
            assert_eq!(code, 2, "{file} {extra:?}: {out}{err}");
            assert!(
                err.contains(&format!(
                    "nothing written: {} is a symbolic link",
                    into.join(link).display()
                )),
                "{file} {extra:?}: {err}"
            );
        }
    }
    let listed = |p: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listed(&outside), ["target.toml"]);
    assert_eq!(
        std::fs::read_to_string(outside.join("target.toml")).unwrap(),
        "keep\n"
    );
    assert_eq!(listed(&into), ["rtm.toml", "sub", "y.toml"]);

    // The ReqIF import refuses alike: its one file is the linked one.
    let source = dir.path().join("source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(
        source.join("y.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n",
    )
    .unwrap();
    let reqif = dir.path().join("t.reqif");
    rtm()
        .args(["export", "reqif"])
        .arg(&source)
        .arg("-o")
        .arg(&reqif)
        .assert()
        .success();
    let (code, out, _) = import(&reqif, &into, &["--dry-run"]);
    assert_eq!(code, 0, "{out}");
    let written = out
        .lines()
        .find_map(|l| l.strip_prefix("would write "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .to_owned();
    let written = Path::new(&written).strip_prefix(&into).unwrap().to_owned();
    std::fs::remove_file(into.join("y.toml")).unwrap();
    symlink("../outside/target.toml", into.join(&written)).unwrap();
    let (code, out, err) = import(&reqif, &into, &["--force"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(outside.join("target.toml")).unwrap(),
        "keep\n"
    );

    // `--force` replaces the tree's node files, and leaves the linked
    // folder (not a `*.toml`) alone.
    std::fs::remove_file(into.join(&written)).unwrap();
    std::fs::write(
        into.join("old.toml"),
        "[[theme]]\nid = \"TH-09\"\ntitle = \"Old\"\n",
    )
    .unwrap();
    std::fs::write(&csv, "kind,id,title,file\ntheme,TH-01,T,new.toml\n").unwrap();
    let (code, out, err) = import(&csv, &into, &["--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("removed old.toml"), "{out}");
    assert!(!out.contains("removed sub"), "{out}");
    assert_eq!(listed(&into), ["new.toml", "rtm.toml", "sub"]);
}

/// An Amber project's export states the level of its nodes that name none
/// (xlsx: a custom property; ReqIF: its header's comment), and an import
/// keeps it, failing closed (FORMAT §10): a new tree takes it as its
/// default, a tree with a lower default gets it on each such node, and a
/// re-import into the tree it came from changes nothing. A CSV cannot
/// carry it: its export says so.
#[test]
fn an_import_keeps_the_level_of_nodes_that_name_none() {
    let dir = tempfile::tempdir().unwrap();
    let amber = dir.path().join("amber");
    std::fs::create_dir_all(&amber).unwrap();
    std::fs::write(
        amber.join("rtm.toml"),
        "[project]\nname = \"a\"\nclassification = \"amber\"\n",
    )
    .unwrap();
    std::fs::write(
        amber.join("t.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"Secret theme\"\n\n[[theme]]\nid = \"TH-02\"\ntitle = \"Open theme\"\nclassification = \"white\"\n",
    )
    .unwrap();
    let white_report = |tree: &Path| {
        let out = rtm()
            .arg("report")
            .arg(tree)
            .args(["--classification", "white"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!white_report(&amber).contains("Secret"));
    for ext in ["xlsx", "reqif"] {
        let file = dir.path().join(format!("a.{ext}"));
        export(ext, &amber, &file, &[]);
        // A new tree: the level becomes its default.
        let new = dir.path().join(format!("new-{ext}"));
        let (code, out, err) = import(&file, &new, &[]);
        assert_eq!(code, 0, "{out}{err}");
        let project = std::fs::read_to_string(new.join("rtm.toml")).unwrap();
        assert!(
            project.contains("classification = \"amber\""),
            "{ext}: {project}"
        );
        let report = white_report(&new);
        assert!(!report.contains("Secret"), "{ext}: {report}");
        assert!(report.contains("Open theme"), "{ext}: {report}");
        assert_same_tree(&amber, &new);
        // A White tree: each node that names none is written Amber.
        let white = dir.path().join(format!("white-{ext}"));
        std::fs::create_dir_all(&white).unwrap();
        std::fs::write(white.join("rtm.toml"), "[project]\nname = \"w\"\n").unwrap();
        let (code, out, err) = import(&file, &white, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            format!("{out}{err}").contains("warning: the input's nodes that name no classification are amber (its project's default), above this tree's white: each is written with classification = \"amber\""),
            "{ext}: {out}{err}"
        );
        let report = white_report(&white);
        assert!(!report.contains("Secret"), "{ext}: {report}");
        assert!(report.contains("Open theme"), "{ext}: {report}");
        // A folder of node files with no project file is a tree too (its
        // default is white): no `rtm.toml` is made for it, and each node
        // that names none is written Amber, as for a White tree.
        let bare = dir.path().join(format!("bare-{ext}"));
        std::fs::create_dir_all(&bare).unwrap();
        std::fs::write(
            bare.join("mine.toml"),
            "[[theme]]\nid = \"TH-90\"\ntitle = \"Mine\"\n",
        )
        .unwrap();
        let (code, out, err) = import(&file, &bare, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            format!("{out}{err}").contains(
                "above this tree's white: each is written with classification = \"amber\""
            ),
            "{ext}: {out}{err}"
        );
        assert!(!bare.join("rtm.toml").exists(), "{ext}");
        let report = white_report(&bare);
        assert!(!report.contains("Secret"), "{ext}: {report}");
        assert!(report.contains("Mine"), "{ext}: {report}");
        // Back into the tree it came from: nothing changes.
        let again = common::copy_tree(&amber);
        let (code, out, err) = import(&file, again.path(), &["--force"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            !format!("{out}{err}").contains("warning"),
            "{ext}: {out}{err}"
        );
        assert_same_tree(&amber, again.path());
        let written: String = std::fs::read_dir(again.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .collect();
        // Only `rtm.toml` names the level: no node file gained it.
        assert_eq!(
            written.matches("classification = \"amber\"").count(),
            1,
            "{ext}: {written}"
        );
    }
    let out = rtm()
        .args(["export", "csv"])
        .arg(&amber)
        .arg("-o")
        .arg(dir.path().join("a.csv"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("its nodes with an empty `classification` are amber (the project's default)"),
        "{err}"
    );
}

/// A business requirement with no theme is a gap in the RTM, not a cell
/// that cannot be read: written with `themes = []` and a warning naming
/// the cell, as the ReqIF import does, and `rtm check` reports R104.
#[test]
fn a_business_requirement_with_no_theme_is_written_with_empty_themes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sheet, warning) in [
        (
            "a.csv",
            "kind,id,title,themes\ntheme,TH-01,T,\nbusiness,BR-001,B,\n",
            "warning: 'a.csv'!D3 (under `themes`): business requirement BR-001 has no theme: written with `themes = []`, which `rtm check` reports (R104)",
        ),
        (
            "b.csv",
            "kind,id,title\ntheme,TH-01,T\nbusiness,BR-001,B\n",
            "warning: 'b.csv'!B3 (no `themes` column): business requirement BR-001 has no theme",
        ),
    ] {
        let csv = dir.path().join(name);
        std::fs::write(&csv, sheet).unwrap();
        let into = dir.path().join(format!("tree-{name}"));
        let (code, out, err) = import(&csv, &into, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(warning), "{out}");
        let business = std::fs::read_to_string(into.join("business.toml")).unwrap();
        assert!(business.contains("themes = []\n"), "{business}");
        let check = rtm()
            .arg("check")
            .arg(&into)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let codes: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"R104"), "{codes:?}");
        assert!(
            !codes
                .iter()
                .any(|c| ["R001", "R002", "R003", "R007"].contains(c)),
            "{codes:?}"
        );
    }
}

/// The nodes of a file rtm cannot read (R001) are missing from an export,
/// which a CSV or ReqIF cannot show: every export says so on standard
/// error, naming the files.
#[test]
fn an_export_names_the_files_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "xlsx", "reqif"] {
        let out = rtm()
            .args(["export", ext])
            .arg(common::fixture("mixed"))
            .arg("-o")
            .arg(dir.path().join(format!("m.{ext}")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("rtm: warning: 2 files cannot be read (R001) and are not in the export: latin1.toml, truncated.toml (`rtm check` shows why)"),
            "{ext}: {err}"
        );
    }
    let out = rtm()
        .args(["export", "csv"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements"))
        .arg("-o")
        .arg(dir.path().join("r.csv"))
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("R001"));
}

/// An input whose extension `rtm import` does not read is exit 2, and the
/// message names every extension it reads, ReqIF's too (INTERCHANGE §1).
#[test]
fn an_unknown_extension_names_every_format_import_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "x\n").unwrap();
    let out = rtm()
        .current_dir(dir.path())
        .args(["import", "in.txt", "--into", "t"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "rtm: in.txt: unknown input format (expected .xlsx, .xlsm, .xls, .ods, .csv, .tsv, .reqif or .reqifz)\n"
    );
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("t").exists());
}

/// A field longer than the 32,767 characters Excel holds in a cell: the
/// workbook export is exit 2, names the node and the field, and writes
/// nothing; the CSV export keeps the whole text.
#[test]
fn an_xlsx_cell_past_excel_s_limit_names_the_node_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    let text = "x".repeat(40_000);
    std::fs::write(
        tree.join("n.toml"),
        format!("[[requirement]]\nid = \"RTM-0001\"\ntitle = \"E\"\ncategory = \"optional\"\ntext = \"{text}\"\n"),
    )
    .unwrap();
    let xlsx = dir.path().join("e.xlsx");
    let out = rtm()
        .args(["export", "xlsx"])
        .arg(&tree)
        .arg("-o")
        .arg(&xlsx)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "rtm: Nodes: RTM-0001 `text` is 40,000 characters, longer than the 32,767 Excel allows in a cell; \
         nothing written (`rtm export csv` and `rtm export reqif` have no such limit)\n"
    );
    assert!(!xlsx.exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["t"], "nothing but the tree");
    let csv = dir.path().join("e.csv");
    let out = rtm()
        .args(["export", "csv"])
        .arg(&tree)
        .arg("-o")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&text));
}

/// Mapping mistakes are reported where they are: a `[values.FIELD]` for a
/// field rtm does not have and a `[defaults]` value a field cannot take
/// name the mapping file (exit 2); a `header_row` past the sheet's end says
/// so, instead of listing no headers.
#[test]
fn mapping_mistakes_are_reported_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rtm.csv");
    std::fs::write(&csv, "Req ID,Title\nRTM-0001,One\nRTM-0002,Two\n").unwrap();
    let map = dir.path().join("m.toml");
    let into = dir.path().join("t");
    let run = |mapping: &str| {
        std::fs::write(&map, mapping).unwrap();
        let m = map.to_string_lossy().into_owned();
        import(&csv, &into, &["--mapping", &m])
    };
    let columns = "[columns]\nid = \"Req ID\"\ntitle = \"Title\"\n";
    let (code, out, err) = run(&format!("{columns}[values.nosuch]\nx = \"y\"\n"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("m.toml: [values] nosuch: not an rtm field"),
        "{err}"
    );
    let (code, out, err) = run(&format!("{columns}[defaults]\nkind = \"reqirement\"\n"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("m.toml: [defaults] kind: unknown kind `reqirement`: expected theme, business, requirement, sec, modification; did you mean `requirement`?"),
        "{err}"
    );
    let (code, out, err) = run(&format!(
        "[sheet]\nheader_row = 30\n{columns}[defaults]\nkind = \"requirement\"\n"
    ));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(
            "error: rtm.csv: the mapping's header_row = 30 is past the sheet's last row (3)"
        ),
        "{out}"
    );
    assert!(!into.exists());
}

/// An import into a new tree keeps the exporting project's name and its
/// variants, in their order, including one no node names (whose gap is
/// R105): the xlsx export states both in custom properties, the ReqIF
/// export its name as TITLE and its variants in the header's COMMENT. A
/// CSV, which cannot, says so on standard error.
#[test]
fn an_import_into_a_new_tree_keeps_the_project_s_name_and_variants() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("rtm.toml"),
        "[project]\nname = \"Hub programme\"\nvariants = [\"SB\", \"DB\"]\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("n.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0001\"\ntitle = \"R\"\ntext = \"r\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-001\"]\nvariants = [\"SB\"]\n",
    )
    .unwrap();
    let r105 = |t: &Path| {
        let out = rtm().arg("check").arg(t).output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("has no active RTM entry for variant DB")
    };
    assert!(r105(&tree));
    for ext in ["xlsx", "reqif"] {
        let file = dir.path().join(format!("out.{ext}"));
        export(ext, &tree, &file, &[]);
        let new = dir.path().join(format!("new-{ext}"));
        let (code, out, err) = import(&file, &new, &[]);
        assert_eq!(code, 0, "{out}{err}");
        let project = std::fs::read_to_string(new.join("rtm.toml")).unwrap();
        assert!(
            project.contains("name = \"Hub programme\""),
            "{ext}: {project}"
        );
        assert!(
            project.contains("variants = [\"SB\", \"DB\"]"),
            "{ext}: {project}"
        );
        assert!(r105(&new), "{ext}: the variant gap was lost");
        assert_same_tree(&tree, &new);
    }
    let out = rtm()
        .args(["export", "csv"])
        .arg(&tree)
        .args(["-o", "-"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("its project's variants are [\"SB\", \"DB\"]"),
        "{err}"
    );
}

/// A bad value inside a list of tables (a waiver, a decision, a question,
/// a deviation) is named at the cell that holds it, not at the row's id;
/// a waiver of a rule that cannot be waived is refused there too (it
/// would be R002 once written, INTERCHANGE §1).
#[test]
fn bad_values_inside_lists_of_tables_are_named_at_their_cell() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "waivers",
            r#"theme,TH-01,t,,,"[{ rule = ""R101"", reason = ""r"" }]""#,
            "'x.csv'!F2 (under `waivers`): a waiver is missing the required field `by`",
        ),
        (
            "waivers",
            r#"theme,TH-01,t,,,"[{ rule = ""R001"", reason = ""r"", by = ""b"" }]""#,
            "'x.csv'!F2 (under `waivers`): R001 parse-error cannot be waived",
        ),
        (
            "decisions",
            r#"requirement,RTM-0001,t,mvp,,"[{ about = ""category"", outcome = ""maybe"", by = ""b"", on = 2020-01-01 }]""#,
            "'x.csv'!F2 (under `decisions`): `outcome` has an invalid value \"maybe\"",
        ),
        (
            "questions",
            r#"theme,TH-01,t,,,"[{ asked = ""a"", on = 2020-01-01 }]""#,
            "'x.csv'!F2 (under `questions`): a question is missing the required field `text`",
        ),
    ];
    for (i, (column, row, want)) in cases.iter().enumerate() {
        let file = dir.path().join("x.csv");
        std::fs::write(
            &file,
            format!("kind,id,title,category,satisfies,{column}\n{row}\n"),
        )
        .unwrap();
        let into = dir.path().join(format!("t{i}"));
        let (code, out, err) = common::import(&file, &into, &[]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains(want), "{column}: {out}{err}");
        assert!(!into.exists(), "nothing written");
    }
}
