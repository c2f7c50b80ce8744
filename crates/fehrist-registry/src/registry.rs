use std::fmt;

use bytes::Bytes;
use fehrist_index::{
    Hit, PageDoc, RecordFacts, RedactedPage, SearchIndex, SearchRequest, SearchResults,
};
use fehrist_model::{
    Amount, Digest, FieldValue, KeyId, Manifest, ManifestSignature, Page, PageWords, PersonalData,
    QuarantineEntry, REDACTED, RecordId, RefCode, SheetText, Word, redact_text, redact_words,
};
use fehrist_seal::log::log_entry;
use fehrist_seal::{
    SealedManifest, StationKey, VerifierKey, canonical_json, sha256, sign_manifest_bytes,
    verify_manifest,
};
use fehrist_store::{Store, StoreError, Written};

use crate::RegistryError;
use fehrist_model::field_names as names;

/// A record ready to be sealed: its manifest, every blob the manifest references
/// (digest and bytes), and each page's OCR text in page order for the index.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub manifest: Manifest,
    pub blobs: Vec<(Digest, Bytes)>,
    pub texts: Vec<String>,
}

/// What [`Registry::register`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    New,
    /// The record id was already registered; nothing was written.
    AlreadyRegistered,
}

/// A registered record read back from the store.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub manifest: Manifest,
    pub signature: ManifestSignature,
}

/// Something verification found wrong, naming the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing {
        path: String,
    },
    Altered {
        path: String,
        what: String,
        actual: Digest,
    },
    Unreadable {
        path: String,
        reason: String,
    },
    Signature {
        path: String,
        reason: String,
    },
    UnknownKey {
        key_id: KeyId,
    },
    KeyMismatch {
        key_id: KeyId,
    },
    /// The record's place in the transparency log does not check out.
    Log {
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { path } => write!(f, "{path}: missing"),
            Self::Altered { path, what, actual } => {
                write!(f, "{path} ({what}): altered, its SHA-256 is now {actual}")
            }
            Self::Unreadable { path, reason } => write!(f, "{path}: unreadable: {reason}"),
            Self::Signature { path, reason } => write!(f, "{path}: {reason}"),
            Self::UnknownKey { key_id } => {
                write!(f, "signing key {key_id} is not published in keys/")
            }
            Self::Log { reason } => write!(f, "transparency log: {reason}"),
            Self::KeyMismatch { key_id } => write!(
                f,
                "keys/{key_id} differs from this station's own key {key_id}: the published key was replaced"
            ),
        }
    }
}

/// The result of checking one record.
#[derive(Debug, Clone)]
pub struct RecordCheck {
    pub id: RecordId,
    /// From the manifest, when it could be read.
    pub ref_code: Option<RefCode>,
    pub signature: Option<ManifestSignature>,
    /// Stored objects that were read and checked (manifest, signature, blobs).
    pub objects_checked: usize,
    /// Leaf index and the checkpoint's tree size, once the record is in the log.
    pub log: Option<(u64, u64)>,
    pub problems: Vec<Problem>,
}

impl RecordCheck {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The result of checking a file against the registry.
#[derive(Debug, Clone)]
pub struct FileCheck {
    pub digest: Digest,
    /// Each record holding the file as a master, with the sheets it is.
    pub matches: Vec<(RecordCheck, Vec<u32>)>,
}

/// The registry over one store and its search index.
#[derive(Debug)]
pub struct Registry {
    pub(crate) store: Store,
    index: SearchIndex,
    trusted: Vec<VerifierKey>,
    /// The registry's key, which signs log checkpoints; its name is the log's origin.
    pub(crate) log_key: Option<StationKey>,
    /// Manifests already read for [`Registry::manifests`]: a record id names its
    /// manifest's content, so a manifest once read stays what it was.
    manifests_read: std::sync::Mutex<std::collections::HashMap<RecordId, Manifest>>,
}

impl Registry {
    pub fn new(store: Store, index: SearchIndex) -> Self {
        Registry {
            store,
            index,
            trusted: Vec::new(),
            log_key: None,
            manifests_read: Default::default(),
        }
    }

