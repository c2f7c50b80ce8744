//! The registry's use cases, one function each, and the wire types every face sends.
//!
//! The command line, the JSON API and the web pages only parse input and render what
//! these functions return: [`search`], [`show`], [`verify_file`], [`verify_record`],
//! [`evidence`], [`edit`], [`ingest`], [`record_pdf`], [`page_text`], [`page_alto`],
//! [`page_image`], [`sheet_image`], [`sheet_size`], [`search_record`], [`fonds`],
//! [`fond_passport`], [`report`], [`fixity`] and [`replicate`]. Each takes its
//! typed input, the [`Caller`] (whose clearance decides what exists for it and which
//! fields it may read) and, where it records a time, the time as RFC 3339. The types
//! of [`wire`] are the CLI's `--json`, the API's bodies and the OpenAPI components.
//!
//! Versions: a file (reference code) has one current version. Searches, totals,
//! facets, passports, KPIs and file verification count the current version only;
//! older versions stay reachable by id and are listed with every record.
//!
//! Opening a registry ([`Paths::open`]) is shared by every face; only an ingest
//! creates a store ([`Opening::Create`]), so a mistyped `--store` is an error.

mod access;
mod caller;
mod edit;
mod iiif;
mod ingest;
mod keep;
mod open;
mod pages;
mod publish;
mod records;
mod search;
mod verify;
pub mod wire;

pub use access::{readable_manifest, reads_personal_data, visible_levels};
pub use caller::Caller;
pub use edit::{EditRequest, edit, field_value};
pub use iiif::{Derivatives, FoundWord, search_record, sheet_image, sheet_size};
pub use ingest::{IngestRequest, ingest};
pub use keep::{fixity, replicate, signed_report};
pub use open::{Opening, Paths, hostname};
pub use pages::{page_alto, page_image, page_text};
pub use publish::{PublishError, record_pdf};
pub use records::{
    Named, fond_files, fond_passport, fonds, quarantine, report, resolve, show, visible_manifests,
    visible_record,
};
pub use search::{MAX_LIMIT, MAX_OFFSET, hit_passports, parse_sort, search};
pub use verify::{evidence, verify_evidence, verify_file, verify_record};

/// What an ingest is given, for faces that depend on the service alone.
pub use fehrist_ocr::{FixedText, OcrEngine};
pub use fehrist_pipeline::now_rfc3339;
pub use fehrist_pipeline::{BatchSettings, Concurrency, InputProblem, NoProgress, Progress};

/// Why a use case could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error(
        "no registry at {url}: nothing was ever ingested there (check --store or FEHRIST_STORE; `fehrist ingest` creates a registry)"
    )]
    NoRegistry { url: String },
    #[error("cannot open the store {url}: {reason}")]
    StoreUnreachable { url: String, reason: String },
    /// An input the caller can correct (a bad field value, a limit out of range).
    #[error("{0}")]
    Invalid(String),
    #[error("{name} is not registered")]
    NotRegistered { name: String },
    #[error("this needs the {0} role")]
    Forbidden(fehrist_model::Role),
    #[error("{what} needs {clearance} clearance")]
    NeedsClearance {
        what: &'static str,
        clearance: fehrist_model::AccessLevel,
    },
    #[error("the query {query:?} cannot be understood")]
    Query { query: String },
    #[error("nothing changes: every value given is the one the record already has")]
    NothingChanged,
    #[error(transparent)]
    Registry(#[from] fehrist_registry::RegistryError),
    #[error(transparent)]
    Pipeline(#[from] fehrist_pipeline::PipelineError),
    #[error(transparent)]
    Index(#[from] fehrist_index::IndexError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Seal(#[from] fehrist_seal::SealError),
    #[error("page image")]
    Image(#[from] fehrist_ocr::OcrError),
    #[error("the corrected record does not match its schema: {0}")]
    Schema(String),
}

/// Writes the audit event of a use case that ran, whatever its outcome, and hands the
/// result back; an event that cannot be written fails the use case.
pub(crate) async fn audited<T>(
    registry: &fehrist_registry::Registry,
    caller: &Caller,
    action: &str,
    target: &str,
    now: &str,
    result: Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let event = caller.event(action, target, edit::outcome(&result), now);
    registry.record_event(&event).await?;
    result
}
