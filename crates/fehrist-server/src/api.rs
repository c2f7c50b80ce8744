//! The `/api/v1` handlers. Each answers only with what the caller's clearance lets it
//! see: a record above it is treated as absent everywhere.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fehrist_index::{SearchRequest, Sort};
use fehrist_model::{AccessLevel, Manifest, RecordId, Role, current_versions, fond_passport};
use fehrist_registry::RegistryError;
use fehrist_store::LogName;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{AppState, Caller, OPENAPI, Problem};

/// Routes open to anyone: probes, metrics, the API's description, the public log.
pub(crate) fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/ready", get(ready))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/log/{*path}", get(log_object))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/ui/search") }),
        )
        .route(
            "/ui/login",
            get(|headers: HeaderMap| async move {
                crate::ui::sign_in_page(crate::ui::Lang::choose(None, &headers))
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
        .route("/ui/search", get(crate::ui::search))
        .route("/ui/records/{id}", get(crate::ui::record))
        .route("/ui/fonds/{archive}/{fond}", get(crate::ui::fond))
        .route("/ui/verify", get(crate::ui::verify))
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
    let bytes = if path == "checkpoint" {
        store.checkpoint(LogName::Records).await.map_err(internal)?
    } else {
        match store.get_log_object(LogName::Records, &path).await {
            Ok(bytes) => Some(bytes),
            Err(fehrist_store::StoreError::Missing { .. }) => None,
            Err(e) => return Err(internal(e)),
        }
    };
    let bytes = bytes.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "no such log object"))?;
    let kind = if path == "checkpoint" {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}

/// Access levels a caller may see.
pub(crate) fn visible_levels(caller: &Caller) -> Vec<AccessLevel> {
    [
        AccessLevel::Open,
        AccessLevel::Internal,
        AccessLevel::Restricted,
        AccessLevel::Secret,
    ]
    .into_iter()
    .filter(|level| caller.token.may_see(*level))
    .collect()
}

fn need(caller: &Caller, role: Role) -> Result<(), Problem> {
    if caller.token.role.allows(role) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("this needs the {role} role"),
        ))
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
    limit: Option<usize>,
    sort: Option<String>,
    /// Facet counts, unless `facets=false` (they cost a pass over every match).
    facets: Option<bool>,
}

fn day(text: Option<&str>, name: &str) -> Result<Option<u64>, Problem> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    fehrist_index::day_number(text).map(Some).ok_or_else(|| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name} should be a day, YYYY-MM-DD"),
        )
    })
}

/// The deepest a search pages: results beyond it are reached by narrowing the search.
pub(crate) const MAX_OFFSET: usize = 10_000;

async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<SearchParams>,
) -> Answer {
    let sort = match params.sort.as_deref() {
        None | Some("relevance") => Sort::Relevance,
        Some("date") => Sort::Newest,
        Some("date_asc") => Sort::Oldest,
        Some(_) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "sort is relevance, date (newest first) or date_asc",
            ));
        }
    };
    let limit = params.limit.unwrap_or(20);
    if limit == 0 || limit > 100 || params.offset > MAX_OFFSET {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit is 1–100 and offset at most 10000",
        ));
    }
    let mut access = visible_levels(&caller);
    if let Some(asked) = params.access.as_deref().filter(|a| !a.is_empty()) {
        let asked: Vec<AccessLevel> = asked
            .split(',')
            .map(|level| level.trim().parse::<AccessLevel>())
            .collect::<Result<_, _>>()
            .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        access.retain(|level| asked.contains(level));
    }
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
        // Nothing the caller may see was asked for: an empty answer, not every level.
        access: if access.is_empty() {
            return Ok(axum::Json(json!({"total": 0, "hits": [], "facets": {}})).into_response());
        } else {
            access
        },
        dates_from: day(params.from.as_deref(), "from")?,
        dates_to: day(params.to.as_deref(), "to")?,
        amount_from: params.amount_min,
        amount_to: params.amount_max,
        offset: params.offset,
        limit,
        facets: params.facets.unwrap_or(true),
        sort,
    };
    let started = Instant::now();
    let found = state.registry.search_with(&request).map_err(|e| match e {
        RegistryError::Index(fehrist_index::IndexError::Query { .. }) => {
            bad_request(format!("the query {:?} cannot be understood", params.q))
        }
        other => internal(other),
    })?;
    state.metrics.searches.fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .search_micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    let hits: Vec<Value> = found
        .hits
        .iter()
        .map(|hit| {
            json!({
                "record_id": hit.record_id.as_str(),
                "ref_code": hit.ref_code.to_string(),
                "sheet": hit.sheet,
                "score": hit.score,
                "snippet": hit.snippet,
                "highlights": hit.highlights,
            })
        })
        .collect();
    let facets: BTreeMap<&String, Vec<Value>> = found
        .facets
        .iter()
        .map(|(name, values)| {
            (
                name,
                values
                    .iter()
                    .map(|(value, pages)| json!({"value": value, "pages": pages}))
                    .collect(),
            )
        })
        .collect();
    Ok(axum::Json(json!({
        "total": found.total,
        "offset": request.offset,
        "hits": hits,
        "facets": facets,
    }))
    .into_response())
}

