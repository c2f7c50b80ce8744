//! Evidence bundles: everything an auditor needs to check a record offline, with
//! public keys alone.
//!
//! ```json
//! {"format":"fehrist.evidence/1",
//!  "manifest":"{\"access\":\"open\",…}",          the stored canonical bytes, as text
//!  "signature":{"algorithm":"ed25519","key_id":"…","key_name":"…","signature":"…"},
//!  "station_key":"station-1+1a2b3c4d+AX…",
//!  "log":{"origin":"…","leaf_index":12,"tree_size":40,
//!         "inclusion_proof":["base64 hash",…],
//!         "checkpoint":"origin\n40\nbase64 root\n\n— origin base64 signature\n",
//!         "log_key":"origin+5e6f7a8b+AY…"}}
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use fehrist_model::{Digest, Manifest, ManifestSignature, RecordId, RefCode};
use serde::{Deserialize, Serialize};

use crate::log::{TreeHash, VerifiedCheckpoint, check_inclusion, log_entry, open_checkpoint};
use crate::{SealError, VerifierKey, sha256, verify_manifest};

pub const EVIDENCE_FORMAT: &str = "fehrist.evidence/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBundle {
    pub format: String,
    /// The manifest's stored canonical bytes (UTF-8 JSON), byte for byte.
    pub manifest: String,
    pub signature: ManifestSignature,
    /// The station's public key, signed-note verifier form.
    pub station_key: String,
    pub log: LogInclusion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogInclusion {
    pub origin: String,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Base64 hashes, leaf to root.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note) the proof leads to.
    pub checkpoint: String,
    /// The log's public key, signed-note verifier form.
    pub log_key: String,
}

/// What a bundle proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceReport {
    pub record_id: RecordId,
    pub ref_code: RefCode,
    pub station_key: VerifierKey,
    pub log_key: VerifierKey,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Sheets whose master is the checked file (empty if no file was given).
    pub sheets: Vec<u32>,
    /// Whether both keys were among the keys the auditor said to trust.
    pub keys_pinned: bool,
}

