//! One function per command.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use fehrist_index::SearchRequest;
use fehrist_model::AccessLevel;
use fehrist_ocr::Tesseract;
use fehrist_registry::{Registry, RegistryError, StoredRecord};
use fehrist_registry::{error_chain as chain, load_or_create_station_key};
use fehrist_seal::VerifierKey;
use fehrist_seal::evidence::{EVIDENCE_FORMAT, EvidenceBundle};
use fehrist_service::wire::{
    BundleVerification, IngestOutcome, LogConsistency, RecordProblem, RecordVerdict, Reindexed,
};
use fehrist_service::{BatchSettings, Concurrency, InputProblem, Progress, now_rfc3339};
use fehrist_service::{IngestRequest, ServiceError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::output::{mark, print, print_json};
use crate::station::{OpenRegistry as _, Paths, hostname};
use crate::{Answer, default_archive, shown};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The batch folder: F-n/O-n/D-n/ folders of scans, optional batch.toml and inventory.csv.
    pub folder: PathBuf,
    /// Archive code (overrides batch.toml; default $FEHRIST_ARCHIVE or TJ-CSA).
    #[arg(long)]
    archive: Option<String>,
    /// Pipeline definition to use.
    #[arg(long)]
    pipeline: Option<String>,
    /// Access level of the records: open, internal, restricted or secret.
    #[arg(long)]
    access: Option<AccessLevel>,
    /// OCR languages in priority order, e.g. tgk+rus+eng or uzb_cyrl+rus+eng.
    #[arg(long)]
    languages: Option<String>,
    /// Who scanned the batch (default: $USER).
    #[arg(long)]
    operator: Option<String>,
    /// The scanning station's name (default: the host name); names its key on first use.
    #[arg(long)]
    station: Option<String>,
    /// OCR worker threads (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Pages held in memory at once, from reading a file's scans to registering it
    /// (default: eight per worker). A file with more pages is worked on alone.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pages_in_flight: Option<u32>,
}

/// A progress bar on standard error counting `unit`; hidden for --json (and, by
/// indicatif, whenever standard error is not a terminal).
fn progress_bar(unit: &str, json: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} · {{per_sec:.1}} · {{elapsed}}");
    bar.set_style(ProgressStyle::with_template(&template).expect("the template is valid"));
    bar
}

struct Bar {
    bar: ProgressBar,
    quiet: bool,
}

impl Progress for Bar {
    fn start(&self, total_pages: u64) {
        self.bar.set_length(total_pages);
    }

    fn pages_done(&self, pages: u64) {
        self.bar.inc(pages);
    }

    fn problem(&self, problem: &InputProblem) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("fehrist: {problem}"));
        }
    }
}