/// Fields that name persons: shown only to callers cleared for restricted records.
const PERSONAL_FIELDS: &[&str] = &["claimant", "debtor", "persons"];

/// The manifest as the caller may read it: personal data fields redacted below
/// `restricted`.
pub(crate) fn redacted(manifest: &Manifest, caller: &Caller) -> Value {
    let mut value = serde_json::to_value(manifest).expect("a manifest is JSON");
    if caller.token.may_see(AccessLevel::Restricted) {
        return value;
    }
    if let Some(fields) = value.get_mut("fields").and_then(Value::as_object_mut) {
        for name in PERSONAL_FIELDS {
            if let Some(field) = fields.get_mut(*name) {
                *field = match field {
                    Value::Array(items) => {
                        Value::Array(items.iter().map(|_| Value::from("[redacted]")).collect())
                    }
                    _ => Value::from("[redacted]"),
                };
            }
        }
    }
    if let Some(sources) = value.get_mut("field_sources").and_then(Value::as_array_mut) {
        for source in sources.iter_mut() {
            let field = source["field"].as_str().unwrap_or("");
            let name = field.split('/').next().unwrap_or("");
            if PERSONAL_FIELDS.contains(&name)
                && let Some(object) = source.as_object_mut()
            {
                object.remove("span");
            }
        }
    }
    value
}

/// A record the caller may see, or 404 exactly as for a record that does not exist.
pub(crate) async fn visible_record(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<fehrist_registry::StoredRecord, Problem> {
    let id: RecordId = id.parse().map_err(|_| Problem::not_found())?;
    match state.registry.load(&id).await {
        Ok(record) if caller.token.may_see(record.manifest.access) => Ok(record),
        Ok(_) | Err(RegistryError::NotFound { .. }) => Err(Problem::not_found()),
        Err(e) => Err(internal(e)),
    }
}

async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let versions: Vec<String> = state
        .registry
        .records_with_ref_code(&record.manifest.passport.ref_code)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|r| caller.token.may_see(r.manifest.access))
        .map(|r| r.manifest.record_id.to_string())
        .collect();
    Ok(axum::Json(json!({
        "manifest": redacted(&record.manifest, &caller),
        "signature": record.signature,
        "versions": versions,
    }))
    .into_response())
}

fn page_of(manifest: &Manifest, sheet: &str) -> Result<usize, Problem> {
    let sheet: u32 = sheet.parse().map_err(|_| Problem::not_found())?;
    manifest
        .pages
        .iter()
        .position(|p| p.sheet == sheet)
        .ok_or_else(Problem::not_found)
}

async fn blob(state: &AppState, digest: &fehrist_model::Digest) -> Result<Bytes, Problem> {
    state
        .registry
        .store()
        .get_blob(digest)
        .await
        .map_err(internal)
}

async fn page_text(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let page = &record.manifest.pages[page_of(&record.manifest, &sheet)?];
    let bytes = blob(&state, &page.text.sha256).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response())
}

async fn page_alto(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let page = &record.manifest.pages[page_of(&record.manifest, &sheet)?];
    let alto = page.alto.as_ref().ok_or_else(Problem::not_found)?;
    let bytes = blob(&state, &alto.sha256).await?;
    Ok(([(header::CONTENT_TYPE, "application/alto+xml")], bytes).into_response())
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
    let page = &record.manifest.pages[page_of(&record.manifest, &sheet)?];
    let bytes = blob(&state, &page.master.sha256).await?;
    match page.master.media_type.as_str() {
        "image/png" | "image/jpeg" => ranged(&headers, bytes, &page.master.media_type),
        _ => {
            let number = page.source.page;
            let png = tokio::task::spawn_blocking(move || fehrist_ocr::page_png(&bytes, number))
                .await
                .map_err(internal)?
                .map_err(internal)?;
            ranged(&headers, Bytes::from(png), "image/png")
        }
    }
}

async fn record_pdf(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let pdf = fehrist_pipeline::record_pdf(&state.registry, &record.manifest)
        .await
        .map_err(internal)?;
    ranged(&headers, Bytes::from(pdf), "application/pdf")
}