    /// Makes this registry the log's sequencer, signing checkpoints with `key`.
    pub fn set_log_key(&mut self, key: StationKey) {
        self.trusted.push(key.verifier());
        self.log_key = Some(key);
    }

    /// Trusts a public key held locally: a key of the same id read from the store
    /// must equal it.
    pub fn trust(&mut self, key: VerifierKey) {
        self.trusted.push(key);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Publishes a signing key's public half in the store's `keys/`.
    pub async fn publish_key(&self, key: &StationKey) -> Result<(), RegistryError> {
        Ok(self
            .store
            .put_key(key.id(), &key.verifier().to_string())
            .await?)
    }

    pub async fn is_registered(&self, id: &RecordId) -> Result<bool, RegistryError> {
        Ok(self.store.has_record(id).await?)
    }

    /// Stores a record's blobs, then its manifest, then its signature (the commit),
    /// then indexes it. Safe to repeat after a crash at any point: blobs and the
    /// manifest are create-only, and a manifest stored by an interrupted run is the
    /// one signed and indexed. The index is made durable by [`Registry::commit_index`].
    pub async fn register(
        &self,
        key: &StationKey,
        record: NewRecord,
    ) -> Result<Registered, RegistryError> {
        let id = record.manifest.record_id.clone();
        if self.store.has_record(&id).await? {
            self.ensure_indexed(&id).await?;
            return Ok(Registered::AlreadyRegistered);
        }
        let words: Vec<Vec<Word>> = record
            .manifest
            .pages
            .iter()
            .map(|page| {
                let bytes = record.blobs.iter().find(|(d, _)| *d == page.words.sha256);
                parsed_words(bytes.map(|(_, bytes)| bytes.as_ref()))
            })
            .collect();
        for (digest, bytes) in record.blobs {
            self.store.put_blob(&digest, bytes).await?;
        }
        let sealed = SealedManifest::seal(&record.manifest, key)?;
        let ours = Bytes::from(sealed.bytes);
        let (_, stored) = self.store.put_manifest(&id, ours.clone()).await?;
        let signature = if stored == ours {
            sealed.signature
        } else {
            sign_manifest_bytes(&stored, key)
        };
        let signature = serde_json::to_vec(&signature).expect("a signature serializes");
        // Marked for the log before the commit, so no committed record is missed by
        // the sequencer; it skips marks whose record has no signature yet.
        self.store
            .put_pending(&id, Bytes::copy_from_slice(&log_entry(&stored)))
            .await?;
        if self
            .store
            .put_signature(&id, Bytes::from(signature))
            .await?
            == Written::AlreadyThere
        {
            self.ensure_indexed(&id).await?;
            return Ok(Registered::AlreadyRegistered);
        }
        if stored == ours {
            self.index
                .replace_record(&id, &page_docs(&record.manifest, record.texts, words, true))?;
        } else {
            self.index_from_store(&id, true).await?;
        }
        // The version it replaces leaves searches, totals and facets.
        if let Some(previous) = &record.manifest.previous
            && self.store.has_record(previous).await?
        {
            self.index_from_store(previous, false).await?;
        }
        Ok(Registered::New)
    }

    /// Makes index writes durable and visible.
    pub fn commit_index(&self) -> Result<(), RegistryError> {
        Ok(self.index.commit()?)
    }

    /// Indexes a registered record if the index lacks it; true if it had to.
    pub async fn ensure_indexed(&self, id: &RecordId) -> Result<bool, RegistryError> {
        if self.index.contains_record(id)? {
            return Ok(false);
        }
        let current = !self.index.is_replaced(id)?;
        self.index_from_store(id, current).await?;
        Ok(true)
    }

    /// Indexes a registered record's pages as the current version of its file, or as
    /// one a later version replaced.
    async fn index_from_store(&self, id: &RecordId, current: bool) -> Result<(), RegistryError> {
        let record = self.load(id).await?;
        let texts = self.page_texts(&record.manifest).await?;
        let words = self.page_words(&record.manifest).await?;
        self.index
            .replace_record(id, &page_docs(&record.manifest, texts, words, current))?;
        Ok(())
    }

    /// Rebuilds the index entries of every registered record from the store. A record
    /// that cannot be read back (a damaged manifest or a missing text blob) is left out
    /// and returned with the reason; the others are indexed all the same.
    pub async fn reindex(&self) -> Result<(usize, Vec<(RecordId, RegistryError)>), RegistryError> {
        let mut indexed = 0;
        let mut failed = Vec::new();
        // Which versions later ones replaced, from every manifest that can be read.
        let mut replaced = std::collections::HashSet::new();
        for id in self.store.list_records().await? {
            if let Ok(record) = self.load(&id).await
                && let Some(previous) = record.manifest.previous
            {
                replaced.insert(previous);
            }
        }
        for id in self.store.list_records().await? {
            if !self.store.has_record(&id).await? {
                continue;
            }
            match self.index_from_store(&id, !replaced.contains(&id)).await {
                Ok(()) => indexed += 1,
                Err(e @ (RegistryError::Store(_) | RegistryError::ManifestFormat { .. })) => {
                    failed.push((id, e))
                }
                Err(other) => return Err(other),
            }
        }
        self.commit_index()?;
        Ok((indexed, failed))
    }

    /// Reads a registered record's manifest and signature (without verifying them;
    /// see [`Registry::verify_record`]).
    pub async fn load(&self, id: &RecordId) -> Result<StoredRecord, RegistryError> {
        let not_found = |e| match e {
            StoreError::Missing { .. } => RegistryError::NotFound { id: id.clone() },
            other => RegistryError::Store(other),
        };
        let bytes = self.store.get_manifest(id).await.map_err(not_found)?;
        let signature = self.store.get_signature(id).await.map_err(not_found)?;
        let format_error = |source| RegistryError::ManifestFormat {
            id: id.clone(),
            path: Store::describe_manifest(id),
            source,
        };
        Ok(StoredRecord {
            manifest: serde_json::from_slice(&bytes).map_err(format_error)?,
            signature: serde_json::from_slice(&signature).map_err(format_error)?,
        })
    }

    /// Keeps a quarantine entry; an entry for the same input and reason is kept once.
    pub async fn quarantine(&self, entry: &QuarantineEntry) -> Result<Written, RegistryError> {
        let bytes = canonical_json("quarantine entry", entry)?;
        Ok(self
            .store
            .put_quarantine(&quarantine_id(entry), Bytes::from(bytes))
            .await?)
    }

    /// Every quarantine entry, oldest first; unreadable ones are skipped.
    pub async fn quarantined(&self) -> Result<Vec<QuarantineEntry>, RegistryError> {
        let mut entries: Vec<QuarantineEntry> = self
            .store
            .list_quarantine()
            .await?
            .iter()
            .filter_map(|bytes| serde_json::from_slice(bytes).ok())
            .collect();
        entries.sort_by(|a, b| a.at.cmp(&b.at).then(a.path.cmp(&b.path)));
        Ok(entries)
    }

    /// The OCR text of every page, in page order.
    pub async fn page_texts(&self, manifest: &Manifest) -> Result<Vec<String>, RegistryError> {
        let mut texts = Vec::with_capacity(manifest.pages.len());
        for page in &manifest.pages {
            let bytes = self.store.get_blob(&page.text.sha256).await?;
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(texts)
    }

    /// Each page's recognized words, in reading order (none for a page whose words
    /// were not kept, a PDF's own text layer).
    pub async fn page_words(&self, manifest: &Manifest) -> Result<Vec<Vec<Word>>, RegistryError> {
        let mut words = Vec::with_capacity(manifest.pages.len());
        for page in &manifest.pages {
            let bytes = self.store.get_blob(&page.words.sha256).await?;
            words.push(parsed_words(Some(&bytes)));
        }
        Ok(words)
    }

    /// The records registered under a file's reference code, newest first.
    pub async fn records_with_ref_code(
        &self,
        code: &RefCode,
    ) -> Result<Vec<StoredRecord>, RegistryError> {
        let mut records = Vec::new();
        for id in self.index.records_with_ref_code(code)? {
            match self.load(&id).await {
                Ok(record) => records.push(record),
                // The index is a cache; a record gone from the store is not listed
                // (fixity and the log say it is gone).
                Err(RegistryError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        // Newest first: by how many earlier versions each one points back through, then
        // by time (two scans may be registered within the same second).
        let depth = |record: &StoredRecord| {
            let mut depth = 0;
            let mut previous = record.manifest.previous.as_ref();
            while let Some(id) = previous.filter(|_| depth < records.len()) {
                depth += 1;
                previous = records
                    .iter()
                    .find(|r| &r.manifest.record_id == id)
                    .and_then(|r| r.manifest.previous.as_ref());
            }
            depth
        };
        let mut keyed: Vec<(usize, StoredRecord)> =
            records.iter().map(|r| (depth(r), r.clone())).collect();
        keyed.sort_by(|(da, a), (db, b)| {
            db.cmp(da)
                .then_with(|| b.manifest.registered_at.cmp(&a.manifest.registered_at))
        });
        Ok(keyed.into_iter().map(|(_, record)| record).collect())
    }

    /// `true` when the index on disk had another schema and was emptied on opening;
    /// [`Registry::reindex`] fills it again.
    pub fn index_was_emptied(&self) -> bool {
        self.index.was_emptied()
    }

    /// Makes what other processes indexed visible to searches.
    pub fn reload_index(&self) -> Result<(), RegistryError> {
        Ok(self.index.reload()?)
    }

    /// Searches with filters and facets (see [`SearchRequest`]).
    pub fn search_with(&self, request: &SearchRequest) -> Result<SearchResults, RegistryError> {
        Ok(self.index.search_with(request)?)
    }

    /// Every registered record's manifest (all versions), for passports and reports.
    /// A long-running process reads each manifest once: later calls list the store
    /// and read only the records new since.
    pub async fn manifests(&self) -> Result<Vec<Manifest>, RegistryError> {
        let mut manifests = Vec::new();
        for id in self.store.list_records().await? {
            match self.manifest(&id).await {
                Ok(manifest) => manifests.push(manifest),
                // Listed while being written: not registered yet.
                Err(RegistryError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(manifests)
    }

    /// A registered record's manifest, read from the store once and then kept (a
    /// record id names its manifest's content). Not verified; see
    /// [`Registry::verify_record`].
    pub async fn manifest(&self, id: &RecordId) -> Result<Manifest, RegistryError> {
        let read = || {
            self.manifests_read
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(manifest) = read().get(id) {
            return Ok(manifest.clone());
        }
        let record = self.load(id).await?;
        read().insert(id.clone(), record.manifest.clone());
        Ok(record.manifest)
    }

    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, RegistryError> {
        Ok(self.index.search(query, limit)?)
    }

    /// Re-reads every stored object of a record: the manifest signature against the
    /// published key, and every blob against the digest the manifest gives it.
    pub async fn verify_record(&self, id: &RecordId) -> Result<RecordCheck, RegistryError> {
        let manifest_path = Store::describe_manifest(id);
        let signature_path = manifest_path.replace("manifest.json", "manifest.sig");
        let mut check = RecordCheck {
            id: id.clone(),
            ref_code: None,
            signature: None,
            objects_checked: 0,
            log: None,
            problems: Vec::new(),
        };
        let manifest_bytes = match self.store.get_manifest(id).await {
            Ok(bytes) => Some(bytes),
            Err(StoreError::Missing { path }) => {
                if !self.store.has_record(id).await? {
                    return Err(RegistryError::NotFound { id: id.clone() });
                }
                check.problems.push(Problem::Missing { path });
                None
            }
            Err(other) => return Err(other.into()),
        };
        let signature = match self.store.get_signature(id).await {
            Ok(bytes) => match serde_json::from_slice::<ManifestSignature>(&bytes) {
                Ok(signature) => Some(signature),
                Err(e) => {
                    check.problems.push(Problem::Unreadable {
                        path: signature_path.clone(),
                        reason: e.to_string(),
                    });
                    None
                }
            },
            Err(StoreError::Missing { path }) => {
                check.problems.push(Problem::Missing { path });
                None
            }
            Err(other) => return Err(other.into()),
        };
        check.objects_checked +=
            usize::from(manifest_bytes.is_some()) + usize::from(signature.is_some());
        let Some(manifest_bytes) = manifest_bytes else {
            return Ok(check);
        };
        if let Some(signature) = &signature
            && let Some(key) = self
                .verifier(&signature.key_id, &mut check.problems)
                .await?
            && let Err(e) = verify_manifest(&manifest_bytes, signature, &key)
        {
            check.problems.push(Problem::Signature {
                path: manifest_path.clone(),
                reason: e.to_string(),
            });
        }
        check.signature = signature;
        match self.check_in_log(id, &manifest_bytes).await {
            Ok(log) => check.log = log,
            Err(reason) => check.problems.push(Problem::Log { reason }),
        }
        let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
            Ok(manifest) => manifest,
            Err(e) => {
                check.problems.push(Problem::Unreadable {
                    path: manifest_path,
                    reason: e.to_string(),
                });
                return Ok(check);
            }
        };
        if &manifest.record_id != id {
            check.problems.push(Problem::Unreadable {
                path: manifest_path,
                reason: format!("it names record {}", manifest.record_id),
            });
        }
        check.ref_code = Some(manifest.passport.ref_code.clone());
        for (sheet, role, blob) in manifest.blobs() {
            let path = Store::describe_blob(&blob.sha256);
            match self.store.get_blob(&blob.sha256).await {
                Ok(bytes) => {
                    check.objects_checked += 1;
                    let actual = sha256(&bytes);
                    if actual != blob.sha256 || bytes.len() as u64 != blob.size {
                        check.problems.push(Problem::Altered {
                            path,
                            what: format!("sheet {sheet} {}", role.as_str()),
                            actual,
                        });
                    }
                }
                Err(StoreError::Missing { path }) => check.problems.push(Problem::Missing { path }),
                Err(other) => return Err(other.into()),
            }
        }
        Ok(check)
    }

    /// The public key a signature names: the published one, which must agree with a
    /// locally trusted key of the same id.
    pub(crate) async fn verifier(
        &self,
        id: &KeyId,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<VerifierKey>, RegistryError> {
        let published = match self.store.get_key(id).await {
            Ok(text) => text,
            Err(StoreError::Missing { .. }) => {
                problems.push(Problem::UnknownKey { key_id: id.clone() });
                return Ok(self.trusted.iter().find(|k| k.id() == id).cloned());
            }
            Err(other) => return Err(other.into()),
        };
        let key: VerifierKey = match published.parse() {
            Ok(key) => key,
            Err(e) => {
                problems.push(Problem::Unreadable {
                    path: format!("keys/{id}"),
                    reason: e.to_string(),
                });
                return Ok(None);
            }
        };
        if let Some(trusted) = self.trusted.iter().find(|k| k.id() == id)
            && trusted != &key
        {
            problems.push(Problem::KeyMismatch { key_id: id.clone() });
            return Ok(Some(trusted.clone()));
        }
        Ok(Some(key))
    }

    /// Finds the records that hold a file as a master and verifies each.
    pub async fn verify_file(&self, bytes: &[u8]) -> Result<FileCheck, RegistryError> {
        let digest = sha256(bytes);
        let mut matches: Vec<(RecordCheck, Vec<u32>)> = Vec::new();
        for (id, sheet) in self.index.sheets_with_master(&digest)? {
            match matches.iter_mut().find(|(check, _)| check.id == id) {
                Some((_, sheets)) => sheets.push(sheet),
                None => matches.push((self.verify_record(&id).await?, vec![sheet])),
            }
        }
        Ok(FileCheck { digest, matches })
    }
}

/// What names a quarantine entry: the input, the reason and the file's digest, so the
/// same problem met again is the same entry.
pub(crate) fn quarantine_id(entry: &QuarantineEntry) -> Digest {
    let name = format!(
        "{}\n{}\n{}",
        entry.path,
        entry.reason,
        entry.sha256.as_ref().map(Digest::as_str).unwrap_or("")
    );
    sha256(name.as_bytes())
}

/// A page's recognized words; none when they were not kept (a born-digital page) or
/// cannot be read.
fn parsed_words(bytes: Option<&[u8]>) -> Vec<Word> {
    bytes
        .and_then(|bytes| serde_json::from_slice::<PageWords>(bytes).ok())
        .map(|words| words.words)
        .unwrap_or_default()
}

/// A page's Russian words for the stemmed field: the words recognized as Russian, or
/// the whole text of a Russian page whose words were not kept (a born-digital page).
fn russian_words(page: &Page, words: &[Word], text: &str) -> String {
    if words.is_empty() {
        return if page.language == "rus" {
            text.to_owned()
        } else {
            String::new()
        };
    }
    words
        .iter()
        .filter(|w| w.language == "rus")
        .map(|w| w.text.as_str())
        .filter(|w| *w != REDACTED)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The pages of a record as the index takes them: their text for every clearance
/// that reads its personal data, and with it hidden for the others.
fn page_docs(
    manifest: &Manifest,
    texts: Vec<String>,
    words: Vec<Vec<Word>>,
    current: bool,
) -> Vec<PageDoc> {
    let facts = record_facts(manifest);
    let sheets = SheetText::of_manifest(manifest, &texts, &words);
    let personal = PersonalData::of(manifest, &sheets);
    let personal_shows_at = PersonalData::shows_at(manifest);
    manifest
        .pages
        .iter()
        .zip(texts.iter().zip(&words))
        .map(|(page, (text, words))| {
            let hidden = personal.as_ref().and_then(|p| p.sheet(page.sheet));
            let redacted = hidden.map(|hidden| {
                let text = redact_text(text, Some(hidden));
                let words = redact_words(words, Some(hidden));
                RedactedPage {
                    russian: russian_words(page, &words, &text),
                    text,
                }
            });
            PageDoc {
                record_id: manifest.record_id.clone(),
                ref_code: manifest.passport.ref_code.clone(),
                sheet: page.sheet,
                title: manifest.passport.title.clone(),
                document_type: manifest.passport.document_type.clone(),
                access: manifest.access,
                language: page.language.clone(),
                master: page.master.sha256.clone(),
                text: text.clone(),
                russian: russian_words(page, words, text),
                pipeline: manifest.pipeline.name.clone(),
                facts: facts.clone(),
                current,
                previous: manifest.previous.clone(),
                personal_shows_at,
                redacted,
            }
        })
        .collect()
}

/// A date (`1968`, `1968-03`, `1968-03-12`) as `yyyymmdd`, at the start of its year or
/// month when `low`, else at the end.
fn day_number(date: &str, low: bool) -> Option<u64> {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    let padded = match (digits.len(), low) {
        (8, _) => digits,
        (6, true) => format!("{digits}01"),
        (6, false) => format!("{digits}31"),
        (4, true) => format!("{digits}0101"),
        (4, false) => format!("{digits}1231"),
        _ => return None,
    };
    padded.parse().ok()
}

/// What a record's fields and passport give the index to filter and count by.
fn record_facts(manifest: &Manifest) -> RecordFacts {
    let field = |name: &str| manifest.fields.get(name);
    let texts = |name: &str| -> Vec<String> {
        match field(name) {
            Some(FieldValue::Text(text)) => vec![text.clone()],
            Some(FieldValue::Texts(texts)) => texts.clone(),
            _ => Vec::new(),
        }
    };
    let amounts: Vec<&Amount> = match field(names::AMOUNTS) {
        Some(FieldValue::Amounts(amounts)) => amounts.iter().collect(),
        _ => Vec::new(),
    };
    let mut currencies: Vec<String> = amounts.iter().map(|a| a.currency.clone()).collect();
    currencies.sort();
    currencies.dedup();
    let mut dates: Vec<u64> = texts(names::DECISION_DATE)
        .iter()
        .chain(&texts(names::DATES))
        .filter_map(|d| day_number(d, true))
        .collect();
    if let Some(span) = &manifest.passport.dates {
        dates.extend(day_number(span.start(), true));
        dates.extend(day_number(span.end(), false));
    }
    RecordFacts {
        court: texts(names::COURT).into_iter().next(),
        currencies,
        case_numbers: [texts(names::CASE_NUMBER), texts(names::CASE_NUMBERS)].concat(),
        names: [
            texts(names::CLAIMANT),
            texts(names::DEBTOR),
            texts(names::PERSONS),
        ]
        .concat(),
        dates,
        amounts: amounts
            .iter()
            .filter_map(|a| a.value.parse().ok())
            .collect(),
    }
}

/// The outcome of a fixity audit over the whole store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FixityReport {
    pub report_version: u32,
    pub store: String,
    pub started_at: String,
    pub finished_at: String,
    pub records_checked: usize,
    pub objects_checked: usize,
    pub damaged_records: Vec<DamagedRecord>,
    /// Leaves of the transparency log whose record is gone from the store.
    pub missing_records: Vec<MissingRecord>,
    /// Why the log itself could not be checked (its checkpoint does not verify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_problem: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MissingRecord {
    pub leaf_index: u64,
    /// The log entry: the SHA-256 of the manifest that was registered there.
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DamagedRecord {
    pub record_id: RecordId,
    pub ref_code: Option<RefCode>,
    pub problems: Vec<String>,
}

impl Registry {
    /// Re-reads and re-hashes every registered record's objects, one record (and one
    /// object) at a time, so memory stays bounded by the largest single object.
    /// `each` sees every record's check as it completes (for progress).
    pub async fn fixity(
        &self,
        now: impl Fn() -> String,
        mut each: impl FnMut(&RecordCheck, usize),
    ) -> Result<FixityReport, RegistryError> {
        let started_at = now();
        let ids = self.store.list_records().await?;
        let mut report = FixityReport {
            report_version: 1,
            store: self.store.url().to_owned(),
            started_at,
            finished_at: String::new(),
            records_checked: 0,
            objects_checked: 0,
            damaged_records: Vec::new(),
            missing_records: Vec::new(),
            log_problem: None,
        };
        let mut leaves = std::collections::HashSet::new();
        for id in &ids {
            let check = match self.verify_record(id).await {
                Ok(check) => check,
                // A folder with a manifest but no signature is an ingest that stopped
                // before its commit, not a registered record.
                Err(RegistryError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            report.records_checked += 1;
            report.objects_checked += check.objects_checked;
            if let Some((leaf, _)) = check.log {
                leaves.insert(leaf);
            }
            each(&check, ids.len());
            if !check.is_intact() {
                report.damaged_records.push(DamagedRecord {
                    record_id: check.id.clone(),
                    ref_code: check.ref_code.clone(),
                    problems: check.problems.iter().map(ToString::to_string).collect(),
                });
            }
        }
        // Every leaf of the log must still have its record: one deleted from the store
        // leaves its entry behind in the log, which cannot be rewritten.
        let current = match self.current_checkpoint().await {
            Ok(current) => current,
            Err(e) => {
                report.log_problem = Some(format!("log/checkpoint: {}", crate::error_chain(&e)));
                None
            }
        };
        if let Some(current) = current {
            let mut hashes = fehrist_seal::log::TreeHashes::new(current.checkpoint.size);
            for leaf in (0..current.checkpoint.size).filter(|leaf| !leaves.contains(leaf)) {
                let entry = self
                    .resolve(fehrist_store::LogName::Records, &mut hashes, |h| {
                        Ok(h.entry(leaf))
                    })
                    .await?;
                report.missing_records.push(MissingRecord {
                    leaf_index: leaf,
                    manifest_sha256: entry.iter().map(|b| format!("{b:02x}")).collect(),
                });
            }
        }
        report.finished_at = now();
        Ok(report)
    }
}
