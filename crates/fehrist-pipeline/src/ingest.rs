//! Orchestration: read, hash, skip what is registered, OCR on a worker pool, register.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fehrist_extract::{SheetText, extract};
use fehrist_model::{
    BlobRef, DescriptionLevel, Digest, Extent, MANIFEST_VERSION, Manifest, OcrInfo, Page,
    PageWords, Passport, PersonalData, PipelineInfo, QuarantineEntry, RecordId, RefCode, Source,
};
use fehrist_ocr::{
    AltoSource, OcrEngine, PageReader, PageText, ScanFormat, alto_document, decode_page,
    page_count, page_count_in_file, resolution, text_layer,
};
use fehrist_registry::{NewRecord, Registered, Registry};
use fehrist_schema::{Schema, SchemaError};
use fehrist_seal::{StationKey, record_id, sha256};
use futures::StreamExt as _;
use futures::channel::oneshot;

use crate::{Discovery, InputError, InputProblem, PipelineError, PlannedRecord, Settings};

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    Registered {
        id: RecordId,
        ref_code: RefCode,
        pages: u32,
    },
    AlreadyRegistered {
        id: RecordId,
        ref_code: RefCode,
        pages: u32,
    },
    Failed {
        ref_code: RefCode,
    },
}

/// Receives progress as an ingest goes; the CLI draws a bar from it.
pub trait Progress: Sync {
    /// Called once, with the number of pages the batch holds.
    fn start(&self, _total_pages: u64) {}
    /// Pages done (read, or skipped as already registered).
    fn pages_done(&self, _pages: u64) {}
    fn record_done(&self, _outcome: &RecordOutcome) {}
    fn problem(&self, _problem: &InputProblem) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// The summary of an ingest.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub outcomes: Vec<RecordOutcome>,
    pub problems: Vec<InputProblem>,
    /// Pages that went through OCR.
    pub pages_read: u64,
    /// Pages of records that were already registered.
    pub pages_skipped: u64,
    pub elapsed: Duration,
}

impl IngestReport {
    pub fn registered(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, RecordOutcome::Registered { .. }))
            .count()
    }

    pub fn already_registered(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, RecordOutcome::AlreadyRegistered { .. }))
            .count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, RecordOutcome::Failed { .. }))
            .count()
    }
}

/// A scanned file read into memory.
struct LoadedScan {
    relative: String,
    bytes: Bytes,
    digest: Digest,
    format: ScanFormat,
    pages: u32,
}

/// One page to read, sent to a worker.
struct Job {
    bytes: Bytes,
    page: u32,
    languages: String,
    reply: oneshot::Sender<Result<PageText, InputError>>,
}

