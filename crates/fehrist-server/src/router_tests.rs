//! The service in-process, through its router: no socket and no Tesseract (the record
//! is read by an engine of fixed text). Every answer is checked against its OpenAPI
//! component; the socket, real OCR and the browser stay in the end-to-end tests.

use std::net::SocketAddr;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use fehrist_model::{AccessLevel, Role};
use fehrist_service::{
    BatchSettings, Caller, Concurrency, FixedText, IngestRequest, NoProgress, Opening, Paths,
};
use serde_json::Value;
use tower::ServiceExt as _;

use super::*;

struct Served {
    app: Router,
    events: mpsc::Receiver<AuditEvent>,
    /// Whether the audit log "writes": when not, every audited request must fail.
    writable: Arc<std::sync::atomic::AtomicBool>,
    scan: Vec<u8>,
    record: String,
    reader: String,
    auditor: String,
    archivist: String,
    _dir: tempfile::TempDir,
}

/// One file ingested, reader, auditor and archivist tokens of clearance `open`, and the
/// router over them.
async fn served() -> Served {
    served_to(false).await
}

/// The fonds.toml the served registry is given: what the archive declared of F-12.
fn declared_fonds() -> std::collections::BTreeMap<String, fehrist_model::FondDeclaration> {
    let declared = fehrist_model::FondDeclaration {
        title: Some("Вазорати маорифи РСС Тоҷикистон".to_owned()),
        creator: Some("Вазорати маориф".to_owned()),
        physical_condition: Some(fehrist_model::PhysicalCondition::Fair),
        inventories: Some(3),
        files: Some(4),
        sheets: Some(10),
    };
    [("TJ-CSA/F-12".to_owned(), declared)].into()
}

/// The same, its open records read by anyone when `public` (`serve --public`).
async fn served_to(public: bool) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/batch/F-12/O-3/D-45/0001.png");
    let file = dir.path().join("batch/F-12/O-3/D-45");
    std::fs::create_dir_all(&file).unwrap();
    std::fs::copy(&fixture, file.join("0001.png")).unwrap();
    let paths = Paths::for_store(&format!("file://{}", dir.path().join("store").display()));
    let quiet = |_: &str| {};
    let request = IngestRequest {
        folder: dir.path().join("batch"),
        flags: BatchSettings {
            access: Some(AccessLevel::Open),
            languages: Some("tgk".to_owned()),
            ..BatchSettings::default()
        },
        archive: "TJ-CSA".to_owned(),
        station: "station".to_owned(),
        concurrency: Concurrency::with_workers(1),
        engine: Arc::new(FixedText::new("Бойгонии марказии давлатӣ", "tgk")),
    };
    let archivist = Caller::local("archivist", "MoJ", Role::Archivist, "host");
    let ingested = fehrist_service::ingest(
        &paths,
        &archivist,
        request,
        &NoProgress,
        &quiet,
        &fehrist_service::now_rfc3339,
    )
    .await
    .unwrap();
    let record = ingested.records[0].record_id.clone().unwrap().to_string();
    let registry = paths.open(Opening::Existing, &quiet).await.unwrap();
    let (reader, _) = create_token(
        registry.store(),
        "Ministry of Justice",
        Role::Reader,
        AccessLevel::Open,
        "2026-12-02T10:00:00Z",
    )
    .await
    .unwrap();
    let (auditor, _) = create_token(
        registry.store(),
        "Court",
        Role::Auditor,
        AccessLevel::Open,
        "2026-12-02T10:00:00Z",
    )
    .await
    .unwrap();
    let (archivist_token, _) = create_token(
        registry.store(),
        "Central State Archive",
        Role::Archivist,
        AccessLevel::Open,
        "2026-12-02T10:00:00Z",
    )
    .await
    .unwrap();
    // A writer that keeps the events for the test, and fails when told to, saying
    // so as the real one does.
    let (sender, mut queued) = mpsc::channel::<Queued>(100);
    let (written, events) = mpsc::channel(1000);
    let writable = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (works, fails) = (Arc::clone(&writable), Arc::clone(&failing));
    tokio::spawn(async move {
        while let Some(Queued { event }) = queued.recv().await {
            let ok = works.load(Ordering::SeqCst);
            fails.store(!ok, Ordering::SeqCst);
            if ok {
                let _ = written.send(event).await;
            }
        }
    });
    // The key archivists' corrections on the pages are signed with, published as a
    // station's is.
    let editing_key = fehrist_seal::StationKey::from_seed("web-station", [7; 32]).unwrap();
    registry.publish_key(&editing_key).await.unwrap();
    let state = Arc::new(Shared {
        registry,
        audit: std::sync::Mutex::new(Some(sender)),
        audit_failing: failing,
        tally: audit::Tally::new(AuditLimits::default()),
        metrics: Metrics::default(),
        derivatives: fehrist_service::Derivatives::default(),
        tokens: std::sync::Mutex::new(std::collections::HashMap::new()),
        offer: Offer {
            public,
            editing: Some(Editing {
                key: editing_key,
                station: "web-station".to_owned(),
            }),
            // What the archive declared of the fond (`serve --fonds fonds.toml`).
            fonds: declared_fonds(),
        },
    });
    Served {
        app: router(state, ConnectionLimits::default().request_timeout),
        events,
        writable,
        scan: std::fs::read(fixture).unwrap(),
        record,
        reader,
        auditor,
        archivist: archivist_token,
        _dir: dir,
    }
}

