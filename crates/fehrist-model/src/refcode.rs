//! Reference codes: the natural key archivists write on every file.
//!
//! ```text
//! TJ-CSA/F-12/O-3/D-45        a file (storage unit): archive, fond, inventory, file
//! TJ-CSA/F-12/O-3/D-45/L-7    one sheet of it
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed reference code. Printing it gives back exactly the canonical text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefCode {
    archive: String,
    fond: String,
    inventory: String,
    file: String,
    sheet: Option<u32>,
}

/// Why a text is not a reference code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefCodeError {
    #[error(
        "reference code {code:?} has {found} parts; expected ARCHIVE/F-n/O-n/D-n with an optional /L-n"
    )]
    PartCount { code: String, found: usize },
    #[error(
        "reference code {code:?}: archive code {part:?} must be upper-case letters, digits and hyphens"
    )]
    Archive { code: String, part: String },
    #[error("reference code {code:?}: {part:?} should be {level} written {prefix}<number>")]
    Level {
        code: String,
        part: String,
        level: &'static str,
        prefix: &'static str,
    },
    #[error("reference code {code:?}: sheet {part:?} should be L-<number> with a number from 1")]
    Sheet { code: String, part: String },
}

impl RefCode {
    /// Builds a file-level code from an archive code and the `F-n/O-n/D-n` path that
    /// scanning stations use as folder names.
    pub fn from_archive_and_path(archive: &str, path: &str) -> Result<Self, RefCodeError> {
        format!("{archive}/{}", path.trim_matches('/')).parse()
    }

    pub fn archive(&self) -> &str {
        &self.archive
    }

    /// The fond part, e.g. `F-12`.
    pub fn fond(&self) -> &str {
        &self.fond
    }

    /// The inventory part, e.g. `O-3`.
    pub fn inventory(&self) -> &str {
        &self.inventory
    }

    /// The file (storage unit) part, e.g. `D-45`.
    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn sheet(&self) -> Option<u32> {
        self.sheet
    }

    /// The code of the file that holds this sheet (itself for a file-level code).
    pub fn file_code(&self) -> RefCode {
        RefCode {
            sheet: None,
            ..self.clone()
        }
    }

    /// The code of one sheet of this file.
    pub fn with_sheet(&self, sheet: u32) -> RefCode {
        RefCode {
            sheet: Some(sheet),
            ..self.clone()
        }
    }

    /// The fond's own code, `TJ-CSA/F-12`.
    pub fn fond_code(&self) -> String {
        format!("{}/{}", self.archive, self.fond)
    }
}

fn is_archive_code(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('-')
        && !part.ends_with('-')
        && part
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// The identifier after a level prefix: digits, optionally with letters for the
/// lettered fonds and files archives keep (`F-R12`, `D-45a`).
fn level_identifier<'a>(part: &'a str, prefix: &str) -> Option<&'a str> {
    let id = part.strip_prefix(prefix)?;
    let valid = id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().any(|c| c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.ends_with('-');
    valid.then_some(id)
}

impl FromStr for RefCode {
    type Err = RefCodeError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = code.split('/').collect();
        if !(4..=5).contains(&parts.len()) {
            return Err(RefCodeError::PartCount {
                code: code.to_owned(),
                found: parts.len(),
            });
        }
        if !is_archive_code(parts[0]) {
            return Err(RefCodeError::Archive {
                code: code.to_owned(),
                part: parts[0].to_owned(),
            });
        }
        let levels = [("fond", "F-"), ("inventory", "O-"), ("file", "D-")];
        for (part, (level, prefix)) in parts[1..4].iter().zip(levels) {
            if level_identifier(part, prefix).is_none() {
                return Err(RefCodeError::Level {
                    code: code.to_owned(),
                    part: (*part).to_owned(),
                    level,
                    prefix,
                });
            }
        }
        let sheet = match parts.get(4) {
            None => None,
            Some(part) => {
                let number = part
                    .strip_prefix("L-")
                    .filter(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0'))
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| RefCodeError::Sheet {
                        code: code.to_owned(),
                        part: (*part).to_owned(),
                    })?;
                Some(number)
            }
        };
        Ok(RefCode {
            archive: parts[0].to_owned(),
            fond: parts[1].to_owned(),
            inventory: parts[2].to_owned(),
            file: parts[3].to_owned(),
            sheet,
        })
    }
}

