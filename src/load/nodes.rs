//! Validates one parsed node file into [`Node`]s (FORMAT §2).

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::decode::{Decoder, Value, describe, suggest};
use crate::model::{
    About, Category, Change, Classification, Decision, Deviation, Few, Kind, Limit, LinkField,
    Node, Number, Outcome, Question, Rare, Reviewed, Sp, Stage, Status, Waiver,
};
use crate::source::{Span, Str};
use crate::spec::{
    self, BOUNDS, CHANGE, DECISION, DEVIATION, Field, QUESTION, REVIEWED, Ty, WAIVER,
};

/// Reads every node of a parsed file. Nodes whose `id` could not be read
/// are dropped (after their other fields are checked).
pub fn decode_file(d: &mut Decoder<'_>, doc: &DeTable<'_>, config: &Config, nodes: &mut Vec<Node>) {
    for (key, value) in doc.iter() {
        let name = key.get_ref().as_ref();
        let Some(kind) = Kind::parse(name) else {
            let help = match suggest(name, Kind::NAMES) {
                Some(k) => format!("did you mean `[[{k}]]`?"),
                None => format!("node kinds are: {}", Kind::NAMES.join(", ")),
            };
            d.node = None;
            d.error(
                key.span(),
                format!("unknown node kind `{name}`"),
                Some(help),
            );
            continue;
        };
        let tables = match value.get_ref() {
            DeValue::Array(items) => items.as_ref(),
            other => {
                d.node = None;
                d.error(
                    key.span(),
                    format!(
                        "`{name}` must be an array of tables, not {}",
                        describe(other)
                    ),
                    Some(format!("write each node as `[[{name}]]`")),
                );
                continue;
            }
        };
        for item in tables {
            match item.get_ref() {
                DeValue::Table(t) => {
                    if let Some(node) = decode_node(d, kind, t, item.span(), config) {
                        nodes.push(node);
                    }
                }
                other => {
                    d.node = None;
                    d.error(
                        item.span(),
                        format!("a {kind} must be a table, not {}", describe(other)),
                        None,
                    );
                }
            }
        }
    }
    d.node = None;
}

fn decode_node(
    d: &mut Decoder<'_>,
    kind: Kind,
    table: &DeTable<'_>,
    span: Range<usize>,
    config: &Config,
) -> Option<Node> {
    let id = table.get("id").and_then(|v| match v.get_ref() {
        DeValue::String(s) => Some((Str::within(&d.text, s), v.span())),
        _ => None,
    });
    // Where the file starts in the text its strings are parts of.
    let base = d.text.offsets_of(&d.text).map_or(0, |(start, _)| start);
    let (mut node, keep) = match id {
        Some((id, id_span)) => (Node::new(kind, id, d.span(id_span), base), true),
        None => (
            Node::new(kind, Str::default(), d.span(span.clone()), base),
            false,
        ),
    };
    d.node = keep.then(|| node.id.to_string());
    let fields = spec::fields_of(kind);
    // How findings name the node; built only when there is one to report.
    let what = |node: &Node| {
        if keep {
            format!("{kind} {}", node.id)
        } else {
            format!("a {kind}")
        }
    };
    let at = if keep { node.id_span().range() } else { span };

    for (key, v) in table.iter() {
        let name = key.get_ref().as_ref();
        let Some(field) = fields.iter().find(|f| f.name == name) else {
            if kind == Kind::Modification && name == "status" {
                d.error(
                    key.span(),
                    format!("{}: a modification has no `status`", what(&node)),
                    Some("use `stage` (proposed, refinement, report, decision, approved, implemented, rejected, withdrawn)".into()),
                );
            } else {
                let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                d.unknown_key(key.span(), name, &what(&node), &names);
            }
            continue;
        };
        read_field(d, &mut node, field, v, config);
    }
    for f in fields.iter().filter(|f| f.required) {
        if !table.contains_key(f.name) {
            d.error(
                at.clone(),
                format!("{} is missing the required field `{}`", what(&node), f.name),
                Some(format!("add `{} = …`", f.name)),
            );
        }
    }
    keep.then_some(node)
}