/// Single-threaded OCR workers, each keeping one reader per language set.
struct WorkerPool {
    jobs: async_channel::Sender<Job>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl WorkerPool {
    fn start(engine: Arc<dyn OcrEngine>, workers: usize) -> Result<Self, PipelineError> {
        // A short queue keeps at most a few decoded pages in memory per worker.
        let (jobs, queue) = async_channel::bounded::<Job>(workers * 2);
        let mut threads = Vec::with_capacity(workers);
        for n in 0..workers {
            let queue = queue.clone();
            let engine = Arc::clone(&engine);
            let thread = std::thread::Builder::new()
                .name(format!("ocr-{n}"))
                .spawn(move || {
                    let mut readers: HashMap<String, Box<dyn PageReader>> = HashMap::new();
                    while let Ok(job) = queue.recv_blocking() {
                        let result = read_page(&*engine, &mut readers, &job);
                        // The ingest may have given up on this record; nothing to tell.
                        let _ = job.reply.send(result);
                    }
                })
                .map_err(|_| PipelineError::Workers)?;
            threads.push(thread);
        }
        Ok(WorkerPool { jobs, threads })
    }

    async fn read(
        &self,
        bytes: Bytes,
        page: u32,
        languages: &str,
    ) -> Result<Result<PageText, InputError>, PipelineError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            bytes,
            page,
            languages: languages.to_owned(),
            reply,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| PipelineError::Workers)?;
        answer.await.map_err(|_| PipelineError::Workers)
    }

    fn stop(self) {
        self.jobs.close();
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

fn read_page(
    engine: &dyn OcrEngine,
    readers: &mut HashMap<String, Box<dyn PageReader>>,
    job: &Job,
) -> Result<PageText, InputError> {
    let page_error = |source| InputError::Page {
        page: job.page,
        source,
    };
    // A born-digital PDF page keeps its own text; only scans are read.
    if let Some((text, size)) = text_layer(&job.bytes, job.page).map_err(page_error)? {
        return Ok(PageText::from_text_layer(text, &job.languages, size));
    }
    let image = decode_page(&job.bytes, job.page).map_err(page_error)?;
    if !readers.contains_key(&job.languages) {
        let reader = engine
            .reader(&job.languages)
            .map_err(|source| InputError::Languages {
                languages: job.languages.clone(),
                reason: source.to_string(),
            })?;
        readers.insert(job.languages.clone(), reader);
    }
    let reader = readers
        .get_mut(&job.languages)
        .expect("reader was just made");
    reader
        .read(&image, resolution(&job.bytes, job.page))
        .map_err(page_error)
}

/// A record after OCR, ready to seal.
enum Prepared {
    /// The record, the pages OCR read, and its sheets that could not be read.
    Ready(Box<NewRecord>, u32, Vec<InputProblem>),
    AlreadyRegistered(RecordId, u32),
    Failed(Vec<InputProblem>, u32),
}

struct Context<'a> {
    /// The batch folder, canonical: every file read must lie inside it.
    root: &'a std::path::Path,
    registry: &'a Registry,
    engine: &'a dyn OcrEngine,
    pool: &'a WorkerPool,
    settings: &'a Settings,
    progress: &'a dyn Progress,
    /// Language sets that could not start, with the reason.
    bad_languages: &'a BTreeMap<String, String>,
    /// Pages each record is expected to hold, for progress.
    expected_pages: &'a HashMap<RefCode, u32>,
}

fn problem(record: &PlannedRecord, path: &str, error: InputError) -> InputProblem {
    InputProblem {
        path: path.to_owned(),
        record: Some(record.ref_code.clone()),
        error,
    }
}

/// Scanned files larger than this are refused before reading: 1 GiB holds a
/// 600 DPI colour A0 page uncompressed, and a record's files are held in memory while
/// it is read.
pub const MAX_SCAN_FILE_BYTES: u64 = 1 << 30;

/// Reads a record's scans; every unusable file is reported, not just the first.
fn load_scans(
    root: &std::path::Path,
    record: &PlannedRecord,
) -> Result<Vec<LoadedScan>, Vec<InputProblem>> {
    let mut loaded = Vec::with_capacity(record.scans.len());
    let mut problems = Vec::new();
    for scan in &record.scans {
        // Sized before it is read: a multi-gigabyte file is refused, not loaded.
        let bytes = match crate::batch_file::read(root, &scan.path, MAX_SCAN_FILE_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                let source = std::io::Error::from(std::io::ErrorKind::NotFound);
                problems.push(problem(record, &scan.relative, InputError::Read { source }));
                continue;
            }
            Err(error) => {
                problems.push(problem(record, &scan.relative, error));
                continue;
            }
        };
        let counted =
            ScanFormat::sniff(&bytes).and_then(|format| Ok((format, page_count(&bytes)?)));
        match counted {
            Ok((format, pages)) => loaded.push(LoadedScan {
                relative: scan.relative.clone(),
                digest: sha256(&bytes),
                bytes: Bytes::from(bytes),
                format,
                pages,
            }),
            Err(source) => {
                problems.push(problem(record, &scan.relative, InputError::Scan { source }))
            }
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(problems)
    }
}

fn blob(bytes: &Bytes, media_type: &str) -> (BlobRef, (Digest, Bytes)) {
    let digest = sha256(bytes);
    let reference = BlobRef {
        sha256: digest.clone(),
        size: bytes.len() as u64,
        media_type: media_type.to_owned(),
    };
    (reference, (digest, bytes.clone()))
}

