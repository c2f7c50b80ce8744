//! The `fehrist` binary as a user runs it: real Tesseract, a store on disk.

mod audit_flood;
mod contract;
mod hostile_http;
mod iiif;
mod personal_data;
mod real_inputs;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

struct Var {
    dir: tempfile::TempDir,
}

impl Var {
    fn new() -> Self {
        Var {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `fehrist` from inside the temporary folder, so the default `./var/` is its own.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fehrist"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FEHRIST_STORE")
            .env_remove("FEHRIST_ARCHIVE")
            .output()
            .unwrap()
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("var/store")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[track_caller]
fn check(output: &Output, code: i32) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

fn find_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            find_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A station with one registered record (the Uzbek certificate), for service tests.
fn one_record_station(var: &Var) {
    let batch = var.dir.path().join("batch/F-7/O-1/D-2");
    std::fs::create_dir_all(&batch).unwrap();
    std::fs::copy(
        fixtures().join("batch/F-7/O-1/D-2/0001.jpg"),
        batch.join("0001.jpg"),
    )
    .unwrap();
    check(
        &var.run(&["ingest", var.dir.path().join("batch").to_str().unwrap()]),
        0,
    );
}

/// A new API token, as `fehrist tokens create` prints it.
fn new_token(var: &Var, agency: &str, role: &str, clearance: &str) -> String {
    let out = check(
        &var.run(&[
            "tokens",
            "create",
            "--agency",
            agency,
            "--role",
            role,
            "--clearance",
            clearance,
        ]),
        0,
    );
    out.trim().to_owned()
}

/// Reads an answer's head (up to the blank line) from a connection whose request body
/// may still be unsent; whatever came, when the connection ends first.
fn answer_head(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read as _;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn ingest_search_show_verify_and_tamper() {
    let var = Var::new();
    let batch = fixtures().join("batch");
    let batch = batch.to_str().unwrap();

    let out = check(&var.run(&["ingest", batch]), 0);
    assert!(
        out.contains("3 registered, 0 already registered, 0 failed; 5 pages read"),
        "{out}"
    );
    let key = var.dir.path().join("var/keys/station.key");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let out = check(&var.run(&["ingest", batch]), 0);
    assert!(
        out.contains("nothing new: all 3 record(s) were already registered"),
        "{out}"
    );

    // Search: human and JSON.
    let out = check(&var.run(&["search", "бойгониҳо"]), 0);
    assert!(
        out.contains("TJ-CSA/F-12/O-3/D-45  sheet 1") && out.contains("[Бойгониҳо]"),
        "{out}"
    );
    let hits: serde_json::Value =
        serde_json::from_str(&check(&var.run(&["--json", "search", "Ўзбекистон"]), 0)).unwrap();
    let hit = &hits["hits"][0];
    assert_eq!(hit["ref_code"], "TJ-CSA/F-7/O-1/D-2");
    assert_eq!(hit["sheet"], 1);
    assert_eq!(hit["record_id"].as_str().unwrap().len(), 32);
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(hit["snippet"].as_str().unwrap().contains("Ўзбекистон"));
    check(&var.run(&["search", "нестьтакогослова"]), 1);
    // Not tantivy's syntax throughout: searched for what can be read of it.
    check(&var.run(&["search", "title:("]), 1);
    // Read, but not answerable by the index (a field it cannot list): an error.
    check(&var.run(&["search", "record_id:*"]), 2);

    // Show: passport and text with pages separated by form feeds.
    let out = check(&var.run(&["show", "TJ-CSA/F-12/O-3/D-46"]), 0);
    for expected in [
        "reference   TJ-CSA/F-12/O-3/D-46",
        "access      restricted",
        "scan.tif page 2",
        "signed by   key ",
    ] {
        assert!(out.contains(expected), "{expected:?} in {out}");
    }
    let text = check(&var.run(&["show", "F-12/O-3/D-46", "--text"]), 0);
    let pages: Vec<&str> = text.split('\x0c').collect();
    assert_eq!(pages.len(), 2);
    assert!(
        pages[0].contains("Исполнительный лист") && pages[1].contains("Рудаки"),
        "{text}"
    );
    let sheet = check(&var.run(&["show", "TJ-CSA/F-12/O-3/D-46/L-2", "--text"]), 0);
    assert_eq!(sheet, pages[1]);
    check(&var.run(&["show", "TJ-CSA/F-99/O-1/D-1"]), 1);
    let alto = check(
        &var.run(&["show", "TJ-CSA/F-12/O-3/D-46", "--alto", "--page", "2"]),
        0,
    );
    assert!(
        alto.contains("<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\""),
        "{alto}"
    );
    assert!(
        alto.contains("CONTENT=\"Рудаки,\"") && alto.contains(" WC=\"0."),
        "{alto}"
    );
    check(
        &var.run(&["show", "TJ-CSA/F-12/O-3/D-46", "--alto", "--page", "3"]),
        2,
    );
    searchable_pdfs_give_back_the_ocr_text_on_the_words(&var);

    // Verify a file, then catch a flipped byte in a blob and in a manifest.
    let scan = fixtures().join("batch/F-12/O-3/D-45/0001.png");
    let out = check(&var.run(&["verify", scan.to_str().unwrap()]), 0);
    assert!(
        out.starts_with("registered, unchanged: record ")
            && out.contains(
                "(TJ-CSA/F-12/O-3/D-45), sheet L-1, version 1 of 1, the current one, signed by key"
            )
            && out
                .trim_end()
                .split(", registered ")
                .nth(1)
                .is_some_and(|at| at.len() == 20 && at.ends_with('Z')),
        "{out}"
    );
    let unknown = var.dir.path().join("unknown.png");
    std::fs::write(&unknown, b"never registered").unwrap();
    let out = check(&var.run(&["verify", unknown.to_str().unwrap()]), 1);
    assert!(out.starts_with("not registered"), "{out}");

    let mut files = Vec::new();
    find_files(&var.store().join("blobs"), &mut files);
    let master = files
        .iter()
        .find(|p| std::fs::read(p).unwrap() == std::fs::read(&scan).unwrap())
        .unwrap();
    let mut bytes = std::fs::read(master).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(master, &bytes).unwrap();
    let out = check(&var.run(&["verify", "TJ-CSA/F-12/O-3/D-45"]), 1);
    let name = master.file_name().unwrap().to_str().unwrap();
    assert!(
        out.contains(name) && out.contains("sheet 1 master): altered"),
        "{out}"
    );
    let out = check(&var.run(&["verify", scan.to_str().unwrap()]), 1);
    assert!(out.contains("fails verification"), "{out}");
    let out = check(&var.run(&["fixity"]), 1);
    assert!(
        out.starts_with(
            "fixity: 3 record(s), 25 stored objects re-read and re-hashed; 1 damaged, 0 missing"
        ),
        "{out}"
    );
    assert!(
        out.contains("(TJ-CSA/F-12/O-3/D-45)") && out.contains(name),
        "{out}"
    );
    bytes[100] ^= 0x01;
    std::fs::write(master, &bytes).unwrap();
    check(&var.run(&["verify", "TJ-CSA/F-12/O-3/D-45"]), 0);
    let report = var.dir.path().join("fixity.json");
    check(
        &var.run(&["fixity", "--report", report.to_str().unwrap()]),
        0,
    );
    let bytes_of_report = std::fs::read(&report).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&bytes_of_report).unwrap();
    assert_eq!(
        (
            parsed["records_checked"].as_u64(),
            parsed["damaged_records"].as_array().map(Vec::len)
        ),
        (Some(3), Some(0))
    );
    let signature: fehrist_model::ManifestSignature =
        serde_json::from_slice(&std::fs::read(format!("{}.sig", report.display())).unwrap())
            .unwrap();
    let keys: serde_json::Value =
        serde_json::from_str(&check(&var.run(&["--json", "keys"]), 0)).unwrap();
    let signer = keys["published"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == signature.key_id.as_str())
        .unwrap()["verifier_key"]
        .as_str()
        .unwrap()
        .parse::<fehrist_seal::VerifierKey>()
        .unwrap();
    fehrist_seal::verify_manifest(&bytes_of_report, &signature, &signer).unwrap();

    let shown: serde_json::Value =
        serde_json::from_str(&check(&var.run(&["--json", "show", "F-7/O-1/D-2"]), 0)).unwrap();
    let id = shown["manifest"]["record_id"].as_str().unwrap().to_owned();
    let manifest = var.store().join("records").join(&id).join("manifest.json");
    let mut bytes = std::fs::read(&manifest).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&manifest, &bytes).unwrap();
    let out = check(&var.run(&["verify", &id]), 1);
    assert!(
        out.contains(&format!("records/{id}/manifest.json")),
        "{out}"
    );
    // Damaged beyond parsing: still a verification failure (exit 1), not an error.
    let mut broken = bytes.clone();
    broken[0] = b'X';
    std::fs::write(&manifest, &broken).unwrap();
    let out = check(&var.run(&["verify", &id]), 1);
    assert!(out.contains("unreadable"), "{out}");
    std::fs::write(&manifest, &bytes).unwrap();

    // A record deleted from the store is still a leaf of the log: fixity names it.
    let records = var.store().join("records");
    let hidden = var.dir.path().join("hidden-record");
    std::fs::rename(records.join(&id), &hidden).unwrap();
    let out = check(&var.run(&["fixity"]), 1);
    assert!(
        out.contains("2 record(s)")
            && out.contains("1 missing")
            && out.contains("has no record in the store"),
        "{out}"
    );
    check(&var.run(&["verify", &id]), 1);
    std::fs::rename(&hidden, records.join(&id)).unwrap();

    // The index is derived: deleting it loses nothing that is intact, and a damaged
    // record is named rather than stopping the rebuild.
    std::fs::remove_dir_all(var.dir.path().join("var/index")).unwrap();
    check(&var.run(&["search", "бойгониҳо"]), 1);
    let reindex = var.run(&["reindex"]);
    let out = check(&reindex, 2);
    assert!(out.starts_with("reindexed 2 record(s)"), "{out}");
    assert!(String::from_utf8_lossy(&reindex.stderr).contains(&format!("record {id} not indexed")));
    check(&var.run(&["search", "бойгониҳо"]), 0);
    bytes[at] ^= 0x01;
    std::fs::write(&manifest, &bytes).unwrap();
    let out = check(&var.run(&["reindex"]), 0);
    assert!(out.starts_with("reindexed 3 record(s)"), "{out}");
    check(&var.run(&["search", "Ўзбекистон"]), 0);
}

#[test]
fn commands_on_a_store_that_does_not_exist_name_it_and_create_nothing() {
    let var = Var::new();
    for args in [
        vec!["search", "бойгониҳо"],
        vec![
            "--store",
            "file://./var/stroe",
            "show",
            "TJ-CSA/F-12/O-3/D-45",
        ],
        vec!["--store", "file://./var/stroe", "report"],
        vec!["audit"],
    ] {
        let out = var.run(&args);
        check(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no registry at file://./var/st"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(var.dir.path()).unwrap().count(), 0);
}

#[test]
fn an_ingest_with_bad_inputs_names_them_and_exits_2() {
    let var = Var::new();
    let batch = var.dir.path().join("batch");
    std::fs::create_dir_all(batch.join("F-1/O-1/D-1")).unwrap();
    std::fs::copy(
        fixtures().join("batch/F-12/O-3/D-45/0002.png"),
        batch.join("F-1/O-1/D-1/0001.png"),
    )
    .unwrap();
    std::fs::create_dir_all(batch.join("F-1/O-1/D-2")).unwrap();
    std::fs::write(batch.join("F-1/O-1/D-2/0001.png"), b"").unwrap();
    std::fs::write(batch.join("readme.pdf"), b"%PDF-1.7").unwrap();
    let output = var.run(&[
        "--json",
        "ingest",
        batch.to_str().unwrap(),
        "--archive",
        "TJ-KHJ",
    ]);
    let report: serde_json::Value = serde_json::from_str(&check(&output, 2)).unwrap();
    assert_eq!(report["registered"], 1);
    assert_eq!(report["failed"], 1);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p["path"] == "F-1/O-1/D-2/0001.png" && p["record"] == "TJ-KHJ/F-1/O-1/D-2")
    );
    assert!(problems.iter().any(|p| p["path"] == "readme.pdf"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 input problem(s)"), "{stderr}");
    check(&var.run(&["show", "TJ-KHJ/F-1/O-1/D-1"]), 0);
}

/// Runs `fehrist` like [`Var::run`], but gives up after two minutes: an ingest that
/// waits on a named pipe would otherwise hang the test run.
fn run_bounded(var: &Var, args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_fehrist"))
        .args(args)
        .current_dir(var.dir.path())
        .env_remove("FEHRIST_STORE")
        .env_remove("FEHRIST_ARCHIVE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output().unwrap()));
    match finished.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(output) => output,
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("fehrist {args:?} did not finish in two minutes");
        }
    }
}

#[test]
fn links_pipes_and_key_files_in_a_batch_are_never_read() {
    let var = Var::new();
    check(
        &var.run(&["ingest", fixtures().join("batch").to_str().unwrap()]),
        0,
    );
    let key_path = var.dir.path().join("var/keys/station.key");
    let key = std::fs::read_to_string(&key_path).unwrap();
    // The private seed is the fifth `+` field of the signer encoding
    // (`PRIVATE+KEY+name+keyid+base64`; base64 has `+` of its own).
    let seed = key.trim().splitn(5, '+').nth(4).unwrap().to_owned();
    assert!(seed.len() >= 40, "{key}");
    let scan = fixtures().join("batch/F-12/O-3/D-45/0002.png");
    let leaks = |output: &Output| {
        let all = format!(
            "{}{}",
            stdout(output),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!all.contains(&seed), "the key's seed was printed: {all}");
        assert!(
            !all.contains("PRIVATE+KEY"),
            "the key's line was printed: {all}"
        );
        all
    };

    // A sidecar that is a link (to the station key) refuses the batch, unread.
    for sidecar in ["inventory.csv", "batch.toml"] {
        let batch = var.dir.path().join(format!("batch-{sidecar}"));
        std::fs::create_dir_all(batch.join("F-1/O-1/D-1")).unwrap();
        std::fs::copy(&scan, batch.join("F-1/O-1/D-1/0001.png")).unwrap();
        std::os::unix::fs::symlink(&key_path, batch.join(sidecar)).unwrap();
        let output = run_bounded(&var, &["ingest", batch.to_str().unwrap()]);
        let all = leaks(&output);
        assert_eq!(output.status.code(), Some(2), "{all}");
        assert!(
            all.contains(sidecar) && all.contains("a symbolic link"),
            "{sidecar}: {all}"
        );
    }

    // A scan that is a link to the key, and one that is a named pipe: both refused,
    // named, and the good scan of the batch registered.
    let batch = var.dir.path().join("batch-scans");
    for folder in ["F-2/O-1/D-1", "F-2/O-1/D-2", "F-2/O-1/D-3"] {
        std::fs::create_dir_all(batch.join(folder)).unwrap();
    }
    std::fs::copy(&scan, batch.join("F-2/O-1/D-1/0001.png")).unwrap();
    std::os::unix::fs::symlink(&key_path, batch.join("F-2/O-1/D-2/0001.png")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(batch.join("F-2/O-1/D-3/0001.png"))
            .status()
            .unwrap()
            .success()
    );
    let output = run_bounded(&var, &["--json", "ingest", batch.to_str().unwrap()]);
    let all = leaks(&output);
    let report: serde_json::Value = serde_json::from_str(&check(&output, 2)).unwrap();
    assert_eq!(report["registered"], 1, "{all}");
    let problems = report["problems"].as_array().unwrap();
    for (path, why) in [
        ("F-2/O-1/D-2/0001.png", "a symbolic link"),
        ("F-2/O-1/D-3/0001.png", "a named pipe"),
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p["path"] == path && p["reason"].as_str().unwrap().contains(why)),
            "{path}: {problems:?}"
        );
    }
    // The quarantine names them without their bytes, and nothing stored holds the key.
    let quarantine = var.run(&["--json", "quarantine"]);
    let listed = leaks(&quarantine);
    assert!(listed.contains("F-2/O-1/D-2/0001.png"), "{listed}");
    let mut files = Vec::new();
    find_files(&var.store(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(seed.len()).any(|w| w == seed.as_bytes()),
            "{} holds the key's seed",
            file.display()
        );
    }
}

