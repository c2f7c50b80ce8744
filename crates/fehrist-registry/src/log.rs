//! Sequencing registered records into the transparency log, and proving things from it.
//!
//! Append order (as in sunlight): stage tiles beyond the current checkpoint, swap the
//! checkpoint (the commit), then write each record's leaf index, drop its pending mark,
//! and move the `sequenced` watermark to the new size. A crash before the swap leaves tiles no checkpoint covers, rewritten by the
//! next append; a crash after it is reconciled from the log's own entries, so no leaf
//! is lost or appended twice.

use bytes::Bytes;
use fehrist_model::{KeyId, RecordId};
use fehrist_seal::evidence::{EVIDENCE_FORMAT, EvidenceBundle, LogInclusion, encode_hash};
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
                        let data = self.store.get_log_object(log, &tile.path()).await?;
                        hashes.add_tile(tile, data.to_vec())?;
                    }
                }
            }
        }
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

    /// Appends entries to the locked log: tiles beyond the checkpoint first, then the
    /// checkpoint swap that commits them.
    pub(crate) async fn append_entries(
        &self,
        lock: &LogLock,
        current: Option<&Bytes>,
        size: u64,
        entries: &[Vec<u8>],
        origin: &str,
        key: &StationKey,
    ) -> Result<Append, RegistryError> {
        let mut hashes = TreeHashes::new(size);
        let append = self
            .resolve(lock.log(), &mut hashes, |h| h.append(entries))
            .await?;
        for (path, data) in &append.tiles {
            self.store
                .put_log_object(lock, path, Bytes::copy_from_slice(data))
                .await?;
        }
        let note = sign_checkpoint(origin, append.size, &append.root, key)?;
        self.store
            .swap_checkpoint(lock, current, Bytes::from(note))
            .await?;
        Ok(append)
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
