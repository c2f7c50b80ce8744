//! Records and what they name: blobs, manifests and signatures (create-only), keys,
//! tokens and quarantine entries.

use bytes::Bytes;
use fehrist_model::{Digest, KeyId, RecordId};
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path;

use crate::{CONCURRENCY, Store, StoreError, Written, backend};

impl Store {
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
}
