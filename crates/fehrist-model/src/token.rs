//! API tokens of the registry service: who a caller is (agency), what it may do (role)
//! and what it may see (clearance). Only a token's SHA-256 is kept; the token itself is
//! shown once, when it is made.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AccessLevel, Digest};

/// What a caller may do. Each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Search and read records, pages, fonds; verify a file.
    Reader,
    /// …and the quarantine of refused inputs.
    Archivist,
    /// …and evidence bundles and the audit trail.
    Auditor,
    /// …and everything else.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Archivist => "archivist",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may: readers read; archivists and
    /// auditors read and do their own work; admins do everything.
    pub fn allows(self, needed: Role) -> bool {
        self == needed || needed == Role::Reader || self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role {0:?} should be reader, archivist, auditor or admin")]
pub struct RoleError(String);

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "reader" => Ok(Role::Reader),
            "archivist" => Ok(Role::Archivist),
            "auditor" => Ok(Role::Auditor),
            "admin" => Ok(Role::Admin),
            other => Err(RoleError(other.to_owned())),
        }
    }
}

pub const TOKEN_VERSION: u32 = 1;

/// A token as the registry keeps it (`tokens/<id>.json`): never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub token_version: u32,
    /// 8 lower-case hex digits; the token is written `fehrist_<id>_<secret>`.
    pub id: String,
    pub agency: String,
    pub role: Role,
    pub clearance: AccessLevel,
    /// SHA-256 of the whole token string.
    pub sha256: Digest,
    pub created_at: String,
}

impl ApiToken {
    /// The id a token string names, if it has the token's shape.
    pub fn id_of(token: &str) -> Option<&str> {
        let rest = token.strip_prefix("fehrist_")?;
        let (id, secret) = rest.split_once('_')?;
        (id.len() == 8
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && secret.len() >= 32)
            .then_some(id)
    }

    /// Whether a caller with this token may see a record of `access`.
    pub fn may_see(&self, access: AccessLevel) -> bool {
        access <= self.clearance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_token_shapes() {
        assert!(Role::Admin.allows(Role::Auditor));
        assert!(Role::Auditor.allows(Role::Reader));
        assert!(!Role::Reader.allows(Role::Auditor));
        assert!(!Role::Archivist.allows(Role::Auditor));
        assert_eq!("auditor".parse::<Role>(), Ok(Role::Auditor));
        assert!("root".parse::<Role>().is_err());
        let token = format!("fehrist_0a1b2c3d_{}", "x".repeat(43));
        assert_eq!(ApiToken::id_of(&token), Some("0a1b2c3d"));
        assert_eq!(
            ApiToken::id_of("fehrist_0A1B2C3D_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            None
        );
        assert_eq!(ApiToken::id_of("Bearer something"), None);
    }
}
