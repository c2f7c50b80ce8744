//! `fehrist edit`: a person corrects a record's fields. The correction is a new signed
//! version that points to the one it corrects; nothing stored is overwritten.

use anyhow::Context as _;
use clap::Args;
use fehrist_model::{FieldOrigin, FieldSource, FieldValue, Manifest};
use fehrist_pipeline::{PipelineDefinition, conforms, now_rfc3339};
use fehrist_registry::{NewRecord, Registered};
use fehrist_schema::Schema;
use fehrist_seal::{canonical_json, edited_record_id};

use crate::Answer;
use crate::commands::resolve_record;
use crate::output::{print, print_json};
use crate::station::{Paths, hostname};

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The record: its id or reference code (the newest version is corrected).
    pub record: String,
    /// Set a field: `court=Суди ноҳияи Сино`; a JSON list for list fields:
    /// `amounts=[{"value":"1500","currency":"TJS"}]`, `dates=["2024-03-12"]`.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Remove a field that was read wrongly and is not on the page.
    #[arg(long = "remove", value_name = "FIELD")]
    remove: Vec<String>,
    /// Who corrects it (default: $USER).
    #[arg(long)]
    operator: Option<String>,
}

fn parse_value(text: &str) -> anyhow::Result<FieldValue> {
    if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .with_context(|| format!("{text:?} is not a JSON list of texts or amounts"))
    } else {
        Ok(FieldValue::Text(text.trim().to_owned()))
    }
}

pub async fn edit(paths: &Paths, args: EditArgs, json: bool) -> anyhow::Result<Answer> {
    anyhow::ensure!(
        !args.set.is_empty() || !args.remove.is_empty(),
        "nothing to change: give --set FIELD=VALUE or --remove FIELD"
    );
    let editor = args
        .operator
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".to_owned());
    let mut registry = paths.open_registry().await?;
    let Some(current) = resolve_record(&registry, &args.record).await? else {
        eprintln!("fehrist: {} is not registered", args.record);
        return Ok(Answer::No);
    };
    let old = current.manifest;
    let mut manifest: Manifest = old.clone();
    let edited_source = |field: String| FieldSource {
        field,
        span: None,
        confidence: 100,
        origin: FieldOrigin::Edited,
        editor: Some(editor.clone()),
    };
    let same_field = |source: &FieldSource, name: &str| {
        source.field == name || source.field.starts_with(&format!("{name}/"))
    };
    for name in &args.remove {
        anyhow::ensure!(
            manifest.fields.remove(name).is_some(),
            "the record has no field {name:?}"
        );
        manifest.field_sources.retain(|s| !same_field(s, name));
    }
    for assignment in &args.set {
        let (name, value) = assignment
            .split_once('=')
            .with_context(|| format!("{assignment:?} should be FIELD=VALUE"))?;
        let name = name.trim().to_owned();
        let value = parse_value(value)?;
        manifest.field_sources.retain(|s| !same_field(s, &name));
        match &value {
            FieldValue::Text(_) => manifest.field_sources.push(edited_source(name.clone())),
            FieldValue::Texts(items) => manifest
                .field_sources
                .extend((0..items.len()).map(|i| edited_source(format!("{name}/{i}")))),
            FieldValue::Amounts(items) => manifest
                .field_sources
                .extend((0..items.len()).map(|i| edited_source(format!("{name}/{i}")))),
        }
        manifest.fields.insert(name, value);
    }
    // The corrected record must still match its schemas, which name the wrong field.
    let schema = PipelineDefinition::shipped(&manifest.pipeline.name)
        .map(|p| p.fields_schema())
        .unwrap_or(Schema::Record);
    conforms(&manifest, schema).context("the corrected record")?;
    let corrected = canonical_json("fields", &manifest.fields)?;
    manifest.record_id = edited_record_id(&old.record_id, &corrected);
    manifest.previous = Some(old.record_id.clone());
    manifest.operator = editor.clone();
    manifest.station = hostname();
    manifest.registered_at = now_rfc3339();

    let (key, _) = paths.station_key(&registry, &hostname()).await?;
    if let Some(note) = paths.ensure_registry_key(&mut registry).await?
        && !json
    {
        eprintln!("fehrist: {note}");
    }
    let texts = registry.page_texts(&old).await?;
    let id = manifest.record_id.clone();
    let outcome = registry
        .register(
            &key,
            NewRecord {
                manifest,
                blobs: Vec::new(),
                texts,
            },
        )
        .await?;
    registry.commit_index()?;
    let logged = registry.sequence().await?;
    let new = outcome == Registered::New;
    if json {
        print_json(&serde_json::json!({
            "record_id": id.as_str(),
            "previous": old.record_id.as_str(),
            "new_version": new,
            "log_size": logged.size,
        }))?;
    } else if new {
        print(&format!(
            "record {id}: new version of {} with the corrected fields, signed and logged\n",
            old.record_id
        ))?;
    } else {
        print(&format!(
            "record {id}: this correction was already registered\n"
        ))?;
    }
    Ok(Answer::Yes)
}
