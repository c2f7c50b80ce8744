//! The `/api/v1` handlers. Each answers only with what the caller's clearance lets it
//! see: a record above it is treated as absent everywhere.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fehrist_index::SearchRequest;
use fehrist_model::{AccessLevel, Manifest};
use fehrist_registry::RegistryError;
use fehrist_service::{ServiceError, now_rfc3339};
use fehrist_store::LogName;
use serde::Deserialize;
use serde_json::json;

use crate::{AppState, Caller, OPENAPI, Problem};

/// Routes open to anyone: probes, metrics, the API's description, the public log, the
/// pages' scripts.
pub(crate) fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/ready", get(ready))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/log/{*path}", get(log_object))
        .route("/ui/assets/{name}", get(crate::ui::asset))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/ui/search") }),
        )
        .route(
            "/ui/login",
            get(|uri: axum::http::Uri, headers: HeaderMap| async move {
                crate::ui::sign_in_page(
                    crate::ui::Lang::of_request(&uri, &headers),
                    &headers,
                    false,
                )
            })
            .post(crate::ui::sign_in),
        )
}

/// Routes that need a token, each audited.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/search", get(search))
        .route("/api/v1/records/{id}", get(record))
        .route("/api/v1/records/{id}/pages/{sheet}/text", get(page_text))
        .route("/api/v1/records/{id}/pages/{sheet}/alto", get(page_alto))
        .route("/api/v1/records/{id}/pages/{sheet}/image", get(page_image))
        .route("/api/v1/records/{id}/pdf", get(record_pdf))
        .route("/api/v1/records/{id}/evidence", get(evidence))
        .route("/api/v1/fonds", get(fonds))
        .route("/api/v1/fonds/{archive}/{fond}", get(fond))
        .route("/api/v1/verify", post(verify))
        .route("/api/v1/verify/evidence", post(verify_evidence))
        .route("/ui/search", get(crate::ui::search))
        .route("/ui/records/{id}", get(crate::ui::record))
        .route("/ui/records/{id}/corrections", post(crate::ui::correct))
        .route("/ui/fonds", get(crate::ui::fonds))
        .route("/ui/quarantine", get(crate::ui::quarantine))
        .route("/ui/fonds/{archive}/{fond}", get(crate::ui::fond))
        .route(
            "/ui/fonds/{archive}/{fond}/{inventory}",
            get(crate::ui::inventory),
        )
        .route(
            "/ui/fonds/{archive}/{fond}/{inventory}/{file}",
            get(crate::ui::file),
        )
        .route(
            "/ui/fonds/{archive}/{fond}/{inventory}/{file}/{sheet}",
            get(crate::ui::file_sheet),
        )
        .route("/ui/verify", get(crate::ui::verify))
        .route("/ui/logout", post(crate::ui::sign_out))
}

type Answer = Result<Response, Problem>;

fn internal(error: impl std::error::Error) -> Problem {
    Problem::internal(&error)
}

async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.registry.store().checkpoint(LogName::Records).await {
        Ok(_) => axum::Json(json!({"status": "ready"})).into_response(),
        Err(e) => {
            eprintln!("fehrist serve: not ready: {e}");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "the store cannot be read")
                .into_response()
        }
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.prometheus(),
    )
        .into_response()
}

/// The transparency log's checkpoint and tiles as static files (C2SP tlog-tiles), so
/// standard tlog clients can follow the log.
async fn log_object(State(state): State<AppState>, Path(path): Path<String>) -> Answer {
    let store = state.registry.store();
    // Tile paths are short (`tile/0/x001/234.p/5`); a longer part names nothing and
    // would only reach the file system's own limits.
    let safe = path
        .split('/')
        .all(|part| !part.is_empty() && part != ".." && part != "." && part.len() <= 32);
    if !safe || !(path == "checkpoint" || path.starts_with("tile/")) {
        return Err(Problem::new(StatusCode::NOT_FOUND, "not a log object"));
    }
    if path == "checkpoint" {
        let note = store.checkpoint(LogName::Records).await.map_err(internal)?;
        let note = note.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "no checkpoint yet"))?;
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response());
    }
    let tile = state
        .registry
        .log_tile(LogName::Records, &path)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "no such log object"))?;
    // A tile or entry bundle never changes once public (C2SP tlog-tiles).
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        tile,
    )
        .into_response())
}

