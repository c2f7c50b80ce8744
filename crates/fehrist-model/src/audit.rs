//! Audit events: one per user action (action-plan item 13), each an entry of the
//! audit transparency log as its canonical JSON.
//!
//! ```json
//! {"action":"search","actor":"n.karimova","agency":"local","client":"cli@scan-2",
//!  "event_version":1,"outcome":"success","role":"reader","target":"бойгониҳо",
//!  "time":"2026-11-21T10:00:00Z"}
//! ```
//!
//! Requests without a valid token, and refused ones, are many and cheap to send: the
//! service tallies them per client and window, and one event then stands for all of
//! them (`"count":4180`, the first one's action, target and time). Every field has a
//! bound ([`AuditEvent::bounded`]), so no request can make an entry large: an entry can
//! never be removed from the signed log again.

use serde::{Deserialize, Serialize};

pub const AUDIT_EVENT_VERSION: u32 = 1;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// How many requests this event stands for, when more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Most characters of an event's target kept as given; the rest is named by its hash.
pub const MAX_AUDIT_TARGET_CHARS: usize = 1024;
/// Most characters of an event's other texts kept as given.
pub const MAX_AUDIT_NAME_CHARS: usize = 200;

impl AuditEvent {
    /// The event with every text within its bound: a longer one keeps its first
    /// characters, then `…sha256:` and the SHA-256 (hex, from `sha256_hex`) of the whole
    /// text, so two different long targets never read the same.
    pub fn bounded(mut self, sha256_hex: impl Fn(&[u8]) -> String) -> Self {
        let bound = |text: &mut String, max: usize| {
            if text.chars().count() > max {
                let kept: String = text.chars().take(max).collect();
                *text = format!("{kept}…sha256:{}", sha256_hex(text.as_bytes()));
            }
        };
        bound(&mut self.target, MAX_AUDIT_TARGET_CHARS);
        for text in [
            &mut self.time,
            &mut self.actor,
            &mut self.agency,
            &mut self.role,
            &mut self.action,
            &mut self.client,
        ] {
            bound(text, MAX_AUDIT_NAME_CHARS);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(target: &str) -> AuditEvent {
        AuditEvent {
            event_version: AUDIT_EVENT_VERSION,
            time: "2026-11-21T10:00:00Z".into(),
            actor: "anonymous".into(),
            agency: "-".into(),
            role: "anonymous".into(),
            action: "search".into(),
            target: target.into(),
            outcome: AuditOutcome::Denied,
            client: "http@127.0.0.1".into(),
            count: None,
        }
    }

    #[test]
    fn long_targets_keep_their_start_and_a_hash_of_the_whole() {
        let fake_hash = |bytes: &[u8]| format!("{:064x}", bytes.len());
        let short = event("/api/v1/search?q=x").bounded(fake_hash);
        assert_eq!(short.target, "/api/v1/search?q=x");
        let long_target = format!("/api/v1/search?q={}", "a".repeat(60_000));
        let long = event(&long_target).bounded(fake_hash);
        assert!(long.target.starts_with("/api/v1/search?q=aaa"));
        assert_eq!(
            long.target.chars().count(),
            MAX_AUDIT_TARGET_CHARS + "…sha256:".chars().count() + 64
        );
        assert!(long.target.ends_with(&fake_hash(long_target.as_bytes())));
        let mut agency = event("x");
        agency.agency = "Ministry ".repeat(100);
        assert!(agency.bounded(fake_hash).agency.chars().count() < 300);
    }

    #[test]
    fn a_count_is_written_only_when_there_is_one() {
        let one = serde_json::to_string(&event("x")).unwrap();
        assert!(!one.contains("count"), "{one}");
        let mut many = event("x");
        many.count = Some(4180);
        let text = serde_json::to_string(&many).unwrap();
        assert!(text.contains("\"count\":4180"), "{text}");
        assert_eq!(
            serde_json::from_str::<AuditEvent>(&one).unwrap(),
            event("x")
        );
    }
}
