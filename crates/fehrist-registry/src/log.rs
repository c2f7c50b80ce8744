//! Sequencing registered records into the transparency log, and proving things from it.
//!
//! Append order (as in sunlight): stage the new tiles under `staged/<new size>/`, out
//! of the public `tile/` paths; swap the checkpoint (the commit); publish the staged
//! tiles at their public paths, create-only, and drop them; then write each record's
//! leaf index, drop its pending mark, and move the `sequenced` watermark to the new
//! size. A public tile therefore never changes: a crash before the swap leaves only
//! staged tiles no checkpoint covers (dropped by the next append), a crash after it
//! staged tiles of the current size (published by the next append, and read from
//! staging until then). Records appended by a pass that stopped after its swap are
//! reconciled from the log's own entries, so no leaf is lost or appended twice.

use bytes::Bytes;
use fehrist_model::{KeyId, RecordId};
use fehrist_seal::evidence::{
    EVIDENCE_FORMAT, EvidenceBundle, EvidenceReport, LogInclusion, encode_hash,
};
use fehrist_seal::log::{
    Append, EMPTY_ROOT, Need, TreeHashes, VerifiedCheckpoint, check_consistency, check_inclusion,
    checkpoint_signers, log_entry, open_checkpoint, sign_checkpoint,
};
use fehrist_seal::{SealError, StationKey, VerifierKey};
use fehrist_store::{LogLock, LogName, StoreError};
use futures::{StreamExt as _, TryStreamExt as _};

use crate::{Registry, RegistryError};

/// Where the sequencer notes how far leaf indexes have been written.
const SEQUENCED: &str = "sequenced";
/// Where an append's tiles wait, out of the public `tile/` paths, until its checkpoint
/// commits them.
const STAGED: &str = "staged";

/// What a sequencing pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequenced {
    /// Records appended now.
    pub appended: usize,
    /// Records an interrupted pass had appended, whose leaf indexes were written now.
    pub recovered: usize,
    /// The log's size afterwards.
    pub size: u64,
}

/// The log's current signed checkpoint.
#[derive(Debug, Clone)]
pub struct CurrentCheckpoint {
    pub note: Bytes,
    pub checkpoint: VerifiedCheckpoint,
    pub key: VerifierKey,
}

/// What a consistency check between an old checkpoint and the current one found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consistency {
    pub old_size: u64,
    pub size: u64,
}

impl Registry {
    pub(crate) async fn resolve<T>(
        &self,
        log: LogName,
        hashes: &mut TreeHashes,
        mut ask: impl FnMut(&mut TreeHashes) -> Result<Need<T>, SealError>,
    ) -> Result<T, RegistryError> {
        loop {
            match ask(hashes)? {
                Need::Done(value) => return Ok(value),
                Need::Tiles(tiles) => {
                    for tile in tiles {
                        let data = self.tile(log, hashes.size(), &tile.path()).await?;
                        hashes.add_tile(tile, data.to_vec())?;
                    }
                }
            }
        }
    }

    /// A tile of the log at `size` (its checkpoint's): at its public path, or still in
    /// staging when the pass that committed it stopped before publishing it.
    pub(crate) async fn tile(
        &self,
        log: LogName,
        size: u64,
        path: &str,
    ) -> Result<Bytes, RegistryError> {
        match self.store.get_log_object(log, path).await {
            Err(StoreError::Missing { .. }) => Ok(self
                .store
                .get_log_object(log, &format!("{STAGED}/{size}/{path}"))
                .await?),
            other => Ok(other?),
        }
    }