/// A use case's refusal as the API answers it.
pub(crate) fn problem(error: ServiceError) -> Problem {
    match error {
        ServiceError::NotRegistered { .. } => Problem::not_found(),
        ServiceError::Forbidden(_) | ServiceError::NeedsClearance { .. } => {
            Problem::new(StatusCode::FORBIDDEN, error.to_string())
        }
        // A parameter outside what the API describes: the documented 400.
        ServiceError::Invalid(_) => bad_request(error.to_string()),
        ServiceError::Query { .. } => bad_request(error.to_string()),
        ServiceError::Registry(RegistryError::NotSequenced { .. }) => Problem::new(
            StatusCode::CONFLICT,
            "the record is not in the transparency log yet",
        ),
        other => internal(other),
    }
}

fn bad_request(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, detail)
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    fond: Option<String>,
    inventory: Option<String>,
    #[serde(rename = "type")]
    document_type: Option<String>,
    pipeline: Option<String>,
    language: Option<String>,
    access: Option<String>,
    court: Option<String>,
    currency: Option<String>,
    case_number: Option<String>,
    name: Option<String>,
    from: Option<String>,
    to: Option<String>,
    amount_min: Option<f64>,
    amount_max: Option<f64>,
    #[serde(default)]
    offset: usize,
    /// Also versions a later edit or re-scan replaced.
    all_versions: Option<bool>,
    limit: Option<usize>,
    sort: Option<String>,
    /// Facet counts, unless `facets=false` (they cost a pass over every match).
    facets: Option<bool>,
    /// `json` (the default) or `csv`: the first hits as a spreadsheet.
    format: Option<String>,
}

/// A `from`/`to` day; given but empty or not `YYYY-MM-DD` is a bad request.
fn day(text: Option<&str>, name: &str) -> Result<Option<u64>, Problem> {
    let Some(text) = text else {
        return Ok(None);
    };
    fehrist_index::day_number(text)
        .map(Some)
        .ok_or_else(|| bad_request(format!("{name} should be a day, YYYY-MM-DD")))
}

async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<SearchParams>,
) -> Answer {
    let access = match params.access.as_deref() {
        None => Vec::new(),
        Some("") => {
            return Err(bad_request(
                "access is one or more of open, internal, restricted, secret, comma-separated",
            ));
        }
        Some(asked) => asked
            .split(',')
            .map(|level| level.trim().parse::<AccessLevel>())
            .collect::<Result<_, _>>()
            .map_err(|e| bad_request(e.to_string()))?,
    };
    let request = SearchRequest {
        query: params.q.clone(),
        fond: params.fond,
        inventory: params.inventory,
        document_type: params.document_type,
        pipeline: params.pipeline,
        language: params.language,
        court: params.court,
        currency: params.currency,
        case_number: params.case_number,
        name: params.name,
        access,
        // The caller's clearance picks the index view; the service sets it.
        clearance: None,
        dates_from: day(params.from.as_deref(), "from")?,
        dates_to: day(params.to.as_deref(), "to")?,
        amount_from: params.amount_min,
        amount_to: params.amount_max,
        offset: params.offset,
        limit: params.limit.unwrap_or(20),
        facets: params.facets.unwrap_or(true),
        sort: fehrist_service::parse_sort(params.sort.as_deref().unwrap_or("")).map_err(problem)?,
        all_versions: params.all_versions.unwrap_or(false),
    };
    match params.format.as_deref() {
        None | Some("json") => {}
        Some("csv") => {
            let request_at = |offset, limit, facets| SearchRequest {
                offset,
                limit,
                facets,
                ..request.clone()
            };
            return crate::export::hits_csv(&state, &caller, request_at).await;
        }
        Some(other) => return Err(bad_request(format!("format {other:?}: it is json or csv"))),
    }
    let started = Instant::now();
    let found = fehrist_service::search(&state.registry, &caller, request).map_err(problem)?;
    state.metrics.searches.fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .search_micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    Ok(axum::Json(found).into_response())
}

