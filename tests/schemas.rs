//! The JSON Schemas in `schemas/` are generated from the field tables in
//! the code; this test fails when the committed files drift from them.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn check(file: &str, which: &str, generated: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rtm::schema::to_text(generated),
        "schemas/{file} is out of date; regenerate it with:\n    cargo run -- schema {which} > schemas/{file}"
    );
}

#[test]
fn node_schema_is_up_to_date() {
    check("node.schema.json", "node", &rtm::schema::node());
}

#[test]
fn config_schema_is_up_to_date() {
    check("rtm.schema.json", "config", &rtm::schema::config());
}

/// Every node kind, every field and every rule appear in the schemas.
#[test]
fn schemas_cover_the_format() {
    let node = rtm::schema::node();
    for &kind in rtm::model::Kind::ALL {
        let props = &node["definitions"][kind.as_str()]["properties"];
        for field in rtm::spec::fields(kind) {
            assert!(props.get(field.name).is_some(), "{kind}.{}", field.name);
        }
        assert_eq!(
            node["definitions"][kind.as_str()]["additionalProperties"],
            false
        );
    }
    assert!(
        node["definitions"]["modification"]["properties"]
            .get("status")
            .is_none()
    );
    let config = rtm::schema::config();
    let names = config["properties"]["rules"]["propertyNames"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(names.len(), 2 * rtm::rules::RULES.len());
}

/// `questions` (FORMAT §17) is an array of question tables on every kind;
/// `asked`, `on` and `text` are required, and no other key is allowed.
#[test]
fn questions_are_in_the_node_schema() {
    let node = rtm::schema::node();
    for &kind in rtm::model::Kind::ALL {
        assert_eq!(
            node["definitions"][kind.as_str()]["properties"]["questions"]["items"]["$ref"],
            "#/definitions/question",
            "{kind}"
        );
    }
    let q = &node["definitions"]["question"];
    assert_eq!(q["required"], serde_json::json!(["asked", "on", "text"]));
    assert_eq!(q["additionalProperties"], false);
    for (name, ty) in [("on", "date"), ("due", "date"), ("answered", "date")] {
        assert_eq!(q["properties"][name]["format"], ty, "{name}");
    }
}
