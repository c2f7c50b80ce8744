//! A quarantine entry: a batch input that could not be registered, and why.
//!
//! Stored as canonical JSON at `quarantine/<id>.json`, create-only; the original file
//! is never moved or altered, so the entry names it (path in the batch, digest and
//! size when it could be read) rather than holding it.
//!
//! ```json
//! {"at":"2026-11-21T10:00:00Z","operator":"operator","path":"F-12/O-3/D-48/0002.jpg",
//!  "reason":"unusable file: not a PNG, JPEG, TIFF or PDF file","record":"TJ-CSA/F-12/O-3/D-48",
//!  "sha256":"…","size":17,"station":"station-1"}
//! ```

use serde::{Deserialize, Serialize};

use crate::Digest;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantineEntry {
    /// The input, relative to the batch folder (`inventory.csv:LINE` for a row).
    pub path: String,
    /// The record it kept from being registered, if any; or, with `sheet`, the record
    /// that was registered with that sheet unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The sheet of the registered `record` that could not be read (its file was sound
    /// and is kept whole). Absent when the input kept its record from being registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<u32>,
    /// Why, with its causes.
    pub reason: String,
    /// The file's SHA-256 and size, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    pub station: String,
    pub operator: String,
    /// RFC 3339 UTC, whole seconds.
    pub at: String,
}

impl QuarantineEntry {
    /// Whether the input was refused (nothing registered from it), rather than
    /// registered with one of its sheets unread.
    pub fn refused(&self) -> bool {
        self.sheet.is_none()
    }
}
