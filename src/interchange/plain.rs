//! Whether a cell's text is an inline table in the plain form an export
//! writes for `values` (`{ poa_latency_s = 180 }`), told without a TOML
//! parser.
//!
//! An import writes such a cell after `values =` as it is, once it knows
//! the text is one TOML value (a text that is not could carry other
//! fields or tables into the node's file). toml_edit tells it, at about
//! 1.4 µs a cell: 0.115 s of the 100k-node tree's import, whose 85,000
//! requirements each write one, on the thread that converts the rows
//! while the sheet is read. This scan accepts only a strict subset of
//! inline tables (bare keys, each once; decimal integers, decimal
//! fractions, `true`, `false`, and basic strings without escapes; spaces
//! between), every one of which toml_edit accepts and writes back
//! unchanged; for anything else it says no, and the text goes to
//! toml_edit as before. The tests hold it to toml_edit on generated
//! texts.

/// At most this many pairs are scanned (each key is compared with the
/// ones before it); a larger table goes to toml_edit.
const MAX_PAIRS: usize = 16;

/// Digits of a number's integer part (18 fit an `i64`) and of its
/// fraction.
const MAX_DIGITS: usize = 18;

/// Whether `text` is an inline table of plain pairs, which TOML reads as
/// one table and toml_edit writes back as `text` (no space around it).
pub fn is_plain_table(text: &str) -> bool {
    let Some(inner) = text
        .as_bytes()
        .strip_prefix(b"{")
        .and_then(|t| t.strip_suffix(b"}"))
    else {
        return false;
    };
    let mut s = Scan { b: inner, at: 0 };
    s.spaces();
    if s.done() {
        return true;
    }
    let mut keys: [&[u8]; MAX_PAIRS] = [&[]; MAX_PAIRS];
    let mut n = 0;
    loop {
        let Some(key) = s.key() else { return false };
        if n == MAX_PAIRS || keys.get(..n).is_none_or(|seen| seen.contains(&key)) {
            return false;
        }
        if let Some(slot) = keys.get_mut(n) {
            *slot = key;
        }
        n += 1;
        s.spaces();
        if !s.eat(b'=') {
            return false;
        }
        s.spaces();
        if !s.value() {
            return false;
        }
        s.spaces();
        if s.done() {
            return true;
        }
        if !s.eat(b',') {
            return false;
        }
        s.spaces();
    }
}

