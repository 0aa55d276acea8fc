//! Spreadsheets in and out (INTERCHANGE §1–§2): `rtm export xlsx|csv` and
//! `rtm import`.
//!
//! A node is exported from the table its file holds (not from the model),
//! so that every field is kept, even one this version does not know; an
//! import builds the same tables back from the cells.

pub mod export;
pub mod import;
mod merged;
mod plain;
mod readback;
mod sheetxml;
pub mod tables;

/// The `Nodes` sheet's columns, in order (INTERCHANGE §2); any other field
/// a node holds follows them (sorted by name), then [`FILE_COLUMN`].
pub const NODE_COLUMNS: &[&str] = &[
    "kind",
    "id",
    "title",
    "text",
    "status",
    "owner",
    "classification",
    "tags",
    "category",
    "themes",
    "satisfies",
    "refines",
    "sec",
    "variants",
    "user_impact",
    "values",
    "source",
    "limits",
    "stage",
    "deviations",
    "waivers",
    "reviewed",
    "decisions",
];

/// The last column of `Nodes`: the node's file, relative to the tree, so
/// that an import puts every node back where it was.
pub const FILE_COLUMN: &str = "file";

/// Fields whose value is a list of strings, written `a, b, c` in a cell.
pub const LIST_FIELDS: &[&str] = &["tags", "themes", "satisfies", "refines", "sec", "variants"];

/// List fields whose items are ids.
pub const LINK_FIELDS: &[&str] = &["themes", "satisfies", "refines", "sec"];

/// Fields whose value is a string.
pub const STRING_FIELDS: &[&str] = &[
    "id",
    "title",
    "text",
    "status",
    "owner",
    "classification",
    "category",
    "user_impact",
    "source",
    "stage",
    "url",
];

/// Every field name an import reads from a column (the others are
/// reported and left out): the fields of every kind, and the columns the
/// export writes.
pub fn known_field(name: &str) -> bool {
    NODE_COLUMNS.contains(&name)
        || name == FILE_COLUMN
        || crate::model::Kind::ALL
            .iter()
            .any(|&k| crate::spec::fields_of(k).iter().any(|f| f.name == name))
}

/// The custom document property in which an xlsx export states the level
/// of a node that names no `classification` of its own (the exporting
/// project's default, FORMAT §10), so that an import keeps it.
pub const DEFAULT_LEVEL_PROPERTY: &str = "rtm default classification";

/// The custom document property in which an xlsx export states its
/// project's name, so that an import into a new tree keeps it.
pub const NAME_PROPERTY: &str = "rtm project";

/// The custom document property in which an xlsx export states its
/// project's variants, in order, as a TOML array (`["SB", "DB"]`), so
/// that an import into a new tree keeps them.
pub const VARIANTS_PROPERTY: &str = "rtm variants";

/// The largest size of `docProps/custom.xml` read for those properties.
const CUSTOM_PROPERTIES_LIMIT: u64 = 1 << 20;

/// What an export states about the project it came from, so that an
/// import keeps it: the level of its nodes that name none, its name and
/// its variants. Each `None` when the input states none (a file rtm did
/// not write).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stated {
    pub default: Option<crate::model::Classification>,
    pub name: Option<String>,
    pub variants: Option<Vec<String>>,
}

impl Stated {
    /// A new tree's variants: those stated, in their order, then any the
    /// imported nodes name that are not among them (in the order given).
    pub fn variants_with(&self, named: &[String]) -> Vec<String> {
        let mut out = self.variants.clone().unwrap_or_default();
        for v in named {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }
}

/// A list of variants as a TOML array: `["SB", "DB"]`.
pub fn variants_text(variants: &[String]) -> String {
    toml::Value::Array(variants.iter().cloned().map(toml::Value::String).collect()).to_string()
}

/// Reads [`variants_text`]: `None` unless it is an array of strings.
pub fn parse_variants(text: &str) -> Option<Vec<String>> {
    let table: toml::Table = toml::from_str(&format!("v = {}", text.trim())).ok()?;
    table
        .get("v")?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// What an xlsx or xlsm workbook states in its custom document
/// properties; nothing for any other file.
pub fn stated(path: &std::path::Path) -> Stated {
    use std::io::Read;
    let read = || -> Option<String> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        if ext != "xlsx" && ext != "xlsm" {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        let mut zip = zip::ZipArchive::new(file).ok()?;
        let entry = zip.by_name("docProps/custom.xml").ok()?;
        let mut xml = String::new();
        entry
            .take(CUSTOM_PROPERTIES_LIMIT)
            .read_to_string(&mut xml)
            .ok()?;
        Some(xml)
    };
    let Some(xml) = read() else {
        return Stated::default();
    };
    Stated {
        default: property_value(&xml, DEFAULT_LEVEL_PROPERTY)
            .and_then(|v| crate::model::Classification::parse_level(v.trim())),
        name: property_value(&xml, NAME_PROPERTY).filter(|n| !n.trim().is_empty()),
        variants: property_value(&xml, VARIANTS_PROPERTY).and_then(|v| parse_variants(&v)),
    }
}

/// The text of the custom property `name` in a `docProps/custom.xml`.
fn property_value(xml: &str, name: &str) -> Option<String> {
    use quick_xml::events::Event;
    let is = |n: quick_xml::name::LocalName<'_>, want: &str| AsRef::<str>::as_ref(&n) == want;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut value = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if is(e.local_name(), "property") => {
                inside = e.attributes().flatten().any(|a| {
                    is(a.key.local_name(), "name")
                        && a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .is_ok_and(|v| v == name)
                });
            }
            Event::Text(t) if inside => value.push_str(&t.xml10_content()),
            Event::End(e) if inside && is(e.local_name(), "property") => return Some(value),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// A column letter: 0 → `A`, 26 → `AA`.
pub fn column_letter(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// `SHEET!C12`, from 0-based row and column.
pub fn cell_ref(sheet: &str, row: usize, col: usize) -> String {
    let simple = sheet.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let sheet = if simple {
        sheet.to_owned()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    };
    format!("{sheet}!{}{}", column_letter(col), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_references() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(cell_ref("RTM", 11, 2), "RTM!C12");
        assert_eq!(cell_ref("My RTM", 0, 0), "'My RTM'!A1");
    }

    #[test]
    fn a_custom_property_is_read_by_name() {
        let xml = r#"<?xml version="1.0"?><Properties xmlns:vt="v"><property fmtid="f" pid="2" name="other"><vt:lpwstr>red</vt:lpwstr></property><property fmtid="f" pid="3" name="rtm default classification"><vt:lpwstr>amber</vt:lpwstr></property></Properties>"#;
        assert_eq!(
            property_value(xml, DEFAULT_LEVEL_PROPERTY).as_deref(),
            Some("amber")
        );
        assert_eq!(property_value(xml, "missing"), None);
    }
}
