//! The registry: registering sealed records and finding, showing and verifying them.
//!
//! [`Registry`] ties the store (what is kept), the search index (how it is found) and
//! the seal (why it can be trusted) together; the CLI and the HTTP service both go
//! through it. Main types: [`Registry`], [`NewRecord`] (a record ready to seal),
//! [`StoredRecord`] (a record read back), [`RecordCheck`] and [`Problem`] (what
//! verification found, naming the damaged object), [`Sequenced`] (a log append),
//! [`AuditTrail`] and [`FixityReport`]. The transparency logs (records and audit
//! events, C2SP tlog-tiles) are sequenced here over the store; their pure logic and
//! the evidence format live in `fehrist-seal`.
//!
//! Trust: a manifest is checked against the public key its signature names. That key
//! is read from the store's `keys/`, and if this machine holds the station key of the
//! same id, the two must agree, so a key swapped in the store is caught locally. The
//! same holds for the registry key that signs log checkpoints.

mod audit;
mod keys;
mod log;
mod registry;
mod replicate;

pub use audit::AuditTrail;
pub use keys::load_or_create_station_key;
pub use log::{Consistency, CurrentCheckpoint, Sequenced};
pub use registry::{
    DamagedRecord, FileCheck, FixityReport, MissingRecord, NewRecord, Problem, RecordCheck,
    Registered, Registry, StoredRecord,
};
pub use replicate::{Replication, replicate};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] fehrist_store::StoreError),
    #[error(transparent)]
    Index(#[from] fehrist_index::IndexError),
    #[error(transparent)]
    Seal(#[from] fehrist_seal::SealError),
    #[error("key file {path}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {path} is readable by others (mode {mode:04o}); make it 0600")]
    KeyFileOpen { path: String, mode: u32 },
    #[error("key file {path} is not a signed-note private key")]
    KeyFileFormat {
        path: String,
        #[source]
        source: fehrist_seal::SealError,
    },
    #[error("record {id}: {path} is not a valid manifest")]
    ManifestFormat {
        id: fehrist_model::RecordId,
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("record {id} is not registered")]
    NotFound { id: fehrist_model::RecordId },
    #[error("this registry holds no log key, so it cannot sequence")]
    NoLogKey,
    #[error("record {id} is not in the transparency log yet")]
    NotSequenced { id: fehrist_model::RecordId },
    #[error("key {key_id} is not published, or differs from the trusted key of that id")]
    UntrustedKey { key_id: fehrist_model::KeyId },
    #[error(
        "the log at size {size} is not an extension of the checkpoint of size {old_size}: history was rewritten"
    )]
    Inconsistent { old_size: u64, size: u64 },
}

/// An error and its causes, joined by `: ` (as `{:#}` prints an `anyhow::Error`), for
/// reports that carry the reason as text.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