pub async fn ingest(paths: &Paths, args: IngestArgs, json: bool) -> anyhow::Result<Answer> {
    let folder = args.folder.clone();
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut concurrency = Concurrency::with_workers(workers);
    if let Some(pages) = args.pages_in_flight {
        concurrency.pages_in_flight = pages;
    }
    let request = IngestRequest {
        folder: folder.clone(),
        flags: BatchSettings {
            archive: args.archive,
            pipeline: args.pipeline,
            access: args.access,
            languages: args.languages,
            operator: args.operator,
            station: args.station,
        },
        archive: default_archive(),
        station: hostname(),
        concurrency,
        engine: Arc::new(Tesseract::default()),
    };
    let bar = progress_bar("pages", json);
    bar.enable_steady_tick(Duration::from_millis(250));
    let progress = Bar { bar, quiet: json };
    let notice = |line: &str| {
        if !json {
            eprintln!("fehrist: {line}");
        }
    };
    let caller = crate::audit::caller(fehrist_model::Role::Archivist);
    let report =
        fehrist_service::ingest(paths, &caller, request, &progress, &notice, &now_rfc3339).await;
    progress.bar.finish_and_clear();
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        let mut text = String::new();
        for record in &report.records {
            if let (IngestOutcome::Registered, Some(id), Some(pages)) =
                (record.outcome, &record.record_id, record.pages)
            {
                text.push_str(&format!(
                    "registered {}  record {id}  {pages} sheet(s)\n",
                    record.ref_code
                ));
            }
        }
        if report.registered == 0 && report.already_registered > 0 && report.failed == 0 {
            text.push_str(&format!(
                "nothing new: all {} record(s) were already registered ({} pages not read again)\n",
                report.already_registered, report.pages_skipped
            ));
        }
        text.push_str(&format!(
            "{} registered, {} already registered, {} failed; {} pages read, {} skipped; {} problem(s); {:.1} s, {:.2} pages/s\n",
            report.registered,
            report.already_registered,
            report.failed,
            report.pages_read,
            report.pages_skipped,
            report.problems.len(),
            report.seconds,
            report.pages_per_second,
        ));
        text.push_str(&format!(
            "transparency log: {} record(s) appended, {} leaves in all\n",
            report.logged, report.log_size
        ));
        print(&text)?;
    }
    if report.problems.is_empty() {
        Ok(Answer::Yes)
    } else {
        anyhow::bail!(
            "{} input problem(s) in {}; {} record(s) not ingested (listed above)",
            report.problems.len(),
            shown(&folder),
            report.failed
        )
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (all must match); "quoted phrases", OR, -word, prefix* and
    /// fuzzy~1 work too. Empty: every page within the filters.
    #[arg(default_value = "")]
    pub query: String,
    /// At most this many pages.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Skip this many pages first (the next page of results).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Only this fond: TJ-CSA/F-12.
    #[arg(long)]
    fond: Option<String>,
    /// Only this inventory: TJ-CSA/F-12/O-3.
    #[arg(long)]
    inventory: Option<String>,
    /// Only this document type (as the inventory names it).
    #[arg(long = "type")]
    document_type: Option<String>,
    /// Only records of this pipeline: executive-documents, civil-registry, …
    #[arg(long)]
    pipeline: Option<String>,
    /// Only pages in this language: tgk, rus, uzb_cyrl, eng.
    #[arg(long)]
    language: Option<String>,
    /// Only these access levels, comma-separated: open,internal.
    #[arg(long, value_delimiter = ',')]
    access: Vec<AccessLevel>,
    /// Only records whose court is exactly this.
    #[arg(long)]
    court: Option<String>,
    /// Only records with an amount in this currency (ISO 4217: TJS, USD, …).
    #[arg(long)]
    currency: Option<String>,
    /// Only records with exactly this case number.
    #[arg(long)]
    case_number: Option<String>,
    /// Only records naming this person, in Tajik or Russian spelling.
    #[arg(long)]
    name: Option<String>,
    /// Only records with a date on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = day_number)]
    from: Option<u64>,
    /// Only records with a date on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = day_number)]
    to: Option<u64>,
    /// Only records with an amount of at least this much.
    #[arg(long)]
    amount_min: Option<f64>,
    /// Only records with an amount of at most this much.
    #[arg(long)]
    amount_max: Option<f64>,
    /// Also count matching pages per document type, court, currency, pipeline,
    /// language, access level and fond.
    #[arg(long)]
    facets: bool,
    /// Order of hits: relevance, newest or oldest (by the record's date).
    #[arg(long, default_value = "relevance", value_parser = ["relevance", "newest", "oldest"])]
    sort: String,
    /// Also find versions a later edit or re-scan replaced.
    #[arg(long)]
    all_versions: bool,
}

/// `2024-03-12` as 20240312.
fn day_number(text: &str) -> Result<u64, String> {
    fehrist_index::day_number(text).ok_or_else(|| format!("{text:?} should be a day, YYYY-MM-DD"))
}

pub async fn search(paths: &Paths, args: SearchArgs, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let request = SearchRequest {
        query: args.query.clone(),
        fond: args.fond,
        inventory: args.inventory,
        document_type: args.document_type,
        pipeline: args.pipeline,
        language: args.language,
        court: args.court,
        currency: args.currency,
        case_number: args.case_number,
        name: args.name,
        access: args.access,
        // The caller's clearance picks the index view; the service sets it.
        clearance: None,
        dates_from: args.from,
        dates_to: args.to,
        amount_from: args.amount_min,
        amount_to: args.amount_max,
        offset: args.offset,
        limit: args.limit,
        facets: args.facets,
        sort: fehrist_service::parse_sort(&args.sort)?,
        all_versions: args.all_versions,
    };
    let caller = crate::audit::caller(fehrist_model::Role::Reader);
    let found = fehrist_service::search(&registry, &caller, request)?;
    let hits = &found.hits;
    if json {
        print_json(&found)?;
    } else {
        let mut text = String::new();
        for (n, hit) in hits.iter().enumerate() {
            text.push_str(&format!(
                "{}. {}  sheet {}  record {}  score {:.2}\n   {}\n",
                args.offset + n + 1,
                hit.ref_code,
                hit.sheet,
                hit.record_id,
                hit.score,
                mark(&hit.snippet, &hit.highlights)
            ));
        }
        if hits.is_empty() {
            text.push_str(&format!("no page matches {:?}\n", args.query));
        } else if found.total > args.offset + hits.len() {
            text.push_str(&format!(
                "{} of {} pages shown (--offset {} for more)\n",
                hits.len(),
                found.total,
                args.offset + hits.len()
            ));
        }
        for (name, values) in &found.facets {
            let counts: Vec<String> = values
                .iter()
                .map(|c| format!("{} {}", c.value, c.pages))
                .collect();
            text.push_str(&format!("{name:<14} {}\n", counts.join(", ")));
        }
        print(&text)?;
    }
    Ok(if hits.is_empty() {
        Answer::No
    } else {
        Answer::Yes
    })
}

