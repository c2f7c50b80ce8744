//! `fehrist serve` and `fehrist tokens`: the registry service and its API tokens.

use clap::{Args, Subcommand};
use fehrist_model::{AccessLevel, Role};
use fehrist_service::now_rfc3339;
use fehrist_service::wire::{TokenMade, TokenSummary};

use crate::Answer;
use crate::output::{print, print_json};
use crate::station::{OpenRegistry as _, Paths, hostname};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Requests without a valid token one client address may make per 10-second
    /// window; later ones are answered 429. Each window's such requests are one audit
    /// event per client, with their count.
    #[arg(long, default_value_t = fehrist_server::AuditLimits::default().anonymous_per_window)]
    anonymous_per_window: u64,
    /// Let callers without a token read what is open (search, browse, record pages,
    /// IIIF), as a portal or any IIIF viewer does; without it only verifying a file
    /// needs no token.
    #[arg(long)]
    public: bool,
    /// Let archivists correct records on their pages: each correction is a new
    /// version signed with this machine's station key (made on first use), as
    /// `fehrist edit` signs it.
    #[arg(long)]
    edits: bool,
    /// The archive's fonds.toml: each fond's page shows its title, creator and
    /// condition, and what is digitized of its declared extent.
    #[arg(long, value_name = "FILE")]
    fonds: Option<std::path::PathBuf>,
}

impl ServeArgs {
    fn limits(&self) -> fehrist_server::AuditLimits {
        fehrist_server::AuditLimits {
            anonymous_per_window: self.anonymous_per_window,
            ..fehrist_server::AuditLimits::default()
        }
    }
}

pub async fn serve(paths: &Paths, args: ServeArgs) -> anyhow::Result<Answer> {
    // A fonds.toml that cannot be read stops the server before it listens.
    let fonds = crate::describe::read_declarations(args.fonds.as_deref())?;
    let mut registry = paths.open_registry().await?;
    // Audit checkpoints are signed with the registry key.
    if let Some(note) = paths.ensure_registry_key(&mut registry).await? {
        eprintln!("fehrist: {note}");
    }
    let editing = if args.edits {
        let station = hostname();
        let (key, _) = paths.station_key(&registry, &station).await?;
        eprintln!(
            "fehrist: archivists' corrections on the pages are signed with key {} ({})",
            key.id(),
            key.name()
        );
        Some(fehrist_server::Editing { key, station })
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
    eprintln!(
        "fehrist: serving the registry on http://{} (API under /api/v1/, ctrl-c or SIGTERM stops)",
        listener.local_addr()?
    );
    // SIGTERM is how systemd and container runtimes stop a service: it drains the
    // audit queue like Ctrl-C.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| anyhow::anyhow!("cannot listen for SIGTERM: {e}"))?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    };
    fehrist_server::serve(
        registry,
        listener,
        args.limits(),
        fehrist_server::ConnectionLimits::default(),
        fehrist_server::Offer {
            public: args.public,
            editing,
            fonds,
        },
        shutdown,
    )
    .await?;
    eprintln!("fehrist: stopped; every request's audit event is written");
    Ok(Answer::Yes)
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Make a token for an agency; it is printed once and kept only as its hash.
    Create {
        #[arg(long)]
        agency: String,
        /// reader, archivist, auditor or admin.
        #[arg(long)]
        role: Role,
        /// The most protected records it may see: open, internal, restricted or secret.
        #[arg(long)]
        clearance: AccessLevel,
    },
    /// Every token: id, agency, role, clearance, made, revoked.
    List,
    /// Revoke a token by its id (the 8 hex digits after `fehrist_`).
    Revoke { id: String },
}

/// A token's record as listed: never its secret.
fn summary(token: &fehrist_model::ApiToken, revoked: bool) -> TokenSummary {
    TokenSummary {
        id: token.id.clone(),
        agency: token.agency.clone(),
        role: token.role,
        clearance: token.clearance,
        created_at: token.created_at.clone(),
        revoked,
    }
}

pub async fn tokens(paths: &Paths, command: TokensCommand, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let store = registry.store();
    match command {
        TokensCommand::Create {
            agency,
            role,
            clearance,
        } => {
            let (token, record) =
                fehrist_server::create_token(store, &agency, role, clearance, &now_rfc3339())
                    .await?;
            if json {
                print_json(&TokenMade {
                    token,
                    summary: summary(&record, false),
                })?;
            } else {
                eprintln!(
                    "fehrist: token {} for {agency} ({role}, clearance {clearance}); it is shown only now",
                    record.id
                );
                print(&format!("{token}\n"))?;
            }
            Ok(Answer::Yes)
        }
        TokensCommand::List => {
            let tokens = fehrist_server::list_tokens(store).await?;
            if json {
                let listed: Vec<TokenSummary> = tokens
                    .iter()
                    .map(|(t, revoked)| summary(t, *revoked))
                    .collect();
                print_json(&listed)?;
            } else {
                let mut text = String::new();
                for (t, revoked) in &tokens {
                    text.push_str(&format!(
                        "{}  {:<24} {:<10} {:<11} {}{}\n",
                        t.id,
                        t.agency,
                        t.role,
                        t.clearance,
                        t.created_at,
                        if *revoked { "  revoked" } else { "" }
                    ));
                }
                print(&text)?;
            }
            Ok(Answer::Yes)
        }
        TokensCommand::Revoke { id } => {
            if fehrist_server::revoke_token(store, &id, &now_rfc3339()).await? {
                eprintln!("fehrist: token {id} revoked");
                Ok(Answer::Yes)
            } else {
                eprintln!("fehrist: no token {id}");
                Ok(Answer::No)
            }
        }
    }
}
