//! Random and malformed requests against a real listening `fehrist serve`: every one
//! gets an answer, never a server error, and every API error is a problem document.
//! Deterministic (a fixed seed) and bounded in count.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use super::{
    Var, answer_head, check, fixtures, new_token, one_record_station, rss_kib, start_server_with,
};

/// How many requests; `FEHRIST_HTTP_FUZZ_REQUESTS` asks for more (or fewer).
fn request_count() -> usize {
    std::env::var("FEHRIST_HTTP_FUZZ_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5000)
}

/// A seeded generator: the same requests on every run.
struct Rng(fastrand::Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        std::iter::repeat_with(|| self.0.u8(..)).take(len).collect()
    }
}

/// Percent-encodes every byte that is not unreserved, so any bytes fit a URL.
fn encoded(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A value for a path segment or a parameter: sometimes sensible, often hostile.
fn hostile(rng: &mut Rng, sensible: &[&str]) -> String {
    match rng.below(10) {
        0..=3 => encoded(rng.pick(sensible).as_bytes()),
        4 => {
            let len = 1 + rng.below(40);
            encoded(&rng.bytes(len))
        }
        5 => "9".repeat(1 + rng.below(40)),
        6 => format!("-{}", rng.below(1000)),
        7 => "%FF%FE%00".to_owned(),
        8 => encoded("\"(AND OR NOT *~^:[{".as_bytes()),
        _ => "x".repeat(rng.below(20_000)),
    }
}

fn record_id_like(rng: &mut Rng, ids: &[String]) -> String {
    let id = &ids[rng.below(ids.len())];
    match rng.below(6) {
        0..=2 => id.clone(),
        3 => id[..rng.below(id.len())].to_owned(),
        4 => format!("{id}{}", rng.below(10)),
        _ => hostile(rng, &["TJ-CSA/F-7/O-1/D-2", "..", "%2F..%2F", ""]),
    }
}

const PARAMS: &[&str] = &[
    "q",
    "fond",
    "inventory",
    "type",
    "pipeline",
    "language",
    "access",
    "court",
    "currency",
    "case_number",
    "name",
    "from",
    "to",
    "amount_min",
    "amount_max",
    "offset",
    "limit",
    "sort",
    "facets",
    "lang",
    "unknown",
];

const VALUES: &[&str] = &[
    "ҳуҷҷат",
    "бойгониҳо мактаб",
    "\"ҳуҷҷат бойгонӣ\"",
    "text:ҳуҷҷат",
    "record_id:*",
    "ҳуҷ*",
    "ҳуҷҷт~2",
    "a AND (b OR",
    "TJ-CSA/F-7",
    "TJ-CSA/F-7/O-1",
    "open,secret",
    "open,,nothing",
    "2024-02-30",
    "2024-13-01",
    "1e309",
    "NaN",
    "-0",
    "18446744073709551616",
    "true",
    "maybe",
    "date",
    "date_asc",
    "tg",
    "ru",
    "",
];

/// One request as bytes: a method, a path from the API's routes with random parts, a
/// query string, headers (a token or not, a Range, a cookie) and perhaps a body.
fn request(rng: &mut Rng, ids: &[String], token: &str) -> (String, Vec<u8>) {
    let id = record_id_like(rng, ids);
    let sheet = hostile(rng, &["1", "2", "0", "4294967296"]);
    let path = match rng.below(16) {
        0..=3 => "/api/v1/search".to_owned(),
        4 => format!("/api/v1/records/{id}"),
        5 => format!(
            "/api/v1/records/{id}/pages/{sheet}/{}",
            rng.pick(&["text", "alto", "image", "pdf", ""])
        ),
        6 => format!(
            "/api/v1/records/{id}/{}",
            rng.pick(&["pdf", "evidence", "versions"])
        ),
        7 => "/api/v1/fonds".to_owned(),
        8 => format!(
            "/api/v1/fonds/{}/{}",
            hostile(rng, &["TJ-CSA"]),
            hostile(rng, &["F-7", "F-999"])
        ),
        9 => "/api/v1/verify".to_owned(),
        10 => format!(
            "/log/{}",
            hostile(
                rng,
                &[
                    "checkpoint",
                    "tile/0/000",
                    "tile/0/x001/234",
                    "../../etc/passwd"
                ]
            )
        ),
        11 => format!(
            "/ui/{}",
            rng.pick(&["search", "verify", "login", "nothing"])
        ),
        12 => format!("/ui/records/{id}"),
        13 => format!("/ui/fonds/TJ-CSA/{}", hostile(rng, &["F-7"])),
        14 => rng
            .pick(&[
                "/",
                "/metrics",
                "/api/v1/health",
                "/api/v1/ready",
                "/api/v1/openapi.json",
            ])
            .to_owned(),
        _ => format!("/{}", hostile(rng, &["api", "api/v1", "api/v2/search"])),
    };
    let mut query = Vec::new();
    for _ in 0..rng.below(6) {
        let name = rng.pick(PARAMS);
        let value = hostile(rng, VALUES);
        query.push(format!("{name}={value}"));
    }
    let target = if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let method = match rng.below(20) {
        0..=13 => "GET",
        14..=16 => "POST",
        17 => "HEAD",
        18 => "DELETE",
        _ => "PATCH",
    };
    let mut headers = Vec::new();
    match rng.below(10) {
        0..=5 => headers.push(format!("Authorization: Bearer {token}")),
        6 => headers.push(format!("Cookie: a=b; fehrist_token={token}")),
        7 => headers.push(format!("Authorization: Bearer {}", hostile(rng, &[token]))),
        8 => headers.push("Authorization: Basic Zm9vOmJhcg==".to_owned()),
        _ => {}
    }
    if rng.chance(30) {
        let range = rng.pick(&[
            "bytes=0-99",
            "bytes=-10",
            "bytes=5-",
            "bytes=10-5",
            "bytes=0-0,5-9",
            "bytes=99999999999999999999-",
            "bytes=18446744073709551615-18446744073709551615",
            "items=0-1",
            "bytes=",
            "bytes=--",
        ]);
        headers.push(format!("Range: {range}"));
    }
    if rng.chance(20) {
        headers.push(format!(
            "Accept-Language: {}",
            rng.pick(&["tg", "ru-RU,ru;q=0.9", "*", "q=;;;", "en"])
        ));
    }
    let body = if method == "POST" {
        let boundary = "fehristboundary";
        match rng.below(5) {
            0 => Vec::new(),
            1 => {
                let len = rng.below(4096);
                rng.bytes(len)
            }
            2 => {
                headers.push(format!(
                    "Content-Type: multipart/form-data; boundary={boundary}"
                ));
                let mut body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
                )
                .into_bytes();
                let scan = std::fs::read(fixtures().join("batch/F-7/O-1/D-2/0001.jpg")).unwrap();
                body.extend_from_slice(&scan[..rng.below(scan.len() + 1)]);
                if rng.chance(50) {
                    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
                }
                body
            }
            3 => {
                headers.push("Content-Type: multipart/form-data".to_owned());
                let len = rng.below(512);
                rng.bytes(len)
            }
            _ => {
                headers.push("Content-Type: application/x-www-form-urlencoded".to_owned());
                format!("token={}", hostile(rng, &[token])).into_bytes()
            }
        }
    } else {
        Vec::new()
    };
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for header in headers {
        raw.push_str(&header);
        raw.push_str("\r\n");
    }
    raw.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = raw.into_bytes();
    bytes.extend_from_slice(&body);
    (format!("{method} {target}"), bytes)
}