/// The records a name denotes: a record id, or a reference code (full, or starting at
/// the fond with the default archive), newest version first, and the sheet it names.
async fn resolve(
    registry: &Registry,
    name: &str,
) -> anyhow::Result<(Vec<StoredRecord>, Option<u32>)> {
    let caller = crate::audit::caller(fehrist_model::Role::Reader);
    let named = fehrist_service::resolve(registry, &caller, name, &default_archive()).await?;
    Ok((named.records, named.sheet))
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A record id or a reference code (TJ-CSA/F-12/O-3/D-45, or .../L-2 for one sheet).
    pub record: String,
    /// Only the OCR text, pages separated by form feeds.
    #[arg(long, conflicts_with_all = ["alto", "pdf"])]
    text: bool,
    /// A page's ALTO v4 XML (blocks, lines, word boxes, confidences, languages).
    #[arg(long, conflicts_with = "pdf")]
    alto: bool,
    /// The whole record as a searchable PDF/A-2b on standard output: the scans with
    /// the OCR text invisible over them (`fehrist show ID --pdf > record.pdf`).
    #[arg(long)]
    pdf: bool,
    /// Every version of the file, newest first: how each came to be and which is
    /// current.
    #[arg(long, conflicts_with_all = ["text", "alto", "pdf"])]
    versions: bool,
    /// With --alto: which page (sheet number; default 1, or the code's /L-n).
    #[arg(long, requires = "alto")]
    page: Option<u32>,
}

/// Each field's value(s), with the sheet, confidence and origin of each.
fn fields_text(manifest: &fehrist_model::Manifest) -> String {
    use fehrist_model::{FieldOrigin, FieldValue};
    let source = |field: &str| {
        manifest
            .field_sources
            .iter()
            .find(|s| s.field == field)
            .map(|s| match s.origin {
                FieldOrigin::Extracted => match s.span {
                    Some(at) => format!(
                        "L-{} chars {}–{}, confidence {}",
                        at.sheet, at.start, at.end, s.confidence
                    ),
                    None => format!("confidence {}", s.confidence),
                },
                FieldOrigin::Edited => {
                    format!("edited by {}", s.editor.as_deref().unwrap_or("?"))
                }
            })
            .unwrap_or_default()
    };
    let mut text = String::new();
    for (name, value) in &manifest.fields {
        let values: Vec<(String, String)> = match value {
            FieldValue::Text(value) => vec![(value.clone(), source(name))],
            FieldValue::Texts(values) => values
                .iter()
                .enumerate()
                .map(|(i, v)| (v.clone(), source(&format!("{name}/{i}"))))
                .collect(),
            FieldValue::Amounts(amounts) => amounts
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        format!("{} {}", a.value, a.currency),
                        source(&format!("{name}/{i}")),
                    )
                })
                .collect(),
        };
        for (value, source) in values {
            text.push_str(&format!("  {name:<19} {value}  ({source})\n"));
        }
    }
    text
}