#[test]
fn evidence_bundles_verify_offline_and_the_log_only_grows() {
    let var = Var::new();
    let fixtures_batch = fixtures().join("batch");
    // A small batch: one Tajik file, so the OCR part stays short.
    let batch = var.dir.path().join("batch");
    std::fs::create_dir_all(batch.join("F-12/O-3/D-45")).unwrap();
    for sheet in ["0001.png", "0002.png"] {
        std::fs::copy(
            fixtures_batch.join("F-12/O-3/D-45").join(sheet),
            batch.join("F-12/O-3/D-45").join(sheet),
        )
        .unwrap();
    }
    let out = check(&var.run(&["ingest", batch.to_str().unwrap()]), 0);
    assert!(
        out.contains("transparency log: 1 record(s) appended, 1 leaves in all"),
        "{out}"
    );
    let old = var.dir.path().join("old-checkpoint.txt");
    std::fs::write(&old, check(&var.run(&["checkpoint"]), 0)).unwrap();

    let bundle = var.dir.path().join("bundle.json");
    std::fs::write(
        &bundle,
        check(&var.run(&["evidence", "TJ-CSA/F-12/O-3/D-45"]), 0),
    )
    .unwrap();
    let sheet = batch.join("F-12/O-3/D-45/0002.png");
    // Offline: the store is moved away, and the bundle still verifies.
    std::fs::rename(var.dir.path().join("var"), var.dir.path().join("var-away")).unwrap();
    let out = check(
        &var.run(&["verify", bundle.to_str().unwrap(), sheet.to_str().unwrap()]),
        0,
    );
    assert!(
        out.starts_with("verified offline: ") && out.contains("is sheet L-2 of record"),
        "{out}"
    );
    let other = fixtures_batch.join("F-7/O-1/D-2/0001.jpg");
    let out = check(
        &var.run(&["verify", bundle.to_str().unwrap(), other.to_str().unwrap()]),
        1,
    );
    assert!(out.contains("is not a master of this record"), "{out}");
    let mut altered = std::fs::read_to_string(&bundle).unwrap();
    altered = altered.replacen("tgk+rus+", "rus+tgk+", 1);
    std::fs::write(&bundle, altered).unwrap();
    let out = check(&var.run(&["verify", bundle.to_str().unwrap()]), 1);
    assert!(out.contains("manifest signature does not verify"), "{out}");
    std::fs::rename(var.dir.path().join("var-away"), var.dir.path().join("var")).unwrap();

    // More records later: the old checkpoint is a prefix of the new log.
    std::fs::create_dir_all(batch.join("F-7/O-1/D-2")).unwrap();
    std::fs::copy(&other, batch.join("F-7/O-1/D-2/0001.jpg")).unwrap();
    let out = check(
        &var.run(&[
            "ingest",
            batch.to_str().unwrap(),
            "--languages",
            "uzb_cyrl+rus+eng",
        ]),
        0,
    );
    assert!(
        out.contains("1 record(s) appended, 2 leaves in all"),
        "{out}"
    );
    let out = check(&var.run(&["verify", "--since", old.to_str().unwrap()]), 0);
    assert!(
        out.starts_with("consistent: the log grew from 1 to 2 leaves"),
        "{out}"
    );
    let out = check(&var.run(&["verify", "TJ-CSA/F-7/O-1/D-2"]), 0);
    assert!(
        out.contains("leaf 1 of the 2-leaf transparency log"),
        "{out}"
    );

    // A flipped byte in a log tile (leaf 0's hash, which leaf 1's proof uses) or in the
    // checkpoint: verify names the log, exit 1, and so does fixity over all records.
    let store = var.store();
    for (object, record) in [
        ("log/tile/0/000.p/2", "TJ-CSA/F-7/O-1/D-2"),
        ("log/checkpoint", "TJ-CSA/F-12/O-3/D-45"),
    ] {
        let path = store.join(object);
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        bytes[20] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let out = check(&var.run(&["verify", record]), 1);
        assert!(out.contains("transparency log:"), "{object}: {out}");
        let out = check(&var.run(&["fixity"]), 1);
        assert!(out.contains("transparency log:"), "{object}: {out}");
        std::fs::write(&path, original).unwrap();
    }

    // History rewritten: the log replaced by one that starts over with other records.
    let newer = var.dir.path().join("newer-checkpoint.txt");
    std::fs::write(&newer, check(&var.run(&["checkpoint"]), 0)).unwrap();
    std::fs::remove_dir_all(store.join("log")).unwrap();
    std::fs::remove_dir_all(store.join("records")).unwrap();
    let other = var.dir.path().join("other");
    std::fs::create_dir_all(other.join("F-9/O-1/D-1")).unwrap();
    std::fs::copy(
        fixtures_batch.join("F-12/O-3/D-45/0002.png"),
        other.join("F-9/O-1/D-1/0001.png"),
    )
    .unwrap();
    std::fs::copy(
        fixtures_batch.join("F-12/O-3/D-45/0001.png"),
        other.join("F-9/O-1/D-1/0002.png"),
    )
    .unwrap();
    check(&var.run(&["ingest", other.to_str().unwrap()]), 0);
    check(
        &var.run(&[
            "ingest",
            batch.to_str().unwrap(),
            "--languages",
            "uzb_cyrl+rus+eng",
        ]),
        0,
    );
    let out = check(&var.run(&["verify", "--since", newer.to_str().unwrap()]), 1);
    assert!(
        out.starts_with("INCONSISTENT: ") && out.contains("history was rewritten"),
        "{out}"
    );
}

