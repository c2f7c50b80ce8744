//! Where records live: the object-store layout of one archive, over `object_store`.
//!
//! ```text
//! blobs/sha256/ab/cd/abcd…            masters, OCR text, word boxes, ALTO (write-once)
//! records/<record-id>/manifest.json   canonical manifest bytes (write-once)
//! records/<record-id>/manifest.sig    its signature, written last: the record's commit
//! keys/<key-id>                       a signing key's public verifier key
//! log/checkpoint                      the log's signed checkpoint: the one mutable object
//! log/tile/…                          C2SP tlog-tiles hash tiles and entry bundles (create-only)
//! log/staged/<size>/tile/…            an append's tiles until its checkpoint commits them
//! log/pending/<record-id>             a signed record waiting to be sequenced
//! audit/checkpoint, audit/tile/…      the audit log: one entry per user action
//! records/<record-id>/leaf            its leaf index once sequenced (a cache)
//! ```
//!
//! The checkpoint changes only by compare-and-swap under the log lock ([`LogLock`]):
//! `object_store`'s local filesystem cannot do a conditional overwrite, so the local
//! store holds an exclusive file lock instead, and the in-memory store a mutex.
//!
//! [`Store`] is the only type that knows `object_store`. Every record write is
//! create-only: a blob or manifest that exists is never replaced, so a retried or
//! resumed ingest cannot duplicate or harm what is stored. The log's staging (tiles
//! beyond the checkpoint, pending marks, leaf-index notes) is the sequencer's own, under
//! its lock. Writes are durable when they return (the local store fsyncs), except the
//! leaf-index notes, a cache the log's entries can rebuild. The store does not hash or sign; callers
//! name blobs by the digest they computed (`fehrist-seal`), and verification re-reads
//! and re-hashes.
//!
//! The embedded default is a local folder (`file://./var/store`); `memory://` serves
//! tests. S3-compatible clusters come through the same type without changing callers.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use bytes::Bytes;
use fehrist_model::{Digest, KeyId, RecordId};
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many small object operations a batch keeps in flight.
pub const CONCURRENCY: usize = 32;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(
        "store URL {url:?}: scheme not supported (use file://PATH, s3://BUCKET/PREFIX or memory://)"
    )]
    UnsupportedScheme { url: String },
    #[error("cannot open the store at {url:?}")]
    Open {
        url: String,
        #[source]
        source: BoxError,
    },
    #[error("{path} is missing from the store")]
    Missing { path: String },
    #[error("the store folder of {url:?} does not exist")]
    NoFolder { url: String },
    #[error("store operation on {path} failed")]
    Backend {
        path: String,
        #[source]
        source: BoxError,
    },
    #[error("{path} exists with other content than the one being written")]
    Conflict { path: String },
}

/// Whether a create-only write stored something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    New,
    AlreadyThere,
}

/// What a backend does with conditional writes ([`Store::check_conditional_writes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionalWrites {
    /// A create-only write (`If-None-Match: *`) over an existing object is refused.
    pub create_only: bool,
    /// An overwrite whose `If-Match` ETag is not the object's is refused.
    pub refuses_stale_update: bool,
    /// An overwrite whose `If-Match` ETag is the object's goes through.
    pub takes_current_update: bool,
}

impl ConditionalWrites {
    pub fn all(&self) -> bool {
        self.create_only && self.refuses_stale_update && self.takes_current_update
    }
}

/// One archive's object store.
///
/// Contract: a write returns after the backend reports it durable; all writes are
/// create-only and idempotent (writing the same bytes again is `AlreadyThere`);
/// reads of missing objects are [`StoreError::Missing`].
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// The same objects without waiting for durability: for caches that can be rebuilt
    /// (leaf indexes) and deletions made durable together ([`Store::remove_pending`]).
    fast: Arc<dyn ObjectStore>,
    url: String,
    lock: LockKind,
}

#[derive(Debug, Clone)]
enum LockKind {
    /// Lock files in this folder, beside the objects: excludes other processes too.
    File(PathBuf),
    /// One mutex per log.
    Memory(Arc<[Arc<Mutex<()>>; 2]>),
    /// A lease object per log (`log/lock`) holding a time and a random token: claimed
    /// by writing it, confirmed by reading it back after [`LEASE_SETTLE`]; excludes
    /// other machines sharing the bucket. A lease older than [`LEASE`] was left by a
    /// holder that died and is claimed over.
    Object,
}

