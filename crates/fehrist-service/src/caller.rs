//! Who asks: the role decides which use cases it may run, the clearance which records
//! exist for it and which fields it may read.

use fehrist_model::{AUDIT_EVENT_VERSION, AccessLevel, ApiToken, AuditEvent, AuditOutcome, Role};

use crate::ServiceError;

/// The caller of a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The person or system acting (`n.karimova`, a token id).
    pub actor: String,
    pub agency: String,
    pub role: Role,
    pub clearance: AccessLevel,
    /// Where the request came from (`cli@HOST`, an address).
    pub client: String,
}

/// The actor of a caller without a token (a token's id is hex, never this).
const ANONYMOUS: &str = "anonymous";

impl Caller {
    /// A person at this machine, holding its keys: the store is theirs to read whole.
    pub fn local(actor: &str, agency: &str, role: Role, host: &str) -> Self {
        Caller {
            actor: actor.to_owned(),
            agency: agency.to_owned(),
            role,
            clearance: AccessLevel::Secret,
            client: format!("cli@{host}"),
        }
    }

    /// Anyone, without a token: the `open` clearance, a reader's use cases.
    pub fn anonymous(client: &str) -> Self {
        Caller {
            actor: ANONYMOUS.to_owned(),
            agency: "-".to_owned(),
            role: Role::Reader,
            clearance: AccessLevel::Open,
            client: client.to_owned(),
        }
    }

    /// The caller an API token names.
    pub fn of_token(token: &ApiToken, client: &str) -> Self {
        Caller {
            actor: token.id.clone(),
            agency: token.agency.clone(),
            role: token.role,
            clearance: token.clearance,
            client: client.to_owned(),
        }
    }

    /// Whether the caller showed no token.
    pub fn is_anonymous(&self) -> bool {
        self.actor == ANONYMOUS
    }

    pub fn may_see(&self, access: AccessLevel) -> bool {
        access <= self.clearance
    }

    /// Refuses a use case the caller's role does not allow.
    pub fn need(&self, role: Role) -> Result<(), ServiceError> {
        if self.role.allows(role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(role))
        }
    }

    /// The audit event of an action this caller took.
    pub fn event(&self, action: &str, target: &str, outcome: AuditOutcome, at: &str) -> AuditEvent {
        AuditEvent {
            event_version: AUDIT_EVENT_VERSION,
            time: at.to_owned(),
            actor: self.actor.clone(),
            agency: self.agency.clone(),
            role: self.role.as_str().to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            outcome,
            client: self.client.clone(),
            count: None,
        }
    }
}
