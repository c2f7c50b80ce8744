//! The audit log under a flood and at shutdown, against a real `fehrist serve`: a
//! flood of anonymous requests (long targets among them) grows the log by a bounded
//! amount and leaves the server's memory flat, yet every request is counted; SIGTERM
//! during load loses no answered request's event.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;

use super::{Var, check, new_token, one_record_station, rss_kib, start_server_with};

/// One keep-alive client: sends `requests` and reads each answer; the statuses.
fn client(addr: &str, requests: &[String]) -> Vec<u16> {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut statuses = Vec::with_capacity(requests.len());
    for request in requests {
        if writer.write_all(request.as_bytes()).is_err() {
            break;
        }
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
            if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        statuses.push(status);
    }
    statuses
}

fn bytes_under(dir: &std::path::Path) -> u64 {
    let mut files = Vec::new();
    super::find_files(dir, &mut files);
    files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum()
}

/// The audit trail as `fehrist audit --json` gives it: intact, and its events.
fn audit_events(var: &Var) -> Vec<serde_json::Value> {
    let trail: serde_json::Value =
        serde_json::from_str(&check(&var.run(&["--json", "audit"]), 0)).unwrap();
    assert_eq!(trail["intact"], true, "{trail}");
    trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].clone())
        .collect()
}

fn stop(server: &mut std::process::Child, signal: &str) {
    Command::new("kill")
        .args([signal, &server.id().to_string()])
        .status()
        .unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "serve ended with {status}");
}

#[test]
fn a_flood_of_anonymous_requests_is_counted_in_a_bounded_log_and_memory() {
    let var = Var::new();
    one_record_station(&var);
    let (server, addr) = start_server_with(&var, &[]);
    let mut server = super::hostile_http::RunningServer(server);
    let pid = server.0.id();
    let request = |target: &str| format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    let long = format!("/api/v1/search?q={}", "%D1%8F".repeat(10_000));

    // Warm up, then measure from there: what a flood adds is what matters.
    let warm: Vec<String> = (0..2_000).map(|_| request("/api/v1/search?q=x")).collect();
    assert!(client(&addr, &warm).contains(&401));
    std::thread::sleep(std::time::Duration::from_secs(1));
    let rss_before = rss_kib(pid);
    let audit_before = bytes_under(&var.store().join("audit"));

    const CLIENTS: usize = 4;
    const EACH: usize = 25_000;
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let requests: Vec<String> = (0..EACH)
                    .map(|n| match n % 100 {
                        0 => request(&long),
                        1 => request(&format!("/api/v1/records/{c}{n}")),
                        2 => request("/ui/search?q=x"),
                        _ => request("/api/v1/search?q=x"),
                    })
                    .collect();
                let addr = addr.clone();
                scope.spawn(move || client(&addr, &requests))
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(statuses.len(), CLIENTS * EACH, "every request answered");
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert!(refused > CLIENTS * EACH / 2, "{refused} answered 429");
    assert!(
        statuses.iter().all(|&s| matches!(s, 200 | 401 | 414 | 429)),
        "{:?}",
        statuses.iter().collect::<std::collections::BTreeSet<_>>()
    );
    let rss_after = rss_kib(pid);
    // Stopped as systemd stops it; the last window's tally is written on the way out.
    stop(&mut server.0, "-TERM");
    let audit_after = bytes_under(&var.store().join("audit"));
    println!(
        "{} anonymous requests: server RSS {rss_before} → {rss_after} KiB, audit log {audit_before} → {audit_after} bytes",
        CLIENTS * EACH
    );
    assert!(
        rss_after < rss_before + 32 * 1024,
        "memory grew from {rss_before} to {rss_after} KiB"
    );
    assert!(
        audit_after - audit_before < 256 * 1024,
        "the audit log grew by {} bytes",
        audit_after - audit_before
    );

    // Every request is accounted for, in few events, each within its bounds.
    let events = audit_events(&var);
    let anonymous: Vec<_> = events
        .iter()
        .filter(|e| e["actor"] == "anonymous")
        .collect();
    assert!(anonymous.len() < 100, "{} events", anonymous.len());
    let counted: u64 = anonymous
        .iter()
        .map(|e| e["count"].as_u64().unwrap_or(1))
        .sum();
    // hyper refuses a request head it will not parse (414) before any route sees it.
    let routed = statuses.iter().filter(|&&s| s != 414).count();
    assert_eq!(counted, (2_000 + routed) as u64);
    for event in &events {
        let target = event["target"].as_str().unwrap();
        assert!(target.chars().count() <= 1096, "{}", target.len());
        if target.starts_with("/api/v1/search?q=%D1%8F") {
            assert!(target.contains("…sha256:"), "{target:.80}");
        }
    }
}

#[test]
fn sigterm_during_load_loses_no_answered_requests_event() {
    let var = Var::new();
    one_record_station(&var);
    let token = new_token(&var, "Ministry of Justice", "reader", "internal");
    let (server, addr) = start_server_with(&var, &[]);
    let mut server = super::hostile_http::RunningServer(server);
    let request = format!(
        "GET /api/v1/search?q=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    let answered: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let requests = vec![request.clone(); 20_000];
                let addr = addr.clone();
                scope.spawn(move || client(&addr, &requests))
            })
            .collect();
        // Stopped while the clients are still sending.
        std::thread::sleep(std::time::Duration::from_secs(2));
        stop(&mut server.0, "-TERM");
        workers
            .into_iter()
            .map(|w| w.join().unwrap().iter().filter(|&&s| s == 200).count())
            .sum()
    });
    assert!(answered > 100, "{answered} answered before the stop");
    let logged = audit_events(&var)
        .iter()
        .filter(|e| e["actor"].as_str().unwrap().starts_with("token:") && e["action"] == "search")
        .count();
    assert!(
        logged >= answered,
        "{answered} answered, {logged} searches in the audit log"
    );
}

/// Sign-in attempts are in the audit log: a valid token's as its own event, wrong ones
/// tallied; a client past its share of wrong attempts is answered 429.
#[test]
fn sign_in_attempts_are_audited_and_guessing_is_throttled() {
    let var = Var::new();
    one_record_station(&var);
    let token = new_token(&var, "Notary", "reader", "open");
    let (server, addr) = start_server_with(&var, &["--anonymous-per-window", "5"]);
    let mut server = super::hostile_http::RunningServer(server);
    let sign_in = |token: &str| {
        // The form's own token, as the sign-in page sets it in a cookie.
        let body = format!("token={token}&csrf=0123abcd");
        format!(
            "POST /ui/login HTTP/1.1\r\nHost: x\r\nCookie: fehrist_csrf=0123abcd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let mut attempts = vec![sign_in(&token)];
    attempts.extend((0..8).map(|n| sign_in(&format!("fehrist_guess{n}"))));
    let statuses = client(&addr, &attempts);
    assert_eq!(statuses[0], 303, "{statuses:?}");
    assert_eq!(&statuses[1..6], [303; 5], "{statuses:?}");
    assert_eq!(&statuses[6..], [429; 3], "{statuses:?}");
    stop(&mut server.0, "-TERM");
    let events = audit_events(&var);
    let sign_ins: Vec<_> = events.iter().filter(|e| e["action"] == "sign-in").collect();
    assert!(
        sign_ins.iter().any(
            |e| e["outcome"] == "success" && e["actor"].as_str().unwrap().starts_with("token:")
        ),
        "{sign_ins:?}"
    );
    let denied: u64 = sign_ins
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .map(|e| e["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(denied, 8, "{sign_ins:?}");
}
