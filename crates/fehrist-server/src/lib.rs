//! The registry service (`fehrist serve`): the JSON API under `/api/v1/` that ministries
//! and auditors query, over the same store and index as the command line.
//!
//! Every `/api/v1` request but the health probes names a token (`Authorization: Bearer
//! …`); the token's clearance decides what exists for the caller: a record above it is
//! absent from results, counts, facets and snippets, and answers 404 exactly like a
//! missing one. Every such request, allowed or denied, is in the audit log, written in
//! batches by one task: an allowed one as its own event, the others tallied per client
//! and window ([`AuditLimits`]). This crate is the only one that knows HTTP.

mod api;
mod audit;
mod connections;
mod export;
pub mod html;
mod iiif;
mod tokens;
mod ui;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fehrist_model::{AUDIT_EVENT_VERSION, ApiToken, AuditEvent, AuditOutcome};
use fehrist_registry::Registry;
use tokio::sync::mpsc;

pub use audit::AuditLimits;
pub use connections::ConnectionLimits;
pub use tokens::{check_token, create_token, list_tokens, revoke_token};

/// The OpenAPI 3 description of the API, as kept in the repository.
pub const OPENAPI: &str = include_str!("../../../schemas/openapi.json");

/// Largest upload `POST /api/v1/verify` accepts.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// Largest body any other request may carry (the sign-in form is a token): an
/// anonymous client cannot make the service hold a large upload for a form.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] fehrist_store::StoreError),
    #[error(transparent)]
    Registry(#[from] fehrist_registry::RegistryError),
    #[error(transparent)]
    Seal(#[from] fehrist_seal::SealError),
    #[error("a stored token record is malformed")]
    Token(#[from] serde_json::Error),
    #[error("no randomness for a token: {0}")]
    Random(String),
    #[error("cannot serve on {addr}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// Request counts and search latency, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: [AtomicU64; 5],
    searches: AtomicU64,
    search_micros: AtomicU64,
    audit_failures: AtomicU64,
    /// Requests answered 503 because their audit event could not be queued or written.
    audit_refusals: AtomicU64,
}

impl Metrics {
    fn count(&self, status: StatusCode) {
        let class = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
    }

    fn prometheus(&self) -> String {
        let mut text = String::from(
            "# HELP fehrist_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE fehrist_http_requests_total counter\n",
        );
        for (i, counter) in self.requests.iter().enumerate() {
            text.push_str(&format!(
                "fehrist_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
            ));
        }
        text.push_str(&format!(
            "# HELP fehrist_search_requests_total Searches answered.\n\
             # TYPE fehrist_search_requests_total counter\n\
             fehrist_search_requests_total {}\n\
             # HELP fehrist_search_seconds_total Time spent answering searches.\n\
             # TYPE fehrist_search_seconds_total counter\n\
             fehrist_search_seconds_total {:.6}\n\
             # HELP fehrist_audit_write_failures_total Batches of audit events that could not be written.\n\
             # TYPE fehrist_audit_write_failures_total counter\n\
             fehrist_audit_write_failures_total {}\n\
             # HELP fehrist_audit_queue_refusals_total Requests refused because their audit event found no room or could not be written.\n\
             # TYPE fehrist_audit_queue_refusals_total counter\n\
             fehrist_audit_queue_refusals_total {}\n",
            self.searches.load(Ordering::Relaxed),
            self.search_micros.load(Ordering::Relaxed) as f64 / 1e6,
            self.audit_failures.load(Ordering::Relaxed),
            self.audit_refusals.load(Ordering::Relaxed),
        ));
        text
    }
}

/// An audit event on its way to the writer.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) event: AuditEvent,
}

/// What became of a request's audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audited {
    Queued,
    /// The queue had no room within the wait, or the service is stopping.
    NoRoom,
    /// The audit log cannot be written now: the event waits in the queue.
    Failing,
}

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) registry: Registry,
    /// Taken out at shutdown, which closes the channel and ends the writer.
    audit: std::sync::Mutex<Option<mpsc::Sender<Queued>>>,
    /// Set by the writer while the audit log cannot be written (it retries the batch
    /// that failed): no request is answered meanwhile.
    audit_failing: Arc<AtomicBool>,
    /// Requests without a valid token, and refused ones, of the current window.
    tally: audit::Tally,
    pub(crate) metrics: Metrics,
    /// Decoded sheets and drawn images for IIIF viewers.
    pub(crate) derivatives: fehrist_service::Derivatives,
    /// Tokens checked lately, by the bearer string.
    tokens: std::sync::Mutex<std::collections::HashMap<String, (ApiToken, Instant)>>,
    /// What this server opens beyond reading with a token, and what it knows of the
    /// fonds.
    pub(crate) offer: Offer,
}

