//! Reading records: a record by id or reference code with its versions, its pages,
//! and the fonds and passports computed from the current versions.

use fehrist_model::{
    FondDeclaration, FondPassport, Manifest, QuarantineEntry, RecordId, RefCode, Role,
};
use fehrist_registry::{Registry, RegistryError, StoredRecord};

use crate::access::readable_manifest;
use crate::wire::{FileSummary, FondList, FondSummary, RecordAnswer, Version};
use crate::{Caller, ServiceError};

/// The records a name denotes, newest version first, and the sheet it names.
#[derive(Debug, Clone)]
pub struct Named {
    pub records: Vec<StoredRecord>,
    /// A reference code's `/L-n`.
    pub sheet: Option<u32>,
}

/// What a name denotes: a record id, or a reference code (full, or from the fond on,
/// in `archive`). Only records the caller may see are listed.
pub async fn resolve(
    registry: &Registry,
    caller: &Caller,
    name: &str,
    archive: &str,
) -> Result<Named, ServiceError> {
    let visible = |records: Vec<StoredRecord>| {
        records
            .into_iter()
            .filter(|r| caller.may_see(r.manifest.access))
            .collect()
    };
    if let Ok(id) = name.parse::<RecordId>() {
        let records = match registry.load(&id).await {
            Ok(record) => vec![record],
            Err(RegistryError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        return Ok(Named {
            records: visible(records),
            sheet: None,
        });
    }
    let code: RefCode = if name.starts_with("F-") {
        RefCode::from_archive_and_path(archive, name)
    } else {
        name.parse()
    }
    .map_err(|e| {
        ServiceError::Invalid(format!(
            "{name:?} is neither a record id nor a reference code: {e}"
        ))
    })?;
    Ok(Named {
        records: visible(registry.records_with_ref_code(&code).await?),
        sheet: code.sheet(),
    })
}

/// A record the caller may see, by its id or by its file's full reference code (the
/// current version, `TJ-CSA/F-12/O-3/D-45`), or [`ServiceError::NotRegistered`]
/// exactly as for a record that does not exist.
pub async fn visible_record(
    registry: &Registry,
    caller: &Caller,
    id: &str,
) -> Result<StoredRecord, ServiceError> {
    let not_registered = || ServiceError::NotRegistered {
        name: id.to_owned(),
    };
    let Ok(id) = id.parse::<RecordId>() else {
        let code: RefCode = id.parse().map_err(|_| not_registered())?;
        return registry
            .records_with_ref_code(&code.file_code())
            .await?
            .into_iter()
            .next()
            .filter(|r| caller.may_see(r.manifest.access))
            .ok_or_else(not_registered);
    };
    match registry.load(&id).await {
        Ok(record) if caller.may_see(record.manifest.access) => Ok(record),
        Ok(_) | Err(RegistryError::NotFound { .. }) => Err(not_registered()),
        Err(e) => Err(e.into()),
    }
}

/// The versions of a file, newest first, numbered from the first scan.
pub(crate) fn versions(records: &[StoredRecord]) -> Vec<Version> {
    let count = records.len();
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let manifest = &record.manifest;
            Version {
                record_id: manifest.record_id.clone(),
                number: count - i,
                origin: manifest.origin(),
                registered_at: manifest.registered_at.clone(),
                edited_at: manifest.edit.as_ref().map(|e| e.edited_at.clone()),
                editor: manifest.edit.as_ref().map(|e| e.editor.clone()),
                current: i == 0,
            }
        })
        .collect()
}

/// A record as the caller may read it, with every version of its file.
pub async fn show(
    registry: &Registry,
    caller: &Caller,
    record: &StoredRecord,
) -> Result<RecordAnswer, ServiceError> {
    let all: Vec<StoredRecord> = registry
        .records_with_ref_code(&record.manifest.passport.ref_code)
        .await?
        .into_iter()
        .filter(|r| caller.may_see(r.manifest.access))
        .collect();
    let versions = versions(&all);
    let current = versions
        .first()
        .is_none_or(|v| v.record_id == record.manifest.record_id);
    Ok(RecordAnswer {
        manifest: readable_manifest(&record.manifest, caller),
        signature: record.signature.clone(),
        current,
        versions,
    })
}

/// The current versions of every record the caller may see.
pub async fn visible_manifests(
    registry: &Registry,
    caller: &Caller,
) -> Result<Vec<Manifest>, ServiceError> {
    let all = registry.manifests().await?;
    Ok(fehrist_model::current_versions(&all)
        .into_iter()
        .filter(|m| caller.may_see(m.access))
        .cloned()
        .collect())
}