/// Why a bundle does not prove what it claims.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    #[error("not a Fehrist evidence bundle (format {0:?})")]
    Format(String),
    #[error("the station key in the bundle is malformed")]
    StationKey(#[source] SealError),
    #[error("the manifest signature does not verify")]
    ManifestSignature(#[source] SealError),
    #[error("the manifest is not a valid record manifest")]
    Manifest(#[source] serde_json::Error),
    #[error("the file (SHA-256 {0}) is not a master of this record")]
    FileNotInRecord(Digest),
    #[error("the log key in the bundle is malformed")]
    LogKey(#[source] SealError),
    #[error("the checkpoint does not verify")]
    Checkpoint(#[source] SealError),
    #[error(
        "the checkpoint is for {found:?} size {found_size}, the bundle says {origin:?} size {size}"
    )]
    CheckpointMismatch {
        origin: String,
        size: u64,
        found: String,
        found_size: u64,
    },
    #[error("the inclusion proof is malformed")]
    ProofEncoding,
    #[error("the record is not in the log at leaf {leaf_index}")]
    Inclusion {
        leaf_index: u64,
        #[source]
        source: SealError,
    },
    #[error("key {0} is not among the trusted keys")]
    Untrusted(String),
}

impl EvidenceBundle {
    /// Checks a bundle offline: the manifest signature, that `file` (if given) is one
    /// of its masters, the checkpoint signature, and the record's inclusion in the log.
    /// If `trusted` is not empty, both keys in the bundle must be among them.
    pub fn verify(
        &self,
        file: Option<&[u8]>,
        trusted: &[VerifierKey],
    ) -> Result<EvidenceReport, EvidenceError> {
        EvidenceVerifier::new(trusted.to_vec()).verify(self, file)
    }
}

/// Checks many bundles, remembering the keys it parsed and the checkpoints whose
/// signatures it checked: bundles from one registry mostly share a checkpoint, and a
/// signature check is most of the cost of a bundle.
#[derive(Debug, Default)]
pub struct EvidenceVerifier {
    trusted: Vec<VerifierKey>,
    keys: std::collections::HashMap<String, VerifierKey>,
    checkpoints: std::collections::HashMap<(String, String), VerifiedCheckpoint>,
}

impl EvidenceVerifier {
    /// A verifier that requires bundle keys to be among `trusted` (unless it is empty).
    pub fn new(trusted: Vec<VerifierKey>) -> Self {
        EvidenceVerifier {
            trusted,
            ..Self::default()
        }
    }

    fn key(
        &mut self,
        text: &str,
        malformed: fn(SealError) -> EvidenceError,
    ) -> Result<VerifierKey, EvidenceError> {
        if let Some(key) = self.keys.get(text) {
            return Ok(key.clone());
        }
        let key: VerifierKey = text.parse().map_err(malformed)?;
        if !self.trusted.is_empty() && !self.trusted.contains(&key) {
            return Err(EvidenceError::Untrusted(key.to_string()));
        }
        self.keys.insert(text.to_owned(), key.clone());
        Ok(key)
    }

    pub fn verify(
        &mut self,
        bundle: &EvidenceBundle,
        file: Option<&[u8]>,
    ) -> Result<EvidenceReport, EvidenceError> {
        if bundle.format != EVIDENCE_FORMAT {
            return Err(EvidenceError::Format(bundle.format.clone()));
        }
        let station_key = self.key(&bundle.station_key, EvidenceError::StationKey)?;
        let log_key = self.key(&bundle.log.log_key, EvidenceError::LogKey)?;
        let bytes = bundle.manifest.as_bytes();
        verify_manifest(bytes, &bundle.signature, &station_key)
            .map_err(EvidenceError::ManifestSignature)?;
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(EvidenceError::Manifest)?;
        let sheets = match file {
            Some(file) => {
                let digest = sha256(file);
                let sheets = manifest.sheets_with_master(&digest);
                if sheets.is_empty() {
                    return Err(EvidenceError::FileNotInRecord(digest));
                }
                sheets
            }
            None => Vec::new(),
        };
        let cache_key = (bundle.log.checkpoint.clone(), bundle.log.log_key.clone());
        let checkpoint = match self.checkpoints.get(&cache_key) {
            Some(checkpoint) => checkpoint.clone(),
            None => {
                let checkpoint = open_checkpoint(bundle.log.checkpoint.as_bytes(), &log_key)
                    .map_err(EvidenceError::Checkpoint)?;
                self.checkpoints.insert(cache_key, checkpoint.clone());
                checkpoint
            }
        };
        if checkpoint.origin != bundle.log.origin || checkpoint.size != bundle.log.tree_size {
            return Err(EvidenceError::CheckpointMismatch {
                origin: bundle.log.origin.clone(),
                size: bundle.log.tree_size,
                found: checkpoint.origin,
                found_size: checkpoint.size,
            });
        }
        let proof = bundle
            .log
            .inclusion_proof
            .iter()
            .map(|h| {
                BASE64
                    .decode(h)
                    .ok()
                    .and_then(|b| TreeHash::try_from(b).ok())
            })
            .collect::<Option<Vec<TreeHash>>>()
            .ok_or(EvidenceError::ProofEncoding)?;
        check_inclusion(
            &proof,
            checkpoint.size,
            &checkpoint.root,
            bundle.log.leaf_index,
            &log_entry(bytes),
        )
        .map_err(|source| EvidenceError::Inclusion {
            leaf_index: bundle.log.leaf_index,
            source,
        })?;
        Ok(EvidenceReport {
            record_id: manifest.record_id,
            ref_code: manifest.passport.ref_code,
            station_key,
            log_key,
            leaf_index: bundle.log.leaf_index,
            tree_size: checkpoint.size,
            sheets,
            keys_pinned: !self.trusted.is_empty(),
        })
    }
}

/// Base64 of a tree hash, as proofs are written in bundles.
pub fn encode_hash(hash: &TreeHash) -> String {
    BASE64.encode(hash)
}
