//! `fehrist`: the command line of the Fehrist archive pipeline and registry.
//!
//! Exit codes: 0 success, 1 a valid negative answer (no match, not registered,
//! verification failed), 2 an error (including inputs an ingest could not use).

mod audit;
mod commands;
mod describe;
mod edit;
mod keys;
mod output;
mod serve;
mod station;

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fehrist_model::{AuditOutcome, Role};

/// Fehrist: scans in, signed and searchable archive records out.
#[derive(Debug, Parser)]
#[command(name = "fehrist", version, about)]
struct Cli {
    /// Where records are kept: file://PATH or memory://. The search index and the
    /// station key live beside a file:// store (PATH/../index, PATH/../keys).
    #[arg(
        long,
        global = true,
        env = "FEHRIST_STORE",
        default_value = "file://./var/store"
    )]
    store: String,
    /// Machine-readable JSON on standard output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest a folder of scans: OCR, seal, store and index every file in it.
    Ingest(commands::IngestArgs),
    /// Full-text search over every registered page.
    Search(commands::SearchArgs),
    /// Show a record (by record id or reference code): passport, pages, hashes, signer.
    Show(commands::ShowArgs),
    /// Verify a scanned file (is it a registered, unchanged master?), a whole record,
    /// an evidence bundle (offline), or that the log only grew since a checkpoint.
    Verify(commands::VerifyArgs),
    /// Write an evidence bundle for a record: everything needed to verify it offline.
    Evidence(commands::EvidenceArgs),
    /// Print the transparency log's current signed checkpoint.
    Checkpoint,
    /// Re-read and re-hash every stored object; report missing or altered ones.
    Fixity(commands::FixityArgs),
    /// List the audit trail (every action on this registry) and check it is whole.
    Audit(audit::AuditArgs),
    /// List, generate or rotate the station and registry signing keys.
    Keys {
        #[command(subcommand)]
        command: Option<keys::KeysCommand>,
    },
    /// Rebuild the search index from the store.
    Reindex,
    /// List the quarantine: every batch input that could not be registered, and why.
    Quarantine,
    /// Copy every object the target store lacks (a backup or second site), re-hashing
    /// each blob; run it again to resume or to bring the copy up to date.
    Replicate(commands::ReplicateArgs),
    /// The digital passport of a fond, computed from the registry: inventories, files,
    /// sheets, dates, languages, access levels, OCR confidence, progress.
    Passport(describe::PassportArgs),
    /// Digitization KPIs: pages and records per day, archive, pipeline and station,
    /// quarantined inputs, OCR confidence, backlog against declared extents.
    Report(describe::ReportArgs),
    /// Correct a record's extracted fields: a new signed version, never an overwrite.
    Edit(edit::EditArgs),
    /// Serve the registry over HTTP: the JSON API under /api/v1/ (see
    /// schemas/openapi.json), for the tokens made with `fehrist tokens`.
    Serve(serve::ServeArgs),
    /// Make, list and revoke the API tokens of the registry service.
    Tokens {
        #[command(subcommand)]
        command: serve::TokensCommand,
    },
}

impl Command {
    /// What the audit log records for this command (action, role, target); `None` for
    /// an evidence bundle checked offline, which touches no registry, and for the use
    /// cases that write their own event (ingest, edit).
    fn audited(&self) -> Option<(&'static str, Role, String)> {
        use Role::{Admin, Archivist, Auditor, Reader};
        Some(match self {
            Command::Ingest(_) | Command::Edit(_) => return None,
            Command::Search(args) => ("search", Reader, args.query.clone()),
            Command::Show(args) => ("show", Reader, args.record.clone()),
            Command::Verify(args) if args.is_offline() => return None,
            Command::Verify(args) => ("verify", Auditor, args.describe()),
            Command::Evidence(args) => ("evidence", Auditor, args.record.clone()),
            Command::Checkpoint => ("checkpoint", Auditor, "log".to_owned()),
            Command::Fixity(_) => ("fixity", Auditor, "store".to_owned()),
            Command::Audit(_) => ("audit", Auditor, "audit log".to_owned()),
            Command::Keys { command } => ("keys", Admin, format!("{command:?}")),
            Command::Reindex => ("reindex", Admin, "index".to_owned()),
            Command::Replicate(args) => ("replicate", Admin, args.to.clone()),
            Command::Quarantine => ("quarantine", Archivist, "quarantine".to_owned()),
            Command::Passport(args) => ("passport", Reader, args.fond.clone()),
            Command::Report(_) => ("report", Admin, "kpis".to_owned()),
            Command::Serve(_) => ("serve", Admin, "registry service".to_owned()),
            Command::Tokens { command } => ("tokens", Admin, format!("{command:?}")),
        })
    }
}

