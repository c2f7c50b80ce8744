//! The JSON Schemas (draft 2020-12) under `schemas/`, the single statement of Fehrist's
//! formats, compiled once and used to validate what is about to be stored or printed.
//!
//! The schema files are built into the binary; references between them (`record` →
//! `passport`) resolve among themselves, never over the network.

use std::sync::LazyLock;

use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::Value;

/// A format with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// A record's manifest.
    Record,
    /// A record's passport (inside the manifest).
    Passport,
    /// The digital passport of a fond.
    FondPassport,
    /// The `fields` of an executive document (writ of execution).
    ExecutiveDocument,
    /// One audit event.
    AuditEvent,
}

const BASE: &str = "https://fehrist.tj/schemas/";

const FILES: &[(Schema, &str, &str)] = &[
    (
        Schema::Record,
        "record",
        include_str!("../../../schemas/record.schema.json"),
    ),
    (
        Schema::Passport,
        "passport",
        include_str!("../../../schemas/passport.schema.json"),
    ),
    (
        Schema::FondPassport,
        "fond-passport",
        include_str!("../../../schemas/fond-passport.schema.json"),
    ),
    (
        Schema::ExecutiveDocument,
        "executive-document",
        include_str!("../../../schemas/executive-document.schema.json"),
    ),
    (
        Schema::AuditEvent,
        "audit-event",
        include_str!("../../../schemas/audit-event.schema.json"),
    ),
];

impl Schema {
    pub const ALL: [Schema; 5] = [
        Schema::Record,
        Schema::Passport,
        Schema::FondPassport,
        Schema::ExecutiveDocument,
        Schema::AuditEvent,
    ];

    /// The schema's name, as pipelines name it: `record`, `executive-document`, …
    pub fn name(self) -> &'static str {
        FILES
            .iter()
            .find(|(schema, _, _)| *schema == self)
            .map(|(_, name, _)| *name)
            .expect("every schema has a file")
    }

    /// The schema by its name.
    pub fn named(name: &str) -> Option<Schema> {
        FILES
            .iter()
            .find(|(_, known, _)| *known == name)
            .map(|(schema, _, _)| *schema)
    }

    /// The schema's file under `schemas/`.
    fn file(self) -> &'static str {
        match self {
            Schema::Record => "record.schema.json",
            Schema::Passport => "passport.schema.json",
            Schema::FondPassport => "fond-passport.schema.json",
            Schema::ExecutiveDocument => "executive-document.schema.json",
            Schema::AuditEvent => "audit-event.schema.json",
        }
    }

    /// The schema document itself.
    pub fn document(self) -> Value {
        let text = FILES
            .iter()
            .find(|(schema, _, _)| *schema == self)
            .map(|(_, _, text)| *text)
            .expect("every schema has a file");
        serde_json::from_str(text).expect("the schemas are JSON (tested)")
    }

    /// The version the schema declares (`x-fehrist-version`).
    pub fn version(self) -> u64 {
        self.document()["x-fehrist-version"].as_u64().unwrap_or(0)
    }
}

/// Hands out the schema files by their `$id`; nothing else is fetched.
struct Shipped;

impl Retrieve for Shipped {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        FILES
            .iter()
            .find(|(_, name, _)| uri == format!("{BASE}{name}.schema.json"))
            .map(|(schema, _, _)| schema.document())
            .ok_or_else(|| format!("{uri} is not one of Fehrist's schemas").into())
    }
}

static VALIDATORS: LazyLock<Vec<(Schema, Validator)>> = LazyLock::new(|| {
    Schema::ALL
        .iter()
        .map(|&schema| {
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .with_retriever(Shipped)
                .build(&schema.document())
                .unwrap_or_else(|e| panic!("schemas/{}.schema.json: {e}", schema.name()));
            (schema, validator)
        })
        .collect()
});

/// Why a document does not match its schema: every problem, each at its JSON pointer.
#[derive(Debug, thiserror::Error)]
#[error("does not match schemas/{schema}: {}", problems.join("; "))]
pub struct SchemaError {
    pub schema: &'static str,
    /// `/pages/0/sheet: 0 is less than the minimum of 1`
    pub problems: Vec<String>,
}