/// A record the caller may see, or 404 exactly as for a record that does not exist.
pub(crate) async fn visible_record(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<fehrist_registry::StoredRecord, Problem> {
    fehrist_service::visible_record(&state.registry, caller, id)
        .await
        .map_err(problem)
}

async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let answer = fehrist_service::show(&state.registry, &caller, &record)
        .await
        .map_err(problem)?;
    // Where any IIIF viewer opens the record.
    let mut answer = serde_json::to_value(answer).map_err(|e| Problem::internal(&e))?;
    answer["iiif_manifest"] = serde_json::Value::String(format!(
        "{}/iiif/3/{}/manifest",
        crate::iiif::origin(&headers),
        record.manifest.record_id
    ));
    Ok(axum::Json(answer).into_response())
}

fn page_of(manifest: &Manifest, sheet: &str) -> Result<usize, Problem> {
    let sheet: u32 = sheet.parse().map_err(|_| Problem::not_found())?;
    manifest
        .pages
        .iter()
        .position(|p| p.sheet == sheet)
        .ok_or_else(Problem::not_found)
}

async fn page_text(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = record.manifest.pages[page_of(&record.manifest, &sheet)?].sheet;
    let text = fehrist_service::page_text(&state.registry, &caller, &record.manifest, sheet)
        .await
        .map_err(problem)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

async fn page_alto(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = record.manifest.pages[page_of(&record.manifest, &sheet)?].sheet;
    let alto = fehrist_service::page_alto(&state.registry, &caller, &record.manifest, sheet)
        .await
        .map_err(problem)?
        .ok_or_else(Problem::not_found)?;
    Ok(([(header::CONTENT_TYPE, "application/alto+xml")], alto).into_response())
}

/// The page's scan: a PNG or JPEG master as stored (with range requests); a TIFF or
/// PDF page rendered as PNG, since browsers show neither (the master itself is in the
/// evidence and the record's PDF).
async fn page_image(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = record.manifest.pages[page_of(&record.manifest, &sheet)?].sheet;
    let (bytes, media_type) =
        fehrist_service::page_image(&state.registry, &caller, &record.manifest, sheet)
            .await
            .map_err(problem)?;
    ranged(&headers, bytes, &media_type)
}

async fn record_pdf(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let pdf = fehrist_service::record_pdf(&state.registry, &caller, &record.manifest)
        .await
        .map_err(internal)?;
    let mut response = ranged(&headers, Bytes::from(pdf), "application/pdf")?;
    // Shown in the browser, and saved under the record's reference code
    // (`TJ-CSA_F-50_O-1_D-1.pdf`), not as `pdf`.
    let disposition = format!(
        "inline; filename=\"{}.pdf\"",
        file_stem(&record.manifest.passport.ref_code.to_string())
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A reference code as a file name (of the PDF, the evidence bundle): `/` and anything but letters, digits, `-` and `.`
/// become `_`.
pub(crate) fn file_stem(ref_code: &str) -> String {
    ref_code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A whole answer, or the one byte range asked for (`Range: bytes=a-b`, `a-`, `-n`).
fn ranged(headers: &HeaderMap, bytes: Bytes, media_type: &str) -> Answer {
    let total = bytes.len() as u64;
    let kind = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    // Several ranges at once (`bytes=0-1,4-5`) are answered with the whole body, as
    // RFC 9110 lets a server do, rather than a multipart answer.
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|range| !range.contains(','));
    let Some(range) = range else {
        let mut response = (StatusCode::OK, bytes).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, kind);
        response
            .headers_mut()
            .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        return Ok(response);
    };
    let unsatisfiable = || {
        let mut response =
            Problem::new(StatusCode::RANGE_NOT_SATISFIABLE, "no such byte range").into_response();
        response.headers_mut().insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes */{total}")).expect("a header"),
        );
        response
    };
    let spec = range.strip_prefix("bytes=").unwrap_or("");
    let parsed = match spec.split_once('-') {
        Some(("", suffix)) => suffix
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .map(|n| (total.saturating_sub(n), total.saturating_sub(1))),
        Some((start, "")) => start
            .parse::<u64>()
            .ok()
            .map(|s| (s, total.saturating_sub(1))),
        Some((start, end)) => start
            .parse::<u64>()
            .ok()
            .zip(end.parse::<u64>().ok())
            .map(|(s, e)| (s, e.min(total.saturating_sub(1)))),
        None => None,
    };
    let Some((start, end)) = parsed.filter(|&(s, e)| s <= e && s < total) else {
        return Ok(unsatisfiable());
    };
    let part = bytes.slice(start as usize..=end as usize);
    let mut response = (StatusCode::PARTIAL_CONTENT, Body::from(part)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, kind);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_RANGE,
        HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")).expect("a header"),
    );
    Ok(response)
}

