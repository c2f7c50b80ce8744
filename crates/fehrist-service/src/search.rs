//! Full-text search within the caller's clearance, current versions only.

use fehrist_index::{IndexError, SearchRequest, Sort};
use fehrist_model::{AccessLevel, Passport, RecordId};
use fehrist_registry::{Registry, RegistryError};

use crate::access::visible_levels;
use crate::wire::{FacetCount, SearchAnswer, SearchHit};
use crate::{Caller, ServiceError};

/// The deepest a search pages: results beyond it are reached by narrowing the search.
pub const MAX_OFFSET: usize = 10_000;
/// The most hits one answer holds.
pub const MAX_LIMIT: usize = 100;

/// `relevance`, `newest` or `oldest` (by the record's date): the one vocabulary of sort.
pub fn parse_sort(text: &str) -> Result<Sort, ServiceError> {
    match text {
        "" | "relevance" => Ok(Sort::Relevance),
        "newest" => Ok(Sort::Newest),
        "oldest" => Ok(Sort::Oldest),
        other => Err(ServiceError::Invalid(format!(
            "sort {other:?}: it is relevance, newest or oldest"
        ))),
    }
}

/// The passports of the records `hits` are on (each read once), so that a hit can
/// show its file's title, dates and type; a record the caller may not see is left out.
pub async fn hit_passports(
    registry: &Registry,
    caller: &Caller,
    hits: &[SearchHit],
) -> Result<std::collections::BTreeMap<RecordId, Passport>, ServiceError> {
    let mut passports = std::collections::BTreeMap::new();
    for hit in hits {
        if passports.contains_key(&hit.record_id) {
            continue;
        }
        match registry.manifest(&hit.record_id).await {
            Ok(manifest) if caller.may_see(manifest.access) => {
                passports.insert(hit.record_id.clone(), manifest.passport);
            }
            Ok(_) | Err(RegistryError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(passports)
}

/// Searches what the caller may see. `request.access` narrows the levels further
/// (empty: every level the caller may see); an access level above the clearance
/// finds nothing, as if no record had it.
pub fn search(
    registry: &Registry,
    caller: &Caller,
    mut request: SearchRequest,
) -> Result<SearchAnswer, ServiceError> {
    if request.limit == 0 || request.limit > MAX_LIMIT || request.offset > MAX_OFFSET {
        return Err(ServiceError::Invalid(format!(
            "limit is 1–{MAX_LIMIT} and offset at most {MAX_OFFSET}"
        )));
    }
    // Control characters (a bell, a line break) separate words like spaces do.
    if request.query.chars().any(char::is_control) {
        request.query = request
            .query
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
    }
    // Names are personal data: indexed only where they may be read, and asked for
    // only by a caller who may read them.
    if request.name.is_some() && !caller.may_see(AccessLevel::Restricted) {
        return Err(ServiceError::NeedsClearance {
            what: "searching by a person's name",
            clearance: AccessLevel::Restricted,
        });
    }
    let mut access = visible_levels(caller);
    if !request.access.is_empty() {
        access.retain(|level| request.access.contains(level));
    }
    if access.is_empty() {
        return Ok(SearchAnswer {
            total: 0,
            offset: request.offset,
            hits: Vec::new(),
            facets: Default::default(),
        });
    }
    request.access = access;
    request.clearance = Some(caller.clearance);
    let found = registry.search_with(&request).map_err(|e| match e {
        RegistryError::Index(IndexError::Query { query, .. }) => ServiceError::Query { query },
        other => other.into(),
    })?;
    Ok(SearchAnswer {
        total: found.total,
        offset: request.offset,
        hits: found
            .hits
            .into_iter()
            .map(|hit| SearchHit {
                record_id: hit.record_id,
                ref_code: hit.ref_code,
                sheet: hit.sheet,
                score: hit.score,
                snippet: hit.snippet,
                highlights: hit.highlights,
            })
            .collect(),
        facets: found
            .facets
            .into_iter()
            .map(|(name, values)| {
                let counts = values
                    .into_iter()
                    .map(|(value, pages)| FacetCount { value, pages })
                    .collect();
                (name, counts)
            })
            .collect(),
    })
}
