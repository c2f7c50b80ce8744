//! A person corrects a record: a new signed version of the file that points to the
//! one it corrects, keeps its scans and provenance, and says who edited, when and why.

use fehrist_model::{
    AccessLevel, AuditOutcome, DateSpan, Edit, FieldOrigin, FieldSource, FieldValue, Manifest,
    PersonalData, Role, SheetText,
};
use fehrist_pipeline::{PipelineDefinition, conforms};
use fehrist_registry::{NewRecord, Registry};
use fehrist_schema::Schema;
use fehrist_seal::{StationKey, canonical_json, edited_record_id};

use crate::records::resolve;
use crate::wire::EditAnswer;
use crate::{Caller, ServiceError};

/// The passport's own fields: set and removed in the passport, never in `fields`.
const PASSPORT_FIELDS: &[&str] = &["title", "dates", "creator", "document_type"];

/// A field's new value as a person types it: a JSON list for list fields
/// (`[{"value":"1500","currency":"TJS"}]`, `["2024-03-12"]`), any other text as it is.
pub fn field_value(text: &str) -> Result<FieldValue, ServiceError> {
    if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| {
            ServiceError::Invalid(format!(
                "{text:?} is not a JSON list of texts or amounts: {e}"
            ))
        })
    } else {
        Ok(FieldValue::Text(text.trim().to_owned()))
    }
}

/// What to change in the current version of a file.
#[derive(Debug, Clone, Default)]
pub struct EditRequest {
    /// A record id or reference code; the file's current version is corrected.
    pub record: String,
    /// The archive of a reference code given from the fond on (`F-12/O-3/D-45`).
    pub archive: String,
    pub set: Vec<(String, FieldValue)>,
    pub remove: Vec<String>,
    /// Words (or names) to hide as personal data wherever they stand on the pages.
    pub redact: Vec<String>,
    /// Words hidden as personal data to show again (a redaction found wrong).
    pub unredact: Vec<String>,
    /// Why: kept in the new version.
    pub reason: String,
}

/// Registers the correction as a new version, sequences it into the log and writes
/// the audit event (whatever the outcome). A correction that changes nothing is
/// refused; so is one that no longer matches the record's schemas.
pub async fn edit(
    registry: &Registry,
    key: &StationKey,
    caller: &Caller,
    request: EditRequest,
    station: &str,
    now: &str,
) -> Result<EditAnswer, ServiceError> {
    let target = request.record.clone();
    let result = correct(registry, key, caller, request, station, now).await;
    crate::audited(registry, caller, "edit", &target, now, result).await
}

async fn correct(
    registry: &Registry,
    key: &StationKey,
    caller: &Caller,
    request: EditRequest,
    station: &str,
    now: &str,
) -> Result<EditAnswer, ServiceError> {
    caller.need(Role::Archivist)?;
    if request.set.is_empty()
        && request.remove.is_empty()
        && request.redact.is_empty()
        && request.unredact.is_empty()
    {
        return Err(ServiceError::Invalid(
            "nothing to change: give a field to set or to remove, or words to redact or show"
                .to_owned(),
        ));
    }
    if request.reason.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "say why the record is corrected (a reason is kept with the version)".to_owned(),
        ));
    }
    let named = resolve(registry, caller, &request.record, &request.archive).await?;
    let Some(named) = named.records.first() else {
        return Err(ServiceError::NotRegistered {
            name: request.record,
        });
    };
    // Whichever version was named, the correction is made to the file's current one.
    let versions = registry
        .records_with_ref_code(&named.manifest.passport.ref_code)
        .await?;
    let old = &versions.first().unwrap_or(named).manifest;
    let mut manifest = corrected(old, &request, &caller.actor)?;
    let texts = registry.page_texts(old).await?;
    let words = registry.page_words(old).await?;
    let sheets = SheetText::of_manifest(old, &texts, &words);
    manifest.personal_data = redactions(old, &manifest, &request, &sheets);
    if manifest.fields == old.fields
        && manifest.passport == old.passport
        && manifest.personal_data == old.personal_data
    {
        return Err(ServiceError::NothingChanged);
    }
    let schema = PipelineDefinition::shipped(&manifest.pipeline.name)
        .map(|p| p.fields_schema())
        .unwrap_or(Schema::Record);
    manifest.previous = Some(old.record_id.clone());
    manifest.edit = Some(Edit {
        editor: caller.actor.clone(),
        edited_at: now.to_owned(),
        station: station.to_owned(),
        reason: request.reason.trim().to_owned(),
    });
    conforms(&manifest, schema).map_err(|e| ServiceError::Schema(e.to_string()))?;
    let correction = canonical_json(
        "correction",
        &(
            &manifest.fields,
            &manifest.passport,
            &manifest.edit,
            &manifest.personal_data,
        ),
    )?;
    manifest.record_id = edited_record_id(&old.record_id, &correction);
    let id = manifest.record_id.clone();
    registry
        .register(
            key,
            NewRecord {
                manifest,
                blobs: Vec::new(),
                texts,
            },
        )
        .await?;
    registry.commit_index()?;
    let logged = registry.sequence().await?;
    Ok(EditAnswer {
        record_id: id,
        previous: old.record_id.clone(),
        version: versions.len().max(1) + 1,
        log_size: logged.size,
    })
}