/// What `fehrist serve` offers beyond reading with a token (the default: nothing).
#[derive(Debug, Default)]
pub struct Offer {
    /// Callers without a token read open records (`serve --public`).
    pub public: bool,
    /// The key archivists' corrections on the pages are signed with (`serve --edits`).
    pub editing: Option<Editing>,
    /// The archive's own list of fonds (`serve --fonds fonds.toml`), by `ARCHIVE/F-n`:
    /// a fond's page shows its title, creator and condition, and what is digitized
    /// of what was declared.
    pub fonds: std::collections::BTreeMap<String, fehrist_model::FondDeclaration>,
}

/// What lets the web pages take archivists' corrections (`serve --edits`): the key
/// that signs each new version, and the station it is made on.
#[derive(Debug)]
pub struct Editing {
    pub key: fehrist_seal::StationKey,
    pub station: String,
}

pub(crate) type AppState = Arc<Shared>;

/// The caller a request's token names, handed to the handlers.
pub(crate) type Caller = fehrist_service::Caller;

/// An RFC 9457 problem answer.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    pub(crate) detail: String,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            status,
            detail: detail.into(),
        }
    }

    /// Nothing the caller may see is there: the same answer for missing and hidden.
    pub(crate) fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "no such record, page or fond")
    }

    /// An internal failure: logged in full, answered in general terms.
    pub(crate) fn internal(error: &dyn std::error::Error) -> Self {
        let mut detail = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            detail.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        eprintln!("fehrist serve: internal error: {detail}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the registry could not answer; the error is logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// What an audited request is called in the audit log, from its route.
fn action_of(method: &str, route: &str) -> String {
    let name = route
        .trim_start_matches("/api/v1/")
        .split('/')
        .filter(|part| !part.starts_with('{') && !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let name = if name.is_empty() {
        "api".to_owned()
    } else {
        name
    };
    if method == "GET" {
        name
    } else {
        format!("{}-{name}", method.to_lowercase())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    fehrist_seal::sha256(bytes).to_string()
}

/// Whether a caller without a token may use `route`, with the `open` clearance:
/// verifying a file and its page always; on a public registry (`serve --public`) every
/// reading (GET) too, so a portal or an IIIF viewer shows the open holdings.
fn open_to_anyone(route: Option<&str>, method: &axum::http::Method, public: bool) -> bool {
    match route {
        Some("/api/v1/verify" | "/api/v1/verify/evidence" | "/ui/verify") => true,
        _ => public && method == axum::http::Method::GET,
    }
}

/// Runs the request as `caller`; a browser's problem answer becomes a page.
async fn answer(
    mut request: Request,
    next: Next,
    caller: Caller,
    page_lang: Option<ui::Lang>,
) -> Response {
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    match page_lang {
        Some(lang) => ui::problem_as_page(lang, &caller, response).await,
        None => response,
    }
}

/// Checks the bearer token, runs the request, and writes its audit event.
async fn authorize_and_audit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    // A path that no route matches is not named by itself: it is the target's.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|route| route.as_str().to_owned());
    let action = match &route {
        Some(route) => action_of(request.method().as_str(), route),
        None => "no-route".to_owned(),
    };
    let target = request
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .to_owned();
    let bearer = bearer(request.headers());
    let token = match &bearer {
        Some(bearer) => match state.token(bearer).await {
            Ok(token) => token,
            Err(e) => return Problem::internal(&e).into_response(),
        },
        None => None,
    };
    // A browser is answered a page in its language, not a problem document, and the
    // language it picks is remembered.
    let for_browser = request.uri().path().starts_with("/ui/");
    let page_lang = for_browser.then(|| ui::Lang::of_request(request.uri(), request.headers()));
    let remember = for_browser
        .then(|| ui::Lang::remembered(request.uri(), request.headers()))
        .flatten();
    let mut response = match &token {
        Some(token) => {
            let caller = Caller::of_token(token, &format!("http@{client}"));
            answer(request, next, caller, page_lang).await
        }
        None if !state.tally.admit_anonymous(client.ip()) => {
            let window = state.tally.limits().window.as_secs().max(1);
            let mut response = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests without a valid token from this address; try again later",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, window.into());
            response
        }
        // Checking a document needs no token (a citizen or a notary holds no account),
        // nor, on a public registry, reading what is open. A token that was refused is
        // said to be, not passed over.
        None if bearer.is_none()
            && open_to_anyone(route.as_deref(), request.method(), state.offer.public) =>
        {
            let caller = Caller::anonymous(&format!("http@{client}"));
            answer(request, next, caller, page_lang).await
        }
        None if request.uri().path().starts_with("/ui/") => ui::sign_in_page(
            ui::Lang::of_request(request.uri(), request.headers()),
            request.headers(),
            bearer.is_some(),
        ),
        None => {
            let mut response = Problem::new(
                StatusCode::UNAUTHORIZED,
                "a valid token is needed: Authorization: Bearer fehrist_…",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("a header"),
            );
            response
        }
    };
    if let Some(cookie) = remember {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    let status = response.status();
    state.metrics.count(status);
    let outcome = match status.as_u16() {
        200..=299 => AuditOutcome::Success,
        401 | 403 | 429 => AuditOutcome::Denied,
        400..=499 => AuditOutcome::Negative,
        _ => AuditOutcome::Error,
    };
    let sheet_image = (outcome == AuditOutcome::Success)
        .then(|| iiif::sheet_of_image_request(route.as_deref(), &target))
        .flatten();
    let event = audit_event(token.as_ref(), action, target, outcome, client.ip());
    if token.is_none() || outcome == AuditOutcome::Denied {
        state.tally.add(client.ip(), event);
        return response;
    }
    // A viewer's tiles are counted per sheet, not written one by one.
    if let Some(sheet) = sheet_image {
        state.tally.add_sheet_image(client.ip(), event, sheet);
        return response;
    }
    // The answer is withheld unless its event is written: never given unaudited.
    match state.audit(event).await {
        Audited::Queued => response,
        refused => state.unaudited(refused),
    }
}

/// The audit event of one request by a caller (`None`: without a valid token), its
/// texts within their bounds.
fn audit_event(
    token: Option<&ApiToken>,
    action: String,
    target: String,
    outcome: AuditOutcome,
    client: IpAddr,
) -> AuditEvent {
    let (actor, agency, role) = match token {
        Some(token) => (
            format!("token:{}", token.id),
            token.agency.clone(),
            token.role.as_str().to_owned(),
        ),
        None => (
            "anonymous".to_owned(),
            "-".to_owned(),
            "anonymous".to_owned(),
        ),
    };
    AuditEvent {
        event_version: AUDIT_EVENT_VERSION,
        time: fehrist_service::now_rfc3339(),
        actor,
        agency,
        role,
        action,
        target,
        outcome,
        client: format!("http@{client}"),
        count: None,
    }
    .bounded(sha256_hex)
}

/// The token a request carries: `Authorization: Bearer`, or the web pages' cookie.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let from_cookie = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| pair.trim().strip_prefix("fehrist_token="))
    };
    let token = from_header.or_else(from_cookie)?;
    (!token.is_empty()).then(|| token.to_owned())
}

/// How long a checked token is trusted without reading the store again: a revocation
/// takes effect within this time.
const TOKEN_CACHE: Duration = Duration::from_secs(5);

impl Shared {
    /// Queues an event for the writer, waiting for room up to the limit; false when
    /// there was none (or the service is stopping).
    async fn queue(&self, queued: Queued) -> bool {
        let sender = self
            .audit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let Some(sender) = sender else {
            return false;
        };
        let wait = self.tally.limits().queue_wait;
        matches!(
            tokio::time::timeout(wait, sender.send(queued)).await,
            Ok(Ok(()))
        )
    }

    /// Queues a request's event; while the audit log cannot be written, the request
    /// is not answered (fail closed), though its event waits to be written.
    async fn audit(&self, event: AuditEvent) -> Audited {
        if !self.queue(Queued { event }).await {
            return Audited::NoRoom;
        }
        if self.audit_failing.load(Ordering::SeqCst) {
            return Audited::Failing;
        }
        Audited::Queued
    }

    /// The answer to a request whose event was not written: withheld, since it would
    /// go unaudited.
    fn unaudited(&self, audited: Audited) -> Response {
        if audited == Audited::NoRoom {
            return self.audit_behind();
        }
        self.metrics.audit_refusals.fetch_add(1, Ordering::Relaxed);
        let mut refused = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the audit log cannot be written, so nothing is answered; try again later",
        )
        .into_response();
        refused.headers_mut().insert(header::RETRY_AFTER, 5.into());
        refused
    }

    /// The audit event of a sign-in attempt: queued when the token is valid, tallied
    /// when not; `Err` with the answer when the client has had its share of attempts
    /// or the event finds no room.
    pub(crate) async fn audit_sign_in(&self, client: IpAddr, bearer: &str) -> Result<(), Response> {
        let token = if bearer.is_empty() {
            None
        } else {
            self.token(bearer)
                .await
                .map_err(|e| Problem::internal(&e).into_response())?
        };
        let admitted = token.is_some() || self.tally.admit_anonymous(client);
        let outcome = if token.is_some() {
            AuditOutcome::Success
        } else {
            AuditOutcome::Denied
        };
        let event = audit_event(
            token.as_ref(),
            "sign-in".to_owned(),
            "/ui/login".to_owned(),
            outcome,
            client,
        );
        if token.is_none() {
            self.tally.add(client, event);
            return if admitted {
                Ok(())
            } else {
                Err(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many sign-in attempts from this address; try again later",
                )
                .into_response())
            };
        }
        match self.audit(event).await {
            Audited::Queued => Ok(()),
            refused => Err(self.unaudited(refused)),
        }
    }

    /// The answer to a request whose audit event found no room in the queue.
    fn audit_behind(&self) -> Response {
        self.metrics.audit_refusals.fetch_add(1, Ordering::Relaxed);
        let mut refused = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the audit log is behind; try again shortly",
        )
        .into_response();
        refused.headers_mut().insert(header::RETRY_AFTER, 1.into());
        refused
    }

    /// Queues the tallied events of the window that ends now.
    async fn queue_tally(&self) {
        for event in self.tally.take() {
            if !self.queue(Queued { event }).await {
                self.metrics.audit_failures.fetch_add(1, Ordering::Relaxed);
                eprintln!("fehrist serve: a tallied audit event found no room in the queue");
            }
        }
    }

    /// The live token a bearer string is, from the store or a recent check of it.
    async fn token(&self, bearer: &str) -> Result<Option<ApiToken>, ServerError> {
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(bearer)
            .filter(|(_, checked)| checked.elapsed() < TOKEN_CACHE)
            .map(|(token, _)| token.clone());
        if let Some(token) = cached {
            return Ok(Some(token));
        }
        let token = check_token(self.registry.store(), bearer).await?;
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.retain(|_, (_, checked)| checked.elapsed() < TOKEN_CACHE);
        if let Some(token) = &token {
            tokens.insert(bearer.to_owned(), (token.clone(), Instant::now()));
        }
        Ok(token)
    }
}