pub async fn show(paths: &Paths, args: ShowArgs, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let (records, sheet) = resolve(&registry, &args.record).await?;
    let Some(record) = records.first() else {
        eprintln!("fehrist: {} is not registered", args.record);
        return Ok(Answer::No);
    };
    let manifest = &record.manifest;
    let caller = crate::audit::caller(fehrist_model::Role::Reader);
    if let Some(sheet) = sheet {
        anyhow::ensure!(
            manifest.pages.iter().any(|p| p.sheet == sheet),
            "{} has no sheet {sheet} (it has {})",
            manifest.passport.ref_code,
            manifest.pages.len()
        );
    }
    if args.pdf {
        use std::io::{IsTerminal as _, Write as _};
        let mut stdout = std::io::stdout();
        anyhow::ensure!(
            !stdout.is_terminal(),
            "--pdf writes a PDF to standard output: redirect it to a file (> record.pdf)"
        );
        let pdf = fehrist_service::record_pdf(&registry, &caller, manifest)
            .await
            .with_context(|| format!("cannot make the PDF of {}", manifest.passport.ref_code))?;
        stdout.write_all(&pdf)?;
        stdout.flush()?;
        return Ok(Answer::Yes);
    }
    if args.alto {
        let wanted = args.page.or(sheet).unwrap_or(1);
        let page = manifest
            .pages
            .iter()
            .find(|p| p.sheet == wanted)
            .with_context(|| {
                format!(
                    "{} has no page {wanted} (it has {})",
                    manifest.passport.ref_code,
                    manifest.pages.len()
                )
            })?;
        let alto = fehrist_service::page_alto(&registry, &caller, manifest, page.sheet)
            .await?
            .with_context(|| {
                format!(
                    "{} page {wanted} has no ALTO: it was registered before ALTO was kept",
                    manifest.passport.ref_code
                )
            })?;
        print(&alto)?;
        return Ok(Answer::Yes);
    }
    if args.text {
        let mut chosen = Vec::new();
        for page in manifest
            .pages
            .iter()
            .filter(|page| sheet.is_none_or(|s| s == page.sheet))
        {
            chosen
                .push(fehrist_service::page_text(&registry, &caller, manifest, page.sheet).await?);
        }
        print(&chosen.join("\x0c"))?;
        return Ok(Answer::Yes);
    }
    let answer = fehrist_service::show(&registry, &caller, record).await?;
    if args.versions {
        if json {
            print_json(&answer.versions)?;
        } else {
            print(&answer.versions.iter().map(version_line).collect::<String>())?;
        }
        return Ok(Answer::Yes);
    }
    if json {
        print_json(&answer)?;
        return Ok(Answer::Yes);
    }
    let passport = &manifest.passport;
    let mut text = format!(
        "record      {}\nreference   {}\n",
        manifest.record_id, passport.ref_code
    );
    let number = answer
        .versions
        .iter()
        .find(|v| v.record_id == manifest.record_id)
        .map_or(1, |v| v.number);
    text.push_str(&format!(
        "version     {number} of {}{}\n",
        answer.versions.len().max(1),
        if answer.current { ", current" } else { "" }
    ));
    match (&manifest.previous, &manifest.edit) {
        (Some(previous), Some(edit)) => text.push_str(&format!(
            "edited      by {} on {} at {}: {} (corrects record {previous})\n",
            edit.editor, edit.station, edit.edited_at, edit.reason
        )),
        (Some(previous), None) => {
            text.push_str(&format!("re-scanned  new scans of record {previous}\n"))
        }
        _ => {}
    }
    let optional = [
        ("title", passport.title.clone()),
        ("dates", passport.dates.as_ref().map(ToString::to_string)),
        ("type", passport.document_type.clone()),
        ("creator", passport.creator.clone()),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            text.push_str(&format!("{label:<12}{value}\n"));
        }
    }
    text.push_str(&format!(
        "access      {}\nextent      {} sheet(s)\npipeline    {} {}\nocr         {} {} ({})\nstation     {}, operator {}\nregistered  {}\nsigned by   key {} ({})\n",
        manifest.access,
        passport.extent.sheets,
        manifest.pipeline.name,
        manifest.pipeline.version,
        manifest.ocr.engine,
        manifest.ocr.version,
        manifest.ocr.languages,
        manifest.station,
        manifest.operator,
        manifest.registered_at,
        record.signature.key_id,
        record.signature.key_name,
    ));
    if !manifest.fields.is_empty() {
        text.push_str("fields\n");
        text.push_str(&fields_text(manifest));
    }
    text.push_str("sheets\n");
    for page in manifest
        .pages
        .iter()
        .filter(|p| sheet.is_none_or(|s| s == p.sheet))
    {
        let part = if page.source.page > 1
            || manifest
                .pages
                .iter()
                .filter(|p| p.source.path == page.source.path)
                .count()
                > 1
        {
            format!(" page {}", page.source.page)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  L-{:<4} {}{}  {} × {}  {}  confidence {}\n         master {} {} bytes sha256:{}\n         text   sha256:{}  words sha256:{}\n",
            page.sheet,
            page.source.path,
            part,
            page.width,
            page.height,
            if page.language.is_empty() { "-" } else { &page.language },
            page.mean_confidence,
            page.master.media_type,
            page.master.size,
            page.master.sha256,
            page.text.sha256,
            page.words.sha256,
        ));
        if let Some(why) = &page.unread {
            text.push_str(&format!("         UNREAD {why}\n"));
        } else if let Some(how) = how_read(page) {
            text.push_str(&format!("         read   {how}\n"));
        }
    }
    for other in answer
        .versions
        .iter()
        .filter(|v| v.record_id != manifest.record_id)
    {
        text.push_str(&version_line(other));
    }
    print(&text)?;
    Ok(Answer::Yes)
}