impl fmt::Display for RefCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.archive, self.fond, self.inventory, self.file
        )?;
        if let Some(sheet) = self.sheet {
            write!(f, "/L-{sheet}")?;
        }
        Ok(())
    }
}

impl Serialize for RefCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RefCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_round_trip(code: &str) {
        let parsed: RefCode = code.parse().expect(code);
        assert_eq!(parsed.to_string(), code);
    }

    fn check_error(code: &str, expected: &str) {
        let error = code.parse::<RefCode>().expect_err(code).to_string();
        assert!(error.contains(expected), "{code}: {error}");
    }

    #[test]
    fn round_trips() {
        for code in [
            "TJ-CSA/F-12/O-3/D-45",
            "TJ-CSA/F-12/O-3/D-45/L-7",
            "TJ-SUGHD2/F-R1024/O-1/D-45a",
            "A/F-1/O-1/D-1/L-1000",
        ] {
            check_round_trip(code);
        }
    }

    #[test]
    fn parts() {
        let code: RefCode = "TJ-CSA/F-12/O-3/D-45/L-7".parse().unwrap();
        assert_eq!(code.archive(), "TJ-CSA");
        assert_eq!(code.fond(), "F-12");
        assert_eq!(code.inventory(), "O-3");
        assert_eq!(code.file(), "D-45");
        assert_eq!(code.sheet(), Some(7));
        assert_eq!(code.file_code().to_string(), "TJ-CSA/F-12/O-3/D-45");
        assert_eq!(code.fond_code(), "TJ-CSA/F-12");
        assert_eq!(
            code.file_code().with_sheet(2).to_string(),
            "TJ-CSA/F-12/O-3/D-45/L-2"
        );
    }

    #[test]
    fn from_folder_path() {
        let code = RefCode::from_archive_and_path("TJ-CSA", "F-12/O-3/D-45/").unwrap();
        assert_eq!(code.to_string(), "TJ-CSA/F-12/O-3/D-45");
    }

    #[test]
    fn malformed_codes_say_what_is_wrong() {
        check_error("", "has 1 parts");
        check_error("TJ-CSA/F-12/O-3", "has 3 parts");
        check_error("TJ-CSA/F-12/O-3/D-45/L-7/X", "has 6 parts");
        check_error("tj-csa/F-12/O-3/D-45", "archive code \"tj-csa\"");
        check_error("TJ-CSA/12/O-3/D-45", "should be fond written F-<number>");
        check_error(
            "TJ-CSA/F-12/D-3/D-45",
            "should be inventory written O-<number>",
        );
        check_error("TJ-CSA/F-12/O-3/D-", "should be file written D-<number>");
        check_error("TJ-CSA/F-12/O-3/D-abc", "should be file");
        check_error("TJ-CSA/F-12/O-3/D-45/L-0", "sheet \"L-0\"");
        check_error("TJ-CSA/F-12/O-3/D-45/L-07", "sheet \"L-07\"");
        check_error("TJ-CSA/F-12/O-3/D-45/7", "sheet \"7\"");
    }

    #[test]
    fn serde_uses_the_text_form() {
        let code: RefCode = "TJ-CSA/F-12/O-3/D-45".parse().unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"TJ-CSA/F-12/O-3/D-45\"");
        let back: RefCode = serde_json::from_str(&json).unwrap();
        assert_eq!(back, code);
        assert!(serde_json::from_str::<RefCode>("\"F-12\"").is_err());
    }
}