/// A cursor over the table's inside.
struct Scan<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at >= self.b.len()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// Bytes while `f` holds; how many.
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let from = self.at;
        while self.peek().is_some_and(&f) {
            self.at += 1;
        }
        self.at - from
    }

    fn spaces(&mut self) {
        self.take_while(|c| c == b' ');
    }

    /// A bare key: ASCII letters, digits, `_` and `-`.
    fn key(&mut self) -> Option<&'a [u8]> {
        let from = self.at;
        let n = self.take_while(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        (n > 0).then(|| self.b.get(from..self.at)).flatten()
    }

    /// A value (what follows it is the table's: a space, a comma or the
    /// end).
    fn value(&mut self) -> bool {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn word(&mut self, w: &[u8]) -> bool {
        let hit = self.b.get(self.at..).is_some_and(|r| r.starts_with(w));
        if hit {
            self.at += w.len();
        }
        hit
    }

    /// A basic string of text only: no escape, no control character
    /// (TOML's are U+0000 to U+001F and U+007F; a tab is allowed there,
    /// not here). Bytes past ASCII are those of the `&str`: UTF-8.
    fn string(&mut self) -> bool {
        self.at += 1;
        self.take_while(|c| c != b'"' && c != b'\\' && c >= 0x20 && c != 0x7F);
        self.eat(b'"')
    }

    /// `-`? then `0` or a digit 1–9 and more, up to [`MAX_DIGITS`]; then
    /// optionally `.` and 1 to [`MAX_DIGITS`] digits.
    fn number(&mut self) -> bool {
        self.eat(b'-');
        let first = self.peek();
        let n = self.take_while(|c| c.is_ascii_digit());
        if n == 0 || n > MAX_DIGITS || (first == Some(b'0') && n > 1) {
            return false;
        }
        if self.eat(b'.') {
            let f = self.take_while(|c| c.is_ascii_digit());
            return (1..=MAX_DIGITS).contains(&f);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What toml_edit makes of a cell: the text written after `key =`
    /// (its decor cleared, as the import clears it) when it reads a table.
    fn toml_edit_table(text: &str) -> Option<String> {
        let mut v: toml_edit::Value = text.parse().ok()?;
        v.decor_mut().clear();
        v.is_inline_table().then(|| v.to_string())
    }

    #[test]
    fn plain_tables_are_told_apart() {
        for yes in [
            "{ param_0 = 12 }",
            "{poa_latency_s=180}",
            "{}",
            "{ }",
            "{ a = 1, b = \"x y\" , c=true, d = false }",
            "{ a = 1.50, b = -0, c = -0.25 }",
            "{ 1 = 2, A-b_c = \"é ü 漢\" }",
            "{ a = 999999999999999999 }",
            "{ a = \"\" }",
        ] {
            assert!(is_plain_table(yes), "{yes}");
            assert_eq!(toml_edit_table(yes).as_deref(), Some(yes), "{yes}");
        }
        // Not plain: toml_edit decides (some are TOML, some are not).
        for no in [
            "",
            "{",
            "}",
            " { a = 1 }",
            "{ a = 1 } ",
            "{ a = 1,}",
            "{ a = 1, a = 2 }",
            "{ a = 01 }",
            "{ a = -01 }",
            "{ a = +1 }",
            "{ a = 1. }",
            "{ a = .5 }",
            "{ a = 1e5 }",
            "{ a = 1_000 }",
            "{ a = 0x1F }",
            "{ a = 9999999999999999999 }",
            "{ a = inf }",
            "{ a = 1979-05-27 }",
            "{ a = \"x\\\"y\" }",
            "{ a = \"\t\" }",
            "{ a = \"\u{7f}\" }",
            "{ a = 'x' }",
            "{ a = [1] }",
            "{ a = { b = 1 } }",
            "{ a.b = 1 }",
            "{ \"a\" = 1 }",
            "{\ta = 1 }",
            "{ a = 1\n}",
            "{ a = 1 # c\n}",
            "{ a = 1 b = 2 }",
            "{ a = true1 }",
            "{ a = 12x }",
            "{ a = \"x\"y }",
            "{ = 1 }",
            "{ a = }",
            "{ a 1 }",
            "{ , }",
        ] {
            assert!(!is_plain_table(no), "{no:?}");
        }
        let many: Vec<String> = (0..=MAX_PAIRS).map(|i| format!("k{i} = {i}")).collect();
        let wide = format!("{{ {} }}", many.join(", "));
        assert!(!is_plain_table(&wide));
        assert!(toml_edit_table(&wide).is_some());
    }

    /// A table built from the plain grammar's own pieces: accepted, and
    /// as toml_edit writes it.
    #[test]
    fn every_plain_table_is_accepted_as_toml_edit_writes_it() {
        let key = "[A-Za-z0-9_-]{1,6}";
        let value = prop_oneof![
            "-?(0|[1-9][0-9]{0,17})",
            "-?(0|[1-9][0-9]{0,17})\\.[0-9]{1,18}",
            Just("true".to_owned()),
            Just("false".to_owned()),
            "\"[^\"\\\\\\x00-\\x1f\\x7f]{0,8}\"",
        ];
        let pairs = prop::collection::btree_map(key, value, 0..MAX_PAIRS);
        let gap = "[ ]{0,2}";
        proptest!(ProptestConfig::with_cases(3000), |(pairs in pairs, a in gap, b in gap, c in gap)| {
            let inside: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}{a}={b}{v}")).collect();
            let text = format!("{{{c}{}{c}}}", inside.join(&format!("{a},{b}")));
            prop_assert!(is_plain_table(&text), "{:?}", text);
            prop_assert_eq!(toml_edit_table(&text), Some(text.clone()));
        });
    }

    /// Whatever the scan accepts, toml_edit reads as a table and writes
    /// back unchanged: on tables of keys and values near the plain ones
    /// (repeated keys, numbers TOML refuses or writes otherwise, strings
    /// with escapes and control characters, other separators and
    /// spaces), and on texts made of the grammar's pieces.
    #[test]
    fn what_is_accepted_toml_edit_reads_alike() {
        let key = prop::sample::select(vec![
            "a", "b", "A-1", "_", "a.b", "\"a\"", "", "é", "a b", "true",
        ]);
        let value = prop::sample::select(vec![
            "0",
            "-0",
            "7",
            "-12",
            "01",
            "-01",
            "1.5",
            "1.",
            ".5",
            "+1",
            "1e5",
            "1_0",
            "0x1F",
            "999999999999999999",
            "9999999999999999999",
            "1.999999999999999999",
            "1.9999999999999999999",
            "inf",
            "nan",
            "true",
            "false",
            "tru",
            "truex",
            "\"\"",
            "\"s p\"",
            "\"a\\b\"",
            "\"a\\q\"",
            "\"a\\\"",
            "\"\t\"",
            "\"\u{7f}\"",
            "\"\u{1}\"",
            "\"é\"",
            "'x'",
            "[1]",
            "{ b = 1 }",
            "1979-05-27",
            "",
            "\"x",
            "1 2",
        ]);
        let gap = prop::sample::select(vec!["", " ", "  ", "\t", "\n"]);
        let comma = prop::sample::select(vec![",", " , ", ",,", " ", ""]);
        let pair = (key, gap.clone(), value);
        let tables = (
            prop::collection::vec((pair, comma), 0..5),
            gap.clone(),
            gap,
            prop::bool::ANY,
        );
        proptest!(ProptestConfig::with_cases(20000), |((pairs, open, close, trailing) in tables)| {
            let mut text = format!("{{{open}");
            for (i, ((k, g, v), sep)) in pairs.iter().enumerate() {
                if i > 0 {
                    text.push_str(sep);
                }
                text.push_str(&format!("{k}{g}={g}{v}"));
            }
            if trailing {
                text.push(',');
            }
            text.push_str(&format!("{close}}}"));
            if is_plain_table(&text) {
                prop_assert_eq!(toml_edit_table(&text), Some(text.clone()));
            }
        });
        let piece = prop::sample::select(vec![
            "{", "}", " ", "\t", "\n", "=", ",", ".", "a", "_", "-", "0", "1", "\"", "\\", "'",
            "true", "e", "+", "[", "]", "#", "é", "\u{7f}", "a = 1", ", ", "0.5", "00",
        ]);
        proptest!(ProptestConfig::with_cases(20000), |(parts in prop::collection::vec(piece, 0..14))| {
            for text in [format!("{{{}}}", parts.concat()), parts.concat()] {
                if is_plain_table(&text) {
                    prop_assert_eq!(toml_edit_table(&text), Some(text.clone()));
                }
            }
        });
    }
}