fn read_field(d: &mut Decoder<'_>, node: &mut Node, field: &Field, v: &Value<'_>, config: &Config) {
    let name = field.name;
    // R104 is for `themes = []` only: a value of the wrong type, or items
    // that are not ids, are R002 alone (FORMAT §9).
    if name == "themes" && matches!(v.get_ref(), DeValue::Array(a) if a.is_empty()) {
        node.set_themes_span(d.span(v.span()));
    }
    match (name, field.ty) {
        ("id", _) if !matches!(v.get_ref(), DeValue::String(_)) => {
            d.error(
                v.span(),
                format!("`id` must be a string, not {}", describe(v.get_ref())),
                None,
            );
        }
        ("title", _) => node.set_title(d.line_str(name, v).map(|s| s.value)),
        ("text", _) => {
            let text = d.str(name, v).map(|s| s.value).unwrap_or_default();
            node.set_text(text, d.span(v.span()));
        }
        ("owner", _) => {
            if let Some(s) = d.str(name, v) {
                node.origin_mut().owner = Some(s.value);
            }
        }
        ("source", _) => {
            if let Some(s) = d.str(name, v) {
                node.origin_mut().source = Some(s.value);
            }
        }
        ("url", _) => {
            if let Some(s) = d.str(name, v) {
                node.origin_mut().url = Some(s.value);
            }
        }
        ("reqif_id", _) => {
            if let Some(s) = d.str(name, v) {
                node.origin_mut().reqif_id = Some(s.value);
            }
        }
        ("user_impact", _) => node.set_user_impact(d.str(name, v)),
        ("status", _) => {
            if let Some(s) = d.choice(name, v, Status::NAMES, Status::parse) {
                node.status = s;
            }
        }
        ("category", _) => node.category = d.choice(name, v, Category::NAMES, Category::parse),
        ("stage", _) => node.stage = d.choice(name, v, Stage::NAMES, Stage::parse),
        ("classification", _) => {
            node.classification = d.choice(
                name,
                v,
                spec::choices(Ty::Classification),
                Classification::parse_level,
            );
            // Fails closed: a level that cannot be read is treated as red.
            node.classification_invalid = node.classification.is_none();
        }
        ("tags", _) => {
            let tags = d.strings(name, v).into_iter().map(|s| s.value).collect();
            store(node, tags, |r| &mut r.tags);
        }
        ("variants", _) => node.rare_mut().variants = Some(read_variants(d, v, config).into()),
        ("values", _) => node.set_values(read_values(d, v)),
        ("limits", _) => store(node, read_limits(d, v), |r| &mut r.limits),
        ("deviations", _) => read_deviations(d, node, v),
        ("changes", _) => read_changes(d, node, v),
        ("waivers", _) => store(node, read_waivers(d, v), |r| &mut r.waivers),
        ("questions", _) => store(node, read_questions(d, v), |r| &mut r.questions),
        ("decisions", _) => store(node, read_decisions(d, v), |r| &mut r.decisions),
        ("reviewed", _) => {
            if let Some(reviewed) = read_reviewed(d, v) {
                node.rare_mut().reviewed = Some(Box::new(reviewed));
            }
        }
        (_, Ty::Ids(_)) => {
            let link_field = match name {
                "themes" => LinkField::Themes,
                "satisfies" => LinkField::Satisfies,
                "refines" => LinkField::Refines,
                _ => LinkField::Sec,
            };
            let ids = d.strs(name, v);
            node.links.reserve_exact(ids.len());
            for s in ids {
                node.push_link(link_field, s.value, s.span);
            }
        }
        _ => {}
    }
}

fn read_variants(d: &mut Decoder<'_>, v: &Value<'_>, config: &Config) -> Vec<String> {
    let declared = &config.project.variants;
    let items = d.strings("variants", v);
    if declared.is_empty() {
        d.error(
            v.span(),
            "`variants` is set, but the project declares no variants".into(),
            Some("declare them in rtm.toml: [project] variants = [\"SB\", \"DB\"]".into()),
        );
        return items.into_iter().map(|s| s.value).collect();
    }
    for s in &items {
        if !declared.contains(&s.value) {
            let known: Vec<&str> = declared.iter().map(String::as_str).collect();
            d.error(
                s.span.range(),
                format!("\"{}\" is not one of the project's variants", s.value),
                Some(format!("the project's variants are: {}", known.join(", "))),
            );
        }
    }
    items.into_iter().map(|s| s.value).collect()
}