#[test]
fn rotated_keys_still_verify_what_they_signed_and_never_print_private_keys() {
    let var = Var::new();
    let batch = var.dir.path().join("batch");
    let sheets = fixtures().join("batch/F-12/O-3/D-45");
    std::fs::create_dir_all(batch.join("F-1/O-1/D-1")).unwrap();
    std::fs::copy(sheets.join("0001.png"), batch.join("F-1/O-1/D-1/0001.png")).unwrap();
    check(
        &var.run(&["ingest", batch.to_str().unwrap(), "--station", "scan-1"]),
        0,
    );
    let old = var.dir.path().join("old.txt");
    std::fs::write(&old, check(&var.run(&["checkpoint"]), 0)).unwrap();

    let out = check(&var.run(&["keys", "rotate", "station"]), 0);
    assert!(
        out.starts_with("rotated the station key scan-1: old "),
        "{out}"
    );
    check(&var.run(&["keys", "rotate", "registry"]), 0);
    check(&var.run(&["keys", "generate", "station"]), 2);

    std::fs::create_dir_all(batch.join("F-1/O-1/D-2")).unwrap();
    std::fs::copy(sheets.join("0002.png"), batch.join("F-1/O-1/D-2/0001.png")).unwrap();
    let out = check(
        &var.run(&["ingest", batch.to_str().unwrap(), "--station", "scan-1"]),
        0,
    );
    assert!(
        out.contains("1 record(s) appended, 2 leaves in all"),
        "{out}"
    );

    let first = check(&var.run(&["verify", "TJ-CSA/F-1/O-1/D-1"]), 0);
    let second = check(&var.run(&["verify", "TJ-CSA/F-1/O-1/D-2"]), 0);
    let key_of = |out: &str| out.split("signed by key ").nth(1).unwrap()[..8].to_owned();
    assert_ne!(key_of(&first), key_of(&second), "{first}{second}");
    check(&var.run(&["verify", "--since", old.to_str().unwrap()]), 0);

    let listing = check(&var.run(&["keys"]), 0);
    assert!(
        listing.contains("retired") && listing.contains(&key_of(&first)),
        "{listing}"
    );
    let published = listing.split("published in the store").nth(1).unwrap();
    assert_eq!(
        published.lines().filter(|l| l.starts_with("  ")).count(),
        4,
        "{listing}"
    );
    for args in [&["keys"][..], &["--json", "keys"], &["keys", "list"]] {
        let out = var.run(args);
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("PRIVATE"), "{all}");
    }
}

