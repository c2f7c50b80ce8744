//! The OCR capability the pipeline depends on, and its libtesseract implementation.

use std::collections::{BTreeMap, BTreeSet};

use fehrist_model::Word;
use image::GrayImage;
use tesseract_rs::{TessPageIteratorLevel, TessPageSegMode, TesseractAPI};

use crate::OcrError;

/// What an engine read on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageText {
    /// Plain text in reading order, lines separated by `\n`.
    pub text: String,
    pub words: Vec<Word>,
    /// Mean word confidence, 0–100.
    pub mean_confidence: u8,
    /// The language most of the page's letters were recognized in.
    pub language: String,
    /// Size of the page image that was read, in pixels.
    pub width: u32,
    pub height: u32,
    /// The binarization whose reading was kept.
    pub binarization: Binarization,
    /// The page as ALTO XML (v3, as Tesseract writes it), word confidences in `WC`.
    pub alto: String,
}

/// An OCR engine: describes itself and makes page readers.
///
/// Shared by all workers (`Send + Sync`); each worker thread asks for its own
/// [`PageReader`] per language set and keeps it, since initializing one costs far
/// more than a page.
pub trait OcrEngine: Send + Sync {
    /// Engine name for the manifest (`tesseract`).
    fn name(&self) -> &str;
    /// Engine version for the manifest (`5.3.0`).
    fn version(&self) -> String;
    /// Page segmentation the readers use, for the manifest (`auto_osd`).
    fn page_segmentation(&self) -> &str;
    /// A reader for a `+`-joined language list in priority order (`tgk+rus+eng`).
    /// Fails if any language is not installed.
    fn reader(&self, languages: &str) -> Result<Box<dyn PageReader>, OcrError>;
}

/// One engine instance: reads one page at a time, on the thread that made it.
pub trait PageReader: Send {
    fn read(&mut self, page: &GrayImage) -> Result<PageText, OcrError>;
}

/// libtesseract through the `tesseract-rs` binding, Debian's language packs.
///
/// One instance is single-threaded only when the process was started with
/// `OMP_THREAD_LIMIT=1` (the `fehrist` binary and `.cargo/config.toml` see to it);
/// parallelism comes from one reader per worker.
#[derive(Debug, Clone, Default)]
pub struct Tesseract {
    /// Folder of `*.traineddata`; `None` uses `TESSDATA_PREFIX` or the library default.
    pub datapath: Option<std::path::PathBuf>,
}

impl OcrEngine for Tesseract {
    fn name(&self) -> &str {
        "tesseract"
    }

    fn version(&self) -> String {
        TesseractAPI::version()
    }

    fn page_segmentation(&self) -> &str {
        "auto_osd"
    }

    fn reader(&self, languages: &str) -> Result<Box<dyn PageReader>, OcrError> {
        TesseractReader::new(self.datapath.as_deref(), languages).map(|r| Box::new(r) as _)
    }
}

struct TesseractReader {
    api: TesseractAPI,
}

fn tess_error(error: tesseract_rs::TesseractError) -> OcrError {
    OcrError::Engine {
        source: Box::new(error),
    }
}

impl TesseractReader {
    fn new(datapath: Option<&std::path::Path>, languages: &str) -> Result<Self, OcrError> {
        let requested: Vec<&str> = languages.split('+').filter(|l| !l.is_empty()).collect();
        if requested.is_empty() {
            return Err(OcrError::NoLanguages);
        }
        let api = TesseractAPI::new();
        let datapath = datapath.map(|p| p.to_path_buf()).unwrap_or_default();
        // Tesseract accepts unknown language codes with only a line on stderr, so the
        // loaded set is compared with the requested one below.
        let init = api.init(&datapath, languages);
        let loaded: BTreeSet<String> = api
            .get_loaded_languages()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let missing: Vec<String> = requested
            .iter()
            .filter(|l| !loaded.contains(**l))
            .map(|l| (*l).to_owned())
            .collect();
        if init.is_err() || !missing.is_empty() {
            return Err(OcrError::UnknownLanguages {
                requested: languages.to_owned(),
                missing,
                installed: api.get_available_languages().unwrap_or_default(),
            });
        }
        // Automatic page segmentation with orientation and script detection: a page
        // scanned upside down or sideways is read the right way up.
        api.set_page_seg_mode(TessPageSegMode::PSM_AUTO_OSD)
            .map_err(tess_error)?;
        Ok(TesseractReader { api })
    }
}

/// Mean word confidence at or above which the first (Otsu) reading of a page is kept.
/// Clean pages read above it; degraded ones (uneven light, noise) fall far below.
pub const CONFIDENT: u8 = 88;

