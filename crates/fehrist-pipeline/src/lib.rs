//! The ingest pipeline: a folder of scans in, sealed and indexed records out.
//!
//! [`discover`] groups a batch folder into [`PlannedRecord`]s (folder convention
//! `F-n/O-n/D-n/` or `inventory.csv`); [`ingest`] hashes each record's masters,
//! skips records already registered (before any OCR), reads the pages on a pool of
//! single-threaded OCR workers, and registers each record through the registry.
//! [`Settings`] resolve from the shipped pipeline definition, `batch.toml` and flags.
//!
//! A bad input never stops a batch: it becomes an [`InputProblem`] naming the file and
//! the reason, its record is not registered, and the other records go on.

mod batch_file;
mod discover;
mod ingest;
mod settings;

pub use batch_file::excerpt;
pub use discover::{
    Discovery, InventoryEntry, PlannedRecord, SIDECARS, ScanFile, discover, parse_inventory,
};
pub use ingest::{
    Concurrency, IngestReport, MAX_SCAN_FILE_BYTES, NoProgress, Progress, RecordOutcome, conforms,
    ingest, now_rfc3339,
};
pub use settings::{BatchSettings, PipelineDefinition, Settings};

use fehrist_model::RefCode;

/// A batch input that could not be used, and why.
#[derive(Debug)]
pub struct InputProblem {
    /// The file (or `inventory.csv:LINE`) relative to the batch folder.
    pub path: String,
    /// The record that was not ingested because of it, if any.
    pub record: Option<RefCode>,
    pub error: InputError,
}

impl InputProblem {
    /// The error and its causes, joined by `: `.
    pub fn reason(&self) -> String {
        fehrist_registry::error_chain(&self.error)
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A file name may hold terminal escapes: printed escaped, never obeyed.
        f.write_str(&excerpt(&self.path, usize::MAX))?;
        if let Some(record) = &self.record {
            write!(f, " ({record})")?;
        }
        write!(f, ": {}", self.reason())
    }
}

/// Why one input could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("not a scan: .{extension} files are not read (PNG, JPEG, TIFF and PDF are)")]
    NotAScan { extension: String },
    #[error("the file is {size} bytes, over the {limit}-byte limit for one scan file")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("{kind}, not a regular file; only regular files of the batch are read")]
    NotRegular { kind: &'static str },
    #[error("once opened, the file is not inside the batch folder")]
    OpenedOutside,
    #[error("the path climbs out of the batch folder (..)")]
    PathOutside,
    #[error("not inside an F-n/O-n/D-n folder or a path listed in inventory.csv")]
    OutsideFileFolder,
    #[error("the name differs from {other} only in letter case; which is the sheet is unclear")]
    CaseCollision { other: String },
    #[error(transparent)]
    RefCode(fehrist_model::RefCodeError),
    #[error(transparent)]
    Dates(fehrist_model::DateSpanError),
    #[error(transparent)]
    Access(fehrist_model::AccessLevelError),
    #[error("column {column}: {reason}")]
    InventoryField {
        column: &'static str,
        reason: String,
    },
    #[error("unknown column {column:?}")]
    InventoryColumn { column: String },
    #[error("malformed row")]
    InventoryRow {
        #[source]
        source: csv::Error,
    },
    #[error("{ref_code} is listed twice; the last row is used")]
    DuplicateRow { ref_code: RefCode },
    #[error("listed but no scans were found")]
    NoScans,
    #[error("cannot read the file")]
    Read {
        #[source]
        source: std::io::Error,
    },
    #[error("page {page}")]
    Page {
        page: u32,
        #[source]
        source: fehrist_ocr::OcrError,
    },
    /// Only this page of a sound file could not be read: its record was registered
    /// with the sheet marked unread.
    #[error("sheet {sheet} registered unread (page {page} of the file)")]
    Unread {
        sheet: u32,
        page: u32,
        #[source]
        source: fehrist_ocr::OcrError,
    },
    #[error("unusable file")]
    Scan {
        #[source]
        source: fehrist_ocr::OcrError,
    },
    #[error("cannot start OCR with languages {languages:?}: {reason}")]
    Languages { languages: String, reason: String },
    #[error("the record's manifest {0}")]
    Schema(fehrist_schema::SchemaError),
}

/// Errors that stop an ingest as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use {path}")]
    Sidecar {
        path: String,
        #[source]
        source: Box<InputError>,
    },
    /// Only the parser's message and the position: the offending line is not quoted,
    /// whatever file it came from.
    #[error("{path} is not valid: {reason}")]
    BatchToml { path: String, reason: String },
    #[error("unknown pipeline {name:?} (known: {})", known.join(", "))]
    UnknownPipeline { name: String, known: Vec<String> },
    #[error("{path}: {reason}")]
    PipelineDefinition { path: String, reason: String },
    #[error(transparent)]
    Registry(#[from] fehrist_registry::RegistryError),
    #[error("the OCR workers stopped")]
    Workers,
}
