//! Copying an archive's store to another (a backup, a second data centre): every
//! object the target lacks, each blob re-hashed on the way, records committed in the
//! same order as an ingest commits them, the logs' checkpoints last. Create-only
//! writes make a copy resumable: an interrupted run is finished by running it again.

use std::collections::HashSet;

use bytes::Bytes;
use fehrist_model::{Digest, QuarantineEntry};
use fehrist_seal::sha256;
use fehrist_store::{LogLock, LogName, Store, StoreError, Written};
use futures::{StreamExt as _, TryStreamExt as _};

use crate::RegistryError;
use crate::registry::quarantine_id;

/// How many objects are copied at once.
const CONCURRENCY: usize = 16;

/// What a replication did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Replication {
    /// Objects copied to the target.
    pub copied: u64,
    /// Objects the target already held.
    pub present: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// Blobs whose content was re-hashed against their name before being copied.
    pub blobs_verified: u64,
    /// Log checkpoints moved forward on the target.
    pub checkpoints: u64,
}

impl Replication {
    fn count(&mut self, written: Written, bytes: usize) {
        match written {
            Written::New => {
                self.copied += 1;
                self.bytes += bytes as u64;
            }
            Written::AlreadyThere => self.present += 1,
        }
    }
}

/// Why a blob cannot be copied: its bytes are not the ones its name promises.
fn damaged(digest: &Digest) -> RegistryError {
    RegistryError::Store(StoreError::Conflict {
        path: format!(
            "{} (its content does not hash to its name)",
            Store::describe_blob(digest)
        ),
    })
}

/// Copies every object of `source` that `target` lacks.
pub async fn replicate(source: &Store, target: &Store) -> Result<Replication, RegistryError> {
    let mut report = Replication::default();

    for (id, verifier) in source.list_keys().await? {
        target.put_key(&id, &verifier).await?;
        report.present += 1;
    }

    // Blobs: the target's list once, then each missing one fetched, hashed and stored.
    let held: HashSet<Digest> = target.list_blobs().await?.into_iter().collect();
    let (present, missing): (Vec<Digest>, Vec<Digest>) = source
        .list_blobs()
        .await?
        .into_iter()
        .partition(|d| held.contains(d));
    report.present += present.len() as u64;
    let copied: Vec<(Written, usize)> = futures::stream::iter(missing)
        .map(|digest| async move {
            let bytes = source.get_blob(&digest).await?;
            if sha256(&bytes) != digest {
                return Err(damaged(&digest));
            }
            let size = bytes.len();
            Ok::<_, RegistryError>((target.put_blob(&digest, bytes).await?, size))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (written, size) in copied {
        report.blobs_verified += 1;
        report.count(written, size);
    }

    // Records: manifest, then (when the source has it) the signature that commits it.
    for id in source.list_records().await? {
        let manifest = source.get_manifest(&id).await?;
        let size = manifest.len();
        let (written, stored) = target.put_manifest(&id, manifest.clone()).await?;
        if stored != manifest {
            return Err(RegistryError::Store(StoreError::Conflict {
                path: Store::describe_manifest(&id),
            }));
        }
        report.count(written, size);
        match source.get_signature(&id).await {
            Ok(signature) => {
                let size = signature.len();
                report.count(target.put_signature(&id, signature).await?, size);
            }
            Err(StoreError::Missing { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for bytes in source.list_quarantine().await? {
        // Entries are kept as they were written; a foreign one that does not parse is
        // copied under the hash of its bytes.
        let id = serde_json::from_slice::<QuarantineEntry>(&bytes)
            .map(|entry| quarantine_id(&entry))
            .unwrap_or_else(|_| sha256(&bytes));
        let size = bytes.len();
        report.count(target.put_quarantine(&id, bytes).await?, size);
    }
    for (id, entry) in source.list_pending().await? {
        if !target.is_pending(&id).await? {
            target.put_pending(&id, entry.clone()).await?;
            report.count(Written::New, entry.len());
        }
    }

    // Logs: tiles and entries first, under the target's lock, then the checkpoint, so
    // the target's checkpoint never names tiles it does not hold.
    for log in [LogName::Records, LogName::Audit] {
        let Some(checkpoint) = source.checkpoint(log).await? else {
            continue;
        };
        let lock = target.lock_log(log).await?;
        let copied = copy_log(source, target, &lock, checkpoint, &mut report).await;
        target.release(lock).await?;
        copied?;
    }
    Ok(report)
}

/// A log's tiles and entries, then its checkpoint, under the target's lock.
async fn copy_log(
    source: &Store,
    target: &Store,
    lock: &LogLock,
    checkpoint: Bytes,
    report: &mut Replication,
) -> Result<(), RegistryError> {
    let log = lock.log();
    // A target whose log is longer than the source's is not a copy of it: refuse
    // rather than rewrite its history. (That a shorter one is a prefix is what
    // `fehrist verify --since` proves on the copy.)
    let current = target.checkpoint(log).await?;
    if let Some(current) = &current {
        let (old_size, size) = (tree_size(current), tree_size(&checkpoint));
        if old_size > size {
            return Err(RegistryError::Inconsistent { old_size, size });
        }
    }
    for path in source.list_log_objects(log).await? {
        let bytes = source.get_log_object(log, &path).await?;
        match target.get_log_object(log, &path).await {
            Ok(existing) if existing == bytes => report.present += 1,
            // A public tile never changes: one that differs is another history,
            // refused by the create-only publish.
            Ok(_) | Err(StoreError::Missing { .. }) if path.starts_with("tile/") => {
                let size = bytes.len();
                target.publish_log_object(lock, &path, bytes).await?;
                report.count(Written::New, size);
            }
            Ok(_) | Err(StoreError::Missing { .. }) => {
                let size = bytes.len();
                target.put_log_object(lock, &path, bytes).await?;
                report.count(Written::New, size);
            }
            Err(e) => return Err(e.into()),
        }
    }
    if current.as_ref() != Some(&checkpoint) {
        target
            .swap_checkpoint(lock, current.as_ref(), checkpoint)
            .await?;
        report.checkpoints += 1;
    }
    Ok(())
}

/// The tree size a C2SP checkpoint states (its second line); 0 if unreadable.
fn tree_size(checkpoint: &[u8]) -> u64 {
    std::str::from_utf8(checkpoint)
        .ok()
        .and_then(|text| text.lines().nth(1)?.trim().parse().ok())
        .unwrap_or(0)
}