fn read_values(d: &mut Decoder<'_>, v: &Value<'_>) -> Vec<(Str, Number, Span)> {
    let Some(table) = d.table("values", v) else {
        return Vec::new();
    };
    table
        .iter()
        .filter_map(|(key, value)| {
            let param = Str::within(&d.text, key.get_ref());
            let n = d.number(&format!("values.{param}"), value)?;
            Some((param, n, d.span(value.span())))
        })
        .collect()
}

/// Stores a rarely written list in the node's box of rare fields: made
/// only for a list that holds something, so that a node writing none of
/// them has no box.
fn store<T>(node: &mut Node, items: Vec<T>, place: impl FnOnce(&mut Rare) -> &mut Few<T>) {
    if !items.is_empty() {
        *place(node.rare_mut()) = items.into();
    }
}

fn read_limits(d: &mut Decoder<'_>, v: &Value<'_>) -> Vec<Limit> {
    let Some(table) = d.table("limits", v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in table.iter() {
        let param = key.get_ref().to_string();
        let what = format!("limits.{param}");
        let Some(bounds) = d.table(&what, value) else {
            continue;
        };
        let mut limit = Limit {
            param,
            min: None,
            max: None,
            equals: None,
            span: d.span(value.span()),
        };
        // A bound already refused (an unknown key, not a number) is the
        // one finding: not also "sets no bound".
        let mut refused = false;
        for (bk, bv) in bounds.iter() {
            let b = bk.get_ref().as_ref();
            if !BOUNDS.contains(&b) {
                d.unknown_key(bk.span(), b, &format!("`{what}`"), BOUNDS);
                refused = true;
                continue;
            }
            let n = d.number(&format!("{what}.{b}"), bv);
            refused |= n.is_none();
            match b {
                "min" => limit.min = n,
                "max" => limit.max = n,
                _ => limit.equals = n,
            }
        }
        if let (Some(min), Some(max)) = (limit.min, limit.max)
            && min > max
        {
            d.error(
                value.span(),
                format!("`{what}` has min greater than max"),
                None,
            );
            continue;
        }
        if let Some(e) = limit.equals
            && (limit.min.is_some_and(|m| e < m) || limit.max.is_some_and(|m| e > m))
        {
            d.error(
                value.span(),
                format!("`{what}` has equals outside its min and max"),
                Some("no figure could keep within this limit: fix a bound".into()),
            );
            continue;
        }
        if limit.min.is_none() && limit.max.is_none() && limit.equals.is_none() {
            if refused {
                continue;
            }
            d.error(
                value.span(),
                format!("`{what}` sets no bound"),
                Some("give at least one of min, max, equals".into()),
            );
            continue;
        }
        out.push(limit);
    }
    out
}

fn read_deviations(d: &mut Decoder<'_>, node: &mut Node, v: &Value<'_>) {
    for (table, span) in d.tables("deviations", v) {
        let mut dev = Deviation {
            span: Some(d.span(span.clone())),
            ..Deviation::default()
        };
        d.check_keys(table, DEVIATION, "a deviation", span);
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "sec" => {
                    if let Some(s) = d.str("sec", value) {
                        dev.sec = Some(node.links.len());
                        node.push_link(LinkField::DeviationSec, s.value, s.span);
                    }
                }
                "modification" => {
                    if let Some(s) = d.str("modification", value) {
                        dev.modification = Some(node.links.len());
                        node.push_link(LinkField::DeviationModification, s.value, s.span);
                    }
                }
                "summary" => dev.summary = d.string("summary", value),
                "rationale" => dev.rationale = d.string("rationale", value),
                _ => {}
            }
        }
        node.rare_mut().deviations.push(dev);
    }
}

