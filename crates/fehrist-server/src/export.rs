//! Search hits as CSV, for the search page's download and `GET /api/v1/search?format=csv`.

use std::collections::BTreeMap;

use axum::http::header;
use axum::response::{IntoResponse as _, Response};
use fehrist_index::SearchRequest;
use fehrist_model::{Passport, RecordId};

use crate::{AppState, Caller, Problem};

/// Hits a search may export at once.
const EXPORT_LIMIT: usize = 1000;

/// The hits of a search (its first [`EXPORT_LIMIT`]) as CSV for a spreadsheet: one row
/// per page found, with its file's title, dates and type, UTF-8 with a byte-order mark
/// so that a spreadsheet reads Cyrillic as such.
pub(crate) async fn hits_csv(
    state: &AppState,
    caller: &Caller,
    request_at: impl Fn(usize, usize, bool) -> SearchRequest,
) -> Result<Response, Problem> {
    let mut hits = Vec::new();
    while hits.len() < EXPORT_LIMIT {
        let found = fehrist_service::search(
            &state.registry,
            caller,
            request_at(hits.len(), fehrist_service::MAX_LIMIT, false),
        )
        .map_err(crate::api::problem)?;
        let done = found.hits.is_empty() || hits.len() + found.hits.len() >= found.total;
        hits.extend(found.hits);
        if done {
            break;
        }
    }
    hits.truncate(EXPORT_LIMIT);
    let passports = fehrist_service::hit_passports(&state.registry, caller, &hits)
        .await
        .map_err(crate::api::problem)?;
    let written = csv_of(&hits, &passports).map_err(|e| Problem::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"fehrist-search.csv\"",
            ),
        ],
        written,
    )
        .into_response())
}

/// The rows of [`hits_csv`], after a byte-order mark.
fn csv_of(
    hits: &[fehrist_service::wire::SearchHit],
    passports: &BTreeMap<RecordId, Passport>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    out.write_record([
        "ref_code",
        "sheet",
        "title",
        "dates",
        "document_type",
        "record_id",
        "snippet",
    ])?;
    for hit in hits {
        let passport = passports.get(&hit.record_id);
        out.write_record([
            hit.ref_code.to_string(),
            hit.sheet.to_string(),
            passport.and_then(|p| p.title.clone()).unwrap_or_default(),
            passport
                .and_then(|p| p.dates.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            passport
                .and_then(|p| p.document_type.clone())
                .unwrap_or_default(),
            hit.record_id.to_string(),
            hit.snippet.clone(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
