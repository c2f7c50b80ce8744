//! The API against its description: schemathesis (from PyPI, installed by
//! `.ci/install-deps` into `~/.cache/fehrist/venv`) generates requests from
//! `schemas/openapi.json` for every operation, a bounded number each, against a live
//! server over a registry with a record, and fails on any server error, status code or
//! answer the description does not allow.

use std::path::PathBuf;
use std::process::Command;

use super::{Var, new_token, one_record_station, start_server};

/// The schemathesis command: `$FEHRIST_SCHEMATHESIS`, else the one `.ci/install-deps`
/// installs.
fn schemathesis() -> PathBuf {
    let path = std::env::var_os("FEHRIST_SCHEMATHESIS").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/fehrist/venv/bin/schemathesis")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: .ci/install-deps installs schemathesis",
        path.display()
    );
    path
}

#[test]
fn schemathesis_finds_no_answer_outside_the_api_description() {
    let var = Var::new();
    one_record_station(&var);
    let token = new_token(&var, "MoJ", "auditor", "secret");
    let (mut server, addr) = start_server(&var);
    let report = var.dir.path().join("schemathesis");
    let run = Command::new(schemathesis())
        .arg("run")
        .arg(format!("http://{addr}/api/v1/openapi.json"))
        .args(["--url", &format!("http://{addr}")])
        .args(["--checks", "all"])
        .args(["--max-examples", "20"])
        .args(["--seed", "20261202"])
        .args(["--request-timeout", "30"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .arg("--report-dir")
        .arg(&report)
        .env("NO_COLOR", "1")
        .current_dir(var.dir.path())
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found answers outside schemas/openapi.json:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // It did test: every operation had cases generated and sent.
    assert!(out.contains("passed"), "{out}");
}
