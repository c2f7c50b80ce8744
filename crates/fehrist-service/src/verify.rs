//! Is this file a registered master, unchanged? One answer per registered file, with
//! the version that holds it and the file's current version.

use fehrist_registry::{RecordCheck, Registry, RegistryError};

use crate::wire::{
    BundleVerification, FileMatch, FileVerification, LogPosition, RecordVerdict, RecordVerification,
};
use crate::{Caller, ServiceError};

/// A version holding the scan, and the sheets it is.
type Holding = (RecordCheck, Vec<u32>);

/// Looks a file up by its SHA-256 among the masters the caller may see, and re-checks
/// every version holding it (objects, signature, log entry).
pub async fn verify_file(
    registry: &Registry,
    caller: &Caller,
    bytes: &[u8],
) -> Result<FileVerification, ServiceError> {
    let check = registry.verify_file(bytes).await?;
    // Every version holding the file, grouped by file (reference code).
    let mut files: Vec<(fehrist_model::RefCode, Vec<Holding>)> = Vec::new();
    let mut unreadable = Vec::new();
    // Files above the caller's clearance, by reference code as `records` counts them,
    // and whether every version of each holding the scan passed every check.
    let mut withheld: Vec<(Option<fehrist_model::RefCode>, bool)> = Vec::new();
    for (record, sheets) in check.matches {
        let access = match registry.load(&record.id).await {
            Ok(stored) => stored.manifest.access,
            Err(RegistryError::NotFound { .. }) => continue,
            Err(RegistryError::ManifestFormat { .. }) => {
                unreadable.push((record, sheets));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if !caller.may_see(access) {
            let passed = record.problems.is_empty();
            let same_file = withheld
                .iter_mut()
                .find(|(code, _)| code.is_some() && *code == record.ref_code);
            match same_file {
                Some((_, unchanged)) => *unchanged &= passed,
                None => withheld.push((record.ref_code.clone(), passed)),
            }
            continue;
        }
        let Some(code) = record.ref_code.clone() else {
            unreadable.push((record, sheets));
            continue;
        };
        match files.iter_mut().find(|(c, _)| *c == code) {
            Some((_, holding)) => holding.push((record, sheets)),
            None => files.push((code, vec![(record, sheets)])),
        }
    }
    let mut records = Vec::new();
    for (code, holding) in files {
        let versions = registry.records_with_ref_code(&code).await?;
        let position = |id: &fehrist_model::RecordId| {
            versions
                .iter()
                .position(|v| &v.manifest.record_id == id)
                .unwrap_or(versions.len())
        };
        // The newest version holding the scan stands for the file.
        let (newest, sheets) = holding
            .iter()
            .min_by_key(|(check, _)| position(&check.id))
            .expect("a file is listed with a version holding it");
        let problems: Vec<String> = holding
            .iter()
            .flat_map(|(check, _)| {
                check
                    .problems
                    .iter()
                    .map(move |p| format!("record {}: {p}", check.id))
            })
            .collect();
        let current = versions
            .first()
            .map_or_else(|| newest.id.clone(), |v| v.manifest.record_id.clone());
        // Versions count from 1, the first scan; the list is newest first.
        let number = versions.len().saturating_sub(position(&newest.id)).max(1);
        let count = versions.len().max(number);
        let mut found = file_match(newest, sheets.clone(), number, count, current, problems);
        found.registered_at = versions
            .iter()
            .find(|v| v.manifest.record_id == newest.id)
            .map(|v| v.manifest.registered_at.clone());
        records.push(found);
    }
    // A version whose manifest cannot be read is still reported, as failing.
    for (check, sheets) in unreadable {
        let problems = check.problems.iter().map(ToString::to_string).collect();
        let id = check.id.clone();
        records.push(file_match(&check, sheets, 1, 1, id, problems));
    }
    let registered = !records.is_empty() || !withheld.is_empty();
    let unchanged =
        registered && records.iter().all(|r| r.unchanged) && withheld.iter().all(|(_, ok)| *ok);
    Ok(FileVerification {
        sha256: check.digest,
        registered,
        unchanged,
        records,
        withheld: withheld.len(),
    })
}

fn file_match(
    check: &RecordCheck,
    sheets: Vec<u32>,
    version: usize,
    versions: usize,
    current: fehrist_model::RecordId,
    problems: Vec<String>,
) -> FileMatch {
    FileMatch {
        record_id: check.id.clone(),
        ref_code: check.ref_code.clone(),
        sheets,
        version,
        versions,
        current,
        unchanged: problems.is_empty(),
        key_id: check.signature.as_ref().map(|s| s.key_id.clone()),
        key_name: check.signature.as_ref().map(|s| s.key_name.clone()),
        log: check.log.map(|(leaf_index, tree_size)| LogPosition {
            leaf_index,
            tree_size,
        }),
        registered_at: None,
        problems,
    }
}

/// Re-checks every stored object, the signature and the log entry of a record named by
/// id (checked as it is, since its manifest may be too damaged to read) or of every
/// version of a file named by reference code, newest first.
pub async fn verify_record(
    registry: &Registry,
    caller: &Caller,
    name: &str,
    archive: &str,
) -> Result<RecordVerification, ServiceError> {
    let ids: Vec<fehrist_model::RecordId> = match name.parse() {
        Ok(id) => vec![id],
        Err(_) => crate::resolve(registry, caller, name, archive)
            .await?
            .records
            .into_iter()
            .map(|record| record.manifest.record_id)
            .collect(),
    };
    let mut records = Vec::new();
    for id in &ids {
        let check = match registry.verify_record(id).await {
            Ok(check) => check,
            Err(RegistryError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        // A record the caller may not see is absent; one whose manifest cannot be
        // read is reported, failing.
        let mut version = None;
        if let Some(code) = &check.ref_code {
            match registry.load(id).await {
                Ok(stored) if !caller.may_see(stored.manifest.access) => continue,
                _ => {}
            }
            let versions = registry.records_with_ref_code(code).await?;
            if let Some(at) = versions.iter().position(|v| &v.manifest.record_id == id) {
                version = Some((
                    versions.len() - at,
                    versions.len(),
                    versions[0].manifest.record_id.clone(),
                ));
            }
        }
        records.push(RecordVerdict {
            record_id: check.id.clone(),
            ref_code: check.ref_code.clone(),
            version: version.as_ref().map(|v| v.0),
            versions: version.as_ref().map(|v| v.1),
            current: version.map(|v| v.2),
            unchanged: check.is_intact(),
            key_id: check.signature.as_ref().map(|s| s.key_id.clone()),
            key_name: check.signature.as_ref().map(|s| s.key_name.clone()),
            objects_checked: check.objects_checked,
            log: check.log.map(|(leaf_index, tree_size)| LogPosition {
                leaf_index,
                tree_size,
            }),
            problems: check.problems.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(RecordVerification {
        target: name.to_owned(),
        registered: !records.is_empty(),
        unchanged: !records.is_empty() && records.iter().all(|r| r.unchanged),
        records,
    })
}

/// The evidence bundle of a file's current version (or of the record an id names):
/// everything needed to verify it offline. Auditors only.
pub async fn evidence(
    registry: &Registry,
    caller: &Caller,
    name: &str,
    archive: &str,
) -> Result<fehrist_seal::evidence::EvidenceBundle, ServiceError> {
    caller.need(fehrist_model::Role::Auditor)?;
    let named = crate::resolve(registry, caller, name, archive).await?;
    let Some(record) = named.records.first() else {
        return Err(ServiceError::NotRegistered {
            name: name.to_owned(),
        });
    };
    // The bundle holds the signed manifest byte for byte, personal data and all: it
    // cannot be redacted without breaking the signature it carries.
    if !crate::reads_personal_data(&record.manifest, caller)
        && crate::pages::hidden_from(registry, caller, &record.manifest)
            .await?
            .is_some()
    {
        return Err(ServiceError::NeedsClearance {
            what: "the evidence of a record with personal data",
            clearance: fehrist_model::PersonalData::shows_at(&record.manifest),
        });
    }
    Ok(registry.evidence(&record.manifest.record_id).await?)
}

/// An evidence bundle someone holds, checked against this registry's published keys
/// (no token needed): the holder learns whether it proves what it says, and nothing
/// the bundle does not already show.
pub async fn verify_evidence(
    registry: &Registry,
    bytes: &[u8],
) -> Result<BundleVerification, ServiceError> {
    use fehrist_seal::evidence::{EVIDENCE_FORMAT, EvidenceBundle};
    // Bytes that are no bundle prove nothing: answered as evidence that does not hold.
    let checked = match serde_json::from_slice::<EvidenceBundle>(bytes) {
        Ok(bundle) if bundle.format == EVIDENCE_FORMAT => registry.verify_evidence(&bundle).await?,
        Ok(bundle) => Err(format!(
            "not an evidence bundle of format {EVIDENCE_FORMAT}: its format is {:?}",
            bundle.format
        )),
        Err(error) => Err(format!(
            "not an evidence bundle of format {EVIDENCE_FORMAT}: {error}"
        )),
    };
    Ok(match checked {
        Ok(report) => BundleVerification::held(report),
        Err(reason) => BundleVerification::not_held(reason),
    })
}