#[test]
fn every_action_is_in_the_audit_log_and_tampering_is_caught() {
    let var = Var::new();
    let run = |args: &[&str], actor: &str| {
        Command::new(env!("CARGO_BIN_EXE_fehrist"))
            .args(args)
            .current_dir(var.dir.path())
            .env_remove("FEHRIST_STORE")
            .env("FEHRIST_ACTOR", actor)
            .env("FEHRIST_AGENCY", "Ministry of Justice")
            .output()
            .unwrap()
    };
    // A registry is made by setting up its station (or by an ingest).
    check(&run(&["keys", "generate", "station"], "admin-1"), 0);
    check(&run(&["search", "бойгониҳо"], "reader-1"), 1);
    check(&run(&["show", "TJ-CSA/F-1/O-1/D-1"], "reader-1"), 1);
    check(
        &run(&["search", "бойгониҳо", "--limit", "0"], "reader-2"),
        2,
    );
    check(&run(&["fixity"], "auditor-1"), 0);
    let trail: serde_json::Value =
        serde_json::from_str(&check(&run(&["--json", "audit"], "auditor-1"), 0)).unwrap();
    assert_eq!(trail["intact"], true);
    let events = trail["events"].as_array().unwrap();
    let seen: Vec<(String, String, String, String)> = events
        .iter()
        .map(|e| {
            let e = &e["event"];
            let field = |k: &str| e[k].as_str().unwrap().to_owned();
            (
                field("actor"),
                field("action"),
                field("target"),
                field("outcome"),
            )
        })
        .collect();
    let expected = [
        (
            "admin-1",
            "keys",
            "Some(Generate { role: Station, name: None })",
            "success",
        ),
        ("reader-1", "search", "бойгониҳо", "negative"),
        ("reader-1", "show", "TJ-CSA/F-1/O-1/D-1", "negative"),
        ("reader-2", "search", "бойгониҳо", "error"),
        ("auditor-1", "fixity", "store", "success"),
    ];
    assert_eq!(seen.len(), expected.len(), "{seen:?}");
    for (got, want) in seen.iter().zip(expected) {
        assert_eq!(
            (
                got.0.as_str(),
                got.1.as_str(),
                got.2.as_str(),
                got.3.as_str()
            ),
            want
        );
    }
    assert_eq!(events[1]["event"]["agency"], "Ministry of Justice");
    assert_eq!(events[1]["event"]["role"], "reader");

    let out = check(&run(&["audit", "--actor", "reader-1"], "auditor-1"), 0);
    assert_eq!(
        out.lines().filter(|l| l.contains("reader-1@")).count(),
        2,
        "{out}"
    );
    assert!(out.contains("audit log intact: 6 event(s)"), "{out}");

    // Rewrite who searched: the audit log no longer matches its signed checkpoint.
    let bundle = var.dir.path().join("var/store/audit/tile/entries/000.p/7");
    let tampered = std::fs::read(&bundle).unwrap();
    let at = tampered.windows(8).position(|w| w == b"reader-2").unwrap();
    let mut bytes = tampered.clone();
    bytes[at + 7] = b'3';
    std::fs::write(&bundle, &bytes).unwrap();
    let out = check(&run(&["audit"], "auditor-1"), 1);
    assert!(
        out.contains("AUDIT LOG DAMAGED") && out.contains("event 3: altered"),
        "{out}"
    );
}

/// Whitespace runs folded to one space, as cer.py compares texts.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap();
    assert!(output.status.success(), "{tool} {args:?}: {output:?}");
    stdout(&output)
}

/// `show --pdf`: poppler reads back the OCR text of every record (TIFF, PNG and JPEG
/// masters), finds a word where OCR boxed it, and sees the PDF/A-2b structure.
fn searchable_pdfs_give_back_the_ocr_text_on_the_words(var: &Var) {
    for code in [
        "TJ-CSA/F-12/O-3/D-45",
        "TJ-CSA/F-12/O-3/D-46",
        "TJ-CSA/F-7/O-1/D-2",
    ] {
        let output = var.run(&["show", code, "--pdf"]);
        check(&output, 0);
        let pdf = var.dir.path().join("record.pdf");
        std::fs::write(&pdf, &output.stdout).unwrap();
        let pdf = pdf.to_str().unwrap();
        let text = check(&var.run(&["show", code, "--text"]), 0);
        let layer = poppler("pdftotext", &["-raw", pdf, "-"]);
        assert_eq!(folded(&layer), folded(&text), "{code}");

        let fonts = poppler("pdffonts", &[pdf]);
        assert!(
            fonts.contains("CID TrueType      Identity-H       yes no  yes"),
            "{fonts}"
        );
        let bytes = std::fs::read(pdf).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-1.7\n%") && bytes[10..14].iter().all(|b| *b > 127));
        for required in [
            "<pdfaid:part>2</pdfaid:part>",
            "/GTS_PDFA1",
            "/OutputIntents",
            "/ID",
        ] {
            assert!(raw.contains(required), "{code}: no {required}");
        }
        assert!(!raw.contains("/Encrypt") && !raw.contains("/JavaScript"));

        // The first page's image is the first sheet's scan: pixel for pixel (PNG data
        // carried as it is, TIFF pages decoded), or the very JPEG file.
        let prefix = var.dir.path().join("image");
        poppler(
            "pdfimages",
            &["-all", "-f", "1", "-l", "1", pdf, prefix.to_str().unwrap()],
        );
        let json = check(&var.run(&["show", code, "--json"]), 0);
        let manifest: serde_json::Value = serde_json::from_str(&json).unwrap();
        let source = manifest["manifest"]["pages"][0]["source"]["path"]
            .as_str()
            .unwrap();
        let master = std::fs::read(fixtures().join("batch").join(source)).unwrap();
        let extracted = |ext: &str| std::fs::read(format!("{}-000.{ext}", prefix.display()));
        if source.ends_with(".jpg") {
            assert_eq!(
                extracted("jpg").unwrap(),
                master,
                "{code}: JPEG embedded as it is"
            );
        } else {
            let png = extracted("png").unwrap();
            assert_eq!(
                fehrist_ocr::decode_page(&png, 1).unwrap(),
                fehrist_ocr::decode_page(&master, 1).unwrap(),
                "{code}: the page image is the scan"
            );
        }
    }

    // The writ's "Рудаки," lies where OCR boxed it on sheet 2 (pixels at 300 DPI).
    let output = var.run(&["show", "TJ-CSA/F-12/O-3/D-46", "--pdf"]);
    let pdf = var.dir.path().join("writ.pdf");
    std::fs::write(&pdf, &output.stdout).unwrap();
    let boxes = poppler(
        "pdftotext",
        &["-bbox", "-f", "2", "-l", "2", pdf.to_str().unwrap(), "-"],
    );
    let line = boxes
        .lines()
        .find(|l| l.ends_with(">Рудаки,</word>"))
        .expect(&boxes);
    let number = |name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let points = [
        number("xMin"),
        number("yMin"),
        number("xMax"),
        number("yMax"),
    ];
    let pixels = points.map(|p| p * 300.0 / 72.0);
    let store = var.store();
    let json = check(&var.run(&["show", "TJ-CSA/F-12/O-3/D-46", "--json"]), 0);
    let manifest: serde_json::Value = serde_json::from_str(&json).unwrap();
    let words_digest = manifest["manifest"]["pages"][1]["words"]["sha256"]
        .as_str()
        .unwrap();
    let blobs = {
        let mut files = Vec::new();
        find_files(&store, &mut files);
        files
    };
    let words_file = blobs
        .iter()
        .find(|p| p.to_string_lossy().ends_with(words_digest))
        .unwrap();
    let words: serde_json::Value =
        serde_json::from_slice(&std::fs::read(words_file).unwrap()).unwrap();
    let word = words["words"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["text"] == "Рудаки,")
        .unwrap();
    for (found, boxed) in pixels.iter().zip(word["bbox"].as_array().unwrap()) {
        let boxed = boxed.as_f64().unwrap();
        assert!(
            (found - boxed).abs() < 8.0,
            "{pixels:?} vs {}",
            word["bbox"]
        );
    }
}

/// Runs `fehrist` in `dir` against the store at `store`.
fn run_on(dir: &Path, store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fehrist"))
        .args(args)
        .current_dir(dir)
        .env("FEHRIST_STORE", store)
        .output()
        .unwrap()
}

