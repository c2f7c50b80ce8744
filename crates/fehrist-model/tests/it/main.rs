//! The workspace's boundaries, read from `cargo metadata`: each external system is
//! known to one crate, and the domain crate depends on no I/O at all.

use std::collections::BTreeMap;
use std::process::Command;

/// Each workspace crate's normal (non-dev) dependencies.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (package["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn each_external_system_is_known_to_one_crate() {
    let deps = dependencies();
    assert!(deps.len() >= 8, "{deps:?}");
    for (system, owner) in [
        ("tesseract-rs", "fehrist-ocr"),
        ("image", "fehrist-ocr"),
        ("tiff", "fehrist-ocr"),
        ("lopdf", "fehrist-pdf"),
        ("hayro", "fehrist-pdf"),
        ("libc", "fehrist-pipeline"),
        ("tantivy", "fehrist-index"),
        ("object_store", "fehrist-store"),
        ("ed25519-dalek", "fehrist-seal"),
        ("axum", "fehrist-server"),
        ("hyper", "fehrist-server"),
        ("hyper-util", "fehrist-server"),
        ("jsonschema", "fehrist-schema"),
        ("regex", "fehrist-extract"),
        ("clap", "fehrist-cli"),
        ("indicatif", "fehrist-cli"),
        ("anyhow", "fehrist-cli"),
    ] {
        let users: Vec<&String> = deps
            .iter()
            .filter(|(_, d)| d.contains(&system.to_owned()))
            .map(|(c, _)| c)
            .collect();
        assert_eq!(users, [owner], "{system} must be used by {owner} alone");
    }
}

#[test]
fn the_domain_crate_does_no_io() {
    let deps = dependencies();
    assert_eq!(deps["fehrist-model"], ["serde", "serde_json", "thiserror"]);
}

#[test]
fn the_faces_reach_the_pipeline_only_through_the_service() {
    let deps = dependencies();
    // The binary picks the OCR engine (Tesseract); nothing else of the pipeline.
    for (face, inner) in [
        (
            "fehrist-server",
            &["fehrist-pipeline", "fehrist-ocr", "fehrist-pdf"][..],
        ),
        (
            "fehrist-cli",
            &["fehrist-pipeline", "fehrist-pdf", "fehrist-store"][..],
        ),
    ] {
        for inner in inner {
            assert!(
                !deps[face].iter().any(|d| d == inner),
                "{face} depends on {inner}"
            );
        }
    }
    assert!(
        deps["fehrist-server"]
            .iter()
            .any(|d| d == "fehrist-service")
    );
    // Nothing below the service depends on it or on a face.
    for (krate, uses) in &deps {
        if ["fehrist-cli", "fehrist-server", "fehrist-benches"].contains(&krate.as_str()) {
            continue;
        }
        for face in ["fehrist-service", "fehrist-server", "fehrist-cli"] {
            assert!(
                krate == face || !uses.iter().any(|d| d == face),
                "{krate} depends on {face}"
            );
        }
    }
}