    /// A public log object (`tile/…`) as a client may fetch it, for the log's current
    /// checkpoint: `None` when there is none.
    pub async fn log_tile(&self, log: LogName, path: &str) -> Result<Option<Bytes>, RegistryError> {
        let Some(note) = self.store.checkpoint(log).await? else {
            return Ok(None);
        };
        let size = open_checkpoint(&note, &self.checkpoint_key(&note).await?)?.size;
        match self.tile(log, size, path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(RegistryError::Store(StoreError::Missing { .. })) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Publishes the staged tiles of the log's committed `size` and drops staged tiles
    /// of any other size (staged by a pass that stopped before its checkpoint swap).
    async fn settle_staged(&self, lock: &LogLock, size: u64) -> Result<(), RegistryError> {
        let committed = format!("{STAGED}/{size}/");
        for staged in self.store.list_staged(lock.log()).await? {
            if let Some(path) = staged.strip_prefix(&committed) {
                let bytes = self.store.get_log_object(lock.log(), &staged).await?;
                self.store.publish_log_object(lock, path, bytes).await?;
            }
            self.store.delete_log_object(lock, &staged).await?;
        }
        Ok(())
    }

    /// The public key of a checkpoint's signer: the registry's own when it holds it,
    /// else the one published under the key id (checked against trusted keys).
    pub(crate) async fn checkpoint_key(&self, note: &[u8]) -> Result<VerifierKey, RegistryError> {
        let signers = checkpoint_signers(note)?;
        let Some((_, id)) = signers.first() else {
            return Err(SealError::Log {
                what: "checkpoint has no signature",
            }
            .into());
        };
        if let Some(key) = self
            .log_key
            .as_ref()
            .map(|k| k.verifier())
            .filter(|k| k.id() == id)
        {
            return Ok(key);
        }
        let mut problems = Vec::new();
        match self.verifier(id, &mut problems).await? {
            Some(key) if problems.is_empty() => Ok(key),
            _ => Err(RegistryError::UntrustedKey { key_id: id.clone() }),
        }
    }

    /// The record log's current checkpoint, its signature checked; `None` while empty.
    pub async fn current_checkpoint(&self) -> Result<Option<CurrentCheckpoint>, RegistryError> {
        self.current_checkpoint_of(LogName::Records).await
    }

    pub(crate) async fn current_checkpoint_of(
        &self,
        log: LogName,
    ) -> Result<Option<CurrentCheckpoint>, RegistryError> {
        let Some(note) = self.store.checkpoint(log).await? else {
            return Ok(None);
        };
        let key = self.checkpoint_key(&note).await?;
        let checkpoint = open_checkpoint(&note, &key)?;
        Ok(Some(CurrentCheckpoint {
            note,
            checkpoint,
            key,
        }))
    }

    /// Appends every signed record not yet in the log, as one batch under one new
    /// checkpoint signed with the registry's log key.
    pub async fn sequence(&self) -> Result<Sequenced, RegistryError> {
        let key = self.log_key.as_ref().ok_or(RegistryError::NoLogKey)?;
        let lock = self.store.lock_log(LogName::Records).await?;
        let sequenced = self.sequence_under(&lock, key).await;
        self.store.release(lock).await?;
        sequenced
    }

    async fn sequence_under(
        &self,
        lock: &LogLock,
        key: &StationKey,
    ) -> Result<Sequenced, RegistryError> {
        let origin = key.name().to_owned();
        let current = self.store.checkpoint(LogName::Records).await?;
        let mut size = match &current {
            Some(note) => {
                // Opened with the key that signed it, which after a rotation is an
                // earlier registry key.
                let checkpoint = open_checkpoint(note, &self.checkpoint_key(note).await?)?;
                if checkpoint.origin != origin {
                    return Err(SealError::Log {
                        what: "the stored checkpoint is of another log",
                    }
                    .into());
                }
                checkpoint.size
            }
            None => 0,
        };
        let pending = self.store.list_pending().await?;
        let sequenced = match self.store.get_log_object(LogName::Records, SEQUENCED).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).trim().parse().unwrap_or(0),
            Err(StoreError::Missing { .. }) => 0,
            Err(e) => return Err(e.into()),
        };
        // Entries appended by a pass that stopped before writing their leaf indexes.
        let mut tail = std::collections::HashMap::new();
        if sequenced < size && !pending.is_empty() {
            let mut hashes = TreeHashes::new(size);
            for index in sequenced..size {
                let entry = self
                    .resolve(LogName::Records, &mut hashes, |h| Ok(h.entry(index)))
                    .await?;
                tail.insert(entry, index);
            }
        }
        let mut recovered = Vec::new();
        let mut waiting = Vec::new();
        // Only committed records (their signature stored) are appended.
        let committed: Vec<bool> = futures::stream::iter(&pending)
            .map(|(id, _)| self.store.has_record(id))
            .buffered(fehrist_store::CONCURRENCY)
            .try_collect()
            .await?;
        for ((id, entry), committed) in pending.into_iter().zip(committed) {
            if !committed {
                continue;
            }
            // Pending marks go before the watermark moves, so with the watermark at the
            // log's size no pending record has a leaf yet and there is nothing to look up.
            let index = if sequenced < size {
                match self.store.leaf_index(&id).await? {
                    Some(index) if index < size => Some(index),
                    _ => tail.get(entry.as_ref()).copied(),
                }
            } else {
                None
            };
            match index {
                Some(index) => {
                    self.store.put_leaf_index(&id, index).await?;
                    recovered.push(id);
                }
                None => waiting.push((id, entry.to_vec())),
            }
        }
        if !waiting.is_empty() {
            let entries: Vec<Vec<u8>> = waiting.iter().map(|(_, entry)| entry.clone()).collect();
            let append = self
                .append_entries(lock, current.as_ref(), size, &entries, &origin, key)
                .await?;
            futures::stream::iter(waiting.iter().enumerate())
                .map(|(offset, (id, _))| {
                    self.store
                        .put_leaf_index(id, append.first_index + offset as u64)
                })
                .buffer_unordered(fehrist_store::CONCURRENCY)
                .try_collect::<Vec<()>>()
                .await?;
            size = append.size;
        }
        let done: Vec<RecordId> = recovered
            .iter()
            .cloned()
            .chain(waiting.iter().map(|(id, _)| id.clone()))
            .collect();
        self.store.remove_pending(&done).await?;
        self.store
            .put_log_object(lock, SEQUENCED, Bytes::from(format!("{size}\n")))
            .await?;
        Ok(Sequenced {
            appended: waiting.len(),
            recovered: recovered.len(),
            size,
        })
    }