/// Replicates a registry, loses the original, and restores from the copy alone:
/// index rebuilt, every record and file verified, fixity whole.
fn restore_drill(target: &str) {
    let var = Var::new();
    check(
        &var.run(&["ingest", fixtures().join("batch").to_str().unwrap()]),
        0,
    );
    let first = check(&var.run(&["replicate", "--to", target]), 0);
    assert!(
        first.contains(" blob(s) re-hashed") && !first.contains(": 0 object(s) copied"),
        "{first}"
    );
    // Again: no blob or record is copied twice (so an interrupted copy resumes where it
    // stopped); only the audit log has grown, by the first replication's own event
    // (one tile and its checkpoint).
    let again = check(&var.run(&["replicate", "--to", target, "--json"]), 0);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["blobs_verified"], 0, "{again}");
    assert_eq!(again["copied"], 2, "{again}");
    assert_eq!(again["checkpoints"], 1, "{again}");

    // The original is lost; a new machine works from the copy alone.
    std::fs::remove_dir_all(var.dir.path().join("var")).unwrap();
    let site = tempfile::tempdir().unwrap();
    let reindexed = check(&run_on(site.path(), target, &["reindex"]), 0);
    assert!(
        reindexed.starts_with("reindexed 3 record(s)"),
        "{reindexed}"
    );
    let hits = check(&run_on(site.path(), target, &["search", "бойгониҳо"]), 0);
    assert!(hits.contains("TJ-CSA/F-12/O-3/D-45"), "{hits}");
    for code in [
        "TJ-CSA/F-12/O-3/D-45",
        "TJ-CSA/F-12/O-3/D-46",
        "TJ-CSA/F-7/O-1/D-2",
    ] {
        let out = check(&run_on(site.path(), target, &["verify", code]), 0);
        assert!(out.contains("intact"), "{code}: {out}");
    }
    let scan = fixtures().join("batch/F-7/O-1/D-2/0001.jpg");
    let out = check(
        &run_on(site.path(), target, &["verify", scan.to_str().unwrap()]),
        0,
    );
    assert!(out.starts_with("registered, unchanged"), "{out}");
    check(&run_on(site.path(), target, &["fixity"]), 0);
}

#[test]
fn a_replica_restores_the_registry_alone() {
    let replica = tempfile::tempdir().unwrap();
    restore_drill(&format!(
        "file://{}",
        replica.path().join("store").display()
    ));
}

/// A fresh prefix in the test bucket (`FEHRIST_TEST_S3`, set by `.ci/garage start`).
fn s3_prefix() -> String {
    let base = std::env::var("FEHRIST_TEST_S3").expect(
        "FEHRIST_TEST_S3 is not set: start Garage first (eval \"$(.ci/garage start DIR)\"); .ci/test does",
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}/cli-{nanos}-{}",
        base.trim_end_matches('/'),
        std::process::id()
    )
}

/// The same drill with the copy in S3 (Garage), and a station ingesting straight into
/// S3: records, log and audit trail all in the bucket.
#[test]
fn s3_holds_a_registry_and_its_replica() {
    restore_drill(&s3_prefix());

    let store = s3_prefix();
    let station = tempfile::tempdir().unwrap();
    let batch = fixtures().join("batch");
    let out = check(
        &run_on(station.path(), &store, &["ingest", batch.to_str().unwrap()]),
        0,
    );
    assert!(out.contains("3 registered"), "{out}");
    let again = check(
        &run_on(station.path(), &store, &["ingest", batch.to_str().unwrap()]),
        0,
    );
    assert!(again.contains("nothing new"), "{again}");
    for code in [
        "TJ-CSA/F-12/O-3/D-45",
        "TJ-CSA/F-12/O-3/D-46",
        "TJ-CSA/F-7/O-1/D-2",
    ] {
        let out = check(&run_on(station.path(), &store, &["verify", code]), 0);
        assert!(out.contains("intact"), "{code}: {out}");
    }
    check(&run_on(station.path(), &store, &["audit"]), 0);
}

/// The three fixture files (five pages) under fond `fond` of `batch`.
fn copy_fixture_files(batch: &Path, fond: u32) {
    for (from, to) in [
        ("F-12/O-3/D-45", format!("F-{fond}/O-3/D-45")),
        ("F-12/O-3/D-46", format!("F-{fond}/O-3/D-46")),
        ("F-7/O-1/D-2", format!("F-{fond}/O-1/D-2")),
    ] {
        std::fs::create_dir_all(batch.join(&to)).unwrap();
        for file in std::fs::read_dir(fixtures().join("batch").join(from)).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, batch.join(&to).join(file.file_name().unwrap())).unwrap();
        }
    }
}

