//! IIIF under `/iiif/3/{record}`: the Image API 3.0 for each sheet
//! (`/iiif/3/{record}/{sheet}/{region}/{size}/{rotation}/{quality}.{format}` and its
//! `info.json`), the record's Presentation 3.0 manifest (`…/manifest`) and Content
//! Search 2.0 within it (`…/search?q=`). Access control is the API's: a record the
//! caller may not see answers 404 here exactly like a missing one.

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fehrist_iiif::{Canvas, ImageRequest, Link, RecordManifest, SearchHit};
use fehrist_model::Manifest;
use serde::Deserialize;

use crate::api::{problem, visible_record};
use crate::ui::Lang;
use crate::{AppState, Caller, Problem};

/// The route of an image request (a tile, a thumbnail, a whole sheet).
const IMAGE_ROUTE: &str = "/iiif/3/{id}/{sheet}/{region}/{size}/{rotation}/{quality_format}";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/iiif/3/{id}/manifest", get(manifest))
        .route("/iiif/3/{id}/search", get(search))
        .route("/iiif/3/{id}/{sheet}", get(image_base))
        .route("/iiif/3/{id}/{sheet}/info.json", get(info))
        .route(IMAGE_ROUTE, get(image))
}

/// The sheet (`/iiif/3/{id}/{sheet}`) an image request to `path` reads, when `route`
/// is the image route.
pub(crate) fn sheet_of_image_request(route: Option<&str>, path: &str) -> Option<String> {
    if route != Some(IMAGE_ROUTE) {
        return None;
    }
    let parts: Vec<&str> = path.split('/').take(5).collect();
    (parts.len() == 5).then(|| parts.join("/"))
}

type Answer = Result<Response, Problem>;

/// Where this service is reached, as the request names it: IIIF documents carry
/// absolute URLs.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn sheet_of(manifest: &Manifest, sheet: &str) -> Result<u32, Problem> {
    let sheet: u32 = sheet.parse().map_err(|_| Problem::not_found())?;
    manifest
        .pages
        .iter()
        .any(|p| p.sheet == sheet)
        .then_some(sheet)
        .ok_or_else(Problem::not_found)
}

/// A JSON-LD document: `application/ld+json` with its context as profile when the
/// client asks for JSON-LD, plain JSON otherwise (as the IIIF APIs require); any
/// origin may read it.
fn json_ld(headers: &HeaderMap, context: &str, body: &serde_json::Value) -> Response {
    let wants_ld = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("application/ld+json"));
    let media_type = if wants_ld {
        format!("application/ld+json;profile=\"{context}\"")
    } else {
        "application/json".to_owned()
    };
    let mut response = body.to_string().into_response();
    if let Ok(value) = HeaderValue::from_str(&media_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    any_origin(response)
}

fn any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A sheet's base URI leads to its information, for a sheet the caller may see; any
/// other answers as a missing one does.
async fn image_base(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = sheet_of(&record.manifest, &sheet)?;
    Ok(Redirect::to(&format!("/iiif/3/{id}/{sheet}/info.json")).into_response())
}

async fn info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = sheet_of(&record.manifest, &sheet)?;
    let (width, height) = fehrist_service::sheet_size(
        &state.registry,
        &state.derivatives,
        &caller,
        &record.manifest,
        sheet,
    )
    .await
    .map_err(problem)?;
    let base = format!("{}/iiif/3/{id}/{sheet}", origin(&headers));
    let info = fehrist_iiif::image_info(&base, width, height);
    Ok(json_ld(&headers, fehrist_iiif::image::IMAGE_CONTEXT, &info))
}

async fn image(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, sheet, region, size, rotation, quality_format)): Path<(
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let sheet = sheet_of(&record.manifest, &sheet)?;
    let request = ImageRequest::parse(&region, &size, &rotation, &quality_format)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let (bytes, media_type) = fehrist_service::sheet_image(
        &state.registry,
        &state.derivatives,
        &caller,
        &record.manifest,
        sheet,
        &request,
    )
    .await
    .map_err(problem)?;
    let mut response = ([(header::CONTENT_TYPE, media_type)], bytes).into_response();
    // A record's sheets never change: a new scan or correction is a new record id.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(any_origin(response))
}

async fn manifest(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let manifest = &record.manifest;
    let lang = Lang::of_request(&uri, &headers);
    let origin = origin(&headers);
    let base = format!("{origin}/iiif/3/{id}");
    let passport = &manifest.passport;
    let mut metadata = vec![(lang.t("record").to_owned(), passport.ref_code.to_string())];
    if let Some(dates) = &passport.dates {
        metadata.push((lang.t("dates").to_owned(), dates.to_string()));
    }
    if let Some(document_type) = &passport.document_type {
        metadata.push((
            lang.t("document_type").to_owned(),
            lang.value("document_type", document_type),
        ));
    }
    metadata.push((
        lang.t("access").to_owned(),
        lang.value("access", manifest.access.as_str()),
    ));
    metadata.extend(crate::ui::field_rows(lang, manifest, &caller));
    let canvases = manifest
        .pages
        .iter()
        .map(|page| Canvas {
            id: format!("{base}/canvas/{}", page.sheet),
            label: format!("{} {}", lang.t("sheet"), page.sheet),
            width: page.width,
            height: page.height,
            image_service: format!("{base}/{}", page.sheet),
            alto: page
                .alto
                .as_ref()
                .map(|_| format!("{origin}/api/v1/records/{id}/pages/{}/alto", page.sheet)),
        })
        .collect();
    let document = fehrist_iiif::presentation_manifest(&RecordManifest {
        id: format!("{base}/manifest"),
        label: passport.ref_code.to_string(),
        summary: passport.title.clone(),
        language: lang.code().to_owned(),
        metadata,
        homepage: Link {
            id: format!("{origin}/ui/records/{id}"),
            label: lang.t("record").to_owned(),
        },
        pdf: Link {
            id: format!("{origin}/api/v1/records/{id}/pdf"),
            label: lang.t("pdf").to_owned(),
        },
        search: format!("{base}/search"),
        canvases,
    });
    Ok(json_ld(
        &headers,
        fehrist_iiif::presentation::PRESENTATION_CONTEXT,
        &document,
    ))
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
}

async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(params): Query<SearchParams>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Answer {
    let record = visible_record(&state, &caller, &id).await?;
    let found =
        fehrist_service::search_record(&state.registry, &caller, &record.manifest, &params.q)
            .await
            .map_err(problem)?;
    let origin = origin(&headers);
    let hits: Vec<SearchHit> = found
        .into_iter()
        .map(|word| SearchHit {
            canvas: format!("{origin}/iiif/3/{id}/canvas/{}", word.sheet),
            bbox: word.bbox,
            text: word.text,
        })
        .collect();
    let request = format!(
        "{origin}{}",
        uri.path_and_query().map_or(uri.path(), |p| p.as_str())
    );
    let answer = fehrist_iiif::search_answer(&request, &hits);
    Ok(json_ld(
        &headers,
        fehrist_iiif::search::SEARCH_CONTEXT,
        &answer,
    ))
}
