//! A registered record as one searchable PDF/A, built on request from its signed
//! objects: each sheet's master image with its OCR words as an invisible text layer.
//! Nothing is stored: the PDF follows from the manifest, so the record's signature
//! and log entry vouch for everything in it. A caller who may not read the record's
//! personal data gets its words as `[redacted]` and their boxes black in the images.

use std::collections::HashMap;

use bytes::Bytes;
use fehrist_model::{Digest, Manifest, PageWords, redact_words};
use fehrist_ocr::{ASSUMED_DPI, OcrError, masked_page, pdf_page_image};
use fehrist_pdf::PageImage;
use fehrist_pdf::{DocumentInfo, PdfError, SearchablePage, searchable_pdf};
use fehrist_registry::Registry;
use fehrist_store::StoreError;

use crate::Caller;
use crate::pages::hidden_from;

/// Why a record's PDF could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    #[error("cannot read the record's objects")]
    Store(#[from] StoreError),
    #[error("sheet {sheet}: the master cannot be embedded")]
    Master {
        sheet: u32,
        #[source]
        source: OcrError,
    },
    #[error("sheet {sheet}: the words object is not valid JSON: {reason}")]
    Words { sheet: u32, reason: String },
    #[error("cannot write the PDF")]
    Pdf(#[from] PdfError),
    #[error("cannot tell what the caller may read")]
    Access(#[source] Box<crate::ServiceError>),
}

/// The record as a searchable PDF/A-2b. A record that is one born-digital PDF (every
/// page's text its own) is that PDF, byte for byte: it is searchable already, and a
/// signed PDF must never be rewritten (unless personal data on it is hidden from the
/// caller: then it is drawn, masked, like a scan).
pub async fn record_pdf(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
) -> Result<Vec<u8>, PublishError> {
    let store = registry.store();
    let hidden = hidden_from(registry, caller, manifest)
        .await
        .map_err(|e| PublishError::Access(Box::new(e)))?
        .filter(|h| !h.sheets.is_empty());
    let first = manifest.pages.first().map(|p| &p.master);
    let one_born_digital_pdf = first.is_some_and(|master| {
        master.media_type == "application/pdf"
            && manifest
                .pages
                .iter()
                .all(|p| &p.master == master && p.text_source.as_deref() == Some("pdf-text-layer"))
    });
    if let (true, Some(master), None) = (one_born_digital_pdf, first, &hidden) {
        return Ok(store.get_blob(&master.sha256).await?.to_vec());
    }

    let mut masters: HashMap<&Digest, Bytes> = HashMap::new();
    let mut pages = Vec::with_capacity(manifest.pages.len());
    let mut words = Vec::with_capacity(manifest.pages.len());
    for page in &manifest.pages {
        let bytes = store.get_blob(&page.words.sha256).await?;
        let parsed: PageWords =
            serde_json::from_slice(&bytes).map_err(|e| PublishError::Words {
                sheet: page.sheet,
                reason: e.to_string(),
            })?;
        let masked = hidden.as_ref().and_then(|h| h.sheet(page.sheet));
        words.push(redact_words(&parsed.words, masked));
    }
    for (page, words) in manifest.pages.iter().zip(&words) {
        if !masters.contains_key(&page.master.sha256) {
            let bytes = store.get_blob(&page.master.sha256).await?;
            masters.insert(&page.master.sha256, bytes);
        }
        let master = &masters[&page.master.sha256];
        let masked = hidden.as_ref().and_then(|h| h.sheet(page.sheet));
        let image = match masked {
            None => pdf_page_image(master, page.source.page),
            Some(masked) => {
                masked_page(master, page.source.page, &masked.boxes, masked.whole_image).map(
                    |image| PageImage::Gray {
                        width: image.width(),
                        height: image.height(),
                        pixels: image.into_raw(),
                    },
                )
            }
        }
        .map_err(|source| PublishError::Master {
            sheet: page.sheet,
            source,
        })?;
        let preprocessing = page.preprocessing.as_ref();
        pages.push(SearchablePage {
            image,
            dpi: preprocessing.map_or(ASSUMED_DPI, |p| p.dpi),
            rotation: preprocessing.map_or(0, |p| p.rotation),
            words,
        });
    }
    let mut document_id = [0u8; 16];
    hex_to_bytes(manifest.record_id.as_str(), &mut document_id);
    let passport = &manifest.passport;
    let info = DocumentInfo {
        title: passport
            .title
            .clone()
            .unwrap_or_else(|| passport.ref_code.to_string()),
        identifier: passport.ref_code.to_string(),
        created: manifest.registered_at.clone(),
        document_id,
    };
    Ok(searchable_pdf(pages, &info)?)
}

/// Fills `out` from a hex string (a record id is 32 hex digits).
fn hex_to_bytes(hex: &str, out: &mut [u8]) {
    for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = std::str::from_utf8(pair)
            .ok()
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .unwrap_or(0);
    }
}