async fn prepare(cx: &Context<'_>, record: &PlannedRecord) -> Result<Prepared, PipelineError> {
    let expected_pages = cx
        .expected_pages
        .get(&record.ref_code)
        .copied()
        .unwrap_or(0);
    let scans = match load_scans(cx.root, record) {
        Ok(scans) => scans,
        Err(problems) => return Ok(Prepared::Failed(problems, expected_pages)),
    };
    let pages: u32 = scans.iter().map(|s| s.pages).sum();
    let id = record_id(
        &record.ref_code,
        scans
            .iter()
            .flat_map(|s| (1..=s.pages).map(move |page| (&s.digest, page))),
    );
    if cx.registry.is_registered(&id).await? {
        return Ok(Prepared::AlreadyRegistered(id, pages));
    }
    let languages = record
        .entry
        .languages
        .clone()
        .unwrap_or_else(|| cx.settings.languages.clone());
    if let Some(reason) = cx.bad_languages.get(&languages) {
        let error = InputError::Languages {
            languages,
            reason: reason.clone(),
        };
        return Ok(Prepared::Failed(
            vec![problem(record, &record.scans[0].relative, error)],
            pages,
        ));
    }

    // Every page of the record goes to the pool at once; workers take them in turn.
    let langs: &str = &languages;
    let reads = scans.iter().flat_map(|scan| {
        (1..=scan.pages).map(move |page| async move {
            let read = cx.pool.read(scan.bytes.clone(), page, langs).await;
            cx.progress.pages_done(1);
            (scan, page, read)
        })
    });
    let reads: Vec<_> = futures::future::join_all(reads).await;

    let engine_version = cx.engine.version();
    let mut blobs: Vec<(Digest, Bytes)> = Vec::new();
    let mut manifest_pages = Vec::with_capacity(reads.len());
    let mut texts = Vec::with_capacity(reads.len());
    let mut page_words = Vec::with_capacity(reads.len());
    let mut problems = Vec::new();
    let mut unread = Vec::new();
    for scan in &scans {
        blobs.push((scan.digest.clone(), scan.bytes.clone()));
    }
    let master = |scan: &LoadedScan| BlobRef {
        sha256: scan.digest.clone(),
        size: scan.bytes.len() as u64,
        media_type: scan.format.media_type().to_owned(),
    };
    for (sheet, (scan, page, read)) in (1..).zip(reads) {
        let read = match read? {
            Ok(read) => read,
            // A page of a sound file that cannot be drawn: the sheet is registered
            // unread, so the file stays whole and the rest of it is read.
            Err(InputError::Page { page, source }) if source.is_of_one_page() => {
                let reason = fehrist_registry::error_chain(&source);
                let (page_entry, page_blobs) =
                    unread_sheet(sheet, scan, page, master(scan), &languages, reason);
                blobs.extend(page_blobs);
                manifest_pages.push(page_entry);
                texts.push(String::new());
                page_words.push(Vec::new());
                let error = InputError::Unread {
                    sheet,
                    page,
                    source,
                };
                unread.push(problem(record, &scan.relative, error));
                continue;
            }
            Err(error) => {
                problems.push(problem(record, &scan.relative, error));
                continue;
            }
        };
        let (text, text_blob) = blob(&Bytes::from(read.text.clone()), "text/plain; charset=utf-8");
        let words_json = serde_json::to_vec(&PageWords {
            words: read.words.clone(),
        })
        .expect("words serialize");
        let (words, words_blob) = blob(&Bytes::from(words_json), "application/json");
        let alto_xml = alto_document(
            &read,
            &AltoSource {
                file_name: &scan.relative,
                page,
                engine: cx.engine.name(),
                engine_version: &engine_version,
                languages: &languages,
            },
        );
        let (alto, alto_blob) = blob(&Bytes::from(alto_xml), "application/alto+xml");
        blobs.extend([text_blob, words_blob, alto_blob]);
        manifest_pages.push(Page {
            sheet,
            source: Source {
                path: scan.relative.clone(),
                page,
            },
            master: master(scan),
            text,
            words,
            alto: Some(alto),
            width: read.width,
            height: read.height,
            language: read.language,
            mean_confidence: read.mean_confidence,
            binarization: (!read.from_text_layer).then(|| read.binarization.as_str().to_owned()),
            preprocessing: (!read.from_text_layer).then_some(read.preprocessing),
            text_source: read.from_text_layer.then(|| "pdf-text-layer".to_owned()),
            unread: None,
        });
        texts.push(read.text);
        page_words.push(read.words);
    }
    if !problems.is_empty() {
        return Ok(Prepared::Failed(problems, 0));
    }
    let entry = &record.entry;
    // A file registered before under this code with other scans: this is a re-scan.
    let previous = cx
        .registry
        .records_with_ref_code(&record.ref_code)
        .await?
        .into_iter()
        .next()
        .map(|r| r.manifest.record_id);
    let sheets: Vec<SheetText<'_>> = manifest_pages
        .iter()
        .zip(texts.iter().zip(&page_words))
        .map(|(page, (text, words))| SheetText {
            sheet: page.sheet,
            text,
            words,
        })
        .collect();
    let extraction = extract(&sheets, &cx.settings.pipeline.extractors);
    let rule = &cx.settings.pipeline.personal_data;
    let personal_data = (!rule.fields.is_empty())
        .then(|| PersonalData::find(rule.shows_at, &rule.fields, &extraction.fields, &sheets));
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        record_id: id,
        previous,
        edit: None,
        passport: Passport {
            ref_code: record.ref_code.clone(),
            title: entry.title.clone(),
            dates: entry.dates.clone(),
            level: DescriptionLevel::File,
            extent: Extent { sheets: pages },
            creator: entry.creator.clone(),
            document_type: entry.document_type.clone(),
        },
        access: entry.access.unwrap_or(cx.settings.access),
        pipeline: PipelineInfo {
            name: cx.settings.pipeline.name.clone(),
            version: cx.settings.pipeline.version.clone(),
        },
        ocr: OcrInfo {
            engine: cx.engine.name().to_owned(),
            version: cx.engine.version(),
            languages,
            page_segmentation: Some(cx.engine.page_segmentation().to_owned()),
        },
        station: cx.settings.station.clone(),
        operator: cx.settings.operator.clone(),
        registered_at: now_rfc3339(),
        pages: manifest_pages,
        fields: extraction.fields,
        field_sources: extraction.sources,
        personal_data,
    };
    // What is signed and stored matches its schema, or the record is not registered.
    if let Err(error) = conforms(&manifest, cx.settings.pipeline.fields_schema()) {
        let first = &record.scans[0].relative;
        return Ok(Prepared::Failed(
            vec![problem(record, first, InputError::Schema(error))],
            pages,
        ));
    }
    // Born-digital pages kept their own text and were not read.
    let read = manifest
        .pages
        .iter()
        .filter(|page| page.text_source.is_none() && page.is_read())
        .count() as u32;
    Ok(Prepared::Ready(
        Box::new(NewRecord {
            manifest,
            blobs,
            texts,
        }),
        read,
        unread,
    ))
}

