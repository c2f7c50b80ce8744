//! One sequencer per log at a time: a lock type per backend, behind [`LogLocker`].

use std::path::PathBuf;
use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{LogName, Store, StoreError, backend};

/// How long an object lease holds without its holder letting go. A sequencing pass
/// takes well under a second per thousand records.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(120);

/// How long a claim to a lease waits for concurrent claims to land before reading back
/// which one stands: well above a PUT's latency on a server in the same data centre.
pub const LEASE_SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// How one kind of backend keeps each log to one sequencer at a time.
///
/// Contract:
/// - [`LogLocker::acquire`] returns only when no other holder has the log's lock, in
///   this process or in any other the backend is shared with; the lock stays held
///   until [`LogLocker::release`] or until the returned guard is dropped (a process
///   that dies lets go: its file lock closes, its lease expires after [`LEASE`]).
/// - [`LogLocker::release`] returns once another `acquire` can succeed at once.
/// - [`LogLocker::excludes_every_writer`] says whether holding the lock is proof that
///   no one else writes the log's checkpoint. When it is not (a lease can be taken over
///   from a holder that was only slow), the checkpoint swap also compares the object's
///   ETag, and create-only writes ask first whether the object exists.
/// - Nothing is written to the store's objects but, for a lease, the lease itself.
pub(crate) trait LogLocker {
    async fn acquire(&self, log: LogName) -> Result<Held, StoreError>;
    async fn release(&self, held: &mut Held) -> Result<(), StoreError>;
    fn excludes_every_writer(&self) -> bool;
}

/// The lock of a store's backend.
#[derive(Debug, Clone)]
pub(crate) enum Locker {
    File(FileLock),
    Memory(MemoryLock),
    Lease(LeaseLock),
}

impl LogLocker for Locker {
    async fn acquire(&self, log: LogName) -> Result<Held, StoreError> {
        match self {
            Locker::File(lock) => lock.acquire(log).await,
            Locker::Memory(lock) => lock.acquire(log).await,
            Locker::Lease(lock) => lock.acquire(log).await,
        }
    }

    async fn release(&self, held: &mut Held) -> Result<(), StoreError> {
        match self {
            Locker::File(lock) => lock.release(held).await,
            Locker::Memory(lock) => lock.release(held).await,
            Locker::Lease(lock) => lock.release(held).await,
        }
    }

    fn excludes_every_writer(&self) -> bool {
        match self {
            Locker::File(lock) => lock.excludes_every_writer(),
            Locker::Memory(lock) => lock.excludes_every_writer(),
            Locker::Lease(lock) => lock.excludes_every_writer(),
        }
    }
}

/// Held while a sequencer appends to a log; that log's checkpoint and tiles can only
/// be written through it. Dropping it releases the lock.
#[derive(Debug)]
pub struct LogLock {
    pub(crate) log: LogName,
    pub(crate) held: Held,
}

impl LogLock {
    /// The log this lock is for.
    pub fn log(&self) -> LogName {
        self.log
    }
}

/// What keeps the lock taken until it is dropped.
#[derive(Debug)]
pub(crate) enum Held {
    File { _locked: std::fs::File },
    Memory { _guard: OwnedMutexGuard<()> },
    Lease(Lease),
}

/// A local store: an exclusive lock on `<folder>/<log>.lock` beside the objects, which
/// excludes other processes on the machine too.
#[derive(Debug, Clone)]
pub(crate) struct FileLock {
    pub(crate) folder: PathBuf,
}

impl LogLocker for FileLock {
    async fn acquire(&self, log: LogName) -> Result<Held, StoreError> {
        let path = &self.folder.join(format!("{}.lock", log.prefix()));
        let lock_error = |source: std::io::Error| StoreError::Backend {
            path: path.display().to_string(),
            source: Box::new(source),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(lock_error)?;
        // Polled rather than blocking, so a holder in this same process (on this same
        // thread, even) can finish and let go.
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Held::File { _locked: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(lock_error(e)),
            }
        }
    }

    /// The file lock goes with the guard.
    async fn release(&self, _held: &mut Held) -> Result<(), StoreError> {
        Ok(())
    }

    fn excludes_every_writer(&self) -> bool {
        true
    }
}

/// An in-memory store: one mutex per log.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryLock {
    logs: Arc<[Arc<Mutex<()>>; 2]>,
}

