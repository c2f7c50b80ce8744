//! `fehrist keys`: this machine's signing keys and the keys published in the store.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use fehrist_registry::load_or_create_station_key;
use fehrist_service::wire::{KeyList, LocalKey, PublishedKey};

use crate::Answer;
use crate::output::{print, print_json};
use crate::station::{OpenRegistry as _, Paths, hostname};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Signs the manifests of the records this station ingests.
    Station,
    /// Signs the transparency log's checkpoints.
    Registry,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List this machine's keys (public halves only) and the keys published in the store.
    List,
    /// Make a key that does not exist yet and publish it.
    Generate {
        role: Role,
        /// Key name (default: the host name for a station, HOST/fehrist-log for the registry).
        #[arg(long)]
        name: Option<String>,
    },
    /// Replace a key with a new one of the same name. The old key is kept as retired
    /// and stays published, so everything it signed still verifies.
    Rotate { role: Role },
}

fn key_file(paths: &Paths, role: Role) -> &Path {
    match role {
        Role::Station => &paths.station_key,
        Role::Registry => &paths.registry_key,
    }
}

fn default_name(role: Role) -> String {
    match role {
        Role::Station => hostname(),
        Role::Registry => format!("{}/fehrist-log", hostname()),
    }
}

pub async fn keys(
    paths: &Paths,
    command: Option<KeysCommand>,
    json: bool,
) -> anyhow::Result<Answer> {
    match command.unwrap_or(KeysCommand::List) {
        KeysCommand::List => list(paths, json).await,
        KeysCommand::Generate { role, name } => {
            let file = key_file(paths, role);
            anyhow::ensure!(
                !file.exists(),
                "{} exists already; use `fehrist keys rotate`",
                file.display()
            );
            // Making a station's key is setting it up: the one command besides an
            // ingest that may create the registry.
            let registry = crate::station::create_registry(paths).await?;
            let (key, _) =
                load_or_create_station_key(file, &name.unwrap_or_else(|| default_name(role)))?;
            registry.publish_key(&key).await?;
            print(&format!(
                "generated {} ({}) in {}\n",
                key.verifier(),
                key.id(),
                file.display()
            ))?;
            Ok(Answer::Yes)
        }
        KeysCommand::Rotate { role } => {
            let file = key_file(paths, role);
            anyhow::ensure!(
                file.exists(),
                "there is no {} to rotate; use `fehrist keys generate`",
                file.display()
            );
            let (old, _) = load_or_create_station_key(file, "unused")?;
            let retired = PathBuf::from(format!("{}.{}.retired", file.display(), old.id()));
            std::fs::rename(file, &retired)
                .with_context(|| format!("retiring {}", file.display()))?;
            let registry = paths.open_registry().await?;
            let (new, _) = load_or_create_station_key(file, old.name())?;
            registry.publish_key(&new).await?;
            print(&format!(
                "rotated the {} key {}: old {} (kept as {}), new {}\n",
                match role {
                    Role::Station => "station",
                    Role::Registry => "registry",
                },
                new.name(),
                old.id(),
                retired.display(),
                new.id()
            ))?;
            Ok(Answer::Yes)
        }
    }
}

async fn list(paths: &Paths, json: bool) -> anyhow::Result<Answer> {
    let mut local = Vec::new();
    for (role, file) in [
        ("station", &paths.station_key),
        ("registry", &paths.registry_key),
    ] {
        if file.exists() {
            local.push((role, file.clone()));
        }
    }
    local.extend(
        paths
            .retired_keys()
            .into_iter()
            .map(|file| ("retired", file)),
    );
    let mut rows = Vec::new();
    for (role, file) in &local {
        let (key, _) = load_or_create_station_key(file, "unused")?;
        rows.push(LocalKey {
            role: (*role).to_owned(),
            key_id: key.id().clone(),
            verifier_key: key.verifier().to_string(),
            file: file.display().to_string(),
        });
    }
    let registry = paths.open_registry().await?;
    let published = registry.store().list_keys().await?;
    if json {
        print_json(&KeyList {
            local: rows,
            published: published
                .iter()
                .map(|(key_id, verifier_key)| PublishedKey {
                    key_id: key_id.clone(),
                    verifier_key: verifier_key.clone(),
                })
                .collect(),
        })?;
    } else {
        let mut text =
            String::from("this machine (public halves; private keys stay in their 0600 files)\n");
        for key in &rows {
            text.push_str(&format!(
                "  {:<9}{}  {}  {}\n",
                key.role, key.key_id, key.verifier_key, key.file
            ));
        }
        text.push_str("published in the store (keys/)\n");
        for (id, verifier) in &published {
            text.push_str(&format!("  {id}  {verifier}\n"));
        }
        print(&text)?;
    }
    Ok(Answer::Yes)
}
