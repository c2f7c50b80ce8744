//! Personal data below the clearance that reads it: two writs registered `internal`
//! (their claimants and debtors are personal data, shown at `restricted`), served, and
//! every byte an internal reader gets from any endpoint searched for their names, the
//! page images and the PDF's pages OCRed again by Tesseract included. A restricted
//! reader gets the same endpoints with the names, so each check could fail.

use std::path::Path;
use std::process::Command;

use super::{Var, check, fixtures, http, new_token, start_server};

/// The names' words as the checks look for them: lower-cased, each without its last
/// letter (so declined forms count too).
fn name_stems(truth: &serde_json::Value) -> Vec<String> {
    let mut stems = Vec::new();
    for fields in truth.as_object().unwrap().values() {
        for field in ["claimant", "debtor"] {
            for word in fields[field].as_str().unwrap().split_whitespace() {
                let lower = word.to_lowercase();
                let letters = lower.chars().count();
                stems.push(lower.chars().take(letters - 1).collect());
            }
        }
    }
    stems.sort();
    stems.dedup();
    stems
}

/// The stems that occur in `text`, letter case aside.
fn found_in(stems: &[String], text: &str) -> Vec<String> {
    let text = text.to_lowercase();
    stems
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .cloned()
        .collect()
}

/// Tesseract's reading of an image file.
fn ocr(image: &Path) -> String {
    let out = Command::new("tesseract")
        .arg(image)
        .args(["-", "-l", "rus+tgk"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything one caller is answered, as text: JSON and pages as they come, images
/// and the PDF's pages read again by Tesseract, the PDF's text layer by pdftotext.
fn everything_answered(var: &Var, addr: &str, token: &str, label: &str) -> Vec<(String, String)> {
    let get = |path: &str| -> (u16, Vec<u8>) {
        let (status, _, body) = http(addr, "GET", path, Some(token), b"");
        (status, body)
    };
    let text = |path: &str| -> String {
        let (status, body) = get(path);
        assert_eq!(status, 200, "{path}");
        String::from_utf8_lossy(&body).into_owned()
    };
    let mut answers: Vec<(String, String)> = Vec::new();
    let search: serde_json::Value =
        serde_json::from_str(&text("/api/v1/search?q=&facets=true&limit=100")).unwrap();
    let mut ids: Vec<String> = search["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["record_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "both writs are visible to {label}");
    answers.push(("search".into(), search.to_string()));
    for query in ["Суд", "взыскание алиментов", "Сино", "должник", "ситонанда"]
    {
        let path = format!("/api/v1/search?q={}", urlencode(query));
        answers.push((path.clone(), text(&path)));
        answers.push((
            format!("ui {path}"),
            text(&format!("/ui/search?q={}", urlencode(query))),
        ));
    }
    for id in &ids {
        answers.push((
            format!("record {id}"),
            text(&format!("/api/v1/records/{id}")),
        ));
        answers.push((
            format!("ui record {id}"),
            text(&format!("/ui/records/{id}")),
        ));
        answers.push((
            format!("text {id}"),
            text(&format!("/api/v1/records/{id}/pages/1/text")),
        ));
        answers.push((
            format!("alto {id}"),
            text(&format!("/api/v1/records/{id}/pages/1/alto")),
        ));
        let (status, image) = get(&format!("/api/v1/records/{id}/pages/1/image"));
        assert_eq!(status, 200);
        let png = var.dir.path().join(format!("{label}-{id}.png"));
        std::fs::write(&png, &image).unwrap();
        answers.push((format!("image {id} read again"), ocr(&png)));
        let (status, pdf) = get(&format!("/api/v1/records/{id}/pdf"));
        assert_eq!(status, 200);
        let pdf_path = var.dir.path().join(format!("{label}-{id}.pdf"));
        std::fs::write(&pdf_path, &pdf).unwrap();
        let layer = Command::new("pdftotext")
            .arg(&pdf_path)
            .arg("-")
            .output()
            .unwrap();
        answers.push((
            format!("pdf text layer {id}"),
            String::from_utf8_lossy(&layer.stdout).into_owned(),
        ));
        let prefix = var.dir.path().join(format!("{label}-{id}-page"));
        let drawn = Command::new("pdftoppm")
            .args(["-r", "200", "-gray", "-png"])
            .arg(&pdf_path)
            .arg(&prefix)
            .status()
            .unwrap();
        assert!(drawn.success());
        let page = std::fs::read_dir(var.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().starts_with(&*prefix.to_string_lossy()))
            .unwrap();
        answers.push((format!("pdf page {id} read again"), ocr(&page)));
        // The signed manifest cannot be redacted: below restricted there is none.
        let (status, evidence) = get(&format!("/api/v1/records/{id}/evidence"));
        answers.push((
            format!("evidence {id} ({status})"),
            String::from_utf8_lossy(&evidence).into_owned(),
        ));
    }
    answers.push(("fonds".into(), text("/api/v1/fonds")));
    answers.push(("fond".into(), text("/api/v1/fonds/TJ-CSA/F-50")));
    answers.push(("ui fond".into(), text("/ui/fonds/TJ-CSA/F-50")));
    let master = std::fs::read(fixtures().join("writs/F-50/O-1/D-1/0001.png")).unwrap();
    let (status, _, verified) = http(addr, "POST", "/api/v1/verify", Some(token), &master);
    assert_eq!(status, 200);
    answers.push((
        "verify".into(),
        String::from_utf8_lossy(&verified).into_owned(),
    ));
    answers
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn below_restricted_no_endpoint_answers_a_debtors_name() {
    let var = Var::new();
    let batch = var.dir.path().join("writs");
    std::fs::create_dir_all(&batch).unwrap();
    for d in ["D-1", "D-2"] {
        let dir = batch.join(format!("F-50/O-1/{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            fixtures().join(format!("writs/F-50/O-1/{d}/0001.png")),
            dir.join("0001.png"),
        )
        .unwrap();
    }
    // Writs opened to internal readers: their parties stay restricted.
    std::fs::write(
        batch.join("batch.toml"),
        "pipeline = \"executive-documents\"\naccess = \"internal\"\n",
    )
    .unwrap();
    check(&var.run(&["ingest", batch.to_str().unwrap()]), 0);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("truth/writs.json")).unwrap())
            .unwrap();
    let stems = name_stems(&truth);
    assert!(stems.len() >= 8, "{stems:?}");

    let internal = new_token(&var, "MoJ", "auditor", "internal");
    let restricted = new_token(&var, "MoJ", "auditor", "restricted");
    let (mut server, addr) = start_server(&var);

    for (what, answer) in everything_answered(&var, &addr, &internal, "internal") {
        let found = found_in(&stems, &answer);
        assert!(
            found.is_empty(),
            "{what} gives {found:?} to an internal reader:\n{answer}"
        );
    }
    // Names cannot be searched for below restricted: not by the filter, not in the text.
    let (status, _, _) = http(
        &addr,
        "GET",
        &format!("/api/v1/search?q=&name={}", urlencode("Назарова")),
        Some(&internal),
        b"",
    );
    assert_eq!(status, 403);
    for query in ["Назарова", "names:назарова", "Фаррух", "Кодирова"]
    {
        let (status, _, body) = http(
            &addr,
            "GET",
            &format!("/api/v1/search?q={}", urlencode(query)),
            Some(&internal),
            b"",
        );
        assert_eq!(status, 200);
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["total"], 0, "{query} found by an internal reader");
    }

    // A restricted reader reads the names wherever they stand.
    let answers = everything_answered(&var, &addr, &restricted, "restricted");
    for channel in [
        "text ",
        "alto ",
        "image ",
        "pdf text layer ",
        "pdf page ",
        "record ",
        "evidence ",
    ] {
        let shown: Vec<String> = answers
            .iter()
            .filter(|(what, _)| what.starts_with(channel))
            .flat_map(|(_, answer)| found_in(&stems, answer))
            .collect();
        assert!(
            shown.len() >= 4,
            "{channel}: a restricted reader sees the names ({shown:?})"
        );
    }
    let (_, _, body) = http(
        &addr,
        "GET",
        &format!("/api/v1/search?q={}", urlencode("Назарова")),
        Some(&restricted),
        b"",
    );
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["total"], 1);

    // Anyone checks a document without a token; of a record above open they learn only
    // that it is registered and unchanged.
    let master = std::fs::read(fixtures().join("writs/F-50/O-1/D-1/0001.png")).unwrap();
    let (status, _, body) = http(&addr, "POST", "/api/v1/verify", None, &master);
    let said = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{said}");
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["registered"], true, "{said}");
    assert_eq!(answer["unchanged"], true, "{said}");
    assert_eq!(answer["records"], serde_json::json!([]), "{said}");
    assert_eq!(answer["withheld"], 1, "{said}");
    assert!(!said.contains("F-50"), "{said}");
    assert!(found_in(&stems, &said).is_empty(), "{said}");
    let mut altered = master.clone();
    altered.push(0);
    let (_, _, body) = http(&addr, "POST", "/api/v1/verify", None, &altered);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["registered"], false);
    // Nothing else opens without one.
    let (status, _, _) = http(&addr, "GET", "/api/v1/fonds", None, b"");
    assert_eq!(status, 401);
    server.kill().unwrap();
    server.wait().unwrap();
}
