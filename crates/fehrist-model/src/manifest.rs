//! The record manifest: the signed statement of what was registered.
//!
//! A manifest is stored as its RFC 8785 canonical bytes at
//! `records/<record-id>/manifest.json`, and its Ed25519 signature beside it at
//! `records/<record-id>/manifest.sig`. The signature covers exactly the stored bytes,
//! so the manifest has no `signature` member; the transparency log's leaf (the SHA-256
//! of those bytes) and its index live outside the manifest for the same reason.
//!
//! ```json
//! {"access":"open","manifest_version":1,"ocr":{"engine":"tesseract","languages":"tgk+rus+eng","version":"5.3.0"},
//!  "operator":"operator","pages":[{"height":3508,"language":"tgk",
//!  "master":{"media_type":"image/png","sha256":"…","size":68821},"mean_confidence":93,"sheet":1,
//!  "source":{"page":1,"path":"F-12/O-3/D-45/0001.png"},"text":{…},"width":2480,"words":{…}}],
//!  "passport":{"extent":{"sheets":1},"level":"file","ref_code":"TJ-CSA/F-12/O-3/D-45"},
//!  "pipeline":{"name":"default","version":"1"},"record_id":"…","registered_at":"2026-11-21T10:00:00Z",
//!  "station":"station-1"}
//! ```

use serde::{Deserialize, Serialize};

use crate::{AccessLevel, Digest, FieldSource, Fields, KeyId, Passport, PersonalData, RecordId};

/// The manifest format this code writes; readers reject other versions.
pub const MANIFEST_VERSION: u32 = 1;

/// A stored byte string, named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobRef {
    pub sha256: Digest,
    pub size: u64,
    pub media_type: String,
}

/// Where a page came from in the scanned batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Path of the scanned file relative to the batch folder, `/`-separated.
    pub path: String,
    /// Page within that file, from 1 (a multi-page TIFF holds several).
    pub page: u32,
}

/// One sheet of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Sheet number within the file, from 1.
    pub sheet: u32,
    pub source: Source,
    /// The scanned file, byte for byte (shared by the pages of a multi-page file).
    pub master: BlobRef,
    /// OCR text, UTF-8.
    pub text: BlobRef,
    /// OCR words with boxes and confidences, JSON ([`PageWords`]).
    pub words: BlobRef,
    /// The page as ALTO XML. Absent in manifests written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alto: Option<BlobRef>,
    pub width: u32,
    pub height: u32,
    /// The language Tesseract recognized most words in (`tgk`, `rus`, `uzb_cyrl`, …).
    pub language: String,
    /// Tesseract's mean word confidence, 0–100.
    pub mean_confidence: u8,
    /// How the page was binarized for recognition (`otsu` or `sauvola`); the master is
    /// untouched. Absent in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binarization: Option<String>,
    /// What was measured and done to the page image before recognition. Absent in
    /// manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<Preprocessing>,
    /// Where the text came from when it was not OCR: `pdf-text-layer` for a
    /// born-digital PDF page's own text. Absent for OCR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_source: Option<String>,
    /// Why the sheet could not be read, when it could not (a PDF page with an image
    /// that cannot be decoded, in a file that is sound): the sheet is registered with
    /// its master, no text and no words, so the file is kept whole. Absent for a sheet
    /// that was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

impl Page {
    /// Whether the sheet's text was read (by OCR or from its own text layer).
    pub fn is_read(&self) -> bool {
        self.unread.is_none()
    }
}

/// The preprocessing of one page for OCR, as decided from the image itself. Only the
/// copy handed to the OCR engine is changed; the master is stored as scanned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    /// Resolution of the page as scanned, in dots per inch: stated by its file, or 300
    /// when it states none (Tesseract then judges the text's size from the page).
    pub dpi: u32,
    /// `true` when the file did not state its resolution and 300 DPI was assumed.
    pub dpi_assumed: bool,
    /// Clockwise rotation of the page's text found by orientation detection (0, 90,
    /// 180 or 270): the page was read turned back by this much.
    pub rotation: u16,
    /// Skew of the text lines in degrees, as measured; the engine read the page
    /// deskewed by this angle (rounded to 0.01). Positive is counter-clockwise.
    pub skew: f64,
    /// `true` when isolated specks were removed (3 × 3 median) before recognition.
    pub despeckled: bool,
    /// How much the page was resized before recognition, when its letters measured
    /// too small (a low-resolution scan, enlarged 1.5–4 times) or too large (a
    /// high-resolution scan of large type, reduced to as little as half) for the
    /// models to read well; boxes stay in pixels of the page as scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// How the page's language was found, when the record has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_found: Option<LanguageFound>,
}

/// How a page's language was found among its record's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LanguageFound {
    /// Read plainly in the record's first language.
    First,
    /// Told by a band of the page's densest text read before the page, and the page
    /// read in that language alone, once.
    Sample,
    /// Told by a first reading's function words or letters, and read in that language
    /// alone.
    Text,
    /// Nothing told clearly: read with all the record's languages at once.
    All,
}