/// Reads a modification's `changes` (FORMAT §16): each names an
/// obligation (a link) and either new `limits` or `withdraws = true`, never
/// both and never neither.
fn read_changes(d: &mut Decoder<'_>, node: &mut Node, v: &Value<'_>) {
    for (table, span) in d.tables("changes", v) {
        let mut change = Change {
            span: Some(d.span(span.clone())),
            ..Change::default()
        };
        d.check_keys(table, CHANGE, "a change", span.clone());
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "sec" => {
                    if let Some(s) = d.str("sec", value) {
                        change.sec = Some(node.links.len());
                        node.push_link(LinkField::ChangeSec, s.value, s.span);
                    }
                }
                "limits" => change.limits = read_limits(d, value),
                "withdraws" => match value.get_ref() {
                    DeValue::Boolean(true) => change.withdraws = true,
                    DeValue::Boolean(false) => d.error(
                        value.span(),
                        "`withdraws = false` changes nothing".into(),
                        Some("write `withdraws = true` to withdraw the obligation, or give its new `limits` instead".into()),
                    ),
                    other => d.error(
                        value.span(),
                        format!("`withdraws` must be true, not {}", describe(other)),
                        None,
                    ),
                },
                _ => {}
            }
        }
        match (table.get("limits"), table.get("withdraws")) {
            (Some(_), Some(w)) => d.error(
                w.span(),
                "a change has both `limits` and `withdraws`".into(),
                Some("a change either sets new limits or withdraws the obligation: keep one".into()),
            ),
            (None, None) => d.error(
                span,
                "a change has neither `limits` nor `withdraws`".into(),
                Some("give the obligation's new `limits = { quantity = { max = … } }`, or `withdraws = true`".into()),
            ),
            _ => {}
        }
        node.rare_mut().changes.push(change);
    }
}

fn read_waivers(d: &mut Decoder<'_>, v: &Value<'_>) -> Vec<Waiver> {
    let mut out = Vec::new();
    for (table, span) in d.tables("waivers", v) {
        let errors = d.findings.len();
        d.check_keys(table, WAIVER, "a waiver", span.clone());
        let mut w = Waiver {
            span: d.span(span),
            rule: None,
            reason: None,
            by: None,
            until: None,
            valid: false,
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "rule" => {
                    if let Some(s) = d.string("rule", value) {
                        if crate::registry::lookup(&s.value).is_none() {
                            d.error(
                                value.span(),
                                format!("unknown rule \"{}\"", s.value),
                                Some("`rtm rules` lists every rule".into()),
                            );
                        }
                        w.rule = Some(s);
                    }
                }
                "reason" => w.reason = d.string("reason", value).map(|s| s.value),
                "by" => w.by = d.string("by", value).map(|s| s.value),
                "until" => w.until = d.date("until", value),
                _ => {}
            }
        }
        w.valid = d.findings.len() == errors;
        out.push(w);
    }
    out
}

/// A string that must not be empty or only white space (FORMAT §9).
fn filled(d: &mut Decoder<'_>, name: &str, v: &Value<'_>, help: &str) -> Option<Sp<String>> {
    let s = d.string(name, v)?;
    if s.value.trim().is_empty() {
        d.error(
            v.span(),
            format!("`{name}` of a question is empty"),
            Some(help.into()),
        );
        return None;
    }
    Some(s)
}

/// Reads `questions` (FORMAT §17). `answered` is required with `answer`,
/// and `answered` without `answer` is an error too. An empty `answer` is
/// an error and no answer: the question stays open.
fn read_questions(d: &mut Decoder<'_>, v: &Value<'_>) -> Vec<Question> {
    let mut out = Vec::new();
    for (table, span) in d.tables("questions", v) {
        d.check_keys(table, QUESTION, "a question", span.clone());
        let mut q = Question {
            span: d.span(span.clone()),
            asked: None,
            on: None,
            to: None,
            text: None,
            due: None,
            answer: None,
            answered: None,
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "asked" => q.asked = d.string("asked", value).map(|s| s.value),
                "on" => q.on = d.date("on", value).map(|s| s.value),
                "to" => q.to = d.string("to", value).map(|s| s.value),
                "text" => q.text = filled(d, "text", value, "write the question"),
                "due" => q.due = d.date("due", value).map(|s| s.value),
                "answer" => {
                    q.answer = filled(
                        d,
                        "answer",
                        value,
                        "write the answer, or leave `answer` out while the question is open",
                    )
                    .map(|s| s.value);
                }
                "answered" => q.answered = d.date("answered", value).map(|s| s.value),
                _ => {}
            }
        }
        match (table.contains_key("answer"), table.get("answered")) {
            (true, None) => d.error(
                span,
                "a question with an `answer` is missing the required field `answered`".into(),
                Some("add `answered = YYYY-MM-DD`, the date of the answer".into()),
            ),
            (false, Some(at)) => d.error(
                at.span(),
                "`answered` is set, but the question has no `answer`".into(),
                Some("add the `answer`, or delete `answered`".into()),
            ),
            _ => {}
        }
        out.push(q);
    }
    out
}