/// The fonds the caller may see, with their current files and sheets.
pub async fn fonds(registry: &Registry, caller: &Caller) -> Result<FondList, ServiceError> {
    let mut counts: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for m in visible_manifests(registry, caller).await? {
        let entry = counts.entry(m.passport.ref_code.fond_code()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(m.passport.extent.sheets);
    }
    let mut fonds: Vec<FondSummary> = counts
        .into_iter()
        .map(|(fond, (files, sheets))| FondSummary {
            fond,
            files,
            sheets,
        })
        .collect();
    fonds.sort_by_key(|f| natural(&f.fond));
    Ok(FondList { fonds })
}

/// The current files of a fond (`TJ-CSA/F-12`) the caller may see, by inventory and
/// file number; [`ServiceError::NotRegistered`] when it holds none.
pub async fn fond_files(
    registry: &Registry,
    caller: &Caller,
    fond: &str,
) -> Result<Vec<FileSummary>, ServiceError> {
    let mut files: Vec<FileSummary> = visible_manifests(registry, caller)
        .await?
        .into_iter()
        .filter(|m| m.passport.ref_code.fond_code() == fond)
        .map(|m| FileSummary {
            record_id: m.record_id,
            title: m.passport.title,
            dates: m.passport.dates.map(|d| d.to_string()),
            document_type: m.passport.document_type,
            sheets: m.passport.extent.sheets,
            ref_code: m.passport.ref_code,
        })
        .collect();
    if files.is_empty() {
        return Err(ServiceError::NotRegistered {
            name: fond.to_owned(),
        });
    }
    files.sort_by_key(|f| (natural(f.ref_code.inventory()), natural(f.ref_code.file())));
    Ok(files)
}

/// A sort key that puts numbers in their order: `O-2` before `O-10`, `TJ-CSA/F-7`
/// before `TJ-CSA/F-12`.
fn natural(code: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let mut rest = code;
    while !rest.is_empty() {
        let text_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (text, tail) = rest.split_at(text_end);
        let digits_end = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (digits, tail) = tail.split_at(digits_end);
        parts.push((text.to_owned(), digits.parse().unwrap_or(0)));
        rest = tail;
    }
    parts
}

/// The inputs that were refused and the sheets registered unread, newest first, each
/// with its file, record, reason, station and operator: an archivist's to review.
pub async fn quarantine(
    registry: &Registry,
    caller: &Caller,
) -> Result<Vec<QuarantineEntry>, ServiceError> {
    caller.need(Role::Archivist)?;
    let mut entries = registry.quarantined().await?;
    entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.path.cmp(&b.path)));
    Ok(entries)
}

/// The digital passport of a fond (`TJ-CSA/F-12`) from what the caller may see;
/// [`ServiceError::NotRegistered`] when it holds no file the caller may see.
pub async fn fond_passport(
    registry: &Registry,
    caller: &Caller,
    fond: &str,
    declared: Option<&FondDeclaration>,
    now: &str,
) -> Result<FondPassport, ServiceError> {
    let manifests = visible_manifests(registry, caller).await?;
    let passport = fehrist_model::fond_passport(fond, &manifests, declared, now);
    if passport.files == 0 {
        return Err(ServiceError::NotRegistered {
            name: fond.to_owned(),
        });
    }
    Ok(passport)
}

/// Digitization KPIs over the current versions the caller may see, and the
/// quarantine, with the backlog against the fonds' declared extents.
pub async fn report(
    registry: &Registry,
    caller: &Caller,
    declared: &std::collections::BTreeMap<String, FondDeclaration>,
    now: &str,
) -> Result<fehrist_model::Kpis, ServiceError> {
    let manifests = visible_manifests(registry, caller).await?;
    let quarantine = registry.quarantined().await?;
    Ok(fehrist_model::kpis(&manifests, &quarantine, declared, now))
}

#[cfg(test)]
mod tests {
    use super::natural;

    #[test]
    fn codes_sort_by_their_numbers() {
        let mut codes = vec![
            "TJ-CSA/F-12",
            "TJ-CSA/F-7",
            "TJ-CSA/F-50",
            "O-10",
            "O-2",
            "D-45a",
            "D-45",
        ];
        codes.sort_by_key(|c| natural(c));
        assert_eq!(
            codes,
            [
                "D-45",
                "D-45a",
                "O-2",
                "O-10",
                "TJ-CSA/F-7",
                "TJ-CSA/F-12",
                "TJ-CSA/F-50"
            ]
        );
    }
}