/// The manifest page of a sheet that could not be read, and its (empty) text and
/// words: the master is kept, the sheet measured from the file, the reason recorded.
fn unread_sheet(
    sheet: u32,
    scan: &LoadedScan,
    page: u32,
    master: BlobRef,
    languages: &str,
    reason: String,
) -> (Page, [(Digest, Bytes); 2]) {
    let (text, text_blob) = blob(&Bytes::new(), "text/plain; charset=utf-8");
    let words_json = serde_json::to_vec(&PageWords::default()).expect("words serialize");
    let (words, words_blob) = blob(&Bytes::from(words_json), "application/json");
    let (width, height) = fehrist_ocr::pdf_page_pixels(&scan.bytes, page).unwrap_or((1, 1));
    let language = languages.split('+').next().unwrap_or(languages).to_owned();
    let page = Page {
        sheet,
        source: Source {
            path: scan.relative.clone(),
            page,
        },
        master,
        text,
        words,
        alto: None,
        width,
        height,
        language,
        mean_confidence: 0,
        binarization: None,
        preprocessing: None,
        text_source: None,
        unread: Some(reason),
    };
    (page, [text_blob, words_blob])
}

/// Checks a manifest against the record schema, and its fields against the
/// pipeline's own schema when that is not the record schema.
pub fn conforms(manifest: &Manifest, fields_schema: Schema) -> Result<(), SchemaError> {
    let document = serde_json::to_value(manifest).expect("a manifest is JSON");
    fehrist_schema::validate(Schema::Record, &document)?;
    if fields_schema != Schema::Record {
        let fields = serde_json::to_value(&manifest.fields).expect("fields are JSON");
        fehrist_schema::validate(fields_schema, &fields)?;
    }
    Ok(())
}