impl PageReader for TesseractReader {
    fn read(&mut self, page: &GrayImage) -> Result<PageText, OcrError> {
        // Tesseract's own Otsu binarization is right for clean pages; on uneven light it
        // loses whole regions, where its Sauvola mode reads them. Sauvola once dropped a
        // block on a clean page here, so it is tried only when Otsu reads poorly, and the
        // reading with more confident text wins.
        let otsu = self.pass(page, Binarization::Otsu)?;
        // No words at all is no proof of a blank page: Otsu can lose a dark page whole.
        if otsu.mean_confidence >= CONFIDENT && !otsu.words.is_empty() {
            return Ok(otsu);
        }
        let sauvola = self.pass(page, Binarization::Sauvola)?;
        Ok(if confident_text(&sauvola) > confident_text(&otsu) {
            sauvola
        } else {
            otsu
        })
    }
}

/// A whole ALTO v3 document around the `<Page>` element the API returns, with the
/// header Tesseract's own file renderer writes.
fn alto_document(page: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <alto xmlns=\"http://www.loc.gov/standards/alto/ns-v3#\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v3# http://www.loc.gov/alto/v3/alto-3-0.xsd\">\n\
         \t<Description>\n\t\t<MeasurementUnit>pixel</MeasurementUnit>\n\
         \t\t<OCRProcessing ID=\"OCR_0\">\n\t\t\t<ocrProcessingStep>\n\t\t\t\t<processingSoftware>\n\
         \t\t\t\t\t<softwareName>tesseract {}</softwareName>\n\
         \t\t\t\t</processingSoftware>\n\t\t\t</ocrProcessingStep>\n\t\t</OCRProcessing>\n\
         \t</Description>\n\t<Layout>\n{page}\t</Layout>\n</alto>\n",
        TesseractAPI::version()
    )
}

/// Letters weighted by the confidence they were read with.
fn confident_text(read: &PageText) -> f64 {
    read.words
        .iter()
        .map(|w| {
            f64::from(w.confidence) / 100.0
                * w.text.chars().filter(|c| c.is_alphanumeric()).count() as f64
        })
        .sum()
}

/// How the page was turned black-and-white for recognition (the master is untouched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binarization {
    /// Global Otsu threshold, Tesseract's default.
    Otsu,
    /// Adaptive Sauvola threshold (`thresholding_method=2`), for uneven light and stains.
    Sauvola,
}

impl Binarization {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Otsu => "otsu",
            Self::Sauvola => "sauvola",
        }
    }

    fn tesseract_method(self) -> &'static str {
        match self {
            Self::Otsu => "0",
            Self::Sauvola => "2",
        }
    }
}

impl TesseractReader {
    fn pass(&mut self, page: &GrayImage, binarization: Binarization) -> Result<PageText, OcrError> {
        let (width, height) = page.dimensions();
        let (w, h) = (
            i32::try_from(width).map_err(|_| OcrError::TooLarge { width, height })?,
            i32::try_from(height).map_err(|_| OcrError::TooLarge { width, height })?,
        );
        self.api
            .set_variable("thresholding_method", binarization.tesseract_method())
            .map_err(tess_error)?;
        self.api
            .set_image(page.as_raw(), w, h, 1, w)
            .map_err(tess_error)?;
        self.api.set_source_resolution(300).map_err(tess_error)?;
        self.api.recognize().map_err(tess_error)?;
        let text = self.api.get_utf8_text().map_err(tess_error)?;
        let mean_confidence = self.api.mean_text_conf().map_err(tess_error)?.clamp(0, 100) as u8;
        let words = self.words()?;
        let alto = alto_document(&self.api.get_alto_text(0).map_err(tess_error)?);
        self.api.clear().map_err(tess_error)?;
        let language = main_language(&words);
        Ok(PageText {
            alto,
            text,
            words,
            mean_confidence,
            language,
            width,
            height,
            binarization,
        })
    }

    fn words(&self) -> Result<Vec<Word>, OcrError> {
        let mut words = Vec::new();
        // A page without any text has no iterator.
        let Ok(iter) = self.api.get_iterator() else {
            return Ok(words);
        };
        loop {
            if let Ok((text, left, top, right, bottom, confidence)) = iter.get_word_with_bounds() {
                let text = text.trim().to_owned();
                if !text.is_empty() {
                    let clamp = |v: i32| u32::try_from(v).unwrap_or(0);
                    words.push(Word {
                        text,
                        confidence,
                        bbox: [clamp(left), clamp(top), clamp(right), clamp(bottom)],
                        language: iter.word_recognition_language().unwrap_or_default(),
                    });
                }
            }
            if !iter
                .next(TessPageIteratorLevel::RIL_WORD)
                .map_err(tess_error)?
            {
                break;
            }
        }
        Ok(words)
    }
}

/// The language with the most recognized letters (ties broken by name, so the answer
/// does not depend on iteration order); empty for a page without words.
pub fn main_language(words: &[Word]) -> String {
    let mut letters: BTreeMap<&str, usize> = BTreeMap::new();
    for word in words.iter().filter(|w| !w.language.is_empty()) {
        *letters.entry(&word.language).or_default() +=
            word.text.chars().filter(|c| c.is_alphabetic()).count();
    }
    letters
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(language, _)| language.to_owned())
        .unwrap_or_default()
}