/// Writes audit events in batches: whatever arrived within 200 ms, up to 1,000, under
/// one checkpoint. A batch that cannot be written is kept and tried again each second,
/// and while it fails no request is answered. Returns when every sender is gone and
/// the last batch is written (or, failing, given up at shutdown).
async fn write_audit_events(state: Arc<Shared>, mut events: mpsc::Receiver<Queued>) {
    while let Some(first) = events.recv().await {
        let mut batch = vec![first.event];
        let deadline = tokio::time::sleep(Duration::from_millis(200));
        tokio::pin!(deadline);
        while batch.len() < 1000 {
            tokio::select! {
                event = events.recv() => match event {
                    Some(queued) => batch.push(queued.event),
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        loop {
            match state.registry.record_events(&batch).await {
                Ok(_) => {
                    state.audit_failing.store(false, Ordering::SeqCst);
                    break;
                }
                Err(e) => {
                    state.audit_failing.store(true, Ordering::SeqCst);
                    state.metrics.audit_failures.fetch_add(1, Ordering::Relaxed);
                    eprintln!(
                        "fehrist serve: {} audit event(s) could not be written; requests are refused until they are: {e}",
                        batch.len()
                    );
                    if events.is_closed() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Errors axum answers itself (a malformed query string, an upload over the limit, an
/// unknown path) become problem documents like every other error.
async fn problem_bodies(response: Response) -> Response {
    let status = response.status();
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| {
            kind.starts_with("application/problem+json") || kind.starts_with("text/html")
        });
    if !(status.is_client_error() || status.is_server_error()) || typed {
        return response;
    }
    let detail = match axum::body::to_bytes(response.into_body(), 4096).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    Problem::new(status, detail).into_response()
}

/// Headers every answer carries: no content sniffing, no framing (clickjacking), no
/// referrer; and nothing but the public log's tiles (immutable) kept in caches, since
/// pages and API answers depend on the caller's clearance and the checkpoint moves.
async fn security_headers(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with("/log/tile/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    if !immutable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

fn router(state: AppState, request_timeout: Duration) -> Router {
    let audited = api::routes()
        .merge(iiif::routes())
        // A path nothing answers is a missing page: in the reader's language for a
        // browser, a problem document for the API.
        .fallback(|| async { Problem::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            authorize_and_audit,
        ));
    Router::new()
        .merge(api::public_routes())
        .merge(audited)
        // Extractors (the sign-in form) take this much; verify reads its upload itself,
        // up to MAX_UPLOAD_BYTES.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(move |request, next| {
            connections::within(request_timeout, request, next)
        }))
        .layer(axum::middleware::map_response(problem_bodies))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves the registry on `listener` until `shutdown` completes, then writes the audit
/// events still waiting, tallied ones included. The registry needs its log key (audit
/// checkpoints are signed). What it offers beyond reading with a token is `offer`.
pub async fn serve(
    registry: Registry,
    listener: tokio::net::TcpListener,
    limits: AuditLimits,
    connections: ConnectionLimits,
    offer: Offer,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let (audit, events) = mpsc::channel(limits.queue.max(1));
    let state = Arc::new(Shared {
        registry,
        audit: std::sync::Mutex::new(Some(audit)),
        audit_failing: Arc::new(AtomicBool::new(false)),
        tally: audit::Tally::new(limits),
        metrics: Metrics::default(),
        derivatives: fehrist_service::Derivatives::default(),
        tokens: std::sync::Mutex::new(std::collections::HashMap::new()),
        offer,
    });
    let writer = tokio::spawn(write_audit_events(Arc::clone(&state), events));
    // Each window's tally is queued when it ends; stopped between windows, never
    // halfway through queuing one.
    let (stop_tallier, mut stopping) = tokio::sync::oneshot::channel::<()>();
    let tallier = {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(limits.window);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => state.queue_tally().await,
                    _ = &mut stopping => break,
                }
            }
        })
    };
    // Records ingested by other processes become searchable within a second.
    let reloader = {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Err(e) = state.registry.reload_index() {
                    eprintln!("fehrist serve: cannot reload the index: {e}");
                }
            }
        })
    };
    let app = router(Arc::clone(&state), connections.request_timeout);
    let served = connections::serve_connections(listener, app, connections, shutdown).await;
    reloader.abort();
    let _ = stop_tallier.send(());
    let _ = tallier.await;
    state.queue_tally().await;
    // Closing the channel lets the writer write what is left and finish.
    state
        .audit
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let _ = writer.await;
    served
}

#[cfg(test)]
mod router_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_named_from_routes() {
        assert_eq!(action_of("GET", "/api/v1/search"), "search");
        assert_eq!(
            action_of("GET", "/api/v1/records/{id}/pages/{sheet}/text"),
            "records-pages-text"
        );
        assert_eq!(action_of("POST", "/api/v1/verify"), "post-verify");
    }
}
