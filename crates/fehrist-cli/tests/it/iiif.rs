//! IIIF over a live server: the Image API of a sheet made from the validator's test
//! pattern passes `iiif-validator` (PyPI, installed by `.ci/install-deps`) at level 2;
//! a record's Presentation manifest loads in `iiif-prezi3`'s model; Content Search finds
//! a record's words on their boxes; and a record above the caller's clearance answers
//! every IIIF URL exactly like a missing one.

use std::path::PathBuf;
use std::process::Command;

use super::{Var, check, fixtures, http, new_token, start_server};

/// The Python of the virtual environment `.ci/install-deps` fills.
fn venv_python() -> PathBuf {
    let python = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
        .join(".cache/fehrist/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: .ci/install-deps makes it",
        python.display()
    );
    python
}

/// Registers one fixture scan as the file `place` of a new batch, at `access`.
fn ingest_one(var: &Var, fixture: &str, place: &str, access: &str) {
    let batch = var.dir.path().join("batch");
    let scan = batch.join(place);
    std::fs::create_dir_all(scan.parent().unwrap()).unwrap();
    std::fs::copy(fixtures().join(fixture), &scan).unwrap();
    check(
        &var.run(&["ingest", "--access", access, batch.to_str().unwrap()]),
        0,
    );
}

fn record_id(var: &Var, query: &str) -> String {
    let out = check(&var.run(&["search", "--json", query]), 0);
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    found["hits"][0]["record_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no hit for {query:?}: {out}"))
        .to_owned()
}

#[test]
fn the_image_api_passes_the_iiif_validator_at_level_2() {
    let var = Var::new();
    ingest_one(
        &var,
        "iiif/67352ccc-d1b0-11e1-89ae-279075081939.png",
        "F-1/O-1/D-1/0001.png",
        "open",
    );
    let id = record_id(&var, "");
    let token = new_token(&var, "MoJ", "reader", "open");
    let (mut server, addr) = start_server(&var);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/iiif/validate_image_api.py");
    let run = Command::new(venv_python())
        .arg(script)
        .args([&addr, &format!("iiif/3/{id}"), "1", &token, "2"])
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "iiif-validator failed:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains("33 of 33"), "{out}");
}

#[test]
fn manifests_and_content_search_follow_the_callers_clearance() {
    let var = Var::new();
    ingest_one(
        &var,
        "batch/F-7/O-1/D-2/0001.jpg",
        "F-7/O-1/D-2/0001.jpg",
        "restricted",
    );
    let id = record_id(&var, "");
    let secret = new_token(&var, "MoJ", "auditor", "secret");
    let (mut server, addr) = start_server(&var);

    let (status, head, body) = http(
        &addr,
        "GET",
        &format!("/iiif/3/{id}/manifest"),
        Some(&secret),
        b"",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(head.contains("content-type: application/json"), "{head}");
    let manifest_path = var.dir.path().join("manifest.json");
    std::fs::write(&manifest_path, &body).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let canvas = manifest["items"][0]["id"].as_str().unwrap().to_owned();
    let service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(service, format!("http://{addr}/iiif/3/{id}/1"));
    // The official Presentation 3 model (iiif-prezi3, PyPI) loads it.
    let load = Command::new(venv_python())
        .args([
            "-c",
            "import sys, iiif_prezi3; m = iiif_prezi3.Manifest.parse_file(sys.argv[1]); print(len(m.items))",
        ])
        .arg(&manifest_path)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "iiif-prezi3 refused the manifest: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&load.stdout).trim(), "1");

    // The API's record and the record page both lead to it.
    let (status, _, body) = http(
        &addr,
        "GET",
        &format!("/api/v1/records/{id}"),
        Some(&secret),
        b"",
    );
    assert_eq!(status, 200);
    let record: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        record["iiif_manifest"],
        format!("http://{addr}/iiif/3/{id}/manifest")
    );
    let (status, _, page) = http(
        &addr,
        "GET",
        &format!("/ui/records/{id}"),
        Some(&secret),
        b"",
    );
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains(&format!("href=\"/iiif/3/{id}/manifest\""))
            && page.contains(&format!("data-info=\"/iiif/3/{id}/1/info.json\"")),
        "{page}"
    );

    // A word of the sheet, found on its box.
    let text = check(&var.run(&["show", &id, "--text"]), 0);
    let word = text
        .split_whitespace()
        .find(|w| w.chars().count() >= 6 && w.chars().all(char::is_alphabetic))
        .expect("a long word on the sheet")
        .to_owned();
    let query: String = word.bytes().map(|b| format!("%{b:02X}")).collect();
    let (status, _, body) = http(
        &addr,
        "GET",
        &format!("/iiif/3/{id}/search?q={query}"),
        Some(&secret),
        b"",
    );
    assert_eq!(status, 200);
    let found: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let hits = found["items"].as_array().unwrap();
    assert!(!hits.is_empty(), "{word} not found: {found}");
    assert!(
        hits[0]["target"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{canvas}#xywh=")),
        "{found}"
    );

    // Above the caller's clearance: every IIIF URL answers as a missing record does.
    let open = new_token(&var, "MoJ", "reader", "open");
    let missing = "0123456789abcdef0123456789abcdef";
    for path in [
        "manifest",
        "1",
        "search?q=a",
        "1/info.json",
        "1/full/max/0/default.jpg",
        "1/full/!200,200/0/default.jpg",
    ] {
        let hidden = http(
            &addr,
            "GET",
            &format!("/iiif/3/{id}/{path}"),
            Some(&open),
            b"",
        );
        let absent = http(
            &addr,
            "GET",
            &format!("/iiif/3/{missing}/{path}"),
            Some(&open),
            b"",
        );
        assert_eq!(
            (hidden.0, String::from_utf8_lossy(&hidden.2)),
            (absent.0, String::from_utf8_lossy(&absent.2)),
            "{path}"
        );
        assert_eq!(hidden.0, 404, "{path}");
        let anonymous = http(&addr, "GET", &format!("/iiif/3/{id}/{path}"), None, b"");
        assert_eq!(anonymous.0, 401, "{path}");
    }
    server.kill().unwrap();
    server.wait().unwrap();
}