    /// Appends entries to the locked log: tiles beyond the checkpoint staged first, then
    /// the checkpoint swap that commits them, then the tiles published.
    pub(crate) async fn append_entries(
        &self,
        lock: &LogLock,
        current: Option<&Bytes>,
        size: u64,
        entries: &[Vec<u8>],
        origin: &str,
        key: &StationKey,
    ) -> Result<Append, RegistryError> {
        self.settle_staged(lock, size).await?;
        let mut hashes = TreeHashes::new(size);
        let append = self
            .resolve(lock.log(), &mut hashes, |h| h.append(entries))
            .await?;
        self.stage(lock, &append).await?;
        let note = sign_checkpoint(origin, append.size, &append.root, key)?;
        self.store
            .swap_checkpoint(lock, current, Bytes::from(note))
            .await?;
        self.settle_staged(lock, append.size).await?;
        Ok(append)
    }

    /// Writes an append's tiles to staging, where no client reads them.
    async fn stage(&self, lock: &LogLock, append: &Append) -> Result<(), RegistryError> {
        for (path, data) in &append.tiles {
            let staged = format!("{STAGED}/{}/{path}", append.size);
            self.store
                .put_log_object(lock, &staged, Bytes::copy_from_slice(data))
                .await?;
        }
        Ok(())
    }

