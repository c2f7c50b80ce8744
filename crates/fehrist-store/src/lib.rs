//! Where records live: the object-store layout of one archive, over `object_store`.
//!
//! ```text
//! blobs/sha256/ab/cd/abcd…            masters, OCR text, word boxes (write-once)
//! records/<record-id>/manifest.json   canonical manifest bytes (write-once)
//! records/<record-id>/manifest.sig    its signature, written last: the record's commit
//! keys/<key-id>                       a signing key's public verifier key
//! ```
//!
//! [`Store`] is the only type that knows `object_store`. Every write is create-only:
//! a blob or manifest that exists is never replaced, so a retried or resumed ingest
//! cannot duplicate or harm what is stored. The store does not hash or sign; callers
//! name blobs by the digest they computed (`fehrist-seal`), and verification re-reads
//! and re-hashes.
//!
//! The embedded default is a local folder (`file://./var/store`); `memory://` serves
//! tests. S3-compatible clusters come through the same type without changing callers.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use fehrist_model::{Digest, KeyId, RecordId};
use futures::TryStreamExt as _;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store URL {url:?}: scheme not supported (use file://PATH or memory://)")]
    UnsupportedScheme { url: String },
    #[error("cannot open the store at {url:?}")]
    Open {
        url: String,
        #[source]
        source: BoxError,
    },
    #[error("{path} is missing from the store")]
    Missing { path: String },
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

/// One archive's object store.
///
/// Contract: a write returns after the backend reports it durable; all writes are
/// create-only and idempotent (writing the same bytes again is `AlreadyThere`);
/// reads of missing objects are [`StoreError::Missing`].
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    url: String,
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
    /// Opens a store by URL: `file://PATH` (relative or absolute; created if missing),
    /// a bare path, or `memory://`.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        if url == "memory://" {
            return Ok(Self::in_memory());
        }
        let folder = match url.split_once("://") {
            Some(("file", path)) => PathBuf::from(path),
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
        std::fs::create_dir_all(&folder).map_err(|e| open_error(Box::new(e)))?;
        let local =
            LocalFileSystem::new_with_prefix(&folder).map_err(|e| open_error(Box::new(e)))?;
        Ok(Store {
            inner: Arc::new(local),
            url: url.to_owned(),
        })
    }

    pub fn in_memory() -> Self {
        Store {
            inner: Arc::new(InMemory::new()),
            url: "memory://".to_owned(),
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
        let prefix = Path::from("blobs/sha256");
        let metas: Vec<_> = self
            .inner
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| backend(&prefix, e))?;
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

    /// A published public key, in signed-note verifier form.
    pub async fn get_key(&self, id: &KeyId) -> Result<String, StoreError> {
        let bytes = self.read(&Self::key_path(id)).await?;
        Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
    }
}
