//! Access levels: every record has one, every reader has a clearance.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Ordered from least to most protected: a clearance of `Restricted` may read `Open`,
/// `Internal` and `Restricted` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    Open,
    Internal,
    /// Personal data.
    Restricted,
    /// State secret.
    Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access level {0:?}; expected open, internal, restricted or secret")]
pub struct AccessLevelError(pub String);

impl AccessLevel {
    pub const ALL: [AccessLevel; 4] = [Self::Open, Self::Internal, Self::Restricted, Self::Secret];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Internal => "internal",
            Self::Restricted => "restricted",
            Self::Secret => "secret",
        }
    }
}

impl FromStr for AccessLevel {
    type Err = AccessLevelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| AccessLevelError(text.to_owned()))
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_orders() {
        for level in AccessLevel::ALL {
            assert_eq!(level.as_str().parse::<AccessLevel>(), Ok(level));
        }
        assert!(AccessLevel::Open < AccessLevel::Internal);
        assert!(AccessLevel::Restricted < AccessLevel::Secret);
        assert!("public".parse::<AccessLevel>().is_err());
    }
}
