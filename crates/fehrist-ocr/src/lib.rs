//! Reading scanned pages: decoding PNG, JPEG and (multi-page) TIFF files to grayscale,
//! and recognizing text through libtesseract.
//!
//! The main types are [`OcrEngine`] (a shareable engine that makes readers),
//! [`PageReader`] (one engine instance, owned by one worker thread), [`Tesseract`]
//! (the libtesseract implementation) and [`PageText`] (text, words with boxes and
//! confidences, and the page's language). [`decode_page`] turns a file's bytes into
//! a page image, refusing decompression bombs before allocating them.
//!
//! This crate is the only one that knows Tesseract or image codecs. It never changes a
//! master: decoding works on a copy, and the bytes stored are the bytes scanned.

mod alto;
mod decode;
mod derive;
mod engine;
mod fixed;
mod language;
mod preprocess;
mod quality;

pub use alto::{AltoSource, alto_document, redacted_alto};
pub use decode::{
    ASSUMED_DPI, MAX_PIXEL_BYTES, MAX_SIDE, PLAUSIBLE_DPI, ScanFormat, TextLayer, decode_page,
    masked_page, masked_page_png, page_count, page_count_in_file, page_png, pdf_page_image,
    pdf_page_pixels, resolution, text_layer,
};
pub use derive::ShownSheet;
pub use engine::{
    Binarization, CONFIDENT, OcrEngine, PageReader, PageText, Tesseract, TextBlock, TextLine,
    language_of_text, main_language, reading_direction,
};
pub use fixed::FixedText;
/// The page a [`PageReader`] reads: eight-bit grey, as [`decode_page`] gives it. Named
/// here so that another engine can implement the trait without the codec crate.
pub use image::GrayImage;
pub use language::language_by_words;
pub use preprocess::{ImageStats, NOISY, UNEVEN, despeckle};
pub use quality::{character_error_rate, word_error_rate};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl OcrError {
    /// Whether only this page is unusable while its file is sound: a PDF page whose
    /// drawing fails (an image on it that cannot be decoded, a page too large to draw)
    /// in a file that parsed. Such a sheet is registered unread; any other error
    /// refuses the file.
    pub fn is_of_one_page(&self) -> bool {
        matches!(
            self,
            OcrError::Pdf {
                source: fehrist_pdf::PdfError::Page { .. }
            }
        )
    }
}

/// Why a page could not be decoded or read. Callers add the file and page.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcrError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("not a PNG, JPEG, TIFF or PDF file")]
    UnknownFormat,
    #[error("the image is corrupt or truncated")]
    Decode {
        #[source]
        source: BoxError,
    },
    #[error("cannot read the file")]
    Io {
        #[source]
        source: std::io::Error,
    },
    #[error("the image data is truncated")]
    Truncated,
    #[error("the image is too large to decode safely ({width} × {height} pixels; at most {MAX_SIDE} a side and {} MiB)", MAX_PIXEL_BYTES >> 20)]
    TooLarge { width: u32, height: u32 },
    #[error(transparent)]
    Pdf { source: fehrist_pdf::PdfError },
    #[error("TIFF colour type {color_type} is not supported")]
    UnsupportedColor { color_type: String },
    #[error("page {page} asked of a file with {pages} page(s)")]
    NoSuchPage { page: u32, pages: u32 },
    #[error("no OCR languages given")]
    NoLanguages,
    #[error("OCR languages {requested:?}: {missing:?} not installed (installed: {})", installed.join(", "))]
    UnknownLanguages {
        requested: String,
        missing: Vec<String>,
        installed: Vec<String>,
    },
    #[error("cannot encode the drawn image")]
    Encode {
        #[source]
        source: BoxError,
    },
    #[error("the OCR engine failed")]
    Engine {
        #[source]
        source: BoxError,
    },
}