/// One version of a file: its number, record, how and when it came to be.
fn version_line(version: &fehrist_service::wire::Version) -> String {
    let how = match (version.origin, &version.edited_at) {
        (fehrist_model::VersionOrigin::Edited, Some(at)) => format!(
            "edited {at} by {}",
            version.editor.as_deref().unwrap_or("?")
        ),
        (fehrist_model::VersionOrigin::Rescanned, _) => {
            format!("re-scanned {}", version.registered_at)
        }
        _ => format!("scanned {}", version.registered_at),
    };
    format!(
        "version {}: record {} {how}{}\n",
        version.number,
        version.record_id,
        if version.current { " (current)" } else { "" }
    )
}

/// What was done to a page before its text was read, as the manifest records it.
fn how_read(page: &fehrist_model::Page) -> Option<String> {
    if page.text_source.as_deref() == Some("pdf-text-layer") {
        return Some("the PDF's own text (born digital, no OCR)".to_owned());
    }
    let p = page.preprocessing.as_ref()?;
    let mut steps = vec![format!(
        "{} dpi{}",
        p.dpi,
        if p.dpi_assumed {
            " (assumed: the file states none)"
        } else {
            ""
        }
    )];
    if p.rotation != 0 {
        steps.push(format!("turned {}°", p.rotation));
    }
    steps.push(format!("skew {:.2}°", p.skew));
    if p.despeckled {
        steps.push("despeckled".to_owned());
    }
    if let Some(binarization) = &page.binarization {
        steps.push(format!("{binarization} binarization"));
    }
    Some(steps.join(", "))
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A scanned file to look up by its SHA-256; a record id or reference code whose
    /// stored objects, signature and log entry are all re-checked; or an evidence
    /// bundle, checked offline.
    #[arg(required_unless_present = "since")]
    target: Option<String>,
    /// With a bundle: the file the bundle should prove registered.
    file: Option<PathBuf>,
    /// A checkpoint saved earlier (`fehrist checkpoint > old.txt`): prove the log has
    /// only grown since.
    #[arg(long, value_name = "OLD_CHECKPOINT", conflicts_with_all = ["target", "file"])]
    since: Option<PathBuf>,
    /// With a bundle: a public key (signed-note verifier form) to trust; when given,
    /// the bundle's station and log keys must be among them.
    #[arg(long, value_name = "VERIFIER_KEY")]
    trust: Vec<String>,
}

impl VerifyArgs {
    /// An evidence bundle is checked offline, without the registry.
    pub fn is_offline(&self) -> bool {
        self.target.as_deref().is_some_and(|target| {
            looks_like_json(std::path::Path::new(target)) && {
                std::fs::read(target).is_ok_and(|bytes| evidence_bundle(&bytes).is_some())
            }
        })
    }

    /// What is verified, for the audit log.
    pub fn describe(&self) -> String {
        match (&self.since, &self.target) {
            (Some(old), _) => format!("--since {}", old.display()),
            (None, Some(target)) => target.clone(),
            (None, None) => String::new(),
        }
    }
}

/// Whether a file starts like a JSON object, read without loading a large scan whole.
fn looks_like_json(path: &std::path::Path) -> bool {
    use std::io::Read as _;
    let mut first = [0u8; 1];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut first))
        .is_ok()
        && first[0] == b'{'
}

/// The bytes as an evidence bundle, if they are one.
fn evidence_bundle(bytes: &[u8]) -> Option<EvidenceBundle> {
    let bundle: EvidenceBundle = serde_json::from_slice(bytes).ok()?;
    (bundle.format == EVIDENCE_FORMAT).then_some(bundle)
}