/// Pages a scan holds, for the progress bar, read from its header alone (a file that
/// cannot be read counts as one page; ingest reports it on its own).
fn expected_pages(root: &std::path::Path, path: &std::path::Path) -> u32 {
    match crate::batch_file::open(root, path) {
        Ok(Some(file)) => page_count_in_file(file).unwrap_or(1),
        _ => 1,
    }
}

/// The current time in RFC 3339 UTC, whole seconds: how manifests and reports say when.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// How much of a batch is worked on at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    /// OCR threads, each reading one page at a time.
    pub workers: usize,
    /// Pages whose masters and results are held in memory, from loading a record's
    /// files until it is registered. A record with more pages than this is worked on
    /// alone. Memory grows with this bound, not with the batch.
    pub pages_in_flight: u32,
}

impl Concurrency {
    /// `workers` threads with enough pages in flight to keep them busy across record
    /// boundaries.
    pub fn with_workers(workers: usize) -> Self {
        let workers = workers.max(1);
        Concurrency {
            workers,
            pages_in_flight: u32::try_from(workers * PAGES_PER_WORKER).unwrap_or(u32::MAX),
        }
    }
}

/// Pages in flight per worker by default. Records are registered in batch order, so a
/// long page holds back the records after it: with four per worker, a batch of real
/// pages and line crops kept the second worker idle a fifth of the time (26.2 s against
/// 21.3 s with eight, at the same peak memory).
const PAGES_PER_WORKER: usize = 8;

