use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use fehrist_model::KeyId;
use sha2::{Digest as _, Sha256};

use crate::SealError;

/// The signed-note signature type byte of Ed25519.
const ALG_ED25519: u8 = 0x01;

fn check_name(name: &str) -> Result<(), SealError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(SealError::KeyName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn key_id(name: &str, public: &VerifyingKey) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALG_ED25519]);
    hasher.update(public.as_bytes());
    let hash = hasher.finalize();
    KeyId::from_bytes(&hash[..4]).expect("4 bytes make a key id")
}

/// Decodes `base64(0x01 ‖ 32 bytes)`.
fn decode_key_bytes(what: &'static str, text: &str) -> Result<[u8; 32], SealError> {
    let bytes = BASE64.decode(text).map_err(|_| SealError::KeyFormat {
        what,
        reason: "key material is not base64",
    })?;
    match bytes.split_first() {
        Some((&ALG_ED25519, key)) => key.try_into().map_err(|_| SealError::KeyFormat {
            what,
            reason: "key material is not 32 bytes",
        }),
        _ => Err(SealError::KeyFormat {
            what,
            reason: "key type is not ed25519",
        }),
    }
}

fn encode_key_bytes(bytes: &[u8; 32]) -> String {
    let mut buf = Vec::with_capacity(33);
    buf.push(ALG_ED25519);
    buf.extend_from_slice(bytes);
    BASE64.encode(buf)
}

/// A station's (or the registry's) private Ed25519 key with its name.
///
/// Its `Debug` output never shows key material.
pub struct StationKey {
    name: String,
    key: SigningKey,
    id: KeyId,
}

impl fmt::Debug for StationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StationKey")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl StationKey {
    /// A key from 32 secret random bytes the caller drew.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, SealError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, &key.verifying_key());
        Ok(StationKey {
            name: name.to_owned(),
            key,
            id,
        })
    }

    /// Parses the signed-note signer key form `PRIVATE+KEY+name+id+base64`.
    pub fn from_signer_string(text: &str) -> Result<Self, SealError> {
        const WHAT: &str = "signer";
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(SealError::KeyFormat {
                what: WHAT,
                reason: "it does not start with PRIVATE+KEY+",
            })?;
        // Base64 may itself contain '+', so the key material is everything after the id.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::KeyFormat {
                what: WHAT,
                reason: "it is not PRIVATE+KEY+name+id+key",
            });
        };
        let key = Self::from_seed(name, decode_key_bytes(WHAT, material)?)?;
        if key.id.as_str() != id {
            return Err(SealError::KeyFormat {
                what: WHAT,
                reason: "its key id does not match its name and key",
            });
        }
        Ok(key)
    }

    /// The signed-note signer key form. Secret: write it only to a 0600 file.
    pub fn to_signer_string(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            self.id,
            encode_key_bytes(self.key.as_bytes())
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id.clone(),
            key: self.key.verifying_key(),
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// A public key that checks signatures, printed in signed-note verifier form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: KeyId,
    key: VerifyingKey,
}

impl VerifierKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key
            .verify(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl FromStr for VerifierKey {
    type Err = SealError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const WHAT: &str = "verifier";
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::KeyFormat {
                what: WHAT,
                reason: "it is not name+id+key",
            });
        };
        check_name(name)?;
        let key = VerifyingKey::from_bytes(&decode_key_bytes(WHAT, material)?).map_err(|_| {
            SealError::KeyFormat {
                what: WHAT,
                reason: "not a valid Ed25519 public key",
            }
        })?;
        let computed = key_id(name, &key);
        if computed.as_str() != id {
            return Err(SealError::KeyFormat {
                what: WHAT,
                reason: "its key id does not match its name and key",
            });
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            id: computed,
            key,
        })
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{}+{}",
            self.name,
            self.id,
            encode_key_bytes(self.key.as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_note_vector() {
        // The example key of the C2SP signed-note spec and Go's golang.org/x/mod/sumdb/note.
        let signer =
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let verifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let key = StationKey::from_signer_string(signer).unwrap();
        assert_eq!(key.id().as_str(), "c74f20a3");
        assert_eq!(key.verifier().to_string(), verifier);
        assert_eq!(key.to_signer_string(), signer);
        assert_eq!(verifier.parse::<VerifierKey>().unwrap(), key.verifier());
    }

    #[test]
    fn rejects_malformed_keys() {
        let key = StationKey::from_seed("station-1", [7; 32]).unwrap();
        let text = key.verifier().to_string();
        let wrong_id = text.replacen(key.id().as_str(), "00000000", 1);
        assert!(wrong_id.parse::<VerifierKey>().is_err());
        assert!("station-1+00000000".parse::<VerifierKey>().is_err());
        assert!(StationKey::from_signer_string(&text).is_err());
        assert!(StationKey::from_seed("two words", [7; 32]).is_err());
        assert!(StationKey::from_seed("a+b", [7; 32]).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = StationKey::from_seed("station-1", [7; 32]).unwrap();
        let secret = key.to_signer_string();
        let material = secret.rsplit('+').next().unwrap();
        assert!(!format!("{key:?}").contains(material));
    }
}
