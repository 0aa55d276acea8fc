//! JSON Schemas for node files and `rtm.toml`, built from the field tables
//! in [`crate::spec`]. Editors use them through taplo's `#:schema` directive.
//! `rtm schema node` and `rtm schema config` print them; the files in
//! `schemas/` are their output, and a test keeps the two equal.

use serde_json::{Map, Value, json};

use crate::model::Kind;
use crate::rules::RULES;
use crate::spec::{
    self, CHANGE, CONFIG, DECISION, DEVIATION, Field, QUESTION, REVIEWED, Ty, WAIVER,
};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

fn ty(t: Ty) -> Value {
    match t {
        Ty::Str => json!({ "type": "string" }),
        Ty::Line => json!({ "type": "string", "pattern": "^[^\\r\\n]*$" }),
        Ty::Text => json!({ "type": "string", "description": "Markdown." }),
        Ty::Enum(_) | Ty::Classification | Ty::Level => {
            json!({ "type": "string", "enum": spec::choices(t) })
        }
        Ty::Ids(kind) => json!({
            "type": "array",
            "items": { "type": "string", "description": format!("A {kind} id.") }
        }),
        Ty::Id(kind) => json!({ "type": "string", "description": format!("A {kind} id.") }),
        Ty::Strings => json!({ "type": "array", "items": { "type": "string" } }),
        Ty::Variants => json!({
            "type": "array",
            "items": { "type": "string", "description": "One of the project's variants." }
        }),
        Ty::Values => json!({ "type": "object", "additionalProperties": { "type": "number" } }),
        Ty::Limits => json!({
            "type": "object",
            "additionalProperties": { "$ref": "#/definitions/limit" }
        }),
        Ty::Deviations => {
            json!({ "type": "array", "items": { "$ref": "#/definitions/deviation" } })
        }
        Ty::Changes => json!({ "type": "array", "items": { "$ref": "#/definitions/change" } }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Waivers => json!({ "type": "array", "items": { "$ref": "#/definitions/waiver" } }),
        Ty::Questions => {
            json!({ "type": "array", "items": { "$ref": "#/definitions/question" } })
        }
        Ty::Decisions => {
            json!({ "type": "array", "items": { "$ref": "#/definitions/decision" } })
        }
        Ty::About => json!({
            "type": "string",
            "pattern": "^(category|user-impact|deviation:[^\\s]+)$"
        }),
        Ty::Reviewed => json!({ "$ref": "#/definitions/reviewed" }),
        Ty::Date => json!({ "type": "string", "format": "date" }),
        Ty::Fingerprints => {
            json!({ "type": "object", "additionalProperties": { "type": "string" } })
        }
        Ty::Rule => {
            let names: Vec<&str> = RULES.iter().flat_map(|r| [r.code, r.name]).collect();
            json!({ "type": "string", "enum": names })
        }
        Ty::Regex => json!({ "type": "string", "format": "regex" }),
        Ty::Count => json!({ "type": "integer", "minimum": 1 }),
        Ty::Handling => json!({
            "type": "object",
            "properties": {
                "white": { "type": "string" },
                "green": { "type": "string" },
                "amber": { "type": "string" },
                "red": { "type": "string" },
                "clear": { "type": "string" }
            },
            "additionalProperties": false
        }),
    }
}

fn object<'a>(fields: impl IntoIterator<Item = &'a Field>, doc: &str) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in fields {
        let mut s = ty(f.ty);
        if let Some(o) = s.as_object_mut() {
            o.insert("description".into(), Value::String(f.doc.into()));
        }
        properties.insert(f.name.into(), s);
        if f.required {
            required.push(Value::String(f.name.into()));
        }
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("description".into(), json!(doc));
    o.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        o.insert("required".into(), Value::Array(required));
    }
    o.insert("additionalProperties".into(), json!(false));
    Value::Object(o)
}

fn kind_doc(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "A business theme of the programme.",
        Kind::Business => "A business requirement.",
        Kind::Requirement => "A detailed RTM entry.",
        Kind::Sec => "An existing SEC obligation.",
        Kind::Modification => "An SEC Modification proposal.",
    }
}

/// The schema of a node file.
pub fn node() -> Value {
    let mut definitions = Map::new();
    let mut properties = Map::new();
    for &kind in Kind::ALL {
        definitions.insert(
            kind.as_str().into(),
            object(spec::fields(kind), kind_doc(kind)),
        );
        properties.insert(
            kind.as_str().into(),
            json!({
                "type": "array",
                "description": kind_doc(kind),
                "items": { "$ref": format!("#/definitions/{kind}") }
            }),
        );
    }
    definitions.insert(
        "deviation".into(),
        object(DEVIATION, "A departure from an SEC obligation."),
    );
    let mut change = object(
        CHANGE,
        "What a modification would change in one SEC obligation: new limits, or its withdrawal (one of the two).",
    );
    if let Some(o) = change.as_object_mut() {
        o.insert(
            "oneOf".into(),
            json!([
                { "required": ["limits"], "not": { "required": ["withdraws"] } },
                { "required": ["withdraws"], "properties": { "withdraws": { "const": true } }, "not": { "required": ["limits"] } }
            ]),
        );
    }
    definitions.insert("change".into(), change);
    definitions.insert(
        "waiver".into(),
        object(WAIVER, "A finding accepted on the record."),
    );
    definitions.insert(
        "question".into(),
        object(QUESTION, "A question asked about the node, and its answer."),
    );
    definitions.insert(
        "decision".into(),
        object(
            DECISION,
            "A decision of the OPSG about one item of the entry.",
        ),
    );
    definitions.insert("reviewed".into(), object(REVIEWED, "A review stamp."));
    let bounds: Vec<Field> = spec::BOUNDS
        .iter()
        .map(|b| Field {
            name: b,
            ty: Ty::Str,
            required: false,
            doc: "",
        })
        .collect();
    let mut limit = object(&bounds, "Bounds on one parameter.");
    if let Some(props) = limit.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, v) in props.iter_mut() {
            *v = json!({ "type": "number", "description": format!("The {name} bound.") });
        }
    }
    if let Some(o) = limit.as_object_mut() {
        o.insert("minProperties".into(), json!(1));
    }
    definitions.insert("limit".into(), limit);
    json!({
        "$schema": DRAFT,
        "title": "rtm node file",
        "description": "A requirement tree node file: arrays of tables, one array per node kind.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "definitions": definitions,
    })
}

/// The schema of `rtm.toml`.
pub fn config() -> Value {
    let mut properties = Map::new();
    for section in CONFIG {
        let s = match section.free {
            Some(t) => json!({
                "type": "object",
                "description": section.doc,
                "propertyNames": { "enum": RULES.iter().flat_map(|r| [r.code, r.name]).collect::<Vec<_>>() },
                "additionalProperties": ty(t),
            }),
            None => object(section.fields, section.doc),
        };
        properties.insert(section.name.into(), s);
    }
    json!({
        "$schema": DRAFT,
        "title": "rtm project file (rtm.toml)",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

/// A schema as written to `schemas/`: pretty JSON and a final newline.
pub fn to_text(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}
