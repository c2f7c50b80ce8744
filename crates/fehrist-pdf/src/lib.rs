//! PDF in and out: the searchable PDF/A of a record ([`searchable_pdf`], written with
//! `lopdf`), and the pages of a scanned or born-digital PDF that arrives as a master
//! ([`ScannedPdf`]: text layers through `lopdf`, pages drawn by the `hayro`
//! rasterizer, [`RenderedPage`]).
//!
//! This crate is the only one that knows the PDF format. It never rewrites a master:
//! a PDF that arrives is read, and the bytes stored are the bytes received.

mod render;
mod scan;
mod searchable;

pub use render::{DEFAULT_DPI, DPI_RANGE, RenderedPage};
pub use scan::ScannedPdf;
pub use searchable::{DocumentInfo, PageImage, SearchablePage, searchable_pdf};

/// Why a PDF could not be read or written. Callers add the file or record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    #[error("the PDF is malformed: {reason}")]
    Malformed { reason: String },
    #[error("the PDF is encrypted; archive masters must be readable without a password")]
    Encrypted,
    #[error("the PDF carries JavaScript; archive masters must be inert documents")]
    JavaScript,
    #[error("the PDF has no pages")]
    NoPages,
    #[error("page {page}: {reason}")]
    Page { page: u32, reason: String },
    #[error("page {page} asked of a PDF with {pages} page(s)")]
    NoSuchPage { page: u32, pages: u32 },
    #[error("cannot write the PDF: {reason}")]
    Write { reason: String },
}
