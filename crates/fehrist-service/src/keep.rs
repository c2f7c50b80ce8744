//! Keeping the store whole: fixity audits and replication to a second site.

use fehrist_model::Role;
use fehrist_registry::{FixityReport, Registry, Replication};
use fehrist_seal::{StationKey, canonical_json, sign_manifest_bytes};
use fehrist_store::Store;

use crate::{Caller, ServiceError};

/// Re-reads and re-hashes every stored object and checks the log against the store;
/// `progress` hears of each record checked, with the number in all. Auditors only.
pub async fn fixity(
    registry: &Registry,
    caller: &Caller,
    now: impl Fn() -> String,
    mut progress: impl FnMut(usize),
) -> Result<FixityReport, ServiceError> {
    caller.need(Role::Auditor)?;
    Ok(registry.fixity(now, |_, total| progress(total)).await?)
}

/// A fixity report as signed canonical JSON: its bytes and its signature's JSON.
pub fn signed_report(
    report: &FixityReport,
    key: &StationKey,
) -> Result<(Vec<u8>, Vec<u8>), ServiceError> {
    let bytes = canonical_json("fixity report", report)?;
    let signature = sign_manifest_bytes(&bytes, key);
    let signature = serde_json::to_vec(&signature).expect("a signature serializes");
    Ok((bytes, signature))
}

/// Copies every object the store at `target` lacks, re-hashing each blob (made if it
/// does not exist: a new backup site). Run again to resume. Admins only.
pub async fn replicate(
    registry: &Registry,
    caller: &Caller,
    target: &str,
) -> Result<Replication, ServiceError> {
    caller.need(Role::Admin)?;
    let copy = Store::open_or_create(target).map_err(|e| ServiceError::StoreUnreachable {
        url: target.to_owned(),
        reason: e.brief(),
    })?;
    if copy.url() == registry.store().url() {
        return Err(ServiceError::Invalid(
            "the target is the store itself".to_owned(),
        ));
    }
    Ok(fehrist_registry::replicate(registry.store(), &copy).await?)
}