async fn evidence(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    // An id names one record; only ids are routed here.
    if id.parse::<fehrist_model::RecordId>().is_err() {
        return Err(Problem::not_found());
    }
    let bundle = fehrist_service::evidence(&state.registry, &caller, &id, "")
        .await
        .map_err(problem)?;
    Ok(axum::Json(bundle).into_response())
}

async fn fonds(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Answer {
    let fonds = fehrist_service::fonds(&state.registry, &caller)
        .await
        .map_err(problem)?;
    Ok(axum::Json(fonds).into_response())
}

async fn fond(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((archive, fond)): Path<(String, String)>,
) -> Answer {
    let code = format!("{archive}/{fond}");
    let passport =
        fehrist_service::fond_passport(&state.registry, &caller, &code, None, &now_rfc3339())
            .await
            .map_err(problem)?;
    Ok(axum::Json(passport).into_response())
}

/// An uploaded file: which registered record holds it as a master, and whether that
/// record is unchanged.
async fn verify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("uploads are at most {} MiB", crate::MAX_UPLOAD_BYTES >> 20),
        )
    };
    // Refused from its declared length, before any of it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_UPLOAD_BYTES as u64) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(body, crate::MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| too_large())?;
    // No body at all is a request without its file; an empty file with its media
    // type is a file like any other (and never registered).
    if body.is_empty() && !headers.contains_key(header::CONTENT_TYPE) {
        return Err(bad_request(
            "upload the file as the request body (Content-Type: application/octet-stream)",
        ));
    }
    let check = fehrist_service::verify_file(&state.registry, &caller, &body)
        .await
        .map_err(problem)?;
    Ok(axum::Json(check).into_response())
}

/// An evidence bundle, in the body, checked against this registry's published keys.
async fn verify_evidence(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    // A bundle is a manifest, a signature, a checkpoint and a proof: kilobytes.
    const MAX_BUNDLE: usize = 4 << 20;
    let body = axum::body::to_bytes(body, MAX_BUNDLE).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an evidence bundle is at most {} MiB", MAX_BUNDLE >> 20),
        )
    })?;
    if body.is_empty() && !headers.contains_key(header::CONTENT_TYPE) {
        return Err(bad_request(
            "upload the bundle as the request body (Content-Type: application/octet-stream)",
        ));
    }
    let check = fehrist_service::verify_evidence(&state.registry, &body)
        .await
        .map_err(problem)?;
    Ok(axum::Json(check).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_cut_as_asked() {
        let bytes = Bytes::from_static(b"0123456789");
        let with = |range: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
            let response = ranged(&headers, bytes.clone(), "image/png").unwrap();
            (
                response.status(),
                response
                    .headers()
                    .get(header::CONTENT_RANGE)
                    .map(|v| v.to_str().unwrap().to_owned()),
            )
        };
        assert_eq!(
            with("bytes=2-4"),
            (StatusCode::PARTIAL_CONTENT, Some("bytes 2-4/10".to_owned()))
        );
        assert_eq!(
            with("bytes=-3"),
            (StatusCode::PARTIAL_CONTENT, Some("bytes 7-9/10".to_owned()))
        );
        assert_eq!(
            with("bytes=8-"),
            (StatusCode::PARTIAL_CONTENT, Some("bytes 8-9/10".to_owned()))
        );
        assert_eq!(with("bytes=20-30").0, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(with("bytes=0-1,4-5").0, StatusCode::OK);
        let whole = ranged(&HeaderMap::new(), bytes, "image/png").unwrap();
        assert_eq!(whole.status(), StatusCode::OK);
    }
}