/// How long an object lease holds without its holder letting go. A sequencing pass
/// takes well under a second per thousand records.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(120);

/// How long a claim to a lease waits for concurrent claims to land before reading back
/// which one stands: well above a PUT's latency on a server in the same data centre.
pub const LEASE_SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

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

/// Held while a sequencer appends to a log; that log's checkpoint and tiles can only
/// be written through it. Dropping it releases the lock.
#[derive(Debug)]
pub struct LogLock {
    log: LogName,
    _held: Held,
}

impl LogLock {
    /// The log this lock is for.
    pub fn log(&self) -> LogName {
        self.log
    }
}

/// What keeps the lock taken until it is dropped.
#[derive(Debug)]
enum Held {
    File { _locked: std::fs::File },
    Memory { _guard: OwnedMutexGuard<()> },
    Object { _lease: Lease },
}

/// A held lease object; dropping it deletes the object (in the background, on the
/// runtime the lock was taken on), so the next holder need not wait for it to expire.
#[derive(Debug)]
struct Lease {
    store: Arc<dyn ObjectStore>,
    path: Path,
    /// Deleted by [`Store::release`]; otherwise deleted in the background on drop, which
    /// a process that exits at once may not finish (the lease then expires).
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

fn backend(path: &Path, source: object_store::Error) -> StoreError {
    match source {
        object_store::Error::NotFound { .. } => StoreError::Missing {
            path: path.to_string(),
        },
        other => StoreError::Backend {
            path: path.to_string(),
            source: Box::new(other),
        },
    }
}

impl Store {
    /// Opens an existing store by URL: `file://PATH` (relative or absolute), a bare
    /// path, `s3://BUCKET/PREFIX` or `memory://`. A local folder that does not exist
    /// is [`StoreError::NoFolder`]; nothing is created.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_as(url, false)
    }

    /// Opens a store by URL as [`Store::open`] does, making a local folder if missing.
    pub fn open_or_create(url: &str) -> Result<Self, StoreError> {
        Self::open_as(url, true)
    }

    fn open_as(url: &str, create: bool) -> Result<Self, StoreError> {
        if url == "memory://" {
            return Ok(Self::in_memory());
        }
        let folder = match url.split_once("://") {
            Some(("file", path)) => PathBuf::from(path),
            Some(("s3", rest)) => return Self::open_s3(url, rest),
            Some(_) => {
                return Err(StoreError::UnsupportedScheme {
                    url: url.to_owned(),
                });
            }
            None => PathBuf::from(url),
        };
        let open_error = |source: BoxError| StoreError::Open {
            url: url.to_owned(),
            source,
        };
        if create {
            std::fs::create_dir_all(&folder).map_err(|e| open_error(Box::new(e)))?;
        } else if !folder.is_dir() {
            return Err(StoreError::NoFolder {
                url: url.to_owned(),
            });
        }
        // object_store does not fsync local writes by default; a registry must not lose
        // a write it reported done (the log's checkpoint relies on tiles written before).
        let local = LocalFileSystem::new_with_prefix(&folder)
            .map_err(|e| open_error(Box::new(e)))?
            .with_fsync(true);
        let fast =
            LocalFileSystem::new_with_prefix(&folder).map_err(|e| open_error(Box::new(e)))?;
        Ok(Store {
            inner: Arc::new(local),
            fast: Arc::new(fast),
            url: url.to_owned(),
            lock: LockKind::File(folder),
        })
    }