/// Checks a bundle offline: nothing but the bundle, the file and the trusted keys.
fn verify_bundle(bundle: &EvidenceBundle, args: &VerifyArgs, json: bool) -> anyhow::Result<Answer> {
    let trusted = args
        .trust
        .iter()
        .map(|key| {
            key.parse::<VerifierKey>()
                .with_context(|| format!("--trust {key:?} is not a verifier key"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let file = match &args.file {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("reading {}", shown(path)))?)
        }
        None => None,
    };
    match bundle.verify(file.as_deref(), &trusted) {
        Ok(report) => {
            if json {
                print_json(&BundleVerification::held(report))?;
            } else {
                let file = match &args.file {
                    Some(path) => format!(
                        "{} is sheet {} of ",
                        shown(path),
                        report
                            .sheets
                            .iter()
                            .map(|s| format!("L-{s}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => String::new(),
                };
                let keys = if report.keys_pinned {
                    "both keys are among the trusted keys".to_owned()
                } else {
                    "compare the keys with the published ones, or pass --trust".to_owned()
                };
                print(&format!(
                    "verified offline: {file}record {} ({}), signed by station key {}, at leaf {} of the {}-leaf log {} signed by log key {}; {keys}\n",
                    report.record_id,
                    report.ref_code,
                    report.station_key,
                    report.leaf_index,
                    report.tree_size,
                    bundle.log.origin,
                    report.log_key,
                ))?;
            }
            Ok(Answer::Yes)
        }
        Err(error) => {
            if json {
                print_json(&BundleVerification::not_held(chain(&error)))?;
            } else {
                print(&format!("FAILED: {}\n", chain(&error)))?;
            }
            Ok(Answer::No)
        }
    }
}

async fn verify_since(paths: &Paths, old: &std::path::Path, json: bool) -> anyhow::Result<Answer> {
    let note = std::fs::read(old).with_context(|| format!("reading {}", shown(old)))?;
    let registry = paths.open_registry().await?;
    match registry.prove_consistency(&note).await {
        Ok(consistency) => {
            if json {
                print_json(&LogConsistency {
                    consistent: true,
                    old_size: Some(consistency.old_size),
                    size: Some(consistency.size),
                    reason: None,
                })?;
            } else {
                print(&format!(
                    "consistent: the log grew from {} to {} leaves and its first {} are unchanged\n",
                    consistency.old_size, consistency.size, consistency.old_size
                ))?;
            }
            Ok(Answer::Yes)
        }
        Err(error @ RegistryError::Inconsistent { .. }) => {
            if json {
                print_json(&LogConsistency {
                    consistent: false,
                    old_size: None,
                    size: None,
                    reason: Some(chain(&error)),
                })?;
            } else {
                print(&format!("INCONSISTENT: {}\n", chain(&error)))?;
            }
            Ok(Answer::No)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// A record id or reference code.
    pub record: String,
}

pub async fn evidence(paths: &Paths, args: EvidenceArgs) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(fehrist_model::Role::Auditor);
    match fehrist_service::evidence(&registry, &caller, &args.record, &default_archive()).await {
        Err(ServiceError::NotRegistered { name }) => {
            eprintln!("fehrist: {name} is not registered");
            Ok(Answer::No)
        }
        bundle => {
            print(&format!("{}\n", serde_json::to_string_pretty(&bundle?)?))?;
            Ok(Answer::Yes)
        }
    }
}

pub async fn checkpoint(paths: &Paths) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    match registry.current_checkpoint().await? {
        Some(current) => {
            print(&String::from_utf8_lossy(&current.note))?;
            Ok(Answer::Yes)
        }
        None => {
            eprintln!("fehrist: the transparency log is empty");
            Ok(Answer::No)
        }
    }
}

fn describe(check: &RecordVerdict) -> String {
    let code = check
        .ref_code
        .as_ref()
        .map_or_else(String::new, |c| format!(" ({c})"));
    let version = match (check.version, check.versions, &check.current) {
        (Some(n), Some(of), Some(current)) if *current == check.record_id => {
            format!(", version {n} of {of} (current)")
        }
        (Some(n), Some(of), Some(current)) => {
            format!(", version {n} of {of} (current is {current})")
        }
        _ => String::new(),
    };
    if check.unchanged {
        let log = check.log.map_or_else(
            || "not yet in the transparency log".to_owned(),
            |at| {
                format!(
                    "leaf {} of the {}-leaf transparency log",
                    at.leaf_index, at.tree_size
                )
            },
        );
        let signer = check.key_id.as_ref().map_or_else(
            || "no readable signature".to_owned(),
            |id| {
                format!(
                    "signed by key {id} ({})",
                    check.key_name.as_deref().unwrap_or("")
                )
            },
        );
        format!(
            "intact: record {}{code}{version}, {} stored objects re-hashed, {signer}, {log}\n",
            check.record_id, check.objects_checked,
        )
    } else {
        let mut text = format!("FAILED: record {}{code}{version}:\n", check.record_id);
        for problem in &check.problems {
            text.push_str(&format!("  {problem}\n"));
        }
        text
    }
}

pub async fn verify(paths: &Paths, args: VerifyArgs, json: bool) -> anyhow::Result<Answer> {
    if let Some(old) = &args.since {
        return verify_since(paths, old, json).await;
    }
    let target = args.target.clone().unwrap_or_default();
    let path = PathBuf::from(&target);
    if path.is_file() {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", shown(&path)))?;
        if let Some(bundle) = evidence_bundle(&bytes) {
            return verify_bundle(&bundle, &args, json);
        }
        anyhow::ensure!(
            args.file.is_none(),
            "{target} is not an evidence bundle, so it takes no second file"
        );
        let registry = paths.open_registry().await?;
        let caller = crate::audit::caller(fehrist_model::Role::Auditor);
        let check = fehrist_service::verify_file(&registry, &caller, &bytes).await?;
        if json {
            print_json(&check)?;
        } else if !check.registered {
            print(&format!(
                "not registered: no record holds a file with SHA-256 {} ({})\n",
                check.sha256, target
            ))?;
        } else {
            let mut text = String::new();
            for file in &check.records {
                let sheets = file
                    .sheets
                    .iter()
                    .map(|s| format!("L-{s}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let code = file
                    .ref_code
                    .as_ref()
                    .map_or_else(String::new, |c| format!(" ({c})"));
                let version = if file.current == file.record_id {
                    format!(
                        "version {} of {}, the current one",
                        file.version, file.versions
                    )
                } else {
                    format!(
                        "version {} of {}; the current version is record {}",
                        file.version, file.versions, file.current
                    )
                };
                if file.unchanged {
                    let signer = file.key_id.as_ref().map_or_else(
                        || "no readable signature".to_owned(),
                        |id| {
                            format!(
                                "signed by key {id} ({})",
                                file.key_name.as_deref().unwrap_or("")
                            )
                        },
                    );
                    let when = file
                        .registered_at
                        .as_ref()
                        .map_or_else(String::new, |at| format!(", registered {at}"));
                    text.push_str(&format!(
                        "registered, unchanged: record {}{code}, sheet {sheets}, {version}, {signer}{when}\n",
                        file.record_id,
                    ));
                } else {
                    text.push_str(&format!(
                        "registered as sheet {sheets} of record {}{code} ({version}), but it fails verification:\n",
                        file.record_id
                    ));
                    for problem in &file.problems {
                        text.push_str(&format!("  {problem}\n"));
                    }
                }
            }
            print(&text)?;
        }
        return Ok(if check.unchanged {
            Answer::Yes
        } else {
            Answer::No
        });
    }

    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(fehrist_model::Role::Auditor);
    let checked =
        fehrist_service::verify_record(&registry, &caller, &target, &default_archive()).await?;
    if json {
        print_json(&checked)?;
    } else if !checked.registered {
        print(&format!("not registered: {target}\n"))?;
    } else {
        print(&checked.records.iter().map(describe).collect::<String>())?;
    }
    Ok(if checked.unchanged {
        Answer::Yes
    } else {
        Answer::No
    })
}

pub async fn reindex(paths: &Paths, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let (count, failed) = registry.reindex().await?;
    if json {
        print_json(&Reindexed {
            reindexed: count,
            failed: failed
                .iter()
                .map(|(id, e)| RecordProblem {
                    record_id: id.clone(),
                    reason: chain(e),
                })
                .collect(),
        })?;
    } else {
        print(&format!(
            "reindexed {count} record(s) from {}\n",
            paths.store
        ))?;
    }
    if failed.is_empty() {
        return Ok(Answer::Yes);
    }
    for (id, error) in &failed {
        eprintln!("fehrist: record {id} not indexed: {}", chain(error));
    }
    anyhow::bail!(
        "{} record(s) could not be read back; run `fehrist verify` on them",
        failed.len()
    )
}

pub async fn quarantine(paths: &Paths, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(fehrist_model::Role::Archivist);
    let entries = fehrist_service::quarantine(&registry, &caller).await?;
    if json {
        print_json(&entries)?;
    } else {
        let mut text = String::new();
        for entry in &entries {
            text.push_str(&format!(
                "{}  {}{}: {}\n",
                entry.at,
                entry.path,
                entry
                    .record
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                entry.reason
            ));
        }
        let refused = entries.iter().filter(|entry| entry.refused()).count();
        text.push_str(&format!(
            "{refused} input(s) refused, {} sheet(s) registered unread\n",
            entries.len() - refused
        ));
        print(&text)?;
    }
    Ok(Answer::Yes)
}

#[derive(Debug, Args)]
pub struct ReplicateArgs {
    /// The target store: file://PATH or s3://BUCKET/PREFIX (credentials from AWS_*).
    #[arg(long)]
    pub to: String,
}

pub async fn replicate(paths: &Paths, args: ReplicateArgs, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(fehrist_model::Role::Admin);
    let report = fehrist_service::replicate(&registry, &caller, &args.to)
        .await
        .with_context(|| format!("replication to {} stopped; run it again to resume", args.to))?;
    if json {
        print_json(&report)?;
    } else {
        print(&format!(
            "replicated {} to {}: {} object(s) copied ({} bytes, {} blob(s) re-hashed), {} already there, {} checkpoint(s) moved\n",
            paths.store,
            args.to,
            report.copied,
            report.bytes,
            report.blobs_verified,
            report.present,
            report.checkpoints
        ))?;
    }
    Ok(Answer::Yes)
}

#[derive(Debug, Args)]
pub struct FixityArgs {
    /// Also write the report as canonical JSON to FILE, signed (FILE.sig) with the
    /// registry key, or the station key on a machine without one.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

pub async fn fixity(paths: &Paths, args: FixityArgs, json: bool) -> anyhow::Result<Answer> {
    let registry = paths.open_registry().await?;
    let bar = progress_bar("records", json);
    let caller = crate::audit::caller(fehrist_model::Role::Auditor);
    let report = fehrist_service::fixity(&registry, &caller, now_rfc3339, |total| {
        bar.set_length(total as u64);
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    if let Some(path) = &args.report {
        let key_file = [&paths.registry_key, &paths.station_key]
            .into_iter()
            .find(|file| file.exists())
            .context("no signing key on this machine to sign the report with")?;
        let (key, _) = load_or_create_station_key(key_file, "unused")?;
        let (bytes, signature) = fehrist_service::signed_report(&report, &key)?;
        std::fs::write(path, &bytes).with_context(|| format!("writing {}", shown(path)))?;
        let sig_path = PathBuf::from(format!("{}.sig", path.display()));
        std::fs::write(&sig_path, signature)
            .with_context(|| format!("writing {}", shown(&sig_path)))?;
    }
    if json {
        print_json(&report)?;
    } else {
        let mut text = format!(
            "fixity: {} record(s), {} stored objects re-read and re-hashed; {} damaged, {} missing\n",
            report.records_checked,
            report.objects_checked,
            report.damaged_records.len(),
            report.missing_records.len()
        );
        if let Some(problem) = &report.log_problem {
            text.push_str(&format!("DAMAGED: transparency log: {problem}\n"));
        }
        for missing in &report.missing_records {
            text.push_str(&format!(
                "MISSING: leaf {} of the transparency log (manifest sha256:{}) has no record in the store\n",
                missing.leaf_index, missing.manifest_sha256
            ));
        }
        for damaged in &report.damaged_records {
            let code = damaged
                .ref_code
                .as_ref()
                .map_or_else(String::new, |c| format!(" ({c})"));
            text.push_str(&format!("DAMAGED: record {}{code}\n", damaged.record_id));
            for problem in &damaged.problems {
                text.push_str(&format!("  {problem}\n"));
            }
        }
        print(&text)?;
    }
    Ok(
        if report.damaged_records.is_empty()
            && report.missing_records.is_empty()
            && report.log_problem.is_none()
        {
            Answer::Yes
        } else {
            Answer::No
        },
    )
}