    /// Where a record's manifest is in the log; `None` while it waits for the log. The
    /// leaf-index note is a cache: when a crash lost it, the log's entries are searched
    /// for the manifest's digest and the note is written again.
    pub(crate) async fn leaf_of(
        &self,
        id: &RecordId,
        manifest: &[u8],
    ) -> Result<Option<u64>, RegistryError> {
        if let Some(index) = self.store.leaf_index(id).await? {
            return Ok(Some(index));
        }
        if self.store.is_pending(id).await? {
            return Ok(None);
        }
        let Some(current) = self.current_checkpoint().await? else {
            return Ok(None);
        };
        let wanted = log_entry(manifest);
        let mut hashes = TreeHashes::new(current.checkpoint.size);
        for index in 0..current.checkpoint.size {
            let entry = self
                .resolve(LogName::Records, &mut hashes, |h| Ok(h.entry(index)))
                .await?;
            if entry == wanted {
                self.store.put_leaf_index(id, index).await?;
                return Ok(Some(index));
            }
        }
        Ok(None)
    }

    /// An evidence bundle for a sequenced record, against the current checkpoint.
    pub async fn evidence(&self, id: &RecordId) -> Result<EvidenceBundle, RegistryError> {
        let record = self.load(id).await?;
        let manifest = self.store.get_manifest(id).await?;
        let index = self
            .leaf_of(id, &manifest)
            .await?
            .ok_or_else(|| RegistryError::NotSequenced { id: id.clone() })?;
        let current = self
            .current_checkpoint()
            .await?
            .ok_or_else(|| RegistryError::NotSequenced { id: id.clone() })?;
        let mut hashes = TreeHashes::new(current.checkpoint.size);
        let proof = self
            .resolve(LogName::Records, &mut hashes, |h| h.inclusion_proof(index))
            .await?;
        let station_key = self.published_key(&record.signature.key_id).await?;
        Ok(EvidenceBundle {
            format: EVIDENCE_FORMAT.to_owned(),
            manifest: String::from_utf8(manifest.to_vec())
                .map_err(|_| RegistryError::NotFound { id: id.clone() })?,
            signature: record.signature,
            station_key: station_key.to_string(),
            log: LogInclusion {
                origin: current.checkpoint.origin.clone(),
                leaf_index: index,
                tree_size: current.checkpoint.size,
                inclusion_proof: proof.iter().map(encode_hash).collect(),
                checkpoint: String::from_utf8_lossy(&current.note).into_owned(),
                log_key: current.key.to_string(),
            },
        })
    }