/// `kill -9` an ingest at random moments, restart it each time, and check after every
/// restart that nothing stored is damaged; in the end every record is registered
/// once, verifies, and sits in the log once. The kill times come from a seed printed
/// on failure, so a failing run can be repeated.
#[test]
fn an_ingest_killed_at_random_moments_completes_on_restart() {
    const KILLS: usize = 8;
    let seed = std::env::var("FEHRIST_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let mut state = seed;
    let mut next = move || {
        // xorshift64: enough to spread kill times, repeatable from the seed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let var = Var::new();
    // The fixture files under six fonds: 18 records, 30 pages, longer than any wait.
    let batch = var.dir.path().join("batch");
    const FONDS: u32 = 6;
    for fond in 1..=FONDS {
        copy_fixture_files(&batch, fond);
    }
    let mut killed = 0;
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fehrist"))
            .args(["ingest", batch.to_str().unwrap()])
            .current_dir(var.dir.path())
            .env_remove("FEHRIST_STORE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Anywhere in the first 3 s: key creation, OCR, sealing, storing, sequencing.
        let wait = next() % 3000;
        std::thread::sleep(std::time::Duration::from_millis(wait));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Whatever was stored so far is whole (fixity exits 1 on any damaged object).
        if var.store().join("records").exists() {
            let fixity = var.run(&["fixity"]);
            assert_eq!(
                fixity.status.code(),
                Some(0),
                "seed {seed}, round {round} (killed after {wait} ms): {}",
                stdout(&fixity)
            );
        }
    }
    assert!(
        killed >= KILLS / 2,
        "seed {seed}: only {killed} runs were killed"
    );

    // The same command again completes the batch.
    let out = check(&var.run(&["ingest", batch.to_str().unwrap()]), 0);
    assert!(out.contains("0 failed"), "seed {seed}: {out}");
    let records: Vec<PathBuf> = std::fs::read_dir(var.store().join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        records.len(),
        3 * FONDS as usize,
        "seed {seed}: one record per file, no duplicates"
    );
    for fond in 1..=FONDS {
        for code in ["O-3/D-45", "O-3/D-46", "O-1/D-2"] {
            let code = format!("TJ-CSA/F-{fond}/{code}");
            let out = check(&var.run(&["verify", &code]), 0);
            assert!(
                out.contains("intact") && out.contains("transparency log"),
                "seed {seed}: {out}"
            );
        }
    }
    let checkpoint = check(&var.run(&["checkpoint"]), 0);
    assert_eq!(
        checkpoint.lines().nth(1),
        Some((3 * FONDS).to_string().as_str()),
        "seed {seed}: each record once in the log\n{checkpoint}"
    );
    check(&var.run(&["audit"]), 0);
}

/// Two stations, each with its own key, ingest different files into one S3 store at
/// the same time: every record of both is registered, verifies, and is in the one log
/// exactly once.
#[test]
fn two_stations_ingest_into_one_s3_store_at_once() {
    let store = s3_prefix();
    let stations: Vec<(tempfile::TempDir, PathBuf)> = (1..=2)
        .map(|n| {
            let dir = tempfile::tempdir().unwrap();
            let batch = dir.path().join("batch");
            copy_fixture_files(&batch, n * 10);
            (dir, batch)
        })
        .collect();
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = stations
            .iter()
            .map(|(dir, batch)| {
                let store = store.clone();
                scope
                    .spawn(move || run_on(dir.path(), &store, &["ingest", batch.to_str().unwrap()]))
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for output in &outputs {
        let out = check(output, 0);
        assert!(out.contains("3 registered"), "{out}");
    }
    // The registry machine indexes what both stations registered.
    let registry = tempfile::tempdir().unwrap();
    let dir = &registry;
    let reindexed = check(&run_on(dir.path(), &store, &["reindex"]), 0);
    assert!(
        reindexed.starts_with("reindexed 6 record(s)"),
        "{reindexed}"
    );
    for n in 1..=2 {
        for code in ["O-3/D-45", "O-3/D-46", "O-1/D-2"] {
            let code = format!("TJ-CSA/F-{n}0/{code}");
            let out = check(&run_on(dir.path(), &store, &["verify", &code]), 0);
            assert!(
                out.contains("intact") && out.contains("transparency log"),
                "{out}"
            );
        }
    }
    let checkpoint = check(&run_on(dir.path(), &store, &["checkpoint"]), 0);
    assert_eq!(checkpoint.lines().nth(1), Some("6"), "{checkpoint}");
}

/// Writs of execution through their pipeline: fields read from the scans as the truth
/// says, found by case number, name and currency, counted in facets, the fond's
/// passport and the KPIs; a correction is a new signed version, refused when it breaks
/// the schema.
#[test]
fn writs_yield_their_fields_and_a_correction_is_a_new_version() {
    use serde_json::Value;
    let var = Var::new();
    let batch = fixtures().join("writs");
    check(&var.run(&["ingest", batch.to_str().unwrap()]), 0);
    let truth: Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("truth/writs.json")).unwrap())
            .unwrap();
    let show = |code: &str| -> Value {
        serde_json::from_str(&check(&var.run(&["show", code, "--json"]), 0)).unwrap()
    };
    for (code, expected) in truth.as_object().unwrap() {
        let shown = show(code);
        assert_eq!(shown["manifest"]["pipeline"]["name"], "executive-documents");
        assert_eq!(shown["manifest"]["access"], "restricted");
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(&shown["manifest"]["fields"][field], value, "{code} {field}");
        }
        // Every value says where it was read and how sure the reading is.
        for source in shown["manifest"]["field_sources"].as_array().unwrap() {
            assert_eq!(source["origin"], "extracted");
            assert_eq!(source["span"]["sheet"], 1);
            assert!(source["confidence"].as_u64().unwrap() >= 50, "{source}");
        }
    }
    let search = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let hits: Value = serde_json::from_str(&stdout(&var.run(&all))).unwrap();
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["ref_code"].as_str().unwrap().to_owned())
            .collect()
    };
    let (d1, d2) = ("TJ-CSA/F-50/O-1/D-1", "TJ-CSA/F-50/O-1/D-2");
    let case = truth[d2]["case_number"].as_str().unwrap();
    assert_eq!(search(&["", "--case-number", case]), [d2]);
    // The Tajik debtor Ҳакимов is found in Russian spelling.
    assert_eq!(search(&["", "--name", "Хакимов Фаррух"]), [d2]);
    assert_eq!(search(&["", "--currency", "EUR"]), [d1]);
    assert_eq!(search(&["", "--from", "2020-01-01"]), [d1]);
    // D-1 was decided in 2021, D-2 in 2015.
    assert_eq!(search(&["", "--sort", "newest"]), [d1, d2]);
    assert_eq!(search(&["", "--sort", "oldest"]), [d2, d1]);
    assert_eq!(search(&["", "--amount-min", "100000"]), [d2]);
    let faceted: Value =
        serde_json::from_str(&check(&var.run(&["search", "", "--facets", "--json"]), 0)).unwrap();
    assert_eq!(faceted["total"], 2);
    assert_eq!(faceted["facets"]["court"].as_array().unwrap().len(), 2);
    assert_eq!(
        faceted["facets"]["pipeline"][0],
        serde_json::json!({"value": "executive-documents", "pages": 2})
    );

    // The fond's passport, against what the archive declared.
    std::fs::write(
        var.dir.path().join("fonds.toml"),
        "[\"TJ-CSA/F-50\"]\ntitle = \"Writs\"\nfiles = 4\nsheets = 8\n",
    )
    .unwrap();
    let passport: Value = serde_json::from_str(&check(
        &var.run(&[
            "passport",
            "TJ-CSA/F-50",
            "--fonds",
            "fonds.toml",
            "--html",
            "passport.html",
            "--json",
        ]),
        0,
    ))
    .unwrap();
    assert_eq!(
        (passport["files"].as_u64(), passport["sheets"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(passport["access_levels"]["restricted"], 2);
    assert_eq!(passport["progress"]["files"], 0.5);
    assert_eq!(passport["progress"]["sheets"], 0.25);
    let page = std::fs::read_to_string(var.dir.path().join("passport.html")).unwrap();
    assert!(page.contains("Digital passport of fond TJ-CSA/F-50"));
    assert!(page.contains("<svg"));
    check(&var.run(&["passport", "TJ-CSA/F-99"]), 1);
    let kpis: Value = serde_json::from_str(&check(
        &var.run(&["report", "--fonds", "fonds.toml", "--json"]),
        0,
    ))
    .unwrap();
    assert_eq!(
        (kpis["records"].as_u64(), kpis["pages"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(kpis["per_pipeline"][0]["key"], "executive-documents");
    assert_eq!(kpis["backlog"][0]["sheets_remaining"], 6);

    // A correction: a new version, signed, logged and verified; the old one stays.
    let before = show(d1);
    let old_id = before["manifest"]["record_id"].as_str().unwrap().to_owned();
    let refused = var.run(&[
        "edit",
        d1,
        "--set",
        "decision_date=22.08.2021",
        "--reason",
        "the date as written",
    ]);
    check(&refused, 2);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("/decision_date"));
    check(
        &var.run(&[
            "edit",
            d1,
            "--set",
            "decision_date=2021-08-22",
            "--reason",
            "the decision date was read as the writ's",
            "--operator",
            "n.karimova",
        ]),
        0,
    );
    let after = show(d1);
    assert_eq!(after["manifest"]["fields"]["decision_date"], "2021-08-22");
    assert_eq!(
        after["manifest"]["fields"]["case_number"],
        before["manifest"]["fields"]["case_number"]
    );
    // The scan's provenance stays; the edit says who, where and why.
    for kept in ["station", "operator", "registered_at"] {
        assert_eq!(after["manifest"][kept], before["manifest"][kept], "{kept}");
    }
    assert_eq!(after["manifest"]["edit"]["editor"], "n.karimova");
    assert_eq!(after["manifest"]["previous"], old_id.as_str());
    assert_eq!(after["versions"][1]["record_id"], old_id.as_str());
    assert_eq!(after["versions"][0]["origin"], "edited");
    let listed = check(&var.run(&["show", d1, "--versions"]), 0);
    assert!(
        listed.starts_with("version 2: record ") && listed.contains("by n.karimova (current)"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("version 1: record {old_id} scanned ")),
        "{listed}"
    );
    // The same correction again changes nothing, and is refused.
    let again = var.run(&[
        "edit",
        d1,
        "--set",
        "decision_date=2021-08-22",
        "--reason",
        "again",
    ]);
    check(&again, 2);
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing changes"));
    // Searches count the file once, as its current version.
    let found: Value = serde_json::from_str(&check(
        &var.run(&[
            "search",
            "",
            "--case-number",
            truth[d1]["case_number"].as_str().unwrap(),
            "--json",
        ]),
        0,
    ))
    .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(
        found["hits"][0]["record_id"],
        after["manifest"]["record_id"]
    );
    let edited = after["manifest"]["field_sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["field"] == "decision_date")
        .unwrap();
    assert_eq!(
        (edited["origin"].as_str(), edited["editor"].as_str()),
        (Some("edited"), Some("n.karimova"))
    );
    check(
        &var.run(&["verify", after["manifest"]["record_id"].as_str().unwrap()]),
        0,
    );
    check(&var.run(&["verify", &old_id]), 0);
    let audit = check(&var.run(&["audit", "--json"]), 0);
    assert!(audit.contains("\"edit\""), "{audit}");
}

/// One HTTP/1.1 exchange on loopback: status, headers (lower-case names), body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]).to_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = answer[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let line = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line]).unwrap().trim(), 16)
                    .unwrap();
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[line + 2..line + 2 + size]);
            rest = &rest[line + 2 + size + 2..];
        }
        body = decoded;
    }
    (status, head, body)
}

/// The registry service over a real listening socket: every role × clearance against
/// every endpoint; a record above the clearance is absent from results, counts, facets,
/// snippets and verify answers, and answers 404 like a missing one; no token, a wrong
/// one or a revoked one is 401; every audited request is in the audit log.
#[test]
fn the_service_shows_each_caller_only_what_its_clearance_allows() {
    use serde_json::Value;
    let var = Var::new();
    let batch = var.dir.path().join("batch");
    // One Uzbek page per access level, each its own fond.
    let levels = ["open", "internal", "restricted", "secret"];
    let mut inventory = String::from("ref_code,access\n");
    for (n, level) in levels.iter().enumerate() {
        let folder = batch.join(format!("F-6{n}/O-1/D-1"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(
            fixtures().join("batch/F-7/O-1/D-2/0001.jpg"),
            folder.join("0001.jpg"),
        )
        .unwrap();
        inventory.push_str(&format!("F-6{n}/O-1/D-1,{level}\n"));
    }
    std::fs::write(batch.join("inventory.csv"), inventory).unwrap();
    check(&var.run(&["ingest", batch.to_str().unwrap()]), 0);
    // A writ at internal: visible to internal callers, its persons redacted for them.
    check(
        &var.run(&[
            "ingest",
            fixtures().join("writs").to_str().unwrap(),
            "--access",
            "internal",
        ]),
        0,
    );
    let ids: Vec<String> = levels
        .iter()
        .enumerate()
        .map(|(n, _)| {
            let shown: Value = serde_json::from_str(&check(
                &var.run(&["show", &format!("TJ-CSA/F-6{n}/O-1/D-1"), "--json"]),
                0,
            ))
            .unwrap();
            shown["manifest"]["record_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let writ: Value = serde_json::from_str(&check(
        &var.run(&["show", "TJ-CSA/F-50/O-1/D-2", "--json"]),
        0,
    ))
    .unwrap();
    let writ_id = writ["manifest"]["record_id"].as_str().unwrap().to_owned();

    let roles = ["reader", "archivist", "auditor", "admin"];
    let mut tokens = Vec::new();
    for role in roles {
        for (clearance, level) in levels.iter().enumerate() {
            let made: Value = serde_json::from_str(&check(
                &var.run(&[
                    "tokens",
                    "create",
                    "--agency",
                    "Ministry of Justice",
                    "--role",
                    role,
                    "--clearance",
                    level,
                    "--json",
                ]),
                0,
            ))
            .unwrap();
            tokens.push((role, clearance, made["token"].as_str().unwrap().to_owned()));
        }
    }
    let spare: Value = serde_json::from_str(&check(
        &var.run(&[
            "tokens",
            "create",
            "--agency",
            "x",
            "--role",
            "admin",
            "--clearance",
            "secret",
            "--json",
        ]),
        0,
    ))
    .unwrap();
    check(
        &var.run(&["tokens", "revoke", spare["id"].as_str().unwrap()]),
        0,
    );
    let listed = check(&var.run(&["tokens", "list"]), 0);
    assert!(
        !listed.contains("fehrist_"),
        "no token is ever printed again"
    );
    assert!(listed.contains("revoked"));

    let (mut server, addr) = start_server(&var);
    let mut audited = 0;
    let mut get = |path: &str, token: Option<&str>| {
        // Probes, the API description, metrics and the public log are not audited.
        let public = ["/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json"];
        if path.starts_with("/api/v1/") && !public.iter().any(|p| path.starts_with(p)) {
            audited += 1;
        }
        http(&addr, "GET", path, token, b"")
    };
    let json = |body: &[u8]| -> Value { serde_json::from_slice(body).unwrap() };
    // An answer as the API describes it: checked against its OpenAPI component.
    let answer = |component: &str, body: &[u8]| -> Value {
        let value = json(body);
        if let Err(error) = fehrist_schema::validate_api_answer(component, &value) {
            panic!("{component}: {error}\n{value}");
        }
        value
    };

    assert_eq!(get("/api/v1/health", None).0, 200);
    let openapi = json(&get("/api/v1/openapi.json", None).2);
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(get("/metrics", None).2.starts_with(b"# HELP"));
    let checkpoint = get("/log/checkpoint", None);
    assert_eq!(checkpoint.0, 200);
    assert!(String::from_utf8_lossy(&checkpoint.2).contains("fehrist-log"));
    for bad in [
        None,
        Some("fehrist_00000000_notatokennotatokennotatokennotatoken"),
        Some(spare["token"].as_str().unwrap()),
    ] {
        let (status, head, body) = get("/api/v1/search?q=", bad);
        assert_eq!(status, 401, "{bad:?}");
        assert!(head.contains("www-authenticate: bearer"));
        assert_eq!(json(&body)["status"], 401);
    }
    let missing = get(
        &format!("/api/v1/records/{}", "0".repeat(32)),
        Some(&tokens[0].2),
    );
    assert_eq!(missing.0, 404);
    // Malformed requests are problem documents too.
    let malformed = get("/api/v1/search?limit=many", Some(&tokens[0].2));
    assert_eq!(malformed.0, 400);
    assert!(
        malformed
            .1
            .contains("content-type: application/problem+json")
    );
    assert_eq!(json(&malformed.2)["status"], 400);
    assert_eq!(
        get("/api/v1/search?sort=alphabetical", Some(&tokens[0].2)).0,
        400
    );
    assert_eq!(get("/api/v1/search?sort=newest", Some(&tokens[0].2)).0, 200);
    let bad_date = get("/api/v1/search?from=12.03.2024", Some(&tokens[0].2));
    assert_eq!(
        (bad_date.0, json(&bad_date.2)["status"].as_u64()),
        (400, Some(400))
    );

    for (role, clearance, token) in &tokens {
        let t = Some(token.as_str());
        let sees = |level: usize| level <= *clearance;
        // Search: hits, total and facets hold only what the clearance allows.
        let found = answer("SearchResults", &get("/api/v1/search?q=&limit=100", t).2);
        let codes: Vec<&str> = found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["ref_code"].as_str().unwrap())
            .collect();
        let expected_pages = (0..4).filter(|&l| sees(l)).count() + if sees(1) { 2 } else { 0 };
        assert_eq!(found["total"], expected_pages, "{role} {clearance}");
        for (level, _) in levels.iter().enumerate() {
            let code = format!("TJ-CSA/F-6{level}/O-1/D-1");
            assert_eq!(
                codes.contains(&code.as_str()),
                sees(level),
                "{role} {clearance} {code}"
            );
        }
        let facet_levels: Vec<&str> = found["facets"]["access"]
            .as_array()
            .map(|a| a.iter().map(|v| v["value"].as_str().unwrap()).collect())
            .unwrap_or_default();
        for (level, name) in levels.iter().enumerate() {
            assert_eq!(
                facet_levels.contains(name),
                sees(level),
                "{role} {clearance} {name}"
            );
        }
        // Asking for a level above the clearance gives nothing, not an error.
        let secret = answer(
            "SearchResults",
            &get("/api/v1/search?q=&access=secret", t).2,
        );
        assert_eq!(secret["total"], if sees(3) { 1 } else { 0 });
        for (level, id) in ids.iter().enumerate() {
            let (status, _, body) = get(&format!("/api/v1/records/{id}"), t);
            if sees(level) {
                assert_eq!(status, 200);
                assert_eq!(json(&body)["manifest"]["record_id"], id.as_str());
                assert_eq!(get(&format!("/api/v1/records/{id}/pages/1/text"), t).0, 200);
                let image = get(&format!("/api/v1/records/{id}/pages/1/image"), t);
                assert_eq!(image.0, 200);
                assert!(image.1.contains("content-type: image/jpeg"));
            } else {
                // Hidden answers exactly as missing.
                assert_eq!(
                    (status, json(&body)),
                    (404, json(&missing.2)),
                    "{role} {clearance}"
                );
                assert_eq!(get(&format!("/api/v1/records/{id}/pages/1/text"), t).0, 404);
                assert_eq!(get(&format!("/api/v1/records/{id}/pdf"), t).0, 404);
            }
            let evidence = get(&format!("/api/v1/records/{id}/evidence"), t).0;
            let expected = match (*role, sees(level)) {
                ("reader" | "archivist", _) => 403,
                (_, true) => 200,
                (_, false) => 404,
            };
            assert_eq!(evidence, expected, "{role} {clearance} evidence");
        }
        let fonds = answer("FondList", &get("/api/v1/fonds", t).2);
        let listed: Vec<&str> = fonds["fonds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fond"].as_str().unwrap())
            .collect();
        for (level, _) in levels.iter().enumerate() {
            assert_eq!(
                listed.contains(&format!("TJ-CSA/F-6{level}").as_str()),
                sees(level)
            );
            let passport = get(&format!("/api/v1/fonds/TJ-CSA/F-6{level}"), t);
            assert_eq!(passport.0, if sees(level) { 200 } else { 404 });
            answer(
                if sees(level) {
                    "FondPassport"
                } else {
                    "Problem"
                },
                &passport.2,
            );
        }
        if sees(1) {
            let record = answer("Record", &get(&format!("/api/v1/records/{writ_id}"), t).2);
            let debtor = &record["manifest"]["fields"]["debtor"];
            if sees(2) {
                assert_eq!(debtor, &writ["manifest"]["fields"]["debtor"]);
            } else {
                assert_eq!(debtor, "[redacted]");
            }
        }
    }
    // Verify an upload: the master of a record the caller may not see is not found.
    let master = std::fs::read(fixtures().join("batch/F-7/O-1/D-2/0001.jpg")).unwrap();
    let verified = |token: &str| {
        answer(
            "FileVerification",
            &http(&addr, "POST", "/api/v1/verify", Some(token), &master).2,
        )
    };
    audited += 2;
    // An upload over the limit is refused from its declared length, unread.
    let too_large = {
        use std::io::Write as _;
        audited += 1;
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        let head = format!(
            "POST /api/v1/verify HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Length: 300000000\r\nConnection: close\r\n\r\n",
            tokens[0].2
        );
        stream.write_all(head.as_bytes()).unwrap();
        // The answer comes before any of the body is sent; read its head only.
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        answer_head(&mut stream)
    };
    assert!(too_large.starts_with("HTTP/1.1 413"), "{too_large}");
    assert!(
        too_large.contains("application/problem+json"),
        "{too_large}"
    );
    let open_reader = verified(&tokens[0].2);
    assert_eq!(
        (
            open_reader["registered"].as_bool(),
            open_reader["unchanged"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(open_reader["records"].as_array().unwrap().len(), 1);
    let secret_reader = verified(&tokens[3].2);
    assert_eq!(secret_reader["records"].as_array().unwrap().len(), 4);
    let ranged = {
        audited += 1;
        http(
            &addr,
            "GET",
            &format!("/api/v1/records/{}/pdf", ids[0]),
            Some(&tokens[0].2),
            b"",
        )
    };
    assert!(ranged.2.starts_with(b"%PDF-"));
    assert!(
        ranged
            .1
            .contains("content-disposition: inline; filename=\"tj-csa_f-60_o-1_d-1.pdf\""),
        "{}",
        ranged.1
    );

    // Stopping writes every waiting audit event.
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());
    let trail: Value = serde_json::from_str(&check(&var.run(&["audit", "--json"]), 0)).unwrap();
    let events = trail["events"].as_array().unwrap();
    let http_events: Vec<&Value> = events
        .iter()
        .map(|e| &e["event"])
        .filter(|e| {
            e["client"]
                .as_str()
                .unwrap_or("")
                .starts_with("http@127.0.0.1")
        })
        .collect();
    // Requests without a valid token, and refused ones, are tallied: one event per
    // client and window stands for them all, with their count.
    let requests: u64 = http_events
        .iter()
        .map(|e| e["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(requests, audited as u64);
    assert!(http_events.len() < audited, "some requests were tallied");
    assert!(
        http_events
            .iter()
            .any(|e| e["outcome"] == "denied" && e["actor"] == "anonymous")
    );
    assert!(http_events.iter().any(|e| e["action"] == "post-verify"));
}

/// Starts `fehrist serve` on a free loopback port; returns the child and its address.
fn start_server(var: &Var) -> (std::process::Child, String) {
    start_server_with(var, &[])
}

/// [`start_server`] with more `serve` flags.
fn start_server_with(var: &Var, flags: &[&str]) -> (std::process::Child, String) {
    // A registry to serve: an empty one is made by setting up the station's key.
    if !var.store().exists() {
        check(&var.run(&["keys", "generate", "station"]), 0);
    }
    let mut server = Command::new(env!("CARGO_BIN_EXE_fehrist"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(flags)
        .current_dir(var.dir.path())
        .env_remove("FEHRIST_STORE")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
            "serve ended"
        );
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // The server goes on writing to stderr (its last line at shutdown, logged errors);
    // keep reading into serve.log, or a closed pipe would make that write fail.
    let mut log = std::fs::File::create(var.dir.path().join("serve.log")).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut log));
    (server, addr)
}

/// Every user of the web pages walks them end to end in headless Chromium, in Tajik,
/// Russian and English, at 1400 px and 390 px (`tests/browser/walk.mjs`): an analyst
/// searches, filters, sorts, exports and downloads; an archivist browses fonds to a
/// file (the fond's passport declared in `fixtures/fonds.toml`), corrects its title and
/// goes back by breadcrumbs to the quarantine; a citizen verifies a scan and an evidence
/// bundle, and
/// reads the open holdings without a token; axe-core finds no serious or critical
/// violation on any page reached. Mirador 4, served from another origin, opens an open
/// record's IIIF manifest and draws its first canvas.
#[test]
fn every_user_walks_the_pages_in_three_languages() {
    let var = Var::new();
    check(
        &var.run(&["ingest", fixtures().join("batch").to_str().unwrap()]),
        0,
    );
    let token = |role: &str| {
        check(
            &var.run(&[
                "tokens",
                "create",
                "--agency",
                "Archive",
                "--role",
                role,
                "--clearance",
                "restricted",
            ]),
            0,
        )
        .trim()
        .to_owned()
    };
    let (reader, archivist) = (token("reader"), token("archivist"));
    let shown: serde_json::Value = serde_json::from_str(&check(
        &var.run(&["show", "TJ-CSA/F-12/O-3/D-45", "--json"]),
        0,
    ))
    .unwrap();
    assert_eq!(shown["manifest"]["access"], "open");
    let open_record = shown["manifest"]["record_id"].as_str().unwrap().to_owned();
    // The evidence bundle an auditor hands a citizen, who checks it on the verify page.
    let bundle = var.dir.path().join("evidence.json");
    std::fs::write(
        &bundle,
        check(&var.run(&["evidence", "TJ-CSA/F-12/O-3/D-45"]), 0),
    )
    .unwrap();
    let fonds = fixtures().join("fonds.toml");
    let (mut server, addr) = start_server_with(
        &var,
        &["--public", "--edits", "--fonds", fonds.to_str().unwrap()],
    );
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let scan = fixtures().join("batch/F-12/O-3/D-45/0001.png");
    let output = Command::new("node")
        .arg(browser.join("walk.mjs"))
        .args([
            &format!("http://{addr}"),
            &reader,
            &archivist,
            scan.to_str().unwrap(),
            "бойгониҳо",
            &open_record,
            bundle.to_str().unwrap(),
        ])
        .output()
        .expect("node (see .ci/install-deps)");
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout: {said}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains(
            "walked: 102 pages checked by axe-core, none with a serious or critical violation"
        ) && said.contains("Mirador showed TJ-CSA/F-12/O-3/D-45"),
        "{said}"
    );
}

/// The web pages end to end in headless Chromium (Debian's, driven by playwright-core
/// from `tests/browser`, installed by `.ci/test`): sign in, search, a hit's page image
/// loads beside its text, the interface speaks Tajik, Russian and English, and an
/// uploaded scan is found unchanged.
#[test]
fn the_web_pages_work_in_a_browser() {
    let var = Var::new();
    check(
        &var.run(&["ingest", fixtures().join("batch").to_str().unwrap()]),
        0,
    );
    let token = check(
        &var.run(&[
            "tokens",
            "create",
            "--agency",
            "Archive",
            "--role",
            "reader",
            "--clearance",
            "restricted",
        ]),
        0,
    );
    let (mut server, addr) = start_server(&var);
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let scan = fixtures().join("batch/F-12/O-3/D-45/0001.png");
    let output = Command::new("node")
        .arg(browser.join("ui.mjs"))
        .args([
            &format!("http://{addr}"),
            token.trim(),
            scan.to_str().unwrap(),
            "бойгониҳо",
        ])
        .output()
        .expect("node (see .ci/install-deps)");
    // A TIFF sheet (of a restricted record the token may see), which browsers cannot
    // show, comes as PNG.
    let tiff: serde_json::Value = serde_json::from_str(&check(
        &var.run(&["show", "TJ-CSA/F-12/O-3/D-46", "--json"]),
        0,
    ))
    .unwrap();
    let id = tiff["manifest"]["record_id"].as_str().unwrap();
    let (status, head, png) = http(
        &addr,
        "GET",
        &format!("/api/v1/records/{id}/pages/2/image"),
        Some(token.trim()),
        b"",
    );
    assert_eq!(status, 200);
    assert!(head.contains("content-type: image/png"), "{head}");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("verify said \"Unchanged"));
}
