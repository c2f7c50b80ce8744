//! Identifiers, each validated when it is made.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a text is not a well-formed identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {text:?} should be {expected}")]
pub struct IdError {
    pub what: &'static str,
    pub text: String,
    pub expected: &'static str,
}

fn lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $len:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Hex digits this identifier always has.
            pub const LEN: usize = $len;

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// From raw bytes (`LEN / 2` of them).
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdError> {
                let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                text.parse()
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                if lower_hex(text, $len) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(IdError {
                        what: $what,
                        text: text.to_owned(),
                        expected: concat!($len, " lower-case hex digits"),
                    })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?
                    .parse()
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// A SHA-256 digest in lower-case hex: the name of every stored byte string.
    Digest,
    "SHA-256 digest",
    64
);

hex_id!(
    /// A record's identifier: 128 bits derived from its reference code and the digests
    /// of its masters, so the same scans always name the same record.
    RecordId,
    "record id",
    32
);

hex_id!(
    /// The C2SP signed-note key id of a signing key: the first 4 bytes of
    /// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    KeyId,
    "key id",
    8
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_length_and_case() {
        assert!("00ff".repeat(16).parse::<Digest>().is_ok());
        assert!("00FF".repeat(16).parse::<Digest>().is_err());
        assert!("00ff".repeat(8).parse::<Digest>().is_err());
        assert!(
            "0123456789abcdef0123456789abcdef"
                .parse::<RecordId>()
                .is_ok()
        );
        assert!(
            "0123456789abcdeg0123456789abcdef"
                .parse::<RecordId>()
                .is_err()
        );
        let error = "xyz".parse::<KeyId>().unwrap_err().to_string();
        assert_eq!(error, "key id \"xyz\" should be 8 lower-case hex digits");
    }

    #[test]
    fn from_bytes_is_lower_hex() {
        assert_eq!(
            KeyId::from_bytes(&[0xde, 0xad, 0xbe, 0xef])
                .unwrap()
                .as_str(),
            "deadbeef"
        );
        assert!(KeyId::from_bytes(&[1, 2, 3]).is_err());
    }
}