/// A whole answer, or the one byte range asked for (`Range: bytes=a-b`, `a-`, `-n`).
fn ranged(headers: &HeaderMap, bytes: Bytes, media_type: &str) -> Answer {
    let total = bytes.len() as u64;
    let kind = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
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
    let Some((start, end)) = parsed.filter(|&(s, e)| s <= e && s < total && !spec.contains(','))
    else {
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
    need(&caller, Role::Auditor)?;
    let record = visible_record(&state, &caller, &id).await?;
    match state.registry.evidence(&record.manifest.record_id).await {
        Ok(bundle) => Ok(axum::Json(bundle).into_response()),
        Err(RegistryError::NotSequenced { .. }) => Err(Problem::new(
            StatusCode::CONFLICT,
            "the record is not in the transparency log yet",
        )),
        Err(e) => Err(internal(e)),
    }
}

/// The current versions of every record the caller may see.
pub(crate) async fn visible_manifests(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Manifest>, Problem> {
    let all = state.registry.manifests().await.map_err(internal)?;
    let current: Vec<Manifest> = current_versions(&all).into_iter().cloned().collect();
    Ok(current
        .into_iter()
        .filter(|m| caller.token.may_see(m.access))
        .collect())
}

async fn fonds(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Answer {
    let manifests = visible_manifests(&state, &caller).await?;
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for m in &manifests {
        let entry = counts.entry(m.passport.ref_code.fond_code()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(m.passport.extent.sheets);
    }
    let fonds: Vec<Value> = counts
        .into_iter()
        .map(|(fond, (files, sheets))| json!({"fond": fond, "files": files, "sheets": sheets}))
        .collect();
    Ok(axum::Json(json!({"fonds": fonds})).into_response())
}

async fn fond(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((archive, fond)): Path<(String, String)>,
) -> Answer {
    let code = format!("{archive}/{fond}");
    let manifests = visible_manifests(&state, &caller).await?;
    let passport = fond_passport(&code, &manifests, None, &fehrist_pipeline::now_rfc3339());
    if passport.files == 0 {
        return Err(Problem::not_found());
    }
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
    if body.is_empty() {
        return Err(bad_request("upload the file as the request body"));
    }
    let check = state.registry.verify_file(&body).await.map_err(internal)?;
    let mut records = Vec::new();
    for (record, sheets) in &check.matches {
        let access = match state.registry.load(&record.id).await {
            Ok(stored) => stored.manifest.access,
            Err(RegistryError::NotFound { .. }) => continue,
            Err(e) => return Err(internal(e)),
        };
        if !caller.token.may_see(access) {
            continue;
        }
        records.push(json!({
            "record_id": record.id.as_str(),
            "ref_code": record.ref_code.as_ref().map(ToString::to_string),
            "sheets": sheets,
            "unchanged": record.is_intact(),
            "problems": record.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    }
    let registered = !records.is_empty();
    let unchanged = registered && records.iter().all(|r| r["unchanged"] == true);
    Ok(axum::Json(json!({
        "sha256": check.digest.as_str(),
        "registered": registered,
        "unchanged": unchanged,
        "records": records,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fehrist_model::FieldValue;

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
        assert_eq!(with("bytes=0-1,4-5").0, StatusCode::RANGE_NOT_SATISFIABLE);
        let whole = ranged(&HeaderMap::new(), bytes, "image/png").unwrap();
        assert_eq!(whole.status(), StatusCode::OK);
    }

    #[test]
    fn personal_fields_are_redacted_below_restricted() {
        let mut manifest: Manifest = serde_json::from_str(include_str!(
            "../../fehrist-seal/tests/golden/manifest-v1-fields.json"
        ))
        .unwrap();
        manifest
            .fields
            .insert("debtor".into(), FieldValue::Text("Назаров Фаррух".into()));
        let caller = |clearance| Caller {
            token: fehrist_model::ApiToken {
                token_version: 1,
                id: "0a1b2c3d".into(),
                agency: "MoJ".into(),
                role: Role::Reader,
                clearance,
                sha256: fehrist_seal::sha256(b"x"),
                created_at: "now".into(),
            },
        };
        let internal = redacted(&manifest, &caller(AccessLevel::Internal));
        assert_eq!(internal["fields"]["debtor"], "[redacted]");
        assert_eq!(internal["fields"]["case_number"], "2-345/2024");
        let restricted = redacted(&manifest, &caller(AccessLevel::Restricted));
        assert_eq!(restricted["fields"]["debtor"], "Назаров Фаррух");
    }
}