/// Bytes that are not HTTP, or barely: a broken request line, a huge header, junk.
fn malformed(rng: &mut Rng) -> Vec<u8> {
    match rng.below(6) {
        0 => {
            let len = 1 + rng.below(2048);
            rng.bytes(len)
        }
        1 => b"GET /api/v1/search?q=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        2 => format!(
            "GET /api/v1/search HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(200_000)
        )
        .into_bytes(),
        3 => b"GET /api/v1/health HTTP/9.9\r\n\r\n".to_vec(),
        4 => b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\nabc".to_vec(),
        _ => b"GET /api/v1/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n".to_vec(),
    }
}

/// Sends `raw` on a fresh connection; the status line, lower-cased head and body, or
/// `None` when the server closed the connection without answering.
fn exchange(addr: &str, raw: &[u8]) -> Option<(u16, String, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer and close before reading everything (a refused upload).
    // The write side stays open: hyper drops a request whose client half-closes.
    let _ = stream.write_all(raw);
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("no answer within 30 s: {e}"),
    }
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..split]).to_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head, answer[split + 4..].to_vec()))
}

/// The server under test, killed if the test fails before stopping it.
pub(crate) struct RunningServer(pub(crate) std::process::Child);

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn random_and_malformed_requests_never_break_the_service() {
    let var = Var::new();
    one_record_station(&var);
    let shown: serde_json::Value = serde_json::from_str(&check(
        &var.run(&["show", "TJ-CSA/F-7/O-1/D-2", "--json"]),
        0,
    ))
    .unwrap();
    let ids = vec![
        shown["manifest"]["record_id"].as_str().unwrap().to_owned(),
        "0".repeat(32),
    ];
    let token = new_token(&var, "Fuzz", "auditor", "secret");
    let token = token.as_str();
    // Anonymous requests are let through unthrottled, so the fuzz reaches the handlers.
    let (server, addr) = start_server_with(&var, &["--anonymous-per-window", "100000000"]);
    let mut server = RunningServer(server);

    let mut rng = Rng(fastrand::Rng::with_seed(0x0fe4_7157_5eed));
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let count = request_count();
    for n in 0..count {
        let (what, raw) = if n % 20 == 19 {
            ("malformed bytes".to_owned(), malformed(&mut rng))
        } else {
            request(&mut rng, &ids, token)
        };
        let shown_what: String = what.chars().take(300).collect();
        let Some((status, head, body)) = exchange(&addr, &raw) else {
            // Closing the connection is an answer only to what is not HTTP.
            assert!(what == "malformed bytes", "no answer to {shown_what}");
            continue;
        };
        *statuses.entry(status).or_default() += 1;
        assert!(
            status < 500,
            "{status} for {shown_what}: {}\nserve.log: {}",
            String::from_utf8_lossy(&body),
            std::fs::read_to_string(var.dir.path().join("serve.log")).unwrap_or_default()
        );
        let api = what.contains(" /api/");
        // 414 and 431 are hyper's refusals of the request head, before any route.
        let protocol = matches!(status, 414 | 431);
        if status >= 400 && api && !protocol && !what.starts_with("HEAD ") {
            assert!(
                head.contains("content-type: application/problem+json"),
                "{status} for {shown_what} is not a problem document: {head}"
            );
            let problem: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{status} for {shown_what}: {e}"));
            assert_eq!(problem["status"], status, "{shown_what}");
        }
    }
    // Still serving, and what was stored is untouched.
    let (status, _, _) = exchange(
        &addr,
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .expect("an answer");
    assert_eq!(status, 200);
    check(&var.run(&["verify", &ids[0]]), 0);
    Command::new("kill")
        .args(["-INT", &server.0.id().to_string()])
        .status()
        .unwrap();
    server.0.wait().unwrap();
    println!("{count} requests; answers by status: {statuses:?}");
    // The requests reached the handlers, not only the router's refusals.
    for expected in [200, 401, 404] {
        assert!(statuses.contains_key(&expected), "{statuses:?}");
    }
}

/// The sign-in form takes a small body only: a 200 MB anonymous POST is refused from
/// its declared length and the server's memory does not follow it.
#[test]
fn a_large_sign_in_post_is_refused_unread() {
    let var = Var::new();
    let (server, addr) = start_server_with(&var, &[]);
    let server = RunningServer(server);
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = "POST /ui/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200000000\r\n\r\ntoken=";
    stream.write_all(head.as_bytes()).unwrap();
    // Some of the body, then the answer: it comes before the rest is sent.
    let _ = stream.write_all(&vec![b'a'; 1 << 20]);
    let answer = answer_head(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let rss = rss_kib(server.0.id());
    assert!(rss < 200 * 1024, "the server holds {rss} KiB");
}

/// Every answer forbids sniffing and framing; private ones are never cached; a log tile
/// name longer than any tile's is a 404, not a file-system error.
#[test]
fn answers_carry_their_security_headers_and_odd_tile_names_are_not_found() {
    let var = Var::new();
    let (server, addr) = start_server_with(&var, &[]);
    let _server = RunningServer(server);
    let get = |target: &str| {
        exchange(
            &addr,
            format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .expect("an answer")
    };
    for target in [
        "/ui/search",
        "/api/v1/search?q=x",
        "/api/v1/health",
        "/log/checkpoint",
    ] {
        let (_, head, _) = get(target);
        for expected in [
            "x-content-type-options: nosniff",
            "content-security-policy: frame-ancestors 'none'",
            "x-frame-options: deny",
            "cache-control: no-store",
        ] {
            assert!(
                head.contains(expected),
                "{target}: {expected} not in {head}"
            );
        }
    }
    let (status, head, _) = get(&format!("/log/tile/{}", "a".repeat(300)));
    assert_eq!(status, 404, "{head}");
    assert!(
        !head.contains("no-store"),
        "the public log may be cached: {head}"
    );
}