/// Checks a document against a schema.
pub fn validate(schema: Schema, document: &Value) -> Result<(), SchemaError> {
    let (_, validator) = VALIDATORS
        .iter()
        .find(|(known, _)| *known == schema)
        .expect("every schema is compiled");
    let problems: Vec<String> = validator
        .iter_errors(document)
        .map(|error| {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_owned() } else { at };
            format!("{at}: {error}")
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SchemaError {
            schema: schema.file(),
            problems,
        })
    }
}

/// The API's description, whose components are the schemas of its answers.
const OPENAPI: &str = include_str!("../../../schemas/openapi.json");

/// One validator per component of `schemas/openapi.json`, each the whole document
/// pointed at the component, so references between components resolve.
static API_VALIDATORS: LazyLock<Vec<(String, Validator)>> = LazyLock::new(|| {
    let openapi: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON (tested)");
    let names: Vec<String> = openapi["components"]["schemas"]
        .as_object()
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    names
        .into_iter()
        .map(|name| {
            let mut document = openapi.clone();
            document["$schema"] = Value::from("https://json-schema.org/draft/2020-12/schema");
            document["$ref"] = Value::from(format!("#/components/schemas/{name}"));
            let validator = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .with_retriever(Shipped)
                .build(&document)
                .unwrap_or_else(|e| panic!("openapi.json component {name}: {e}"));
            (name, validator)
        })
        .collect()
});

/// Checks an API answer against a component of `schemas/openapi.json` (`Record`,
/// `SearchResults`, …); an unknown component is an error too.
pub fn validate_api_answer(component: &str, document: &Value) -> Result<(), SchemaError> {
    let Some((_, validator)) = API_VALIDATORS.iter().find(|(name, _)| name == component) else {
        return Err(SchemaError {
            schema: "openapi.json",
            problems: vec![format!("no component {component:?}")],
        });
    };
    let problems: Vec<String> = validator
        .iter_errors(document)
        .map(|error| {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_owned() } else { at };
            format!("{at}: {error}")
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SchemaError {
            schema: "openapi.json",
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_and_names_itself() {
        for schema in Schema::ALL {
            let document = schema.document();
            assert_eq!(
                document["$schema"],
                "https://json-schema.org/draft/2020-12/schema"
            );
            assert_eq!(
                document["$id"],
                format!("{BASE}{}.schema.json", schema.name())
            );
            assert_eq!(schema.version(), 1);
            assert_eq!(Schema::named(schema.name()), Some(schema));
            validate(schema, &serde_json::json!(null)).unwrap_err();
        }
    }

    #[test]
    fn problems_name_the_place_and_the_rule() {
        let writ = serde_json::json!({
            "case_number": "2-345/2024",
            "decision_date": "12.03.2024",
            "amounts": [{"value": "700 928 176", "currency": "TJS"}],
            "colour": "red"
        });
        let error = validate(Schema::ExecutiveDocument, &writ).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("/decision_date"), "{text}");
        assert!(text.contains("/amounts/0/value"), "{text}");
        assert!(text.contains("colour"), "{text}");
        assert!(text.contains("schemas/executive-document"), "{text}");
        // The date breaks both its format and its pattern.
        assert_eq!(error.problems.len(), 4, "{text}");
    }

    #[test]
    fn api_answers_are_checked_against_their_component() {
        let hit = serde_json::json!({"record_id": "0a", "ref_code": "TJ-CSA/F-1/O-1/D-1",
            "sheet": 1, "score": 1.5, "snippet": "", "highlights": [[0, 2]]});
        let answer = serde_json::json!({"total": 1, "offset": 0, "hits": [hit], "facets": {}});
        validate_api_answer("SearchResults", &answer).unwrap();
        let wrong =
            serde_json::json!({"total": 1, "offset": 0, "hits": [{"page": 1}], "facets": {}});
        let error = validate_api_answer("SearchResults", &wrong).unwrap_err();
        assert!(error.to_string().contains("/hits/0"), "{error}");
        validate_api_answer("NoSuchThing", &answer).unwrap_err();
        // A component may name a shipped schema: the fond passport's.
        validate_api_answer("FondPassport", &serde_json::json!({})).unwrap_err();
    }
}
