//! A log's objects: its checkpoint (swapped under the log's lock), its public tiles
//! (create-only), staged tiles, pending marks and leaf-index notes.

use bytes::Bytes;
use fehrist_model::RecordId;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutMode, PutOptions, PutPayload};

use crate::lock::LogLocker as _;
use crate::{CONCURRENCY, LogLock, Store, StoreError, Written, backend};

/// The store's two transparency logs, of the same C2SP kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogName {
    /// Registered records, under `log/`.
    Records,
    /// Audit events, under `audit/`.
    Audit,
}

impl LogName {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Records => "log",
            Self::Audit => "audit",
        }
    }
}

impl Store {
    fn checkpoint_path(log: LogName) -> Path {
        Path::from(format!("{}/checkpoint", log.prefix()))
    }

    /// A log's signed checkpoint, if the log has one.
    pub async fn checkpoint(&self, log: LogName) -> Result<Option<Bytes>, StoreError> {
        match self.read(&Self::checkpoint_path(log)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Replaces the checkpoint if it still is `expected`: the compare-and-swap that
    /// commits an append. The lock proves no other sequencer is between read and write.
    pub async fn swap_checkpoint(
        &self,
        lock: &LogLock,
        expected: Option<&Bytes>,
        new: Bytes,
    ) -> Result<(), StoreError> {
        let path = Self::checkpoint_path(lock.log);
        let conflict = || StoreError::Conflict {
            path: path.to_string(),
        };
        if self.locker.excludes_every_writer() {
            // Local and in-memory stores: the lock alone excludes other writers.
            if self.checkpoint(lock.log).await?.as_ref() != expected {
                return Err(conflict());
            }
            self.inner
                .put(&path, PutPayload::from(new))
                .await
                .map_err(|e| backend(&path, e))?;
            return Ok(());
        }
        // Shared buckets: a compare-and-swap on the object's ETag as well, in case a
        // lease was taken over from a holder that was only slow.
        let mode = match self.inner.get(&path).await {
            Ok(current) => {
                let meta = current.meta.clone();
                let bytes = current.bytes().await.map_err(|e| backend(&path, e))?;
                if Some(&bytes) != expected {
                    return Err(conflict());
                }
                PutMode::Update(object_store::UpdateVersion {
                    e_tag: meta.e_tag,
                    version: meta.version,
                })
            }
            Err(object_store::Error::NotFound { .. }) if expected.is_none() => PutMode::Create,
            Err(object_store::Error::NotFound { .. }) => return Err(conflict()),
            Err(e) => return Err(backend(&path, e)),
        };
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self
            .inner
            .put_opts(&path, PutPayload::from(new), options)
            .await
        {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(conflict()),
            Err(e) => Err(backend(&path, e)),
        }
    }

    /// Writes an object of the locked log (path relative to its prefix): a staged tile
    /// (`staged/<size>/tile/…`, not public) or the sequencer's own bookkeeping. This
    /// overwrites; only the lock holder calls it. Public tiles go through
    /// [`Store::publish_log_object`].
    pub async fn put_log_object(
        &self,
        lock: &LogLock,
        path: &str,
        bytes: Bytes,
    ) -> Result<(), StoreError> {
        let path = Path::from(format!("{}/{path}", lock.log.prefix()));
        self.inner
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| backend(&path, e))?;
        Ok(())
    }

    /// Publishes a final tile or entry bundle at its public path, create-only: a public
    /// tile never changes (C2SP tlog-tiles; clients and caches keep them forever).
    /// The same bytes already there are fine; other bytes are a conflict.
    pub async fn publish_log_object(
        &self,
        lock: &LogLock,
        path: &str,
        bytes: Bytes,
    ) -> Result<Written, StoreError> {
        let at = Path::from(format!("{}/{path}", lock.log.prefix()));
        match self.create(&at, bytes.clone()).await? {
            Written::New => Ok(Written::New),
            Written::AlreadyThere if self.read(&at).await? == bytes => Ok(Written::AlreadyThere),
            Written::AlreadyThere => Err(StoreError::Conflict {
                path: at.to_string(),
            }),
        }
    }

    /// Deletes an object of the locked log (a staged tile once published or
    /// abandoned); one already gone is fine.
    pub async fn delete_log_object(&self, lock: &LogLock, path: &str) -> Result<(), StoreError> {
        let at = Path::from(format!("{}/{path}", lock.log.prefix()));
        match self.inner.delete(&at).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(&at, e)),
        }
    }

    /// A log's staged tiles (`staged/<size>/tile/…`), as paths relative to its prefix.
    pub async fn list_staged(&self, log: LogName) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{}/", log.prefix());
        let mut paths: Vec<String> = self
            .list_under(&format!("{}/staged", log.prefix()))
            .await?
            .into_iter()
            .filter_map(|meta| Some(meta.location.as_ref().strip_prefix(&prefix)?.to_owned()))
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// A log's tiles, entry bundles and the sequencer's own bookkeeping, as paths
    /// relative to its prefix (`tile/0/000`, …): everything but its checkpoint, lease,
    /// pending marks and staged tiles, which have their own calls.
    pub async fn list_log_objects(&self, log: LogName) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{}/", log.prefix());
        let mut paths: Vec<String> = self
            .list_under(log.prefix())
            .await?
            .into_iter()
            .filter_map(|meta| {
                let path = meta.location.as_ref().strip_prefix(&prefix)?.to_owned();
                let own = path == "checkpoint"
                    || path == "lock"
                    || path.starts_with("pending/")
                    || path.starts_with("staged/");
                (!own).then_some(path)
            })
            .collect();
        paths.sort();
        Ok(paths)
    }

    pub async fn get_log_object(&self, log: LogName, path: &str) -> Result<Bytes, StoreError> {
        self.read(&Path::from(format!("{}/{path}", log.prefix())))
            .await
    }

    fn pending_path(id: &RecordId) -> Path {
        Path::from(format!("log/pending/{id}"))
    }

    /// Marks a signed record as waiting for the log, with its log entry.
    pub async fn put_pending(&self, id: &RecordId, entry: Bytes) -> Result<(), StoreError> {
        self.create(&Self::pending_path(id), entry).await.map(drop)
    }

    /// Records waiting for the log, with their entries, in id order.
    pub async fn list_pending(&self) -> Result<Vec<(RecordId, Bytes)>, StoreError> {
        let metas = self.list_under("log/pending").await?;
        let ids: Vec<(RecordId, Path)> = metas
            .into_iter()
            .filter_map(|meta| {
                let id = meta.location.filename()?.parse::<RecordId>().ok()?;
                Some((id, meta.location))
            })
            .collect();
        let mut pending: Vec<(RecordId, Bytes)> = futures::stream::iter(ids)
            .map(|(id, path)| async move { Ok::<_, StoreError>((id, self.read(&path).await?)) })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        pending.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(pending)
    }

    /// Whether a record is marked as waiting for the log.
    pub async fn is_pending(&self, id: &RecordId) -> Result<bool, StoreError> {
        self.exists(&Self::pending_path(id)).await
    }

    /// Removes pending marks; durable when it returns, with one directory sync for the
    /// whole batch rather than one per mark.
    pub async fn remove_pending(&self, ids: &[RecordId]) -> Result<(), StoreError> {
        futures::stream::iter(ids)
            .map(|id| async move {
                let path = Self::pending_path(id);
                match self.fast.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(backend(&path, e)),
                }
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        if let Some(folder) = &self.folder {
            let dir = folder.join("log/pending");
            let synced = std::fs::File::open(&dir).and_then(|d| d.sync_all());
            match synced {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StoreError::Backend {
                        path: dir.display().to_string(),
                        source: Box::new(e),
                    });
                }
            }
        }
        Ok(())
    }

    fn leaf_path(id: &RecordId) -> Path {
        Path::from(format!("records/{id}/leaf"))
    }

    /// Notes the leaf index a record was sequenced at. This is a cache, written without
    /// waiting for durability: the log's own entries say where each manifest is, and a
    /// lost note is found there again.
    pub async fn put_leaf_index(&self, id: &RecordId, index: u64) -> Result<(), StoreError> {
        let path = Self::leaf_path(id);
        let payload = PutPayload::from(Bytes::from(format!("{index}\n")));
        self.fast
            .put(&path, payload)
            .await
            .map_err(|e| backend(&path, e))?;
        Ok(())
    }

    /// The leaf index of a sequenced record; `None` while it is pending.
    pub async fn leaf_index(&self, id: &RecordId) -> Result<Option<u64>, StoreError> {
        let path = Self::leaf_path(id);
        match self.read(&path).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes)
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Conflict {
                    path: path.to_string(),
                }),
            Err(StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
