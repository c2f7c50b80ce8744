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
//! The checkpoint changes only by compare-and-swap under the log lock ([`LogLock`]).
//! Each backend has its own lock type behind one trait whose contract is written on it
//! (`lock.rs`): `object_store`'s local filesystem cannot do a conditional overwrite, so
//! the local store holds an exclusive file lock, the in-memory store a mutex, and a
//! shared bucket a lease object. The code is split by concern: `records.rs` (blobs,
//! manifests, keys, tokens, quarantine), `log.rs` (checkpoints, tiles, pending marks,
//! leaf indexes), `lock.rs`.
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

use bytes::Bytes;
use futures::TryStreamExt as _;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};

mod lock;
mod log;
mod records;

use lock::{FileLock, LeaseLock, Locker, LogLocker as _, MemoryLock};
pub use lock::{LEASE, LEASE_SETTLE, LogLock};
pub use log::LogName;

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

impl StoreError {
    /// The error as one line a person can act on: an S3 endpoint that cannot be
    /// reached, credentials that are missing or refused, a missing bucket; otherwise
    /// the error and its first cause, without the SDK's retries and repetitions.
    pub fn brief(&self) -> String {
        let mut chain = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        let endpoint =
            std::env::var("AWS_ENDPOINT").unwrap_or_else(|_| "the default AWS endpoint".to_owned());
        if chain.contains("169.254.169.254") || chain.contains("credential") {
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_owned()
        } else if chain.contains("Connection refused")
            || chain.contains("dns error")
            || chain.contains("tcp connect error")
            || chain.contains("timed out")
        {
            format!("cannot reach the S3 endpoint {endpoint} (AWS_ENDPOINT)")
        } else if chain.contains("NoSuchBucket") {
            "no such bucket on the S3 server".to_owned()
        } else if chain.contains("403")
            || chain.contains("AccessDenied")
            || chain.contains("InvalidAccessKeyId")
            || chain.contains("SignatureDoesNotMatch")
        {
            "the S3 server refused the credentials (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions)".to_owned()
        } else {
            let first = chain.split(" - ").next().unwrap_or(&chain);
            first.chars().take(300).collect()
        }
    }
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
    locker: Locker,
    /// The folder of a local store, whose directories are synced after deletions.
    folder: Option<PathBuf>,
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
            locker: Locker::File(FileLock {
                folder: folder.clone(),
            }),
            folder: Some(folder),
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
            locker: Locker::Lease(LeaseLock {
                store: Arc::clone(&inner),
            }),
            inner,
            url: url.to_owned(),
            folder: None,
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
            locker: Locker::Memory(MemoryLock::default()),
            folder: None,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
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
        if !self.locker.excludes_every_writer() && self.exists(path).await? {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(cause: &str) -> StoreError {
        StoreError::Backend {
            path: "keys".to_owned(),
            source: Box::new(std::io::Error::other(format!(
                "Error performing GET in 2.3s, after 10 retries - HTTP error: {cause}"
            ))),
        }
    }

    #[test]
    fn s3_failures_are_one_line_a_person_can_act_on() {
        let refused = failed("tcp connect error: Connection refused (os error 111)").brief();
        assert!(
            refused.starts_with("cannot reach the S3 endpoint"),
            "{refused}"
        );
        let anonymous = failed("PUT http://169.254.169.254/latest/api/token: 403").brief();
        assert!(anonymous.starts_with("no S3 credentials"), "{anonymous}");
        let denied = failed("Server returned non-2xx status code: 403 Forbidden").brief();
        assert!(denied.contains("refused the credentials"), "{denied}");
        let other = failed("something else entirely").brief();
        assert!(!other.contains("retries - HTTP"), "{other}");
        assert!(other.contains("store operation on keys failed"), "{other}");
    }
}
