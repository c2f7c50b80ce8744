//! Audit events: one per user action (action-plan item 13), each an entry of the
//! audit transparency log as its canonical JSON.
//!
//! ```json
//! {"action":"search","actor":"n.karimova","agency":"local","client":"cli@scan-2",
//!  "event_version":1,"outcome":"success","role":"reader","target":"бойгониҳо",
//!  "time":"2026-11-21T10:00:00Z"}
//! ```

use serde::{Deserialize, Serialize};

pub const AUDIT_EVENT_VERSION: u32 = 1;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    /// A valid "no": not found, not registered, verification failed.
    Negative,
    Error,
    /// Refused for lack of authorization.
    Denied,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Negative => "negative",
            Self::Error => "error",
            Self::Denied => "denied",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub event_version: u32,
    /// RFC 3339 UTC, whole seconds.
    pub time: String,
    pub actor: String,
    pub agency: String,
    /// reader, archivist, auditor or admin.
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: AuditOutcome,
    /// Where the action came from: `cli@HOST`, or a client address.
    pub client: String,
}
