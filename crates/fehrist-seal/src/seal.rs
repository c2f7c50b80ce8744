use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use fehrist_model::{Digest, Manifest, ManifestSignature, RecordId, RefCode};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::{SealError, StationKey, VerifierKey};

/// SHA-256 of a byte string.
pub fn sha256(bytes: &[u8]) -> Digest {
    Digest::from_bytes(&Sha256::digest(bytes)).expect("SHA-256 is 32 bytes")
}

/// RFC 8785 (JCS) canonical bytes of a value.
pub fn canonical_json<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, SealError> {
    serde_json_canonicalizer::to_vec(value).map_err(|source| SealError::Canonical { what, source })
}

/// The record id of a file with these masters, in sheet order: the first 16 bytes of
/// SHA-256 over a versioned, line-based text. The same scans under the same reference
/// code always give the same id, which is what makes re-ingest idempotent.
///
/// ```text
/// fehrist.record/1
/// TJ-CSA/F-12/O-3/D-45
/// <master sha256> <page in file>
/// …
/// ```
pub fn record_id<'a>(
    ref_code: &RefCode,
    masters: impl IntoIterator<Item = (&'a Digest, u32)>,
) -> RecordId {
    let mut hasher = Sha256::new();
    hasher.update(format!("fehrist.record/1\n{ref_code}\n"));
    for (digest, page) in masters {
        hasher.update(format!("{digest} {page}\n"));
    }
    RecordId::from_bytes(&hasher.finalize()[..16]).expect("16 bytes make a record id")
}

/// The id of a version made by correcting a record (not by re-scanning it): derived
/// from the version it replaces and the corrected content, so one correction saved
/// twice is one version.
pub fn edited_record_id(previous: &RecordId, corrected: &[u8]) -> RecordId {
    let mut hasher = Sha256::new();
    hasher.update(format!("fehrist.record-edit/1\n{previous}\n"));
    hasher.update(corrected);
    RecordId::from_bytes(&hasher.finalize()[..16]).expect("16 bytes make a record id")
}

/// A manifest's canonical bytes with the signature over them: what gets stored.
#[derive(Debug, Clone)]
pub struct SealedManifest {
    pub bytes: Vec<u8>,
    pub signature: ManifestSignature,
}

impl SealedManifest {
    pub fn seal(manifest: &Manifest, key: &StationKey) -> Result<Self, SealError> {
        let bytes = canonical_json("manifest", manifest)?;
        let signature = sign_manifest_bytes(&bytes, key);
        Ok(SealedManifest { bytes, signature })
    }
}

/// Signs manifest bytes exactly as they are stored (for a manifest a crashed ingest
/// stored but did not get to sign).
pub fn sign_manifest_bytes(bytes: &[u8], key: &StationKey) -> ManifestSignature {
    ManifestSignature {
        algorithm: "ed25519".to_owned(),
        key_id: key.id().clone(),
        key_name: key.name().to_owned(),
        signature: BASE64.encode(key.sign(bytes)),
    }
}

/// Checks a stored manifest's bytes against its stored signature and the public key
/// the signature names.
pub fn verify_manifest(
    bytes: &[u8],
    signature: &ManifestSignature,
    key: &VerifierKey,
) -> Result<(), SealError> {
    if signature.algorithm != "ed25519" {
        return Err(SealError::Algorithm(signature.algorithm.clone()));
    }
    if &signature.key_id != key.id() {
        return Err(SealError::WrongKey {
            expected: signature.key_id.clone(),
            actual: key.id().clone(),
        });
    }
    let raw: [u8; 64] = BASE64
        .decode(&signature.signature)
        .ok()
        .and_then(|raw| raw.try_into().ok())
        .ok_or(SealError::SignatureEncoding)?;
    if key.verify(bytes, &raw) {
        Ok(())
    } else {
        Err(SealError::BadSignature {
            key_id: signature.key_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let value = serde_json::json!({"b": 1, "a": {"d": "ҳ", "c": [1, 2]}});
        let bytes = canonical_json("test", &value).unwrap();
        assert_eq!(bytes, r#"{"a":{"c":[1,2],"d":"ҳ"},"b":1}"#.as_bytes());
    }

    #[test]
    fn record_id_depends_on_code_and_masters() {
        let code: RefCode = "TJ-CSA/F-12/O-3/D-45".parse().unwrap();
        let other: RefCode = "TJ-CSA/F-12/O-3/D-46".parse().unwrap();
        let a = sha256(b"page one");
        let b = sha256(b"page two");
        let id = record_id(&code, [(&a, 1), (&b, 1)]);
        assert_eq!(id, record_id(&code, [(&a, 1), (&b, 1)]));
        assert_ne!(id, record_id(&code, [(&b, 1), (&a, 1)]));
        assert_ne!(id, record_id(&other, [(&a, 1), (&b, 1)]));
        assert_ne!(id, record_id(&code, [(&a, 1), (&a, 2)]));
    }
}
