//! Search load on the registry service: an index of synthetic pages (100,000 by
//! default), `fehrist serve` on loopback, and keep-alive clients asking a two-word
//! query for a fixed time, first alone, then while an ingest runs into the same
//! registry (at the ordinary priority, then under `nice -n 10`). Prints
//! requests/second, p50/p99 latency, the server's CPU per request and the CPU the
//! ingest got. Figures, not assertions.
//!
//!   FEHRIST_BIN=target/release/fehrist cargo bench -p fehrist-benches --bench search_load
//!   (PAGES, SECONDS, CONNECTIONS in the environment change the defaults)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many pages the search matches: the `total` of one answer.
fn matching_pages(addr: &str, path: &str, token: &str) -> u64 {
    let found: serde_json::Value = serde_json::from_str(&get(addr, path, token)).expect("JSON");
    found["total"].as_u64().expect("a total")
}

use fehrist_benches::{
    Phase, Rng, always, fehrist, fehrist_bin, get, load, page_words, serve, setting, stop, token,
    vocabulary, workspace,
};
use fehrist_index::{PageDoc, RecordFacts, SearchIndex};
use fehrist_model::{AccessLevel, Digest, RecordId};

fn build_index(dir: &Path, pages: usize, words: &[String], rng: &mut Rng) {
    let index = SearchIndex::open(dir).expect("an index");
    const PER_RECORD: usize = 10;
    for record in 0..pages.div_ceil(PER_RECORD) {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(record as u64 + 1).to_be_bytes());
        let record_id = RecordId::from_bytes(&id).expect("a record id");
        let docs: Vec<PageDoc> = (1..=PER_RECORD as u32)
            .map(|sheet| PageDoc {
                record_id: record_id.clone(),
                ref_code: format!(
                    "TJ-CSA/F-{}/O-1/D-{}",
                    1000 + record / 500,
                    record % 500 + 1
                )
                .parse()
                .expect("a code"),
                sheet,
                title: None,
                document_type: None,
                access: [AccessLevel::Open, AccessLevel::Internal][record % 2],
                language: "tgk".to_owned(),
                master: Digest::from_bytes(&[sheet as u8; 32]).expect("a digest"),
                text: page_words(rng, words, 150).join(" "),
                russian: String::new(),
                pipeline: "default".to_owned(),
                facts: RecordFacts::default(),
                current: true,
                previous: None,
                personal_shows_at: AccessLevel::Restricted,
                redacted: None,
            })
            .collect();
        index.replace_record(&record_id, &docs).expect("indexed");
    }
    index.commit().expect("committed");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a fixture folder") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

fn main() {
    let pages = setting("PAGES", 100_000);
    let seconds = setting("SECONDS", 20) as u64;
    let connections = setting("CONNECTIONS", 16);
    let root = workspace();
    let bin = fehrist_bin();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut rng = Rng(0x5eed_f00d);
    let words = vocabulary(&mut rng, 5000);
    let started = Instant::now();
    build_index(&dir.path().join("var/index"), pages, &words, &mut rng);
    println!(
        "index: {pages} synthetic pages (150 words each, 5,000-word vocabulary) built in {:.1} s; cores: {}",
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // Only an ingest or a station's first key makes a registry: the index alone is
    // none, and `fehrist serve` would refuse it.
    let made = fehrist(&bin, dir.path(), &["keys", "generate", "station"])
        .output()
        .expect("fehrist keys generate");
    assert!(made.status.success(), "{made:?}");
    let token = token(&bin, dir.path(), "reader", "internal");
    let (server, addr) = serve(&bin, dir.path());
    // Two words of middling frequency: each on some pages, both together on fewer.
    let query = format!("/api/v1/search?q={}+{}&limit=20", words[40], words[60]);
    let without_facets = format!("{query}&facets=false");
    let probe = load(&addr, always(query.clone()), &token, 1, 1);
    println!(
        "query: two words ({} {}) on {} pages, {connections} keep-alive connections, {seconds} s per phase; warm-up {} requests",
        words[40],
        words[60],
        matching_pages(&addr, &query, &token),
        probe.latencies.len()
    );
    let phase = Phase {
        addr: &addr,
        token: &token,
        connections,
        seconds,
        server: server.id().to_string(),
    };
    phase.run("search alone", always(query.clone()), None);
    phase.run(
        "search alone, facets=false",
        always(without_facets.clone()),
        None,
    );

    // Ingests of the fixture scans (copied under 40 fonds each) into the same
    // registry: one at the ordinary priority, then one under `nice -n 10`, as a
    // station that also serves the registry would run it.
    for (first_fond, niceness) in [(2000, 0), (3000, 10)] {
        let batch = dir.path().join(format!("batch-{first_fond}"));
        for copy in 0..40 {
            for (from, to) in [
                ("F-12/O-3/D-45", format!("F-{}/O-3/D-45", first_fond + copy)),
                ("F-12/O-3/D-46", format!("F-{}/O-3/D-46", first_fond + copy)),
                ("F-7/O-1/D-2", format!("F-{}/O-1/D-2", first_fond + copy)),
            ] {
                copy_tree(&root.join("fixtures/batch").join(from), &batch.join(to));
            }
        }
        let mut ingest = Command::new("nice");
        ingest
            .args(["-n", &niceness.to_string()])
            .arg(&bin)
            .args(["ingest", batch.to_str().expect("a path"), "--workers", "1"])
            .current_dir(dir.path())
            .env_remove("FEHRIST_STORE")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut ingest = ingest.spawn().expect("fehrist ingest");
        std::thread::sleep(Duration::from_secs(2));
        let ingest_pid = ingest.id().to_string();
        let label = if niceness == 0 {
            "while an ingest runs".to_owned()
        } else {
            format!("while a nice {niceness} ingest runs")
        };
        phase.run(
            &format!("search {label}"),
            always(query.clone()),
            Some(&ingest_pid),
        );
        phase.run(
            "…, facets=false",
            always(without_facets.clone()),
            Some(&ingest_pid),
        );
        let still_running = ingest.try_wait().expect("the ingest").is_none();
        println!(
            "the ingest (1 OCR worker) was {} when the second phase ended",
            if still_running {
                "still running"
            } else {
                "already done"
            }
        );
        let _ = ingest.kill();
        let _ = ingest.wait();
    }
    stop(server);
}
