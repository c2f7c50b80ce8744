//! Every schema against its golden example, every golden manifest against the record
//! schema, and the documents the code itself writes against their schemas.

use std::path::PathBuf;

use fehrist_schema::{Schema, validate};
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn json(path: &str) -> Value {
    let path = repo(path);
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn each_schema_accepts_its_golden_example() {
    for schema in Schema::ALL {
        let example = match schema {
            // The record's example is a real sealed manifest (below).
            Schema::Record => json("crates/fehrist-seal/tests/golden/manifest-v1-fields.json"),
            other => json(&format!("schemas/examples/{}.json", other.name())),
        };
        validate(schema, &example).unwrap_or_else(|e| panic!("{}: {e}", schema.name()));
    }
}

#[test]
fn every_golden_manifest_is_a_valid_record() {
    let dir = repo("crates/fehrist-seal/tests/golden");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("manifest-") && name.ends_with(".json") {
            let manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            validate(Schema::Record, &manifest).unwrap_or_else(|e| panic!("{name}: {e}"));
            validate(Schema::Passport, &manifest["passport"]).unwrap();
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} golden manifests");
}

#[test]
fn a_broken_example_is_refused_with_its_place() {
    let mut manifest = json("crates/fehrist-seal/tests/golden/manifest-v1.json");
    manifest["pages"][0]["mean_confidence"] = Value::from(140);
    manifest["passport"]["ref_code"] = Value::from("F-12/O-3");
    let error = validate(Schema::Record, &manifest).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("/pages/0/mean_confidence"), "{text}");
    assert!(text.contains("/passport/ref_code"), "{text}");

    let mut event = json("schemas/examples/audit-event.json");
    event["role"] = Value::from("superuser");
    assert!(validate(Schema::AuditEvent, &event).is_err());
    let mut fond = json("schemas/examples/fond-passport.json");
    fond["access_levels"]["public"] = Value::from(1);
    assert!(validate(Schema::FondPassport, &fond).is_err());
}
