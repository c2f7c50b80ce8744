//! The wire format: what every use case returns, as the CLI's `--json` prints it, the
//! API sends it and `schemas/openapi.json` describes it. One vocabulary: a hit is on a
//! `sheet`, a record that passed every check is `unchanged`, versions are numbered
//! from 1 (the first scan) and the newest is `current`.

use std::collections::BTreeMap;

use fehrist_model::{Digest, KeyId, Manifest, ManifestSignature, RecordId, RefCode, VersionOrigin};
use serde::{Deserialize, Serialize};

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchAnswer {
    /// Matching pages the caller may see, current versions only.
    pub total: usize,
    pub offset: usize,
    pub hits: Vec<SearchHit>,
    /// Matching pages per value of each facet; empty when facets were not asked for.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub record_id: RecordId,
    pub ref_code: RefCode,
    pub sheet: u32,
    pub score: f32,
    pub snippet: String,
    /// Character ranges of the matched words within the snippet.
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub pages: u64,
}

/// A record as the caller may read it, with every version of its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordAnswer {
    /// Personal data fields redacted below the `restricted` clearance.
    pub manifest: Manifest,
    pub signature: ManifestSignature,
    /// Whether this is the file's current version.
    pub current: bool,
    /// Every version of the file the caller may see, newest first.
    pub versions: Vec<Version>,
}

/// One version of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub record_id: RecordId,
    /// 1 for the first scan, counting up.
    pub number: usize,
    pub origin: VersionOrigin,
    /// When its scans were registered (an edit keeps its scan's time).
    pub registered_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<String>,
    pub current: bool,
}

/// A file looked up by its SHA-256: is it a registered master, unchanged?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileVerification {
    pub sha256: Digest,
    pub registered: bool,
    /// Registered, and every version holding it passed every check.
    pub unchanged: bool,
    /// One entry per registered file (reference code) holding it.
    pub records: Vec<FileMatch>,
    /// Records holding it above the caller's clearance: counted in `registered` and
    /// `unchanged`, and nothing more said of them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A registered file holding the looked-up scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMatch {
    /// The newest version holding the scan.
    pub record_id: RecordId,
    pub ref_code: Option<RefCode>,
    pub sheets: Vec<u32>,
    /// Which version (1 = the first scan) `record_id` is, of how many.
    pub version: usize,
    pub versions: usize,
    /// The file's current version.
    pub current: RecordId,
    pub unchanged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogPosition>,
    /// When the version holding the scan was registered (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<String>,
    pub problems: Vec<String>,
}

/// A record (or every version of a file) re-checked: stored objects, signature, log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVerification {
    /// The record id or reference code asked about.
    pub target: String,
    pub registered: bool,
    /// Registered, and every record checked passed every check.
    pub unchanged: bool,
    /// Newest version first.
    pub records: Vec<RecordVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVerdict {
    pub record_id: RecordId,
    /// From the manifest, when it could be read.
    pub ref_code: Option<RefCode>,
    /// Which version of its file it is (1 = the first scan), of how many, and the
    /// current one; absent when the manifest cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<RecordId>,
    pub unchanged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// Stored objects read and re-hashed (manifest, signature, blobs).
    pub objects_checked: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogPosition>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPosition {
    pub leaf_index: u64,
    pub tree_size: u64,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestAnswer {
    pub registered: usize,
    pub already_registered: usize,
    pub failed: usize,
    pub pages_read: u64,
    pub pages_skipped: u64,
    pub seconds: f64,
    pub pages_per_second: f64,
    /// Records appended to the transparency log by this ingest.
    pub logged: u64,
    pub log_size: u64,
    pub records: Vec<IngestedRecord>,
    pub problems: Vec<IngestProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    Registered,
    AlreadyRegistered,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestedRecord {
    pub outcome: IngestOutcome,
    pub ref_code: RefCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
}

/// An input the ingest could not use: the file (relative to the batch) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestProblem {
    pub path: String,
    pub record: Option<String>,
    pub reason: String,
    /// The problem as one escaped line, for people.
    pub line: String,
}

/// A correction registered as a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditAnswer {
    pub record_id: RecordId,
    pub previous: RecordId,
    /// The new version's number (1 = the first scan).
    pub version: usize,
    pub log_size: u64,
}

/// The fonds a caller may see, with their registered files and sheets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FondList {
    pub fonds: Vec<FondSummary>,
}

/// A file of a fond as its inventory lists it: the current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    pub record_id: RecordId,
    pub ref_code: RefCode,
    pub title: Option<String>,
    /// `1968` or `1968-1975`.
    pub dates: Option<String>,
    pub document_type: Option<String>,
    pub sheets: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FondSummary {
    pub fond: String,
    pub files: u64,
    pub sheets: u64,
}

/// An evidence bundle checked offline, against a file and trusted keys if given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleVerification {
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_code: Option<RefCode>,
    /// The sheets the given file is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key: Option<String>,
    /// Both keys were among the keys the caller said to trust.
    pub keys_pinned: bool,
    /// Why it did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl BundleVerification {
    /// A bundle that holds, as its check reported it.
    pub fn held(report: fehrist_seal::evidence::EvidenceReport) -> Self {
        BundleVerification {
            verified: true,
            record_id: Some(report.record_id),
            ref_code: Some(report.ref_code),
            sheets: report.sheets,
            log: Some(LogPosition {
                leaf_index: report.leaf_index,
                tree_size: report.tree_size,
            }),
            station_key: Some(report.station_key.to_string()),
            log_key: Some(report.log_key.to_string()),
            keys_pinned: report.keys_pinned,
            reason: None,
        }
    }

    /// A bundle that does not hold, and why.
    pub fn not_held(reason: String) -> Self {
        BundleVerification {
            verified: false,
            record_id: None,
            ref_code: None,
            sheets: Vec::new(),
            log: None,
            station_key: None,
            log_key: None,
            keys_pinned: false,
            reason: Some(reason),
        }
    }
}

/// Whether the log only grew since an older checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConsistency {
    pub consistent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The search index rebuilt from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reindexed {
    pub reindexed: usize,
    /// Records that could not be read back, and why.
    pub failed: Vec<RecordProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProblem {
    pub record_id: RecordId,
    pub reason: String,
}

/// The audit trail, checked against its signed checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditTrailAnswer {
    pub size: u64,
    pub intact: bool,
    pub problems: Vec<String>,
    pub events: Vec<IndexedEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedEvent {
    pub index: u64,
    pub event: fehrist_model::AuditEvent,
}

/// This machine's signing keys (public halves) and the keys published in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub local: Vec<LocalKey>,
    pub published: Vec<PublishedKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalKey {
    /// `station`, `registry`, or `retired`.
    pub role: String,
    pub key_id: KeyId,
    pub verifier_key: String,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    pub key_id: KeyId,
    pub verifier_key: String,
}

/// An API token as made: the bearer string is shown only this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenMade {
    pub token: String,
    #[serde(flatten)]
    pub summary: TokenSummary,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: String,
    pub agency: String,
    pub role: fehrist_model::Role,
    pub clearance: fehrist_model::AccessLevel,
    pub created_at: String,
    #[serde(default)]
    pub revoked: bool,
}
