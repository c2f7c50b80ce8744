//! Search load on the registry service: an index of synthetic pages (100,000 by
//! default), `fehrist serve` on loopback, and keep-alive clients asking a two-word
//! query for a fixed time, first alone, then while an ingest runs into the same
//! registry (at the ordinary priority, then under `nice -n 10`). Prints
//! requests/second, p50/p99 latency, the server's CPU per request and the CPU the
//! ingest got. Figures, not assertions.
//!
//!   FEHRIST_BIN=target/release/fehrist cargo bench -p fehrist-benches --bench search_load
//!   (PAGES, SECONDS, CONNECTIONS in the environment change the defaults)

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fehrist_index::{PageDoc, RecordFacts, SearchIndex};
use fehrist_model::{AccessLevel, Digest, RecordId};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Tajik-looking words from syllables, and pages drawn from them with a Zipf-like
/// skew (a few words on most pages, most words on few).
fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
    let onsets = [
        "б", "в", "г", "д", "ҷ", "з", "к", "қ", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ҳ",
        "ш", "ғ",
    ];
    let vowels = ["а", "о", "у", "и", "ӣ", "ӯ", "е"];
    let mut words = std::collections::BTreeSet::new();
    while words.len() < size {
        let syllables = 2 + rng.below(3);
        let word: String = (0..syllables)
            .map(|_| {
                format!(
                    "{}{}",
                    onsets[rng.below(onsets.len())],
                    vowels[rng.below(vowels.len())]
                )
            })
            .collect();
        words.insert(word);
    }
    words.into_iter().collect()
}

fn page_text(rng: &mut Rng, words: &[String], length: usize) -> String {
    (0..length)
        .map(|_| {
            // Squaring a uniform draw favours the first words of the list.
            let u = rng.below(1 << 16) as f64 / f64::from(1u32 << 16);
            words[((u * u) * words.len() as f64) as usize].as_str()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

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
                text: page_text(rng, words, 150),
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

fn fehrist(bin: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("FEHRIST_STORE");
    command
}

/// Keep-alive clients asking `path` until `seconds` pass; latencies in microseconds.
fn load(addr: &str, path: &str, token: &str, connections: usize, seconds: u64) -> (Vec<u64>, f64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, path, token) = (addr.to_owned(), path.to_owned(), token.to_owned());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&addr).expect("connected");
                stream.set_nodelay(true).expect("nodelay");
                let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
                let mut writer = stream;
                let request = format!(
                    "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
                );
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    writer.write_all(request.as_bytes()).expect("sent");
                    let mut length = 0;
                    let mut status = String::new();
                    reader.read_line(&mut status).expect("a status line");
                    assert!(status.contains(" 200 "), "{status}");
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).expect("a header");
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().expect("a length");
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).expect("a body");
                    latencies.push(sent.elapsed().as_micros() as u64);
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    (all, elapsed)
}

/// How many pages the search matches: the `total` of one answer.
fn matching_pages(addr: &str, path: &str, token: &str) -> u64 {
    let mut stream = TcpStream::connect(addr).expect("connected");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let body = answer.split_once("\r\n\r\n").expect("a body").1;
    let found: serde_json::Value = serde_json::from_str(body).expect("JSON");
    found["total"].as_u64().expect("a total")
}

/// CPU seconds (user and system) a process has used so far.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command may hold spaces: fields are counted after its closing parenthesis.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, fields 14 and 15 of stat(5); Linux counts 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

/// One timed phase: throughput and latency, the server's CPU per request, and how
/// much CPU the ingest (when one runs) still got.
struct Phase<'a> {
    addr: &'a str,
    token: &'a str,
    connections: usize,
    seconds: u64,
    server: String,
}

impl Phase<'_> {
    fn run(&self, label: &str, path: &str, ingest: Option<&str>) {
        let server_before = cpu_seconds(&self.server);
        let ingest_before = ingest.map(cpu_seconds);
        let (latencies, elapsed) =
            load(self.addr, path, self.token, self.connections, self.seconds);
        let server_cpu = cpu_seconds(&self.server) - server_before;
        let at = |q: f64| {
            latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64
                / 1000.0
        };
        print!(
            "{label:<36} {:>6.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  server {:.2} CPU-ms/req",
            latencies.len() as f64 / elapsed,
            at(0.50),
            at(0.99),
            latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
            server_cpu * 1000.0 / latencies.len() as f64,
        );
        match (ingest, ingest_before) {
            (Some(pid), Some(before)) => println!(
                "  ingest {:.2} cores",
                (cpu_seconds(pid) - before) / elapsed
            ),
            _ => println!(),
        }
    }
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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = std::env::var("FEHRIST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release/fehrist"));
    // Cargo runs benches in `benches/`: a relative path is taken from the workspace.
    let bin = root.join(bin);
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
    let made = fehrist(
        &bin,
        dir.path(),
        &[
            "tokens",
            "create",
            "--agency",
            "bench",
            "--role",
            "reader",
            "--clearance",
            "internal",
        ],
    )
    .output()
    .expect("fehrist tokens");
    let token = String::from_utf8(made.stdout)
        .expect("a token")
        .trim()
        .to_owned();
    let mut server: Child = fehrist(&bin, dir.path(), &["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("fehrist serve");
    let mut stderr = BufReader::new(server.stderr.take().expect("stderr"));
    let addr = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("a line") > 0,
            "serve ended"
        );
        if let Some(rest) = line.split("http://").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .expect("an address")
                .to_owned();
        }
    };
    // Two words of middling frequency: each on some pages, both together on fewer.
    let query = format!("/api/v1/search?q={}+{}&limit=20", words[40], words[60]);
    let without_facets = format!("{query}&facets=false");
    let probe = load(&addr, &query, &token, 1, 1);
    println!(
        "query: two words ({} {}) on {} pages, {connections} keep-alive connections, {seconds} s per phase; warm-up {} requests",
        words[40],
        words[60],
        matching_pages(&addr, &query, &token),
        probe.0.len()
    );
    let phase = Phase {
        addr: &addr,
        token: &token,
        connections,
        seconds,
        server: server.id().to_string(),
    };
    phase.run("search alone", &query, None);
    phase.run("search alone, facets=false", &without_facets, None);

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
        phase.run(&format!("search {label}"), &query, Some(&ingest_pid));
        phase.run("…, facets=false", &without_facets, Some(&ingest_pid));
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
    let _ = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status();
    let _ = server.wait();
}
