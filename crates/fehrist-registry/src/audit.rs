//! The audit trail: every user action as an entry of a second transparency log, so an
//! event deleted or altered afterwards no longer matches the signed checkpoint.

use fehrist_model::AuditEvent;
use fehrist_seal::canonical_json;
use fehrist_seal::log::{TreeHashes, check_inclusion, open_checkpoint};
use fehrist_store::LogName;

use crate::{Registry, RegistryError};

/// The audit log read back and checked.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    pub size: u64,
    /// Every event with its index, oldest first.
    pub events: Vec<(u64, AuditEvent)>,
    /// What does not check out; empty when the trail is whole.
    pub problems: Vec<String>,
}

impl Registry {
    fn audit_origin(&self) -> Result<String, RegistryError> {
        let key = self.log_key.as_ref().ok_or(RegistryError::NoLogKey)?;
        Ok(format!("{}/audit", key.name()))
    }

    /// Appends one event to the audit log under a new signed checkpoint; returns its
    /// index.
    pub async fn record_event(&self, event: &AuditEvent) -> Result<u64, RegistryError> {
        self.record_events(std::slice::from_ref(event)).await
    }

    /// Appends events, in order, under one new signed checkpoint (a service writes the
    /// events of many requests at once); returns the index of the first.
    pub async fn record_events(&self, events: &[AuditEvent]) -> Result<u64, RegistryError> {
        let key = self.log_key.as_ref().ok_or(RegistryError::NoLogKey)?;
        let origin = self.audit_origin()?;
        // Bounded here, where every event passes, whoever made it.
        let entries = events
            .iter()
            .map(|event| {
                let event = event
                    .clone()
                    .bounded(|bytes| fehrist_seal::sha256(bytes).to_string());
                canonical_json("audit event", &event)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let lock = self.store.lock_log(LogName::Audit).await?;
        let appended = async {
            let current = self.store.checkpoint(LogName::Audit).await?;
            let size = match &current {
                Some(note) => open_checkpoint(note, &self.checkpoint_key(note).await?)?.size,
                None => 0,
            };
            self.append_entries(&lock, current.as_ref(), size, &entries, &origin, key)
                .await
        }
        .await;
        self.store.release(lock).await?;
        Ok(appended?.first_index)
    }

    /// Reads every audit event and checks each against the signed audit checkpoint.
    pub async fn audit_trail(&self) -> Result<AuditTrail, RegistryError> {
        let mut trail = AuditTrail {
            size: 0,
            events: Vec::new(),
            problems: Vec::new(),
        };
        let current = match self.current_checkpoint_of(LogName::Audit).await {
            Ok(Some(current)) => current,
            Ok(None) => return Ok(trail),
            Err(e) => {
                trail
                    .problems
                    .push(format!("audit/checkpoint: {}", crate::error_chain(&e)));
                return Ok(trail);
            }
        };
        let checkpoint = current.checkpoint;
        trail.size = checkpoint.size;
        let mut hashes = TreeHashes::new(checkpoint.size);
        for index in 0..checkpoint.size {
            let read = async {
                let entry = self
                    .resolve(LogName::Audit, &mut hashes, |h| Ok(h.entry(index)))
                    .await?;
                let proof = self
                    .resolve(LogName::Audit, &mut hashes, |h| h.inclusion_proof(index))
                    .await?;
                Ok::<_, RegistryError>((entry, proof))
            };
            let (entry, proof) = match read.await {
                Ok(read) => read,
                Err(e) => {
                    trail.problems.push(format!(
                        "event {index}: cannot be read: {}",
                        crate::error_chain(&e)
                    ));
                    // The tiles past this point are as unreadable; say so once.
                    break;
                }
            };
            if check_inclusion(&proof, checkpoint.size, &checkpoint.root, index, &entry).is_err() {
                trail.problems.push(format!(
                    "event {index}: altered or removed (it no longer matches the signed checkpoint)"
                ));
            }
            match serde_json::from_slice::<AuditEvent>(&entry) {
                Ok(event) => trail.events.push((index, event)),
                Err(e) => trail
                    .problems
                    .push(format!("event {index}: not an audit event: {e}")),
            }
        }
        Ok(trail)
    }
}