impl Served {
    /// A request with the given headers, as a browser or any other client sends it.
    async fn send(&self, request: Request<Body>) -> Answered {
        let mut request = request;
        let client: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(client));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answered {
            status,
            headers,
            bytes: bytes.to_vec(),
        }
    }

    async fn ask(&self, method: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> Answered {
        // Letters beyond ASCII percent-encoded, as a client sends them.
        let path: String = path
            .bytes()
            .map(|b| {
                if b.is_ascii() {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }
}

struct Answered {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answered {
    /// The body, checked against the OpenAPI component the API says it is.
    fn as_component(&self, component: &str) -> Value {
        let value: Value = serde_json::from_slice(&self.bytes).unwrap();
        if let Err(error) = fehrist_schema::validate_api_answer(component, &value) {
            panic!("{component}: {error}\n{value}");
        }
        value
    }
}

#[tokio::test]
async fn every_answer_matches_the_api_description_and_is_audited() {
    let mut served = served().await;
    let reader = served.reader.clone();
    let token = Some(reader.as_str());

    for probe in ["/api/v1/health", "/api/v1/ready"] {
        let answer = served.ask("GET", probe, None, Vec::new()).await;
        assert_eq!(answer.status, StatusCode::OK, "{probe}");
        answer.as_component("Status");
    }
    let refused = served
        .ask("GET", "/api/v1/search?q=", None, Vec::new())
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    refused.as_component("Problem");

    let found = served
        .ask("GET", "/api/v1/search?q=давлатӣ", token, Vec::new())
        .await;
    assert_eq!(found.status, StatusCode::OK);
    let found = found.as_component("SearchResults");
    assert_eq!(found["total"], 1);
    assert_eq!(found["hits"][0]["sheet"], 1);
    let newest = served
        .ask("GET", "/api/v1/search?q=&sort=newest", token, Vec::new())
        .await;
    assert_eq!(newest.status, StatusCode::OK);
    newest.as_component("SearchResults");
    let old_words = served
        .ask("GET", "/api/v1/search?sort=date", token, Vec::new())
        .await;
    assert_eq!(old_words.status, StatusCode::BAD_REQUEST);
    for bad in ["to=", "from=12.03.2024", "access=public", "limit=101"] {
        let refused = served
            .ask("GET", &format!("/api/v1/search?{bad}"), token, Vec::new())
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        refused.as_component("Problem");
    }
    // Control characters in the words are spaces, not a malformed query.
    let spaced = served
        .ask(
            "GET",
            "/api/v1/search?q=%07%D0%B4%D0%B0%D0%B2%D0%BB%D0%B0%D1%82%D3%A3%0A",
            token,
            Vec::new(),
        )
        .await;
    assert_eq!(spaced.as_component("SearchResults")["total"], 1);
    old_words.as_component("Problem");

    let path = format!("/api/v1/records/{}", served.record);
    let record = served.ask("GET", &path, token, Vec::new()).await;
    assert_eq!(record.status, StatusCode::OK);
    let record = record.as_component("Record");
    assert_eq!(record["versions"][0]["origin"], "scanned");
    assert_eq!(record["current"], true);

    let fonds = served.ask("GET", "/api/v1/fonds", token, Vec::new()).await;
    assert_eq!(fonds.as_component("FondList")["fonds"][0]["files"], 1);
    let fond = served
        .ask("GET", "/api/v1/fonds/TJ-CSA/F-12", token, Vec::new())
        .await;
    fond.as_component("FondPassport");
    let missing = served
        .ask("GET", "/api/v1/fonds/TJ-CSA/F-99", token, Vec::new())
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.as_component("Problem");

    let scan = served.scan.clone();
    let verified = served.ask("POST", "/api/v1/verify", token, scan).await;
    let verified = verified.as_component("FileVerification");
    assert_eq!(verified["unchanged"], true);
    assert_eq!(verified["records"][0]["version"], 1);
    // Without a token too, and its page: an open record is named, with its sheet.
    let scan = served.scan.clone();
    let anyone = served.ask("POST", "/api/v1/verify", None, scan).await;
    assert_eq!(anyone.status, StatusCode::OK);
    let anyone = anyone.as_component("FileVerification");
    assert_eq!(anyone["records"][0]["sheets"], serde_json::json!([1]));
    assert!(anyone.get("withheld").is_none());
    let page = served
        .ask("GET", "/ui/verify?lang=ru", None, Vec::new())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = String::from_utf8(page.bytes.to_vec()).unwrap();
    assert!(page.contains("<input type=\"file\""), "{page}");
    assert!(page.contains("Проверка документа"), "{page}");
    assert!(
        page.contains("href=\"/ui/login?lang=ru\">Войти</a>"),
        "{page}"
    );
    assert!(!page.contains("/ui/logout"), "{page}");

    // A reader is not an auditor: no evidence bundle.
    let evidence = format!("/api/v1/records/{}/evidence", served.record);
    let forbidden = served.ask("GET", &evidence, token, Vec::new()).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    forbidden.as_component("Problem");

    let auditor = served.auditor.clone();
    let bundle = served
        .ask("GET", &evidence, Some(&auditor), Vec::new())
        .await;
    assert_eq!(bundle.status, StatusCode::OK);
    let bundle = bundle.as_component("EvidenceBundle");
    assert_eq!(bundle["log"]["leaf_index"], 0);

    // The public log: a tile never changes, so caches may keep it.
    let checkpoint = served.ask("GET", "/log/checkpoint", None, Vec::new()).await;
    assert_eq!(checkpoint.status, StatusCode::OK);
    let tile = served
        .ask("GET", "/log/tile/0/000.p/1", None, Vec::new())
        .await;
    assert_eq!(tile.status, StatusCode::OK);
    assert_eq!(tile.bytes.len(), 32);
    assert!(
        tile.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let beyond = served
        .ask("GET", "/log/tile/0/000.p/2", None, Vec::new())
        .await;
    assert_eq!(beyond.status, StatusCode::NOT_FOUND);

    // Every allowed request with a valid token is its own event; the one without a
    // token and the refused evidence are tallied into the window's count instead.
    // The audit writer gathers events for up to 200 ms before it writes them: wait
    // (bounded) for the last answer's event rather than race it.
    let mut actions = Vec::new();
    while actions.len() < 14 {
        let next = tokio::time::timeout(Duration::from_secs(5), served.events.recv()).await;
        match next {
            Ok(Some(event)) => actions.push(event.action),
            _ => break,
        }
    }
    while let Ok(event) = served.events.try_recv() {
        actions.push(event.action);
    }
    let searches = actions.iter().take_while(|a| *a == "search").count();
    assert_eq!(searches, 8, "{actions:?}");
    assert_eq!(
        actions[searches..],
        [
            "records",
            "fonds",
            "fonds",
            "fonds",
            "post-verify",
            "records-evidence"
        ]
    );
}

/// Signing in takes the form the sign-in page made: its token comes back in the form
/// and in the page's cookie, which another site can neither read nor set.
#[tokio::test]
async fn sign_in_needs_the_form_of_this_site() {
    let served = served().await;
    let page = served.ask("GET", "/ui/login", None, Vec::new()).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let set = page.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let csrf = set
        .strip_prefix("fehrist_csrf=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    assert!(String::from_utf8_lossy(&page.bytes).contains(&csrf));
    assert!(
        set.contains("SameSite=Strict") && !set.contains("Secure"),
        "{set}"
    );

    let post = |form: String, cookie: Option<String>, extra: Option<(&str, &str)>| {
        let mut request = Request::builder()
            .method("POST")
            .uri("/ui/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some((name, value)) = extra {
            request = request.header(name, value);
        }
        request.body(Body::from(form)).unwrap()
    };
    let token = served.reader.clone();
    // A cross-site form: no cookie of ours, or the browser says so.
    let forged = served
        .send(post(format!("token={token}&csrf={csrf}"), None, None))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        !forged
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("fehrist_token=")),
        "a forged form signed the browser in"
    );
    let cross = served
        .send(post(
            format!("token={token}&csrf={csrf}"),
            Some(format!("fehrist_csrf={csrf}")),
            Some(("sec-fetch-site", "cross-site")),
        ))
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    // This site's form signs in, in the language its page was shown in; behind a TLS
    // proxy the cookie is Secure.
    let russian = served
        .ask("GET", "/ui/login?lang=ru", None, Vec::new())
        .await;
    let russian = String::from_utf8_lossy(&russian.bytes).into_owned();
    assert!(
        russian.contains("<h1>Войти</h1>") && russian.contains("name=\"lang\" value=\"ru\""),
        "{russian}"
    );
    let signed = served
        .send(post(
            format!("token={token}&csrf={csrf}&lang=ru"),
            Some(format!("fehrist_csrf={csrf}")),
            Some(("x-forwarded-proto", "https")),
        ))
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.headers[header::LOCATION], "/ui/search?lang=ru");
    let kept = signed.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        kept.starts_with("fehrist_token=")
            && kept.contains("; Secure")
            && kept.contains("HttpOnly"),
        "{kept}"
    );
}

/// The search page takes every filter the API does, shows those in force as chips
/// each of which removes itself, and keeps them across a new query.
#[tokio::test]
async fn the_search_page_shows_its_filters_and_removes_each() {
    let served = served().await;
    let token = served.reader.clone();
    let path = "/ui/search?lang=en&q=&access=open&name=&from=1960-01-01&to=1970-12-31&sort=newest";
    let page = served.ask("GET", path, Some(&token), Vec::new()).await;
    assert_eq!(page.status, StatusCode::OK);
    let said = String::from_utf8_lossy(&page.bytes).into_owned();
    assert!(said.contains("<li>Access: open <a href=\"/ui/search?lang=en&amp;q=&amp;from=1960-01-01&amp;to=1970-12-31&amp;sort=newest\" aria-label=\"Remove Access\">×</a></li>"), "{said}");
    assert!(said.contains("<li>Order: newest first <a"), "{said}");
    assert!(
        !said.contains("<li>Name:"),
        "an empty field is no filter: {said}"
    );
    assert!(said.contains("<input type=\"hidden\" name=\"access\" value=\"open\">"));
    assert!(said.contains("<option value=\"newest\" selected>"));
    assert!(said.contains("<details class=\"more\" open>"));
    assert!(
        said.contains("<a href=\"?lang=ru&amp;q=&amp;access=open&amp;from=1960-01-01&amp;to=1970-12-31&amp;sort=newest\" lang=\"ru\">"),
        "switching the language keeps the search: {said}"
    );
    let open = served
        .ask(
            "GET",
            "/ui/search?lang=en&q=&access=open",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert!(String::from_utf8_lossy(&open.bytes).contains("1 page found"));
    let cards = String::from_utf8_lossy(&open.bytes).into_owned();
    assert!(
        cards.contains("TJ-CSA/F-12/O-3/D-45</a><div class=\"meta\">Sheet 1</div>"),
        "{cards}"
    );
    // The hits as a spreadsheet: a byte-order mark, a header, a row per page found.
    let csv = served
        .ask(
            "GET",
            "/ui/search?lang=en&q=&access=open&format=csv",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.bytes).unwrap();
    let mut rows = text.strip_prefix('\u{feff}').unwrap().lines();
    assert_eq!(
        rows.next(),
        Some("ref_code,sheet,title,dates,document_type,record_id,snippet")
    );
    let row = rows.next().unwrap();
    assert!(
        row.starts_with(&format!("TJ-CSA/F-12/O-3/D-45,1,,,,{},", served.record)),
        "{row}"
    );
    assert_eq!(rows.next(), None);
    // The fixture's file states no date: a date range leaves it out.
    let dated = served
        .ask(
            "GET",
            "/ui/search?lang=en&q=&access=open&from=1960-01-01",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert!(String::from_utf8_lossy(&dated.bytes).contains("Nothing found"));
}

/// The quarantine is an archivist's page: linked from the fonds for them, refused to
/// a reader with a page saying so.
#[tokio::test]
async fn the_quarantine_page_is_for_archivists() {
    let served = served().await;
    let archivist = served.archivist.clone();
    let reader = served.reader.clone();
    let page = served
        .ask(
            "GET",
            "/ui/quarantine?lang=en",
            Some(&archivist),
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.bytes).contains("<p>Refused: 0 · Sheets unread: 0</p>"));
    let refused = served
        .ask("GET", "/ui/quarantine?lang=en", Some(&reader), Vec::new())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&refused.bytes).contains(">Not allowed for you</h1>"));
    let link = "href=\"/ui/quarantine?lang=en\"";
    let fonds = |token: String| {
        let served = &served;
        async move {
            let answer = served
                .ask("GET", "/ui/fonds?lang=en", Some(&token), Vec::new())
                .await;
            String::from_utf8(answer.bytes).unwrap()
        }
    };
    assert!(fonds(archivist.clone()).await.contains(link));
    assert!(!fonds(reader.clone()).await.contains(link));
}

/// An archivist corrects a record on its page: a new signed version, whose page then
/// shows the correction and why; nobody else is offered the form or may send it, and a
/// form sent from another site is refused.
#[tokio::test]
async fn an_archivist_corrects_a_record_on_its_page() {
    let served = served().await;
    let archivist = served.archivist.clone();
    let reader = served.reader.clone();
    let record = served.record.clone();
    let form = format!("action=\"/ui/records/{record}/corrections\"");
    let page = |token: String, id: String| {
        let served = &served;
        async move {
            let answer = served
                .ask(
                    "GET",
                    &format!("/ui/records/{id}?lang=ru"),
                    Some(&token),
                    Vec::new(),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK);
            String::from_utf8(answer.bytes).unwrap()
        }
    };
    assert!(
        page(archivist.clone(), record.clone())
            .await
            .contains(&form)
    );
    assert!(!page(reader.clone(), record.clone()).await.contains(&form));
    let send = |token: String, from: Option<(&'static str, &'static str)>, body: &'static str| {
        let served = &served;
        let record = record.clone();
        async move {
            let mut request = Request::builder()
                .method("POST")
                .uri(format!("/ui/records/{record}/corrections"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some((name, value)) = from {
                request = request.header(name, value);
            }
            served.send(request.body(Body::from(body)).unwrap()).await
        }
    };
    let correction = "lang=ru&field=title&value=%D0%9C%D0%B0%D0%BA%D1%82%D0%B0%D0%B1%D2%B3%D0%BE&reason=typo+in+the+title";
    for from in [
        ("origin", "http://elsewhere.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let elsewhere = send(archivist.clone(), Some(from), correction).await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{from:?}");
    }
    let by_reader = send(reader.clone(), None, correction).await;
    assert_eq!(by_reader.status, StatusCode::FORBIDDEN);
    let no_reason = send(
        archivist.clone(),
        None,
        "lang=ru&field=title&value=x&reason=",
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&no_reason.bytes).contains("say why the record is corrected"));
    // As a browser sends it from the record page (which sends no referrer).
    let made = send(
        archivist.clone(),
        Some(("sec-fetch-site", "same-origin")),
        correction,
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let to = made.headers[header::LOCATION].to_str().unwrap().to_owned();
    let new = to
        .strip_prefix("/ui/records/")
        .and_then(|rest| rest.strip_suffix("?lang=ru"))
        .unwrap()
        .to_owned();
    assert_ne!(new, record);
    let corrected = page(archivist.clone(), new.clone()).await;
    assert!(corrected.contains("<p>Мактабҳо</p>"), "{corrected}");
    assert!(corrected.contains("typo in the title"), "{corrected}");
    assert!(corrected.contains("Версия 2 из 2"), "{corrected}");
    // The version corrected is kept, and offers no form: it is not the current one.
    let before = page(archivist.clone(), record.clone()).await;
    assert!(
        before.contains("Версия 1 из 2") && !before.contains(&form),
        "{before}"
    );
}

/// Anyone holding an evidence bundle checks it against the keys the registry
/// publishes, without a token; an altered bundle, one signed by a key not published
/// here, and bytes that are no bundle each do not hold, and say why.
#[tokio::test]
async fn anyone_checks_an_evidence_bundle_against_the_published_keys() {
    let served = served().await;
    let evidence = format!("/api/v1/records/{}/evidence", served.record);
    let auditor = served.auditor.clone();
    let bundle = served
        .ask("GET", &evidence, Some(&auditor), Vec::new())
        .await
        .bytes;
    let check = |body: Vec<u8>| served.ask("POST", "/api/v1/verify/evidence", None, body);
    let held = check(bundle.clone()).await;
    assert_eq!(held.status, StatusCode::OK);
    let held = held.as_component("BundleVerification");
    assert_eq!(held["verified"], true, "{held}");
    assert_eq!(held["ref_code"], "TJ-CSA/F-12/O-3/D-45");
    assert_eq!(held["log"]["leaf_index"], 0);
    assert_eq!(held["keys_pinned"], true);

    let with = |change: &dyn Fn(&mut Value)| {
        let mut bundle: Value = serde_json::from_slice(&bundle).unwrap();
        change(&mut bundle);
        serde_json::to_vec(&bundle).unwrap()
    };
    let altered = with(&|bundle| {
        let manifest = bundle["manifest"]
            .as_str()
            .unwrap()
            .replacen("D-45", "D-46", 1);
        bundle["manifest"] = manifest.into();
    });
    let altered = check(altered).await.as_component("BundleVerification");
    assert_eq!(altered["verified"], false, "{altered}");
    assert!(
        altered["reason"].as_str().unwrap().contains("signature"),
        "{altered}"
    );
    let elsewhere = fehrist_seal::StationKey::from_seed("elsewhere", [9; 32])
        .unwrap()
        .verifier()
        .to_string();
    let foreign = with(&|bundle| bundle["station_key"] = elsewhere.clone().into());
    let foreign = check(foreign).await.as_component("BundleVerification");
    assert_eq!(foreign["verified"], false, "{foreign}");
    assert!(
        foreign["reason"]
            .as_str()
            .unwrap()
            .contains("is not one this registry publishes"),
        "{foreign}"
    );
    let no_bundle = check(b"{\"format\": \"something else\"}".to_vec())
        .await
        .as_component("BundleVerification");
    assert_eq!(no_bundle["verified"], false);
    assert!(
        no_bundle["reason"]
            .as_str()
            .unwrap()
            .starts_with("not an evidence bundle"),
        "{no_bundle}"
    );
}

/// A language picked once (`?lang=`) is remembered by the browser for the pages after.
#[tokio::test]
async fn a_chosen_language_is_remembered() {
    let served = served().await;
    let token = served.reader.clone();
    let picked = served
        .ask("GET", "/ui/fonds?lang=ru", Some(&token), Vec::new())
        .await;
    let kept = picked.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(kept.starts_with("fehrist_lang=ru; Path=/;"), "{kept}");
    let later = served
        .send(
            Request::builder()
                .uri("/ui/fonds")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::COOKIE, "fehrist_lang=ru")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(String::from_utf8_lossy(&later.bytes).contains("<html lang=\"ru\">"));
    assert!(
        later.headers.get(header::SET_COOKIE).is_none(),
        "already remembered"
    );
}

/// The API gives the hits as CSV too, as the search page's download does.
#[tokio::test]
async fn the_api_exports_hits_as_csv() {
    let served = served().await;
    let token = served.reader.clone();
    let csv = served
        .ask(
            "GET",
            "/api/v1/search?q=&format=csv",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.bytes).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&served.record));
    let json = served
        .ask(
            "GET",
            "/api/v1/search?q=&format=json",
            Some(&token),
            Vec::new(),
        )
        .await;
    json.as_component("SearchResults");
    let odd = served
        .ask(
            "GET",
            "/api/v1/search?q=&format=xml",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    odd.as_component("Problem");
}

/// A browser is answered an error as a page in its language; the API as a problem.
#[tokio::test]
async fn a_browser_sees_errors_as_pages_in_its_language() {
    let served = served().await;
    let token = served.reader.clone();
    let missing = "0123456789abcdef0123456789abcdef";
    let page = served
        .ask(
            "GET",
            &format!("/ui/records/{missing}?lang=ru"),
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let said = String::from_utf8_lossy(&page.bytes).into_owned();
    assert!(
        said.contains(">Не найдено (или недоступно вам)</h1>") && said.contains("К поиску"),
        "{said}"
    );
    let api = served
        .ask(
            "GET",
            &format!("/api/v1/records/{missing}"),
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

/// The archive is browsed from its fonds down to a file and back by breadcrumbs.
#[tokio::test]
async fn fonds_lead_to_their_inventories_and_files() {
    let served = served().await;
    let token = served.reader.clone();
    let html = |path: String| {
        let served = &served;
        let token = token.clone();
        async move {
            let answer = served.ask("GET", &path, Some(&token), Vec::new()).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            String::from_utf8(answer.bytes).unwrap()
        }
    };
    let fonds = html("/ui/fonds?lang=en".to_owned()).await;
    assert!(
        fonds.contains(
            "<a href=\"/ui/fonds/TJ-CSA/F-12?lang=en\">TJ-CSA/F-12</a></td><td>1</td><td>1</td>"
        ),
        "{fonds}"
    );
    let fond = html("/ui/fonds/TJ-CSA/F-12?lang=en".to_owned()).await;
    assert!(
        fond.contains(
            "<h2 id=\"O-3\"><a href=\"/ui/fonds/TJ-CSA/F-12/O-3?lang=en\">Inventory O-3</a></h2>"
        ),
        "{fond}"
    );
    // Its passport: what the archive declared of it (fonds.toml), the span of its
    // files' dates, and what is digitized of the declared extent.
    let passport = html("/ui/fonds/TJ-CSA/F-12?lang=ru".to_owned()).await;
    for row in [
        "<tr><th>Название фонда</th><td>Вазорати маорифи РСС Тоҷикистон</td></tr>",
        "<tr><th>Фондообразователь</th><td>Вазорати маориф</td></tr>",
        "<tr><th>Физическое состояние</th><td>удовлетворительное</td></tr>",
        "<tr><th>Описи</th><td>1 из 3 (33%)</td></tr>",
        "<tr><th>Дела</th><td>1 из 4 (25%)</td></tr>",
        "<tr><th>Листы</th><td>1 из 10 (10%)</td></tr>",
    ] {
        assert!(passport.contains(row), "{row}: {passport}");
    }
    let inventory = html("/ui/fonds/TJ-CSA/F-12/O-3?lang=en".to_owned()).await;
    assert!(
        inventory.contains(
            "<a href=\"/ui/fonds/TJ-CSA/F-12?lang=en\">TJ-CSA/F-12</a> › O-3</nav><h1>Inventory TJ-CSA/F-12/O-3</h1>"
        ),
        "{inventory}"
    );
    assert!(
        inventory.contains(&format!(
            "<a href=\"/ui/records/{}?lang=en\">D-45</a>",
            served.record
        )),
        "{inventory}"
    );
    assert!(
        fond.contains(&format!(
            "<a href=\"/ui/records/{}?lang=en\">D-45</a>",
            served.record
        )),
        "{fond}"
    );
    let record = html(format!("/ui/records/{}?lang=en", served.record)).await;
    assert!(
        record.contains("<a href=\"/ui/fonds/TJ-CSA/F-12/O-3?lang=en\">O-3</a> › D-45</nav>"),
        "{record}"
    );
    // An inventory with no file the caller sees, and a path nothing answers, are
    // missing pages in the reader's language.
    for path in ["/ui/fonds/TJ-CSA/F-12/O-9?lang=ru", "/ui/nowhere?lang=ru"] {
        let missing = served.ask("GET", path, Some(&token), Vec::new()).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        let said = String::from_utf8_lossy(&missing.bytes).into_owned();
        assert!(
            said.contains(">Не найдено (или недоступно вам)</h1>"),
            "{path}: {said}"
        );
    }
    let api = served
        .ask("GET", "/api/v1/nowhere", Some(&token), Vec::new())
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

/// A file is opened by its reference code as well as by its record id: in the API
/// (percent-encoded in the path) and from the search box.
#[tokio::test]
async fn a_file_opens_by_its_reference_code() {
    let served = served().await;
    let token = served.reader.clone();
    let by_code = served
        .ask(
            "GET",
            "/api/v1/records/TJ-CSA%2FF-12%2FO-3%2FD-45",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(by_code.status, StatusCode::OK);
    let shown: serde_json::Value = serde_json::from_slice(&by_code.bytes).unwrap();
    assert_eq!(
        shown["manifest"]["record_id"].as_str(),
        Some(served.record.as_str())
    );
    let unknown = served
        .ask(
            "GET",
            "/api/v1/records/TJ-CSA%2FF-12%2FO-3%2FD-99",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    for (query, to) in [
        ("TJ-CSA%2FF-12%2FO-3%2FD-45", String::new()),
        ("+TJ-CSA%2FF-12%2FO-3%2FD-45%2FL-1", "#sheet-1".to_owned()),
    ] {
        let opened = served
            .ask(
                "GET",
                &format!("/ui/search?lang=ru&q={query}"),
                Some(&token),
                Vec::new(),
            )
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{query}");
        assert_eq!(
            opened.headers[header::LOCATION],
            format!("/ui/records/{}?lang=ru{to}", served.record).as_str()
        );
    }
    // and by its place in the hierarchy, under the fond's pages.
    for (path, to) in [
        ("/ui/fonds/TJ-CSA/F-12/O-3/D-45?lang=ru", String::new()),
        (
            "/ui/fonds/TJ-CSA/F-12/O-3/D-45/L-2?lang=ru",
            "#sheet-2".to_owned(),
        ),
    ] {
        let opened = served.ask("GET", path, Some(&token), Vec::new()).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            opened.headers[header::LOCATION],
            format!("/ui/records/{}?lang=ru{to}", served.record).as_str()
        );
    }
    let missing = served
        .ask(
            "GET",
            "/ui/fonds/TJ-CSA/F-12/O-3/D-99?lang=ru",
            Some(&token),
            Vec::new(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let words = served
        .ask("GET", "/ui/search?lang=ru&q=F-12", Some(&token), Vec::new())
        .await;
    assert_eq!(words.status, StatusCode::OK, "other words are searched for");
}

/// A browser whose token is refused is told so on the sign-in page; a signed-in page
/// offers signing out, which clears the token and keeps the language.
#[tokio::test]
async fn a_refused_token_is_told_and_signing_out_forgets_the_token() {
    let served = served().await;
    let with_cookie = |method: &str, path: &str, cookie: String, form: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap()
    };
    let wrong = served
        .send(with_cookie(
            "GET",
            "/ui/search?lang=en",
            "fehrist_token=fehrist_notatoken".to_owned(),
            "",
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let said = String::from_utf8_lossy(&wrong.bytes).into_owned();
    assert!(
        said.contains("role=\"alert\">This token was not accepted") && !said.contains("/ui/logout"),
        "{said}"
    );
    let first_visit = served
        .ask("GET", "/ui/login?lang=en", None, Vec::new())
        .await;
    assert!(!String::from_utf8_lossy(&first_visit.bytes).contains("role=\"alert\""));

    let token = served.reader.clone();
    let signed_in = served
        .send(with_cookie(
            "GET",
            "/ui/search?lang=ru",
            format!("fehrist_token={token}"),
            "",
        ))
        .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&signed_in.bytes)
            .contains("action=\"/ui/logout\"><input type=\"hidden\" name=\"lang\" value=\"ru\"><button type=\"submit\">Выйти</button>")
    );
    let out = served
        .send(with_cookie(
            "POST",
            "/ui/logout",
            format!("fehrist_token={token}"),
            "lang=ru",
        ))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.headers[header::LOCATION], "/ui/login?lang=ru");
    let cleared = out.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("fehrist_token=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let forgotten: Vec<&str> = out
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        forgotten
            .iter()
            .any(|c| c.starts_with("fehrist_signed_in=;") && c.contains("Max-Age=0")),
        "{forgotten:?}"
    );
}

/// A browser whose sign-in has lapsed (its token cookie gone, the one saying it signed
/// in still there) is told its session ended; a first visit is not.
#[tokio::test]
async fn a_lapsed_session_is_told_so() {
    let served = served().await;
    let ask = |path: &str, cookie: &str| {
        let mut request = Request::builder().method("GET").uri(path);
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie.to_owned());
        }
        served.send(request.body(Body::empty()).unwrap())
    };
    for path in ["/ui/search?lang=ru", "/ui/login?lang=ru"] {
        let lapsed = ask(path, "fehrist_signed_in=1").await;
        let said = String::from_utf8_lossy(&lapsed.bytes).into_owned();
        assert!(
            said.contains("role=\"alert\">Сеанс завершён: вход действует 8 часов."),
            "{path}: {said}"
        );
        let first = ask(path, "").await;
        assert!(
            !String::from_utf8_lossy(&first.bytes).contains("role=\"alert\""),
            "{path}"
        );
    }
    // Signed in, the sign-in page has nothing to warn of.
    let cookie = format!("fehrist_signed_in=1; fehrist_token={}", served.reader);
    let signed_in = ask("/ui/login?lang=ru", &cookie).await;
    assert!(!String::from_utf8_lossy(&signed_in.bytes).contains("role=\"alert\""));
}

/// On a real socket: a client that sends its headers too slowly is disconnected, and
/// the service goes on answering others; shutdown ends it.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let mut registry = Registry::new(
        fehrist_store::Store::in_memory(),
        fehrist_index::SearchIndex::in_memory().unwrap(),
    );
    registry.set_log_key(fehrist_seal::StationKey::from_seed("host/fehrist-log", [3; 32]).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ConnectionLimits {
        connections: 4,
        header_timeout: std::time::Duration::from_millis(300),
        request_timeout: std::time::Duration::from_secs(5),
        drain: std::time::Duration::from_secs(1),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        registry,
        listener,
        AuditLimits::default(),
        limits,
        Offer::default(),
        async {
            let _ = stopped.await;
        },
    ));

    // Half a request line, then nothing: the connection is closed by the server.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "a slow client was never cut off");
    assert!(
        answer.is_empty() || String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // A connection that sends nothing at all is closed too.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut nothing = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        silent.read_to_end(&mut nothing),
    )
    .await;
    assert!(read.is_ok(), "a silent connection was kept open");

    // Meanwhile others are answered.
    let mut quick = tokio::net::TcpStream::connect(addr).await.unwrap();
    quick
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    quick.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Fail closed: while the audit log cannot be written, no request is answered (503);
/// once it writes again, requests are answered again.
#[tokio::test]
async fn while_the_audit_log_cannot_be_written_nothing_is_answered() {
    let served = served().await;
    let path = "/api/v1/search?q=%D0%B1%D0%BE%D0%B9%D0%B3%D0%BE%D0%BD%D0%B8%D0%B8";
    let ask = || served.ask("GET", path, Some(&served.reader), Vec::new());
    assert_eq!(ask().await.status, StatusCode::OK);
    served.writable.store(false, Ordering::SeqCst);
    // The writer finds out with the next event; from then on, nothing is answered.
    let mut refused = None;
    for _ in 0..50 {
        let answer = ask().await;
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let refused = refused.expect("a failing audit log refuses requests");
    let body = String::from_utf8_lossy(&refused.bytes).into_owned();
    assert!(body.contains("audit log cannot be written"), "{body}");
    assert!(
        !body.contains("hits"),
        "nothing of the answer is given: {body}"
    );
    let record = served
        .ask(
            "GET",
            &format!("/api/v1/records/{}", served.record),
            Some(&served.reader),
            Vec::new(),
        )
        .await;
    assert_eq!(record.status, StatusCode::SERVICE_UNAVAILABLE);
    served.writable.store(true, Ordering::SeqCst);
    let mut answered = false;
    for _ in 0..50 {
        if ask().await.status == StatusCode::OK {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        answered,
        "requests are answered once the audit log writes again"
    );
}

/// `serve --public`: anyone reads what is open, through the API, the pages and IIIF,
/// and nothing more; without it the same requests ask for a token.
#[tokio::test]
async fn a_public_registry_is_read_without_a_token() {
    let public = served_to(true).await;
    let search = public
        .ask("GET", "/api/v1/search?q=", None, Vec::new())
        .await;
    assert_eq!(search.status, StatusCode::OK);
    assert_eq!(search.as_component("SearchResults")["total"], 1);
    let record = format!("/api/v1/records/{}", public.record);
    let answer = public.ask("GET", &record, None, Vec::new()).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.as_component("Record");
    let manifest = format!("/iiif/3/{}/manifest", public.record);
    assert_eq!(
        public.ask("GET", &manifest, None, Vec::new()).await.status,
        StatusCode::OK
    );
    // A reader's clearance and role: no evidence, no quarantine, nothing written.
    let evidence = format!("/api/v1/records/{}/evidence", public.record);
    let refused = public.ask("GET", &evidence, None, Vec::new()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let quarantine = public
        .ask("GET", "/ui/quarantine?lang=en", None, Vec::new())
        .await;
    assert_eq!(quarantine.status, StatusCode::FORBIDDEN);
    let page = public
        .ask("GET", "/ui/search?lang=tg&q=", None, Vec::new())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = String::from_utf8(page.bytes.to_vec()).unwrap();
    assert!(
        page.contains("href=\"/ui/login?lang=tg\">Ворид шудан</a>"),
        "{page}"
    );
    assert!(!page.contains("/ui/logout"), "{page}");
    // A wrong token is refused, not taken for no token.
    let wrong = public
        .ask(
            "GET",
            "/api/v1/search?q=",
            Some("fehrist_notatoken"),
            Vec::new(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let private = served().await;
    let search = private
        .ask("GET", "/api/v1/search?q=", None, Vec::new())
        .await;
    assert_eq!(search.status, StatusCode::UNAUTHORIZED);
    let page = private
        .ask("GET", "/ui/search?lang=tg&q=", None, Vec::new())
        .await;
    let page = String::from_utf8(page.bytes.to_vec()).unwrap();
    assert!(page.contains("name=\"token\""), "the sign-in page: {page}");
}