impl LogLocker for MemoryLock {
    async fn acquire(&self, log: LogName) -> Result<Held, StoreError> {
        Ok(Held::Memory {
            _guard: Arc::clone(&self.logs[log as usize]).lock_owned().await,
        })
    }

    /// The mutex goes with the guard.
    async fn release(&self, _held: &mut Held) -> Result<(), StoreError> {
        Ok(())
    }

    fn excludes_every_writer(&self) -> bool {
        true
    }
}

/// A bucket shared by machines: a lease object per log (`log/lock`) holding a time and
/// a random token, claimed by writing it and confirmed by reading it back after
/// [`LEASE_SETTLE`]. A lease older than [`LEASE`] was left by a holder that died and
/// is claimed over.
#[derive(Debug, Clone)]
pub(crate) struct LeaseLock {
    pub(crate) store: Arc<dyn ObjectStore>,
}

/// A held lease object; dropping it deletes the object (in the background, on the
/// runtime the lock was taken on), so the next holder need not wait for it to expire.
#[derive(Debug)]
pub(crate) struct Lease {
    store: Arc<dyn ObjectStore>,
    path: Path,
    /// Deleted by [`LogLocker::release`]; otherwise deleted in the background on drop,
    /// which a process that exits at once may not finish (the lease then expires).
    released: bool,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let (store, path) = (Arc::clone(&self.store), self.path.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = store.delete(&path).await;
            });
        }
    }
}

impl LeaseLock {
    /// A lease's time and holder token, if there is a lease.
    async fn holder(&self, path: &Path) -> Result<Option<(u64, String)>, StoreError> {
        match self.store.get(path).await {
            Ok(found) => {
                let bytes = found.bytes().await.map_err(|e| backend(path, e))?;
                let text = String::from_utf8_lossy(&bytes);
                let (since, holder) = text.trim().split_once(' ').unwrap_or(("0", ""));
                Ok(Some((since.parse().unwrap_or(0), holder.to_owned())))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(path, e)),
        }
    }
}

impl LogLocker for LeaseLock {
    async fn acquire(&self, log: LogName) -> Result<Held, StoreError> {
        let path = Path::from(format!("{}/lock", log.prefix()));
        let mut token = [0u8; 16];
        getrandom::fill(&mut token).map_err(|e| StoreError::Backend {
            path: path.to_string(),
            source: Box::new(std::io::Error::other(e.to_string())),
        })?;
        let token = hex::encode(token);
        loop {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            // Held by someone else, and not yet expired: wait.
            if let Some((since, holder)) = self.holder(&path).await?
                && holder != token
                && now.saturating_sub(since) <= LEASE.as_secs()
            {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
            // Write our claim, let concurrent claims land, and read back whose stands:
            // the last write wins, and every contender reads the same winner. This does
            // not rely on If-None-Match, which some servers (Garage 2.5) ignore.
            self.store
                .put(
                    &path,
                    PutPayload::from(format!("{now} {token}").into_bytes()),
                )
                .await
                .map_err(|e| backend(&path, e))?;
            tokio::time::sleep(LEASE_SETTLE).await;
            if self
                .holder(&path)
                .await?
                .is_some_and(|(_, holder)| holder == token)
            {
                return Ok(Held::Lease(Lease {
                    store: Arc::clone(&self.store),
                    path,
                    released: false,
                }));
            }
        }
    }

    /// Deletes the lease object before returning.
    async fn release(&self, held: &mut Held) -> Result<(), StoreError> {
        if let Held::Lease(lease) = held {
            lease.released = true;
            match lease.store.delete(&lease.path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(&lease.path, e)),
            }
        }
        Ok(())
    }

    fn excludes_every_writer(&self) -> bool {
        false
    }
}

impl Store {
    /// Takes a log's lock, waiting for another sequencer to finish.
    pub async fn lock_log(&self, log: LogName) -> Result<LogLock, StoreError> {
        Ok(LogLock {
            log,
            held: self.locker.acquire(log).await?,
        })
    }

    /// Lets go of a log lock, waiting until others can take it (a lease object is
    /// deleted before this returns).
    pub async fn release(&self, mut lock: LogLock) -> Result<(), StoreError> {
        self.locker.release(&mut lock.held).await
    }
}