/// The OCR engine that produced the derived text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcrInfo {
    pub engine: String,
    pub version: String,
    /// Tesseract language string, in priority order: `tgk+rus+eng`.
    pub languages: String,
    /// Page segmentation: `auto_osd` is automatic layout with orientation and script
    /// detection, so rotated pages are read the right way up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_segmentation: Option<String>,
}

/// The pipeline definition the record went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub manifest_version: u32,
    pub record_id: RecordId,
    /// The record this one re-scans (the newest registered under the same reference
    /// code when it was made). Absent for a first scan, so v1 manifests without it
    /// keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<RecordId>,
    /// Present on a version that corrects `previous` by hand (a re-scan has none):
    /// who edited, when, on which station and why. `station`, `operator` and
    /// `registered_at` stay those of the scan the record came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Edit>,
    pub passport: Passport,
    pub access: AccessLevel,
    pub pipeline: PipelineInfo,
    pub ocr: OcrInfo,
    pub station: String,
    pub operator: String,
    /// RFC 3339 UTC, whole seconds: `2026-11-21T10:00:00Z`.
    pub registered_at: String,
    pub pages: Vec<Page>,
    /// Metadata read from the text by the pipeline's extractors, or set by a person
    /// (then this is a new version). Absent when nothing was found, so manifests
    /// written before extraction keep their bytes.
    #[serde(default, skip_serializing_if = "Fields::is_empty")]
    pub fields: Fields,
    /// Where each value in `fields` was read, and how sure the reading is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_sources: Vec<FieldSource>,
    /// The personal data its pipeline says the record holds, and where it stands on the
    /// pages. Absent for a pipeline without personal data, and in manifests written
    /// before it was recorded (their personal fields then show at `restricted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data: Option<PersonalData>,
}

/// A correction made by a person: a new version of the record with the same scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub editor: String,
    /// RFC 3339 UTC, whole seconds.
    pub edited_at: String,
    pub station: String,
    pub reason: String,
}

/// How a version came to be, in the archive's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionOrigin {
    /// The first registration of the file.
    Scanned,
    /// New scans of a file registered before.
    Rescanned,
    /// The same scans, with fields or passport corrected by a person.
    Edited,
}

/// What a blob is to its record, for reports that name the damaged object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobRole {
    Master,
    Text,
    Words,
    Alto,
}

impl BlobRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Text => "text",
            Self::Words => "words",
            Self::Alto => "alto",
        }
    }
}

impl Manifest {
    /// Whether this version is a first scan, a re-scan or an edit.
    pub fn origin(&self) -> VersionOrigin {
        match (&self.previous, &self.edit) {
            (_, Some(_)) => VersionOrigin::Edited,
            (Some(_), None) => VersionOrigin::Rescanned,
            (None, None) => VersionOrigin::Scanned,
        }
    }

    /// Every blob the record references, with the sheet and role it has; a master
    /// shared by several pages is listed once, under its first sheet.
    pub fn blobs(&self) -> Vec<(u32, BlobRole, &BlobRef)> {
        let mut seen = std::collections::HashSet::new();
        let mut blobs = Vec::new();
        for page in &self.pages {
            let roles = [
                (BlobRole::Master, Some(&page.master)),
                (BlobRole::Text, Some(&page.text)),
                (BlobRole::Words, Some(&page.words)),
                (BlobRole::Alto, page.alto.as_ref()),
            ];
            for (role, blob) in roles
                .into_iter()
                .filter_map(|(role, blob)| Some((role, blob?)))
            {
                if seen.insert(&blob.sha256) {
                    blobs.push((page.sheet, role, blob));
                }
            }
        }
        blobs
    }

    /// The sheets whose master is the given digest.
    pub fn sheets_with_master(&self, digest: &Digest) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|page| &page.master.sha256 == digest)
            .map(|page| page.sheet)
            .collect()
    }
}

/// The signature stored beside a manifest (`manifest.sig`).
///
/// ```json
/// {"algorithm":"ed25519","key_id":"3f2a9c01","key_name":"station-1","signature":"<base64>"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSignature {
    pub algorithm: String,
    pub key_id: KeyId,
    pub key_name: String,
    /// Standard base64 of the 64-byte Ed25519 signature.
    pub signature: String,
}

/// One recognized word: the `words` blob of a page is `{"words":[Word, …]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Word {
    pub text: String,
    /// 0–100.
    pub confidence: f32,
    /// Left, top, right, bottom in pixels of the master image.
    pub bbox: [u32; 4],
    pub language: String,
    /// Index of the text line the word is on, counted over the page in reading order.
    /// Absent in words written before lines were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageWords {
    pub words: Vec<Word>,
}
/// The BCP 47 tag of a Tesseract language code (`tgk` → `tg`, `uzb_cyrl` → `uz-Cyrl`);
/// `None` for codes without one Fehrist knows.
pub fn bcp47(tesseract: &str) -> Option<&'static str> {
    Some(match tesseract {
        "tgk" => "tg",
        "rus" => "ru",
        "eng" => "en",
        "uzb" => "uz-Latn",
        "uzb_cyrl" => "uz-Cyrl",
        "kir" => "ky",
        "kaz" => "kk",
        "fas" => "fa",
        "ara" => "ar",
        "deu" => "de",
        "fra" => "fr",
        _ => return None,
    })
}