    /// `s3://BUCKET/PREFIX`: endpoint, region, credentials and plain HTTP come from the
    /// `AWS_*` environment variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`). Writes are durable when
    /// the server acknowledges them; create-only writes and the checkpoint swap use
    /// `If-None-Match` / `If-Match`, which the server must honour
    /// ([`Store::check_conditional_writes`]).
    fn open_s3(url: &str, rest: &str) -> Result<Self, StoreError> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let open_error = |source: BoxError| StoreError::Open {
            url: url.to_owned(),
            source,
        };
        if bucket.is_empty() {
            return Err(open_error("no bucket named (s3://BUCKET/PREFIX)".into()));
        }
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
            .build()
            .map_err(|e| open_error(Box::new(e)))?;
        let inner: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
            "" => Arc::new(s3),
            prefix => Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)),
        };
        Ok(Store {
            fast: Arc::clone(&inner),
            inner,
            url: url.to_owned(),
            lock: LockKind::Object,
        })
    }

    /// Whether the backend refuses a create-only write over an existing object and an
    /// overwrite whose `If-Match` ETag is stale, as the store's contract needs (checked
    /// on a scratch object, `probe/<random>`, deleted afterwards).
    pub async fn check_conditional_writes(&self) -> Result<ConditionalWrites, StoreError> {
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).map_err(|e| StoreError::Backend {
            path: "probe".to_owned(),
            source: Box::new(std::io::Error::other(e.to_string())),
        })?;
        let path = Path::from(format!("probe/{}", hex::encode(name)));
        let create = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        let first = self
            .inner
            .put_opts(&path, PutPayload::from_static(b"1"), create.clone())
            .await
            .map_err(|e| backend(&path, e))?;
        let refused_create = matches!(
            self.inner
                .put_opts(&path, PutPayload::from_static(b"2"), create)
                .await,
            Err(object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. })
        );
        let stale = PutOptions {
            mode: PutMode::Update(object_store::UpdateVersion {
                e_tag: Some("\"0123456789abcdef0123456789abcdef\"".to_owned()),
                version: None,
            }),
            ..PutOptions::default()
        };
        let refused_stale = matches!(
            self.inner
                .put_opts(&path, PutPayload::from_static(b"3"), stale)
                .await,
            Err(object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. })
        );
        let current = PutOptions {
            mode: PutMode::Update(object_store::UpdateVersion {
                e_tag: first.e_tag,
                version: first.version,
            }),
            ..PutOptions::default()
        };
        let kept_current = self
            .inner
            .put_opts(&path, PutPayload::from_static(b"4"), current)
            .await
            .is_ok();
        let _ = self.inner.delete(&path).await;
        Ok(ConditionalWrites {
            create_only: refused_create,
            refuses_stale_update: refused_stale,
            takes_current_update: kept_current,
        })
    }

    pub fn in_memory() -> Self {
        let memory: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        Store {
            inner: Arc::clone(&memory),
            fast: memory,
            url: "memory://".to_owned(),
            lock: LockKind::Memory(Arc::new([
                Arc::new(Mutex::new(())),
                Arc::new(Mutex::new(())),
            ])),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn blob_path(digest: &Digest) -> Path {
        let hex = digest.as_str();
        Path::from(format!("blobs/sha256/{}/{}/{hex}", &hex[..2], &hex[2..4]))
    }

    fn manifest_path(id: &RecordId) -> Path {
        Path::from(format!("records/{id}/manifest.json"))
    }

    fn signature_path(id: &RecordId) -> Path {
        Path::from(format!("records/{id}/manifest.sig"))
    }

    fn key_path(id: &KeyId) -> Path {
        Path::from(format!("keys/{id}"))
    }

    /// Where an object lives, for messages that name it.
    pub fn describe_manifest(id: &RecordId) -> String {
        Self::manifest_path(id).to_string()
    }

    pub fn describe_blob(digest: &Digest) -> String {
        Self::blob_path(digest).to_string()
    }

    async fn exists(&self, path: &Path) -> Result<bool, StoreError> {
        match self.inner.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend(path, e)),
        }
    }

    async fn read(&self, path: &Path) -> Result<Bytes, StoreError> {
        let result = self.inner.get(path).await.map_err(|e| backend(path, e))?;
        result.bytes().await.map_err(|e| backend(path, e))
    }

    /// Create-only write; an existing object is left as it is.
    async fn create(&self, path: &Path, bytes: Bytes) -> Result<Written, StoreError> {
        // Shared buckets: asked first, since some servers (Garage 2.5) ignore the
        // If-None-Match the write below sends. Two writers racing past the question
        // write the same bytes for blobs (named by their hash) and keys; for a
        // manifest the signature, written after it from what was read back, decides.
        if matches!(self.lock, LockKind::Object) && self.exists(path).await? {
            return Ok(Written::AlreadyThere);
        }
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .inner
            .put_opts(path, PutPayload::from(bytes), options)
            .await
        {
            Ok(_) => Ok(Written::New),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(Written::AlreadyThere),
            Err(e) => Err(backend(path, e)),
        }
    }

    /// Every object under a prefix.
    async fn list_under(&self, prefix: &str) -> Result<Vec<object_store::ObjectMeta>, StoreError> {
        let prefix = Path::from(prefix);
        self.inner
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| backend(&prefix, e))
    }

    /// Stores a blob under the digest the caller computed for it.
    pub async fn put_blob(&self, digest: &Digest, bytes: Bytes) -> Result<Written, StoreError> {
        let path = Self::blob_path(digest);
        // A head is far cheaper than re-sending a master that is already there.
        if self.exists(&path).await? {
            return Ok(Written::AlreadyThere);
        }
        self.create(&path, bytes).await
    }

    pub async fn get_blob(&self, digest: &Digest) -> Result<Bytes, StoreError> {
        self.read(&Self::blob_path(digest)).await
    }

    /// Stores a manifest's canonical bytes. If a manifest is already stored under the
    /// id (a crashed or concurrent ingest of the same scans), it is kept and returned:
    /// that is the one to sign and index.
    pub async fn put_manifest(
        &self,
        id: &RecordId,
        bytes: Bytes,
    ) -> Result<(Written, Bytes), StoreError> {
        let path = Self::manifest_path(id);
        match self.create(&path, bytes.clone()).await? {
            Written::New => Ok((Written::New, bytes)),
            Written::AlreadyThere => Ok((Written::AlreadyThere, self.read(&path).await?)),
        }
    }

    /// Stores a manifest's signature: the last write of a record, which commits it.
    pub async fn put_signature(&self, id: &RecordId, bytes: Bytes) -> Result<Written, StoreError> {
        self.create(&Self::signature_path(id), bytes).await
    }

    /// A record is registered once its signature is stored.
    pub async fn has_record(&self, id: &RecordId) -> Result<bool, StoreError> {
        self.exists(&Self::signature_path(id)).await
    }

    pub async fn get_manifest(&self, id: &RecordId) -> Result<Bytes, StoreError> {
        self.read(&Self::manifest_path(id)).await
    }

    pub async fn get_signature(&self, id: &RecordId) -> Result<Bytes, StoreError> {
        self.read(&Self::signature_path(id)).await
    }

    /// Every registered record, in id order. Folders without a valid record id
    /// are not records and are left out.
    pub async fn list_records(&self) -> Result<Vec<RecordId>, StoreError> {
        let prefix = Path::from("records");
        let listing = self
            .inner
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(|e| backend(&prefix, e))?;
        let mut ids: Vec<RecordId> = listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().and_then(|name| name.parse().ok()))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Every blob digest in the store.
    pub async fn list_blobs(&self) -> Result<Vec<Digest>, StoreError> {
        let metas = self.list_under("blobs/sha256").await?;
        Ok(metas
            .iter()
            .filter_map(|m| m.location.filename().and_then(|name| name.parse().ok()))
            .collect())
    }

    /// Publishes a public key (its signed-note verifier form) under its key id.
    pub async fn put_key(&self, id: &KeyId, verifier: &str) -> Result<(), StoreError> {
        let path = Self::key_path(id);
        let line = Bytes::from(format!("{verifier}\n"));
        if self.create(&path, line.clone()).await? == Written::AlreadyThere
            && self.read(&path).await? != line
        {
            return Err(StoreError::Conflict {
                path: path.to_string(),
            });
        }
        Ok(())
    }

    /// Every published public key, in signed-note verifier form, by key id.
    pub async fn list_keys(&self) -> Result<Vec<(KeyId, String)>, StoreError> {
        let metas = self.list_under("keys").await?;
        let mut keys = Vec::with_capacity(metas.len());
        for meta in metas {
            if let Some(id) = meta
                .location
                .filename()
                .and_then(|name| name.parse::<KeyId>().ok())
            {
                let text = self.get_key(&id).await?;
                keys.push((id, text));
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// A published public key, in signed-note verifier form.
    pub async fn get_key(&self, id: &KeyId) -> Result<String, StoreError> {
        let bytes = self.read(&Self::key_path(id)).await?;
        Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
    }

    /// Takes a log's lock, waiting for another sequencer to finish.
    pub async fn lock_log(&self, log: LogName) -> Result<LogLock, StoreError> {
        match &self.lock {
            LockKind::Memory(mutexes) => Ok(LogLock {
                log,
                _held: Held::Memory {
                    _guard: Arc::clone(&mutexes[log as usize]).lock_owned().await,
                },
            }),
            LockKind::File(folder) => {
                let path = &folder.join(format!("{}.lock", log.prefix()));
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
                // Polled rather than blocking, so a holder in this same process (on
                // this same thread, even) can finish and let go.
                loop {
                    match file.try_lock() {
                        Ok(()) => break,
                        Err(std::fs::TryLockError::WouldBlock) => {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                        Err(std::fs::TryLockError::Error(e)) => return Err(lock_error(e)),
                    }
                }
                Ok(LogLock {
                    log,
                    _held: Held::File { _locked: file },
                })
            }
            LockKind::Object => self.take_lease(log).await,
        }
    }

    /// Lets go of a log lock, waiting until others can take it (a lease object is
    /// deleted before this returns).
    pub async fn release(&self, mut lock: LogLock) -> Result<(), StoreError> {
        if let Held::Object { _lease: lease } = &mut lock._held {
            lease.released = true;
            match lease.store.delete(&lease.path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(&lease.path, e)),
            }
        }
        Ok(())
    }

    /// Takes a log's lease object, waiting while another holder's lease is fresh.
    async fn take_lease(&self, log: LogName) -> Result<LogLock, StoreError> {
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
            if let Some((since, holder)) = self.lease_holder(&path).await?
                && holder != token
                && now.saturating_sub(since) <= LEASE.as_secs()
            {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
            // Write our claim, let concurrent claims land, and read back whose stands:
            // the last write wins, and every contender reads the same winner. This does
            // not rely on If-None-Match, which some servers (Garage 2.5) ignore.
            self.inner
                .put(
                    &path,
                    PutPayload::from(format!("{now} {token}").into_bytes()),
                )
                .await
                .map_err(|e| backend(&path, e))?;
            tokio::time::sleep(LEASE_SETTLE).await;
            if self
                .lease_holder(&path)
                .await?
                .is_some_and(|(_, holder)| holder == token)
            {
                break;
            }
        }
        Ok(LogLock {
            log,
            _held: Held::Object {
                _lease: Lease {
                    store: Arc::clone(&self.inner),
                    path,
                    released: false,
                },
            },
        })
    }

    /// A lease's time and holder token, if there is a lease.
    async fn lease_holder(&self, path: &Path) -> Result<Option<(u64, String)>, StoreError> {
        match self.read(path).await {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let (since, holder) = text.trim().split_once(' ').unwrap_or(("0", ""));
                Ok(Some((since.parse().unwrap_or(0), holder.to_owned())))
            }
            Err(StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

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
        if !matches!(self.lock, LockKind::Object) {
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

    /// Stores an API token's record (never the token itself); create-only.
    pub async fn put_token(&self, id: &str, record: Bytes) -> Result<Written, StoreError> {
        self.create(&Path::from(format!("tokens/{id}.json")), record)
            .await
    }

    /// A token's record, if there is one.
    pub async fn get_token(&self, id: &str) -> Result<Option<Bytes>, StoreError> {
        match self.read(&Path::from(format!("tokens/{id}.json"))).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every token record's bytes.
    pub async fn list_tokens(&self) -> Result<Vec<Bytes>, StoreError> {
        let metas = self.list_under("tokens").await?;
        let mut records = Vec::new();
        for meta in metas
            .iter()
            .filter(|m| m.location.as_ref().ends_with(".json"))
        {
            records.push(self.read(&meta.location).await?);
        }
        Ok(records)
    }

    /// Marks a token revoked (a second object, since nothing stored is rewritten).
    pub async fn revoke_token(&self, id: &str, note: Bytes) -> Result<Written, StoreError> {
        self.create(&Path::from(format!("tokens/{id}.revoked")), note)
            .await
    }

    pub async fn is_token_revoked(&self, id: &str) -> Result<bool, StoreError> {
        self.exists(&Path::from(format!("tokens/{id}.revoked")))
            .await
    }

    /// Stores a quarantine entry (canonical JSON) under the digest that names it;
    /// create-only, so the same problem met again is `AlreadyThere`.
    pub async fn put_quarantine(&self, id: &Digest, entry: Bytes) -> Result<Written, StoreError> {
        self.create(&Path::from(format!("quarantine/{id}.json")), entry)
            .await
    }

    /// Every quarantine entry's bytes, in name order.
    pub async fn list_quarantine(&self) -> Result<Vec<Bytes>, StoreError> {
        let mut metas = self.list_under("quarantine").await?;
        metas.sort_by(|a, b| a.location.cmp(&b.location));
        futures::stream::iter(metas)
            .map(|meta| async move { self.read(&meta.location).await })
            .buffered(CONCURRENCY)
            .try_collect()
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
        if let LockKind::File(folder) = &self.lock {
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