/// Ingests discovered records on `concurrency.workers` OCR threads, registering each
/// with the station key. Records already registered are recognized from their masters'
/// hashes and skipped before OCR; the index is committed at the end.
pub async fn ingest(
    registry: &Registry,
    key: &StationKey,
    engine: Arc<dyn OcrEngine>,
    discovery: Discovery,
    settings: &Settings,
    concurrency: Concurrency,
    progress: &dyn Progress,
) -> Result<IngestReport, PipelineError> {
    let workers = concurrency.workers.max(1);
    let page_limit = concurrency.pages_in_flight.max(1);
    let started = Instant::now();
    let root = discovery.root.clone();
    let mut report = IngestReport::default();
    for problem in discovery.problems {
        progress.problem(&problem);
        report.problems.push(problem);
    }
    let expected_pages: HashMap<RefCode, u32> = discovery
        .records
        .iter()
        .map(|r| {
            (
                r.ref_code.clone(),
                r.scans.iter().map(|s| expected_pages(&root, &s.path)).sum(),
            )
        })
        .collect();
    progress.start(expected_pages.values().map(|&p| u64::from(p)).sum());

    // Each language set is tried once up front, so a typo fails its records at once
    // with one clear message instead of once per page.
    let mut bad_languages = BTreeMap::new();
    let sets: std::collections::BTreeSet<String> = discovery
        .records
        .iter()
        .map(|r| {
            r.entry
                .languages
                .clone()
                .unwrap_or_else(|| settings.languages.clone())
        })
        .collect();
    for languages in sets {
        if let Err(e) = engine.reader(&languages) {
            bad_languages.insert(languages, e.to_string());
        }
    }

    let pool = WorkerPool::start(Arc::clone(&engine), workers)?;
    let cx = Context {
        root: &root,
        registry,
        engine: &*engine,
        pool: &pool,
        settings,
        progress,
        bad_languages: &bad_languages,
        expected_pages: &expected_pages,
    };
    // Several records are in flight so workers stay busy across record boundaries,
    // as many as their pages fit under the bound. Permits are taken one record after
    // another in batch order, so an earlier record never waits on a later one, and are
    // given back once the record is registered.
    let permits = Arc::new(tokio::sync::Semaphore::new(page_limit as usize));
    let prepared = futures::stream::iter(&discovery.records)
        .then(|record| {
            let permits = Arc::clone(&permits);
            let pages = expected_pages.get(&record.ref_code).copied().unwrap_or(1);
            async move {
                let held = permits.acquire_many_owned(pages.clamp(1, page_limit)).await;
                (record, held)
            }
        })
        .map(|(record, held)| {
            let cx = &cx;
            async move {
                let outcome = match &held {
                    Ok(_) => prepare(cx, record).await,
                    Err(_) => Err(PipelineError::Workers),
                };
                (record, held, outcome)
            }
        })
        .buffered(page_limit as usize);
    let mut prepared = Box::pin(prepared);
    let mut result = Ok(());
    while let Some((record, _held, outcome)) = prepared.next().await {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        let ref_code = record.ref_code.clone();
        let done = match outcome {
            Prepared::Ready(new, read, unread) => {
                let id = new.manifest.record_id.clone();
                let pages = new.manifest.pages.len() as u32;
                report.pages_read += u64::from(read);
                for problem in unread {
                    progress.problem(&problem);
                    report.problems.push(problem);
                }
                match registry.register(key, *new).await {
                    Ok(Registered::New) => RecordOutcome::Registered {
                        id,
                        ref_code,
                        pages,
                    },
                    Ok(Registered::AlreadyRegistered) => RecordOutcome::AlreadyRegistered {
                        id,
                        ref_code,
                        pages,
                    },
                    Err(e) => {
                        result = Err(e.into());
                        break;
                    }
                }
            }
            Prepared::AlreadyRegistered(id, pages) => {
                progress.pages_done(u64::from(pages));
                report.pages_skipped += u64::from(pages);
                if let Err(e) = registry.ensure_indexed(&id).await {
                    result = Err(e.into());
                    break;
                }
                RecordOutcome::AlreadyRegistered {
                    id,
                    ref_code,
                    pages,
                }
            }
            Prepared::Failed(problems, pages) => {
                progress.pages_done(u64::from(pages));
                for problem in problems {
                    progress.problem(&problem);
                    report.problems.push(problem);
                }
                RecordOutcome::Failed { ref_code }
            }
        };
        progress.record_done(&done);
        report.outcomes.push(done);
    }
    drop(prepared);
    pool.stop();
    // Every problem is kept in the store's quarantine, naming the file as it is (it is
    // never moved or changed), so that what failed can be found and counted later.
    if result.is_ok() {
        for problem in &report.problems {
            let entry = quarantine_entry(&root, problem, settings);
            if let Err(e) = registry.quarantine(&entry).await {
                result = Err(e.into());
                break;
            }
        }
    }
    // Whatever was registered before an error is made searchable all the same.
    registry.commit_index()?;
    result?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Files up to this size are hashed for their quarantine entry; larger ones are named
/// by path and size only, so a multi-gigabyte mistake is not read whole again.
const QUARANTINE_HASH_LIMIT: u64 = 256 * 1024 * 1024;

fn quarantine_entry(
    root: &std::path::Path,
    problem: &InputProblem,
    settings: &Settings,
) -> QuarantineEntry {
    let file = root.join(&problem.path);
    // A link, pipe or device is described, never opened: it may lead anywhere.
    let size = std::fs::symlink_metadata(&file)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let sha256 = size
        .filter(|&len| len <= QUARANTINE_HASH_LIMIT)
        .and_then(|_| crate::batch_file::read(root, &file, QUARANTINE_HASH_LIMIT).ok())
        .flatten()
        .map(|bytes| fehrist_seal::sha256(&bytes));
    QuarantineEntry {
        path: problem.path.clone(),
        record: problem.record.as_ref().map(ToString::to_string),
        sheet: match problem.error {
            InputError::Unread { sheet, .. } => Some(sheet),
            _ => None,
        },
        reason: problem.reason(),
        sha256,
        size,
        station: settings.station.clone(),
        operator: settings.operator.clone(),
        at: now_rfc3339(),
    }
}
