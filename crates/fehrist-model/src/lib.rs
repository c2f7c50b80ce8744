//! The archive's domain: reference codes, passports, manifests, access levels.
//!
//! Pure data and rules: no I/O, no clock, no randomness. Times and keys are passed in
//! by the callers that own them. The main types are [`RefCode`] (`TJ-CSA/F-12/O-3/D-45`),
//! [`Passport`] (ISAD(G) essentials), [`Manifest`] (what a record's signature covers),
//! [`AccessLevel`], [`AuditEvent`] and the validated identifiers [`Digest`], [`RecordId`], [`KeyId`].
//!
//! Hashing and signing live in `fehrist-seal`; this crate only names their results.

mod access;
mod audit;
mod fields;
mod fond;
mod ids;
mod manifest;
mod passport;
mod personal;
mod quarantine;
mod refcode;
mod token;

pub use access::{AccessLevel, AccessLevelError};
pub use audit::{
    AUDIT_EVENT_VERSION, AuditEvent, AuditOutcome, MAX_AUDIT_NAME_CHARS, MAX_AUDIT_TARGET_CHARS,
};
pub use fields::{
    Amount, FieldOrigin, FieldSource, FieldValue, Fields, PERSONAL_FIELDS, TextSpan,
    names as field_names,
};
pub use fond::{
    Backlog, ConfidenceBands, DateRange, DeclaredExtent, FOND_PASSPORT_VERSION, FondDeclaration,
    FondPassport, KPI_REPORT_VERSION, Kpis, PhysicalCondition, Progress, Tally, current_versions,
    fond_passport, kpis,
};
pub use ids::{Digest, IdError, KeyId, RecordId};
pub use manifest::{
    BlobRef, BlobRole, Edit, LanguageFound, MANIFEST_VERSION, Manifest, ManifestSignature, OcrInfo,
    Page, PageWords, PipelineInfo, Preprocessing, Source, VersionOrigin, Word, bcp47,
};
pub use passport::{DateSpan, DateSpanError, DescriptionLevel, Extent, Passport};
pub use personal::{PersonalData, REDACTED, SheetRedactions, SheetText, redact_text, redact_words};
pub use quarantine::QuarantineEntry;
pub use refcode::{RefCode, RefCodeError};
pub use token::{ApiToken, Role, RoleError, TOKEN_VERSION};
