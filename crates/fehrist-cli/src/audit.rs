//! Writing every command to the audit log, and `fehrist audit` to read it back.

use clap::Args;
use fehrist_model::{AuditEvent, AuditOutcome, Role};
use fehrist_service::wire::{AuditTrailAnswer, IndexedEvent};
use fehrist_service::{Caller, Opening, ServiceError, now_rfc3339};

use crate::Answer;
use crate::output::{print, print_json};
use crate::station::{OpenRegistry as _, Paths, hostname};

/// Who is acting: `FEHRIST_ACTOR`, else the login name.
fn actor() -> String {
    std::env::var("FEHRIST_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The person at this machine, acting in `role`.
pub fn caller(role: Role) -> Caller {
    let agency = std::env::var("FEHRIST_AGENCY").unwrap_or_else(|_| "local".to_owned());
    Caller::local(&actor(), &agency, role, &hostname())
}

/// Appends one event for a command that ran. The first event on a machine makes its
/// registry key, which signs the audit checkpoints. A command on a registry that does
/// not exist, or cannot be reached, leaves no event: there is no audit log to write to
/// (the command itself has failed saying so), and none is made.
pub async fn record(
    paths: &Paths,
    action: &str,
    role: Role,
    target: String,
    outcome: AuditOutcome,
) -> anyhow::Result<()> {
    let mut registry = match paths.open(Opening::Existing, &|_| {}).await {
        Ok(registry) => registry,
        Err(ServiceError::NoRegistry { .. } | ServiceError::StoreUnreachable { .. }) => {
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    paths.ensure_registry_key(&mut registry).await?;
    let event = caller(role).event(action, &target, outcome, &now_rfc3339());
    registry.record_event(&event).await?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only events of this action (ingest, search, show, verify, …).
    #[arg(long)]
    action: Option<String>,
    /// Only events by this actor.
    #[arg(long)]
    actor: Option<String>,
    /// Only the last N matching events.
    #[arg(long)]
    last: Option<usize>,
}

pub async fn audit(paths: &Paths, args: AuditArgs, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let trail = registry.audit_trail().await?;
    let mut events: Vec<&(u64, AuditEvent)> = trail
        .events
        .iter()
        .filter(|(_, e)| args.action.as_deref().is_none_or(|a| e.action == a))
        .filter(|(_, e)| args.actor.as_deref().is_none_or(|a| e.actor == a))
        .collect();
    if let Some(last) = args.last {
        events = events.split_off(events.len().saturating_sub(last));
    }
    if json {
        print_json(&AuditTrailAnswer {
            size: trail.size,
            intact: trail.problems.is_empty(),
            problems: trail.problems.clone(),
            events: events
                .iter()
                .map(|(index, event)| IndexedEvent {
                    index: *index,
                    event: event.clone(),
                })
                .collect(),
        })?;
    } else {
        let mut text = String::new();
        for (index, e) in &events {
            let times = e.count.map(|n| format!("  ×{n}")).unwrap_or_default();
            text.push_str(&format!(
                "{index:>6}  {}  {}@{} ({})  {} {:?}  {}  from {}{times}\n",
                e.time,
                e.actor,
                e.agency,
                e.role,
                e.action,
                e.target,
                e.outcome.as_str(),
                e.client
            ));
        }
        if trail.problems.is_empty() {
            text.push_str(&format!(
                "audit log intact: {} event(s), each checked against the signed checkpoint\n",
                trail.size
            ));
        } else {
            text.push_str("AUDIT LOG DAMAGED:\n");
            for problem in &trail.problems {
                text.push_str(&format!("  {problem}\n"));
            }
        }
        print(&text)?;
    }
    Ok(if trail.problems.is_empty() {
        Answer::Yes
    } else {
        Answer::No
    })
}