/// The manifest with the request's values in place: passport fields in the passport,
/// the others in `fields` with their source saying who set them.
fn corrected(
    old: &Manifest,
    request: &EditRequest,
    editor: &str,
) -> Result<Manifest, ServiceError> {
    let mut manifest = old.clone();
    let edited_source = |field: String| FieldSource {
        field,
        span: None,
        confidence: 100,
        origin: FieldOrigin::Edited,
        editor: Some(editor.to_owned()),
    };
    let same_field = |source: &FieldSource, name: &str| {
        source.field == name || source.field.starts_with(&format!("{name}/"))
    };
    for name in &request.remove {
        let removed = match name.as_str() {
            "title" => manifest.passport.title.take().is_some(),
            "dates" => manifest.passport.dates.take().is_some(),
            "creator" => manifest.passport.creator.take().is_some(),
            "document_type" => manifest.passport.document_type.take().is_some(),
            _ => manifest.fields.remove(name).is_some(),
        };
        if !removed {
            return Err(ServiceError::Invalid(format!(
                "the record has no field {name:?}"
            )));
        }
        manifest.field_sources.retain(|s| !same_field(s, name));
    }
    for (name, value) in &request.set {
        if PASSPORT_FIELDS.contains(&name.as_str()) {
            let FieldValue::Text(text) = value else {
                return Err(ServiceError::Invalid(format!(
                    "the passport's {name} is one text, not a list"
                )));
            };
            let text = text.trim().to_owned();
            match name.as_str() {
                "title" => manifest.passport.title = Some(text),
                "creator" => manifest.passport.creator = Some(text),
                "document_type" => manifest.passport.document_type = Some(text),
                _ => {
                    let dates: DateSpan = text
                        .parse()
                        .map_err(|e| ServiceError::Invalid(format!("dates {text:?}: {e}")))?;
                    manifest.passport.dates = Some(dates);
                }
            }
            continue;
        }
        if manifest.fields.get(name) == Some(value) {
            continue;
        }
        manifest.field_sources.retain(|s| !same_field(s, name));
        match value {
            FieldValue::Text(_) => manifest.field_sources.push(edited_source(name.clone())),
            FieldValue::Texts(items) => manifest
                .field_sources
                .extend((0..items.len()).map(|i| edited_source(format!("{name}/{i}")))),
            FieldValue::Amounts(items) => manifest
                .field_sources
                .extend((0..items.len()).map(|i| edited_source(format!("{name}/{i}")))),
        }
        manifest.fields.insert(name.clone(), value.clone());
    }
    Ok(manifest)
}

/// The corrected version's personal data: what the old one hid, the words of personal
/// values set now (a corrected name stays hidden under its old spelling too), and the
/// archivist's own additions and removals.
fn redactions(
    old: &Manifest,
    new: &Manifest,
    request: &EditRequest,
    sheets: &[SheetText<'_>],
) -> Option<PersonalData> {
    let mut data = PersonalData::of(old, sheets);
    if request.redact.is_empty() && request.unredact.is_empty() && new.fields == old.fields {
        return data;
    }
    let data = data.get_or_insert_with(|| PersonalData {
        shows_at: AccessLevel::Restricted,
        fields: Vec::new(),
        sheets: Vec::new(),
    });
    let set_now: Vec<String> = request
        .set
        .iter()
        .filter(|(name, _)| data.fields.contains(name))
        .flat_map(|(_, value)| match value {
            FieldValue::Text(text) => vec![text.clone()],
            FieldValue::Texts(texts) => texts.clone(),
            FieldValue::Amounts(_) => Vec::new(),
        })
        .collect();
    data.mark(&set_now, sheets);
    data.mark(&request.redact, sheets);
    data.unmark(&request.unredact, sheets);
    Some(data.clone())
}

/// The outcome an audit event records for a use case's result.
pub(crate) fn outcome<T>(result: &Result<T, ServiceError>) -> AuditOutcome {
    match result {
        Ok(_) => AuditOutcome::Success,
        Err(ServiceError::NotRegistered { .. } | ServiceError::NothingChanged) => {
            AuditOutcome::Negative
        }
        Err(_) => AuditOutcome::Error,
    }
}