/// Reads `decisions` (FORMAT §15). A decision with a schema error (R002)
/// is kept, marked invalid: it decides nothing.
fn read_decisions(d: &mut Decoder<'_>, v: &Value<'_>) -> Vec<Decision> {
    let mut out = Vec::new();
    for (table, span) in d.tables("decisions", v) {
        let errors = d.findings.len();
        d.check_keys(table, DECISION, "a decision", span.clone());
        let mut dec = Decision {
            span: d.span(span),
            about: None,
            outcome: None,
            by: None,
            on: None,
            note: None,
            fingerprint: None,
            valid: false,
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "about" => {
                    if let Some(s) = d.string("about", value) {
                        match About::parse(&s.value) {
                            Some(about) => {
                                dec.about = Some(Sp {
                                    value: about,
                                    span: s.span,
                                });
                            }
                            None => d.error(
                                value.span(),
                                format!("`about` has an invalid value \"{}\"", s.value),
                                Some(
                                    "expected `deviation:<SEC id>`, `category` or `user-impact`"
                                        .into(),
                                ),
                            ),
                        }
                    }
                }
                "outcome" => {
                    dec.outcome = d.choice("outcome", value, Outcome::NAMES, Outcome::parse);
                }
                "by" => dec.by = d.string("by", value).map(|s| s.value),
                "on" => dec.on = d.date("on", value).map(|s| s.value),
                "note" => dec.note = d.string("note", value).map(|s| s.value),
                "fingerprint" => {
                    dec.fingerprint = d.string("fingerprint", value).map(|s| s.value);
                }
                _ => {}
            }
        }
        dec.valid = d.findings.len() == errors;
        out.push(dec);
    }
    out
}

fn read_reviewed(d: &mut Decoder<'_>, v: &Value<'_>) -> Option<Reviewed> {
    let table = d.table("reviewed", v)?;
    d.check_keys(table, REVIEWED, "`reviewed`", v.span());
    let mut r = Reviewed {
        span: d.span(v.span()),
        by: None,
        on: None,
        fingerprint: None,
        links: Vec::new(),
    };
    for (key, value) in table.iter() {
        match key.get_ref().as_ref() {
            "by" => r.by = d.string("by", value).map(|s| s.value),
            "on" => r.on = d.date("on", value).map(|s| s.value),
            "fingerprint" => r.fingerprint = d.string("fingerprint", value).map(|s| s.value),
            "links" => {
                if let Some(links) = d.table("reviewed.links", value) {
                    for (id, fp) in links.iter() {
                        if let Some(Sp { value, span }) = d.string("reviewed.links", fp) {
                            r.links.push((id.get_ref().to_string(), value, span));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Some(r)
}

/// What the loader would say of `value` (TOML text) as the field `field`
/// of a node of `kind`: its schema errors (R002), each as a message. An
/// importer that writes the value calls this, so that it never writes a
/// field the loader refuses.
pub fn field_errors(kind: Kind, field: &str, value: &str, config: &Config) -> Vec<String> {
    let Some(f) = spec::fields_of(kind).iter().find(|f| f.name == field) else {
        return vec![format!("a {kind} has no field `{field}`")];
    };
    let text = std::sync::Arc::new(format!("x = {value}\n"));
    let doc = match DeTable::parse(&text) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not TOML: {}", e.message())],
    };
    let Some(v) = doc.get_ref().get("x") else {
        return vec!["not a TOML value".to_owned()];
    };
    let mut findings = Vec::new();
    let file = crate::source::Sources::default()
        .add(crate::source::SourceFile::new(String::new(), String::new()));
    let mut d = Decoder::with_text(
        file,
        Str::whole(std::sync::Arc::clone(&text)),
        &mut findings,
    );
    let mut node = Node::new(kind, Str::default(), Span::file_start(file), 0);
    read_field(&mut d, &mut node, f, v, config);
    // A waiver of a rule that cannot be waived is R002 too, raised where
    // waivers are applied.
    findings.extend(
        node.waivers()
            .iter()
            .filter_map(|w| crate::waivers::unwaivable(&node, w)),
    );
    findings.into_iter().map(|f| f.message).collect()
}