    /// Checks an evidence bundle as an auditor does offline, trusting the keys this
    /// registry publishes: a bundle signed by any other key does not verify here.
    /// The answer's error is why it does not (the bundle's own fault, not the
    /// registry's).
    pub async fn verify_evidence(
        &self,
        bundle: &EvidenceBundle,
    ) -> Result<Result<EvidenceReport, String>, RegistryError> {
        let mut trusted = Vec::new();
        for (text, what) in [
            (&bundle.station_key, "station key"),
            (&bundle.log.log_key, "log key"),
        ] {
            let key: VerifierKey = match text.parse() {
                Ok(key) => key,
                Err(error) => return Ok(Err(format!("its {what} cannot be read: {error}"))),
            };
            match self.published_key(key.id()).await {
                Ok(published) if published == key => trusted.push(key),
                Ok(_) | Err(RegistryError::UntrustedKey { .. }) => {
                    return Ok(Err(format!(
                        "its {what} {} is not one this registry publishes",
                        key.id()
                    )));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(bundle
            .verify(None, &trusted)
            .map_err(|error| error.to_string()))
    }

    async fn published_key(&self, id: &KeyId) -> Result<VerifierKey, RegistryError> {
        let mut problems = Vec::new();
        match self.verifier(id, &mut problems).await? {
            Some(key) if problems.is_empty() => Ok(key),
            _ => Err(RegistryError::UntrustedKey { key_id: id.clone() }),
        }
    }

    /// Proves the current log extends an older checkpoint: history was only appended.
    pub async fn prove_consistency(&self, old_note: &[u8]) -> Result<Consistency, RegistryError> {
        let old_key = self.checkpoint_key(old_note).await?;
        let old = open_checkpoint(old_note, &old_key)?;
        let current = self
            .current_checkpoint()
            .await?
            .ok_or(RegistryError::Inconsistent {
                old_size: old.size,
                size: 0,
            })?;
        let new = current.checkpoint;
        if old.origin != new.origin || old.size > new.size {
            return Err(RegistryError::Inconsistent {
                old_size: old.size,
                size: new.size,
            });
        }
        let proof = if old.size == 0 || old.size == new.size {
            Vec::new()
        } else {
            let mut hashes = TreeHashes::new(new.size);
            self.resolve(LogName::Records, &mut hashes, |h| {
                h.consistency_proof(old.size)
            })
            .await?
        };
        let old_root = if old.size == 0 { EMPTY_ROOT } else { old.root };
        check_consistency(&proof, new.size, &new.root, old.size, &old_root).map_err(|_| {
            RegistryError::Inconsistent {
                old_size: old.size,
                size: new.size,
            }
        })?;
        Ok(Consistency {
            old_size: old.size,
            size: new.size,
        })
    }

    /// Checks a sequenced record's leaf against the current checkpoint, through the
    /// stored tiles. `Ok(None)` while the record waits for the log.
    pub(crate) async fn check_in_log(
        &self,
        id: &RecordId,
        manifest: &[u8],
    ) -> Result<Option<(u64, u64)>, String> {
        let index = match self.leaf_of(id, manifest).await {
            Ok(Some(index)) => index,
            Ok(None) => return Ok(None),
            Err(e) => return Err(crate::error_chain(&e)),
        };
        let current = match self.current_checkpoint().await {
            Ok(Some(current)) => current,
            Ok(None) => return Err("log/checkpoint is missing".to_owned()),
            Err(e) => return Err(format!("log/checkpoint: {}", crate::error_chain(&e))),
        };
        let size = current.checkpoint.size;
        if index >= size {
            return Err(format!(
                "leaf {index} is beyond the checkpoint's size {size}"
            ));
        }
        let mut hashes = TreeHashes::new(size);
        let proof = self
            .resolve(LogName::Records, &mut hashes, |h| h.inclusion_proof(index))
            .await
            .map_err(|e| format!("log tiles: {}", crate::error_chain(&e)))?;
        check_inclusion(&proof, size, &current.checkpoint.root, index, &log_entry(manifest))
            .map_err(|_| format!("leaf {index} does not lead to the signed checkpoint: a log tile or the manifest was altered"))?;
        Ok(Some((index, size)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use fehrist_index::SearchIndex;
    use fehrist_model::{AUDIT_EVENT_VERSION, AuditEvent, AuditOutcome};
    use fehrist_store::Store;

    use super::*;

    fn event(n: usize) -> AuditEvent {
        AuditEvent {
            event_version: AUDIT_EVENT_VERSION,
            time: "2026-12-02T10:00:00Z".to_owned(),
            actor: format!("reader-{n}"),
            agency: "MoJ".to_owned(),
            role: "reader".to_owned(),
            action: "search".to_owned(),
            target: "алимент".to_owned(),
            outcome: AuditOutcome::Success,
            client: "cli@host".to_owned(),
            count: None,
        }
    }

    async fn public_tiles(registry: &Registry) -> BTreeMap<String, Bytes> {
        let mut tiles = BTreeMap::new();
        for path in registry
            .store
            .list_log_objects(LogName::Audit)
            .await
            .unwrap()
        {
            if path.starts_with("tile/") {
                let bytes = registry.store.get_log_object(LogName::Audit, &path).await;
                tiles.insert(path, bytes.unwrap());
            }
        }
        tiles
    }

    /// A pass that stops after staging its tiles (before or after its checkpoint swap)
    /// leaves every public tile byte for byte as a client may have fetched it.
    #[tokio::test]
    async fn a_crash_between_staging_and_swap_changes_no_public_tile() {
        let mut registry = Registry::new(Store::in_memory(), SearchIndex::in_memory().unwrap());
        let log_key = || StationKey::from_seed("host/fehrist-log", [7; 32]).unwrap();
        let key = log_key();
        registry.set_log_key(log_key());
        let origin = format!("{}/audit", key.name());
        let events: Vec<AuditEvent> = (0..3).map(event).collect();
        registry.record_events(&events).await.unwrap();
        let published = public_tiles(&registry).await;
        assert!(!published.is_empty());

        // Stage a pass of five entries, then stop before the swap.
        let entries: Vec<Vec<u8>> = (10..15).map(|n| format!("lost {n}").into_bytes()).collect();
        let lock = registry.store.lock_log(LogName::Audit).await.unwrap();
        let mut hashes = TreeHashes::new(3);
        let append = registry
            .resolve(LogName::Audit, &mut hashes, |h| h.append(&entries))
            .await
            .unwrap();
        registry.stage(&lock, &append).await.unwrap();
        registry.store.release(lock).await.unwrap();
        assert_eq!(public_tiles(&registry).await, published);
        assert!(
            registry
                .log_tile(LogName::Audit, "tile/entries/000.p/8")
                .await
                .unwrap()
                .is_none(),
            "an uncommitted tile is served"
        );

        // The next pass drops what was staged and appends other entries: every tile
        // public before is unchanged, the trail is whole.
        registry.record_events(&[event(3), event(4)]).await.unwrap();
        let after = public_tiles(&registry).await;
        for (path, bytes) in &published {
            assert_eq!(after.get(path), Some(bytes), "{path} changed");
        }
        assert!(
            registry
                .store
                .list_staged(LogName::Audit)
                .await
                .unwrap()
                .is_empty()
        );
        let trail = registry.audit_trail().await.unwrap();
        assert_eq!(
            (trail.events.len(), trail.problems.len()),
            (5, 0),
            "{:?}",
            trail.problems
        );

        // Stop after the swap, before publishing: the new tiles are served from
        // staging, and the next pass publishes them.
        let lock = registry.store.lock_log(LogName::Audit).await.unwrap();
        let current = registry.store.checkpoint(LogName::Audit).await.unwrap();
        let mut hashes = TreeHashes::new(5);
        let one = vec![canonical(&event(5))];
        let append = registry
            .resolve(LogName::Audit, &mut hashes, |h| h.append(&one))
            .await
            .unwrap();
        registry.stage(&lock, &append).await.unwrap();
        let note = sign_checkpoint(&origin, append.size, &append.root, &key).unwrap();
        registry
            .store
            .swap_checkpoint(&lock, current.as_ref(), Bytes::from(note))
            .await
            .unwrap();
        registry.store.release(lock).await.unwrap();
        let trail = registry.audit_trail().await.unwrap();
        assert_eq!(
            (trail.events.len(), trail.problems.len()),
            (6, 0),
            "{:?}",
            trail.problems
        );
        let served = registry
            .log_tile(LogName::Audit, "tile/entries/000.p/6")
            .await
            .unwrap();
        assert!(served.is_some());
        registry.record_events(&[event(6)]).await.unwrap();
        assert_eq!(
            registry
                .store
                .get_log_object(LogName::Audit, "tile/entries/000.p/6")
                .await
                .ok(),
            served
        );
        let final_tiles = public_tiles(&registry).await;
        for (path, bytes) in &after {
            assert_eq!(final_tiles.get(path), Some(bytes), "{path} changed");
        }
        assert_eq!(registry.audit_trail().await.unwrap().events.len(), 7);
    }

    fn canonical(event: &AuditEvent) -> Vec<u8> {
        fehrist_seal::canonical_json("audit event", event).unwrap()
    }
}
