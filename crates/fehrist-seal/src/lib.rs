//! Sealing records: SHA-256 of every stored byte string, RFC 8785 canonical JSON for
//! manifests, and Ed25519 signatures by a named station key.
//!
//! Keys use the C2SP signed-note encodings, so the same keys can later sign
//! transparency-log checkpoints and be checked by tools no one here wrote:
//!
//! ```text
//! station-1+3f2a9c01+AXyq…          verifier key: name + key id + base64(0x01 ‖ public key)
//! PRIVATE+KEY+station-1+3f2a9c01+AT…  signer key:   the same with base64(0x01 ‖ seed)
//! ```
//!
//! The key id is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
//! A signature always covers canonical bytes produced once and stored; verification
//! takes those stored bytes and never re-serializes. No I/O and no randomness here:
//! key seeds come from the caller.

pub mod evidence;
mod keys;
pub mod log;
mod seal;

pub use keys::{StationKey, VerifierKey};
pub use seal::{
    SealedManifest, canonical_json, edited_record_id, record_id, sha256, sign_manifest_bytes,
    verify_manifest,
};

/// What went wrong while sealing or checking a seal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    #[error("cannot encode {what} as canonical JSON")]
    Canonical {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("malformed {what} key: {reason}")]
    KeyFormat {
        what: &'static str,
        reason: &'static str,
    },
    #[error("key name {name:?} must be non-empty and free of '+' and whitespace")]
    KeyName { name: String },
    #[error("signature names key {expected} but the verifier key is {actual}")]
    WrongKey {
        expected: fehrist_model::KeyId,
        actual: fehrist_model::KeyId,
    },
    #[error("signature algorithm {0:?} is not ed25519")]
    Algorithm(String),
    #[error("signature is not 64 bytes of base64")]
    SignatureEncoding,
    #[error(
        "signature by key {key_id} does not verify: the manifest bytes were altered or signed by another key"
    )]
    BadSignature { key_id: fehrist_model::KeyId },
    #[error("transparency log: {what}")]
    Log { what: &'static str },
    #[error("the {what} proof does not verify")]
    Proof { what: &'static str },
    #[error("the checkpoint is not signed by log key {key_id}")]
    CheckpointSignature { key_id: fehrist_model::KeyId },
}
