//! An ingest as a user expects it to end: records registered, sequenced into the
//! transparency log, and the ingest in the audit log.

use std::path::PathBuf;
use std::sync::Arc;

use fehrist_model::Role;
use fehrist_ocr::OcrEngine;
use fehrist_pipeline::{
    BatchSettings, Concurrency, IngestReport, Progress, RecordOutcome, Settings, discover,
};
use fehrist_registry::Registry;

use crate::wire::{IngestAnswer, IngestOutcome, IngestProblem, IngestedRecord};
use crate::{Caller, Opening, Paths, ServiceError};

/// A batch folder and how to read it.
#[derive(Clone)]
pub struct IngestRequest {
    pub folder: PathBuf,
    /// Flags, over the folder's `batch.toml`.
    pub flags: BatchSettings,
    /// The archive when neither `batch.toml` nor a flag names one.
    pub archive: String,
    /// The station's name when neither names one (the host name).
    pub station: String,
    pub concurrency: Concurrency,
    pub engine: Arc<dyn OcrEngine>,
}

impl std::fmt::Debug for IngestRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestRequest")
            .field("folder", &self.folder)
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

/// Ingests a batch folder into the registry at `paths` (made if it does not exist
/// yet), sequences what was registered into the transparency log, and writes the
/// audit event. Inputs that cannot be used are in the answer's `problems`; the other
/// records are registered all the same. `notice` hears about keys made on the way.
pub async fn ingest(
    paths: &Paths,
    caller: &Caller,
    request: IngestRequest,
    progress: &dyn Progress,
    notice: &dyn Fn(&str),
    now: &dyn Fn() -> String,
) -> Result<IngestAnswer, ServiceError> {
    let target = request.folder.display().to_string();
    let planned = plan(caller, &request);
    let (settings, discovery) = match planned {
        Ok(planned) => planned,
        Err(error) => {
            // Nothing to register: the event goes to a registry that exists, and
            // none is made for a batch that cannot be read.
            if let Ok(registry) = paths.open(Opening::Existing, notice).await {
                let event = caller.event(
                    "ingest",
                    &target,
                    fehrist_model::AuditOutcome::Error,
                    &now(),
                );
                registry.record_event(&event).await?;
            }
            return Err(error);
        }
    };
    let mut registry = paths.open(Opening::Create, notice).await?;
    let result = run(
        paths,
        &mut registry,
        &request,
        settings,
        discovery,
        progress,
        notice,
    )
    .await;
    let outcome = match &result {
        Ok(answer) if answer.problems.is_empty() => fehrist_model::AuditOutcome::Success,
        _ => fehrist_model::AuditOutcome::Error,
    };
    let event = caller.event("ingest", &target, outcome, &now());
    registry.record_event(&event).await?;
    result
}

fn plan(
    caller: &Caller,
    request: &IngestRequest,
) -> Result<(Settings, fehrist_pipeline::Discovery), ServiceError> {
    caller.need(Role::Archivist)?;
    if !request.folder.is_dir() {
        return Err(ServiceError::Invalid(format!(
            "{} is not a folder",
            request.folder.display()
        )));
    }
    let given = BatchSettings::read(&request.folder)?.overridden_by(&request.flags);
    let settings = Settings::resolve(given, &request.archive, &caller.actor, &request.station)?;
    let discovery = discover(&request.folder, &settings.archive)?;
    Ok((settings, discovery))
}

async fn run(
    paths: &Paths,
    registry: &mut Registry,
    request: &IngestRequest,
    settings: Settings,
    discovery: fehrist_pipeline::Discovery,
    progress: &dyn Progress,
    notice: &dyn Fn(&str),
) -> Result<IngestAnswer, ServiceError> {
    let (key, created) = paths.station_key(registry, &settings.station).await?;
    if created {
        notice(&format!(
            "new station key {} ({}) in {}",
            key.id(),
            key.name(),
            paths.station_key.display()
        ));
    }
    if let Some(note) = paths.ensure_registry_key(registry).await? {
        notice(&note);
    }
    let report = fehrist_pipeline::ingest(
        registry,
        &key,
        Arc::clone(&request.engine),
        discovery,
        &settings,
        request.concurrency,
        progress,
    )
    .await?;
    // Every record registered now (and any an interrupted run left) goes into the
    // transparency log as one batch under one new checkpoint.
    let logged = registry.sequence().await?;
    Ok(answer(
        &report,
        (logged.appended + logged.recovered) as u64,
        logged.size,
    ))
}

fn answer(report: &IngestReport, logged: u64, log_size: u64) -> IngestAnswer {
    let seconds = report.elapsed.as_secs_f64();
    IngestAnswer {
        registered: report.registered(),
        already_registered: report.already_registered(),
        failed: report.failed(),
        pages_read: report.pages_read,
        pages_skipped: report.pages_skipped,
        seconds,
        pages_per_second: if seconds > 0.0 {
            report.pages_read as f64 / seconds
        } else {
            0.0
        },
        logged,
        log_size,
        records: report
            .outcomes
            .iter()
            .map(|outcome| match outcome {
                RecordOutcome::Registered {
                    id,
                    ref_code,
                    pages,
                } => IngestedRecord {
                    outcome: IngestOutcome::Registered,
                    ref_code: ref_code.clone(),
                    record_id: Some(id.clone()),
                    pages: Some(*pages),
                },
                RecordOutcome::AlreadyRegistered {
                    id,
                    ref_code,
                    pages,
                } => IngestedRecord {
                    outcome: IngestOutcome::AlreadyRegistered,
                    ref_code: ref_code.clone(),
                    record_id: Some(id.clone()),
                    pages: Some(*pages),
                },
                RecordOutcome::Failed { ref_code } => IngestedRecord {
                    outcome: IngestOutcome::Failed,
                    ref_code: ref_code.clone(),
                    record_id: None,
                    pages: None,
                },
            })
            .collect(),
        problems: report
            .problems
            .iter()
            .map(|p| IngestProblem {
                path: p.path.clone(),
                record: p.record.as_ref().map(ToString::to_string),
                reason: p.reason(),
                line: p.to_string(),
            })
            .collect(),
    }
}
