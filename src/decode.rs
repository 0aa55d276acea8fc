//! Typed reading of spanned TOML values, reporting every problem as an R002
//! finding at the offending key or value. Shared by node files and
//! `rtm.toml`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::finding::Finding;
use crate::model::{Number, Sp};
use crate::registry::Code;

use crate::source::{FileId, Span, Str};
use crate::spec::Field;

pub type Value<'i> = Spanned<DeValue<'i>>;

/// Where decoded findings go, for one file.
pub struct Decoder<'f> {
    pub file: FileId,
    pub findings: &'f mut Vec<Finding>,
    /// The node being read, named in findings.
    pub node: Option<String>,
    /// The text being decoded: strings read with [`Decoder::str`] are
    /// spans of it.
    pub text: Str,
}

/// What a TOML value is, in words: "a string", "an integer".
pub fn describe(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl<'f> Decoder<'f> {
    pub fn new(file: FileId, findings: &'f mut Vec<Finding>) -> Self {
        Decoder {
            file,
            findings,
            node: None,
            text: Str::default(),
        }
    }

    /// A decoder whose strings read with [`Decoder::str`] share `text`,
    /// the text the values were parsed from.
    pub fn with_text(file: FileId, text: Str, findings: &'f mut Vec<Finding>) -> Self {
        Decoder {
            text,
            ..Decoder::new(file, findings)
        }
    }

    /// A string as a [`Str`] of the decoded text.
    pub fn str(&mut self, name: &str, v: &Value<'_>) -> Option<Sp<Str>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: Str::within(&self.text, s),
                span: self.span(v.span()),
            }),
            _ => {
                self.wrong_type(name, "a string", v);
                None
            }
        }
    }

    /// [`Decoder::line`] as a [`Str`].
    pub fn line_str(&mut self, name: &str, v: &Value<'_>) -> Option<Sp<Str>> {
        let s = self.str(name, v)?;
        self.one_line(name, v, &s.value);
        Some(s)
    }

    /// R002 when a value that must be one line holds a line break: any
    /// Unicode mandatory break (line feed, carriage return, vertical tab,
    /// form feed, next line, line and paragraph separators).
    fn one_line(&mut self, name: &str, v: &Value<'_>, s: &str) {
        if s.contains(LINE_BREAKS) {
            self.error(
                v.span(),
                format!("`{name}` must be one line"),
                Some("move the detail into `text`".into()),
            );
        }
    }

    /// [`Decoder::strings`] as [`Str`]s.
    pub fn strs(&mut self, name: &str, v: &Value<'_>) -> Vec<Sp<Str>> {
        let Some(items) = self.array(name, v) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(s) => Some(Sp {
                    value: Str::within(&self.text, s),
                    span: self.span(item.span()),
                }),
                _ => {
                    self.error(
                        item.span(),
                        format!(
                            "`{name}` must hold strings, not {}",
                            describe(item.get_ref())
                        ),
                        None,
                    );
                    None
                }
            })
            .collect()
    }

    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    /// Reports an R002 finding.
    pub fn error(&mut self, range: Range<usize>, message: String, help: Option<String>) {
        let mut f = Finding::new(Code::R002, self.span(range), message);
        if let Some(node) = &self.node {
            f = f.node(node.clone());
        }
        if let Some(help) = help {
            f = f.help(help);
        }
        self.findings.push(f);
    }

    fn wrong_type(&mut self, name: &str, expected: &str, v: &Value<'_>) {
        self.error(
            v.span(),
            format!("`{name}` must be {expected}, not {}", describe(v.get_ref())),
            None,
        );
    }

    /// Reports every key of `table` that `fields` does not name, and every
    /// required field that is missing (pointing at `at`). `what` names the
    /// table in messages ("requirement RTM-0001", "a deviation").
    pub fn check_keys(
        &mut self,
        table: &DeTable<'_>,
        fields: &[Field],
        what: &str,
        at: Range<usize>,
    ) {
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if !fields.iter().any(|f| f.name == name) {
                let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                self.unknown_key(key.span(), name, what, &names);
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if !table.contains_key(f.name) {
                self.error(
                    at.clone(),
                    format!("{what} is missing the required field `{}`", f.name),
                    Some(format!("add `{} = …`", f.name)),
                );
            }
        }
    }

    /// Reports an unknown key, suggesting the closest known one.
    pub fn unknown_key(&mut self, range: Range<usize>, name: &str, what: &str, known: &[&str]) {
        let help = match suggest(name, known) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        self.error(
            range,
            format!("unknown field `{name}` in {what}"),
            Some(help),
        );
    }

    pub fn string(&mut self, name: &str, v: &Value<'_>) -> Option<Sp<String>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: s.to_string(),
                span: self.span(v.span()),
            }),
            _ => {
                self.wrong_type(name, "a string", v);
                None
            }
        }
    }

    /// A string that must hold no line break.
    pub fn line(&mut self, name: &str, v: &Value<'_>) -> Option<Sp<String>> {
        let s = self.string(name, v)?;
        self.one_line(name, v, &s.value);
        Some(s)
    }

    /// A string that must be one of `ty`'s choices.
    pub fn choice<T>(
        &mut self,
        name: &str,
        v: &Value<'_>,
        allowed: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.string(name, v)?;
        match parse(&s.value) {
            Some(t) => Some(t),
            None => {
                let help = match suggest(&s.value.to_lowercase(), allowed) {
                    Some(c) => format!("did you mean \"{c}\"? (values are lower-case)"),
                    None => format!("expected one of: {}", allowed.join(", ")),
                };
                self.error(
                    v.span(),
                    format!("`{name}` has an invalid value \"{}\"", s.value),
                    Some(help),
                );
                None
            }
        }
    }

    /// An array whose items are each read by `item`.
    pub fn array<'v, 'i: 'v>(&mut self, name: &str, v: &'v Value<'i>) -> Option<&'v [Value<'i>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(a.as_ref()),
            _ => {
                self.wrong_type(name, "an array", v);
                None
            }
        }
    }

    pub fn strings(&mut self, name: &str, v: &Value<'_>) -> Vec<Sp<String>> {
        self.strs(name, v)
            .into_iter()
            .map(|s| Sp {
                value: s.value.to_string(),
                span: s.span,
            })
            .collect()
    }

    pub fn table<'v, 'i: 'v>(&mut self, name: &str, v: &'v Value<'i>) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(name, "a table", v);
                None
            }
        }
    }

    /// An array of tables (`[[a.b]]` or an array of inline tables).
    pub fn tables<'v, 'i: 'v>(
        &mut self,
        name: &str,
        v: &'v Value<'i>,
    ) -> Vec<(&'v DeTable<'i>, Range<usize>)> {
        let Some(items) = self.array(name, v) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::Table(t) => out.push((t, item.span())),
                other => self.error(
                    item.span(),
                    format!("`{name}` must hold tables, not {}", describe(other)),
                    None,
                ),
            }
        }
        out
    }

    /// A finite number, integer or float. An integer is kept exact; one
    /// outside the 64-bit range is R002.
    pub fn number(&mut self, name: &str, v: &Value<'_>) -> Option<Number> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(Number::Int),
            DeValue::Float(f) => f
                .as_str()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Number::Float),
            _ => {
                self.wrong_type(name, "a number", v);
                return None;
            }
        };
        if n.is_none() {
            self.error(v.span(), format!("`{name}` must be a finite number"), None);
        }
        n
    }

    /// A positive integer.
    pub fn count(&mut self, name: &str, v: &Value<'_>) -> Option<u64> {
        match v.get_ref() {
            DeValue::Integer(i) => match u64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    self.error(
                        v.span(),
                        format!("`{name}` must be a positive integer"),
                        None,
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(name, "a positive integer", v);
                None
            }
        }
    }

    /// A TOML local date (`2021-03-31`), returned as written.
    pub fn date(&mut self, name: &str, v: &Value<'_>) -> Option<Sp<String>> {
        match v.get_ref() {
            DeValue::Datetime(d) if d.date.is_some() && d.time.is_none() && d.offset.is_none() => {
                Some(Sp {
                    value: d.to_string(),
                    span: self.span(v.span()),
                })
            }
            _ => {
                self.error(
                    v.span(),
                    format!(
                        "`{name}` must be a date such as 2021-03-31, not {}",
                        describe(v.get_ref())
                    ),
                    None,
                );
                None
            }
        }
    }
}

/// The characters that end a line (Unicode's mandatory breaks).
pub const LINE_BREAKS: [char; 7] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// The known name closest to `name`, if it is close enough to be a typo.
pub fn suggest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        let known = ["satisfies", "refines", "sec"];
        assert_eq!(suggest("satisifes", &known), Some("satisfies"));
        assert_eq!(suggest("refine", &known), Some("refines"));
        assert_eq!(suggest("owner", &known), None);
    }
}