/// Outcome of a command that ran: success, or a valid "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

/// Tesseract's OpenMP runtime reads its thread limit when the library loads, before
/// `main`; one thread per engine is far faster here, so the process restarts itself
/// once with the limit in its environment.
fn ensure_single_threaded_ocr() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .exec();
        // Only reached if exec failed; OCR then runs with OpenMP's default.
        let _ = writeln!(
            std::io::stderr(),
            "fehrist: cannot restart with OMP_THREAD_LIMIT=1: {error}"
        );
    }
}

fn main() -> ExitCode {
    ensure_single_threaded_ocr();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("fehrist: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let paths = station::Paths::for_store(&cli.store);
    let audited = cli.command.audited();
    let result = runtime.block_on(async {
        match cli.command {
            Command::Ingest(args) => commands::ingest(&paths, args, cli.json).await,
            Command::Search(args) => commands::search(&paths, args, cli.json).await,
            Command::Show(args) => commands::show(&paths, args, cli.json).await,
            Command::Verify(args) => commands::verify(&paths, args, cli.json).await,
            Command::Evidence(args) => commands::evidence(&paths, args).await,
            Command::Checkpoint => commands::checkpoint(&paths).await,
            Command::Fixity(args) => commands::fixity(&paths, args, cli.json).await,
            Command::Audit(args) => audit::audit(&paths, args, cli.json).await,
            Command::Keys { command } => keys::keys(&paths, command, cli.json).await,
            Command::Reindex => commands::reindex(&paths, cli.json).await,
            Command::Replicate(args) => commands::replicate(&paths, args, cli.json).await,
            Command::Quarantine => commands::quarantine(&paths, cli.json).await,
            Command::Passport(args) => describe::passport(&paths, args, cli.json).await,
            Command::Report(args) => describe::report(&paths, args, cli.json).await,
            Command::Edit(args) => edit::edit(&paths, args, cli.json).await,
            Command::Serve(args) => serve::serve(&paths, args).await,
            Command::Tokens { command } => serve::tokens(&paths, command, cli.json).await,
        }
    });
    // Every action on the registry is written to the audit log, whatever its outcome.
    if let Some((action, role, target)) = audited {
        let outcome = match &result {
            Ok(Answer::Yes) => AuditOutcome::Success,
            Ok(Answer::No) => AuditOutcome::Negative,
            Err(_) => AuditOutcome::Error,
        };
        if let Err(error) = runtime.block_on(audit::record(&paths, action, role, target, outcome)) {
            if let Err(failed) = &result {
                eprintln!("fehrist: {failed:#}");
            }
            eprintln!("fehrist: the action could not be written to the audit log: {error:#}");
            return ExitCode::from(2);
        }
    }
    match result {
        Ok(Answer::Yes) => ExitCode::SUCCESS,
        Ok(Answer::No) => ExitCode::from(1),
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fehrist: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The default archive code, used when neither `batch.toml` nor a flag names one.
pub fn default_archive() -> String {
    std::env::var("FEHRIST_ARCHIVE").unwrap_or_else(|_| "TJ-CSA".to_owned())
}

/// A path as given, for messages.
pub fn shown(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}
