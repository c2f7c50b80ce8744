//! `fehrist edit`: a person corrects a record's fields, passport or redactions (the
//! personal data hidden from callers below the clearance that reads it). The correction is
//! a new signed version that points to the one it corrects; nothing stored is
//! overwritten, and the record keeps its scan's station, operator and time.

use anyhow::Context as _;
use clap::Args;
use fehrist_model::Role;
use fehrist_service::{EditRequest, ServiceError, now_rfc3339};

use crate::output::{print, print_json};
use crate::station::{OpenRegistry as _, Paths, hostname};
use crate::{Answer, default_archive};

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The record: its id or reference code (the file's current version is corrected).
    pub record: String,
    /// Set a field: `court=Суди ноҳияи Сино`; a JSON list for list fields:
    /// `amounts=[{"value":"1500","currency":"TJS"}]`, `dates=["2024-03-12"]`. The
    /// passport's title, dates, creator and document_type are set in the passport.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Remove a field that was read wrongly and is not on the page.
    #[arg(long = "remove", value_name = "FIELD")]
    remove: Vec<String>,
    /// Hide these words as personal data wherever they stand on the pages (a name the
    /// rules missed): `--redact "Назаров Фаррух"`.
    #[arg(long = "redact", value_name = "WORDS")]
    redact: Vec<String>,
    /// Show again words hidden as personal data that are none (a redaction found wrong).
    #[arg(long = "unredact", value_name = "WORDS")]
    unredact: Vec<String>,
    /// Why the record is corrected; kept in the new version.
    #[arg(long)]
    reason: String,
    /// Who corrects it (default: $FEHRIST_ACTOR or $USER).
    #[arg(long)]
    operator: Option<String>,
}

pub async fn edit(paths: &Paths, args: EditArgs, json: bool) -> anyhow::Result<Answer> {
    let mut set = Vec::new();
    for assignment in &args.set {
        let (name, value) = assignment
            .split_once('=')
            .with_context(|| format!("{assignment:?} should be FIELD=VALUE"))?;
        set.push((name.trim().to_owned(), fehrist_service::field_value(value)?));
    }
    let mut caller = crate::audit::caller(Role::Archivist);
    if let Some(operator) = args.operator {
        caller.actor = operator;
    }
    let mut registry = paths.open_registry().await?;
    let (key, _) = paths.station_key(&registry, &hostname()).await?;
    if let Some(note) = paths.ensure_registry_key(&mut registry).await?
        && !json
    {
        eprintln!("fehrist: {note}");
    }
    let request = EditRequest {
        record: args.record.clone(),
        archive: default_archive(),
        set,
        remove: args.remove,
        redact: args.redact,
        unredact: args.unredact,
        reason: args.reason,
    };
    let edited = fehrist_service::edit(
        &registry,
        &key,
        &caller,
        request,
        &hostname(),
        &now_rfc3339(),
    )
    .await;
    let edited = match edited {
        Err(ServiceError::NotRegistered { name }) => {
            eprintln!("fehrist: {name} is not registered");
            return Ok(Answer::No);
        }
        other => other?,
    };
    if json {
        print_json(&edited)?;
    } else {
        print(&format!(
            "record {}: version {} of {}, with the corrections, signed and logged\n",
            edited.record_id, edited.version, args.record
        ))?;
    }
    Ok(Answer::Yes)
}
