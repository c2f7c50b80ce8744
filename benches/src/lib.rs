//! What the service benchmarks in `benches/` share: a deterministic generator, the
//! `fehrist` binary started on loopback, keep-alive HTTP/1.1 clients that time each
//! request, and a process's CPU time from `/proc`. Figures, never assertions.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A setting from the environment, or its default.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift64*).
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn draw(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.draw() % n as u64) as usize
    }
}

/// Tajik-looking words from syllables.
pub fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
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

/// `length` words drawn with a Zipf-like skew: a few words on most pages, most words
/// on few.
pub fn page_words<'a>(rng: &mut Rng, words: &'a [String], length: usize) -> Vec<&'a str> {
    (0..length)
        .map(|_| {
            // Squaring a uniform draw favours the first words of the list.
            let u = rng.below(1 << 16) as f64 / f64::from(1u32 << 16);
            words[((u * u) * words.len() as f64) as usize].as_str()
        })
        .collect()
}

/// The `fehrist` binary to measure: `FEHRIST_BIN`, else the workspace's release build.
pub fn fehrist_bin() -> PathBuf {
    let root = workspace();
    let bin = std::env::var("FEHRIST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/release/fehrist"));
    // Cargo runs benches in `benches/`: a relative path is taken from the workspace.
    root.join(bin)
}

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `fehrist ARGS` run in `dir`, on the registry under `dir/var/`.
pub fn fehrist(bin: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("FEHRIST_STORE");
    command
}

/// A token for `role` at `clearance`, made by `fehrist tokens create`.
pub fn token(bin: &Path, dir: &Path, role: &str, clearance: &str) -> String {
    let made = fehrist(
        bin,
        dir,
        &[
            "tokens",
            "create",
            "--agency",
            "bench",
            "--role",
            role,
            "--clearance",
            clearance,
        ],
    )
    .output()
    .expect("fehrist tokens");
    assert!(made.status.success(), "{made:?}");
    String::from_utf8(made.stdout)
        .expect("a token")
        .trim()
        .to_owned()
}

/// `fehrist serve` on a free loopback port; the server and its address.
pub fn serve(bin: &Path, dir: &Path) -> (Child, String) {
    let mut server = fehrist(bin, dir, &["serve", "--addr", "127.0.0.1:0"])
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
    // What the server says later is not read; it must not block on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (server, addr)
}

/// Stops a server started by [`serve`] as an operator would (SIGINT).
pub fn stop(mut server: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status();
    let _ = server.wait();
}

/// Which path the n-th request of a load asks (counted over all connections).
pub type Paths = Arc<dyn Fn(u64) -> Option<String> + Send + Sync>;

/// What a load measured: each request's latency in microseconds, sorted, and the
/// seconds it ran.
#[derive(Debug)]
pub struct Measured {
    pub latencies: Vec<u64>,
    pub seconds: f64,
}

impl Measured {
    /// The latency at quantile `q` (0–1), in milliseconds.
    pub fn at(&self, q: f64) -> f64 {
        let last = self.latencies.len().saturating_sub(1);
        self.latencies
            .get(((self.latencies.len() as f64 * q) as usize).min(last))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }
}

/// Keep-alive clients asking the paths `paths` gives until `seconds` pass or it gives
/// no more. Every answer must be `200 OK`.
pub fn load(addr: &str, paths: Paths, token: &str, connections: usize, seconds: u64) -> Measured {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let asked = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, token) = (addr.to_owned(), token.to_owned());
            let (paths, asked) = (paths.clone(), asked.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&addr).expect("connected");
                stream.set_nodelay(true).expect("nodelay");
                let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
                let mut writer = stream;
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let Some(path) = paths(asked.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let request = format!(
                        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
                    );
                    let sent = Instant::now();
                    writer.write_all(request.as_bytes()).expect("sent");
                    let mut length = 0;
                    let mut status = String::new();
                    reader.read_line(&mut status).expect("a status line");
                    assert!(status.contains(" 200 "), "{path}: {status}");
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
    let mut latencies: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client"))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Measured { latencies, seconds }
}

/// One path, asked again and again.
pub fn always(path: String) -> Paths {
    Arc::new(move |_| Some(path.clone()))
}

/// The body of one answer to `path`, asked on a connection of its own.
pub fn get(addr: &str, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connected");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("an answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a body");
    assert!(head.contains(" 200 "), "{path}: {head}");
    body.to_owned()
}

/// CPU seconds (user and system) a process has used so far.
pub fn cpu_seconds(pid: &str) -> f64 {
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

/// One timed phase against a server: throughput and latency, the server's CPU per
/// request, and how much CPU another process (an ingest, when one runs) still got.
#[derive(Debug)]
pub struct Phase<'a> {
    pub addr: &'a str,
    pub token: &'a str,
    pub connections: usize,
    pub seconds: u64,
    /// The server's process id.
    pub server: String,
}

impl Phase<'_> {
    pub fn run(&self, label: &str, paths: Paths, beside: Option<&str>) -> Measured {
        let server_before = cpu_seconds(&self.server);
        let beside_before = beside.map(cpu_seconds);
        let measured = load(self.addr, paths, self.token, self.connections, self.seconds);
        let server_cpu = cpu_seconds(&self.server) - server_before;
        print!(
            "{label:<40} {:>6.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  server {:.2} CPU-ms/req",
            measured.per_second(),
            measured.at(0.50),
            measured.at(0.99),
            measured.at(1.0),
            server_cpu * 1000.0 / measured.latencies.len().max(1) as f64,
        );
        match (beside, beside_before) {
            (Some(pid), Some(before)) => println!(
                "  ingest {:.2} cores",
                (cpu_seconds(pid) - before) / measured.seconds
            ),
            _ => println!(),
        }
        measured
    }
}
