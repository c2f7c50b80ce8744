//! The OCR capability the pipeline depends on, and its libtesseract implementation.

use std::collections::BTreeMap;

use fehrist_model::{LanguageFound, Preprocessing, Word};
use image::GrayImage;
use image::imageops::FilterType;
use tesseract_rs::{TessPageIteratorLevel, TessPageSegMode, TesseractAPI};

use crate::language::language_by_words;
use crate::preprocess::{ImageStats, despeckle, letter_height, reading_scale};
use crate::{ASSUMED_DPI, OcrError};

/// What an engine read on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageText {
    /// Plain text in reading order, lines separated by `\n`.
    pub text: String,
    /// Words in reading order, boxes in pixels of the page as given (before rotation).
    pub words: Vec<Word>,
    /// The layout the words sit in, for ALTO.
    pub blocks: Vec<TextBlock>,
    /// Mean word confidence, 0–100.
    pub mean_confidence: u8,
    /// The language most of the page's letters were recognized in.
    pub language: String,
    /// Size of the page image that was read, in pixels.
    pub width: u32,
    pub height: u32,
    /// The binarization whose reading was kept.
    pub binarization: Binarization,
    /// Resolution, orientation, skew and cleaning, as measured and applied.
    pub preprocessing: Preprocessing,
    /// `true` when the text is a born-digital PDF page's own, kept without OCR (no
    /// words, boxes or preprocessing then).
    pub from_text_layer: bool,
}

impl PageText {
    /// A born-digital page's text, kept as it is. The page's size is its PDF size at
    /// [`ASSUMED_DPI`].
    pub fn from_text_layer(text: String, languages: &str, size_points: (f64, f64)) -> Self {
        let pixels = |points: f64| (points * f64::from(ASSUMED_DPI) / 72.0).round() as u32;
        PageText {
            language: language_of_text(&text, languages),
            text,
            words: Vec::new(),
            blocks: Vec::new(),
            mean_confidence: 100,
            width: pixels(size_points.0),
            height: pixels(size_points.1),
            binarization: Binarization::Otsu,
            preprocessing: Preprocessing {
                dpi: ASSUMED_DPI,
                dpi_assumed: true,
                rotation: 0,
                skew: 0.0,
                despeckled: false,
                scale: None,
                language_found: None,
            },
            from_text_layer: true,
        }
    }
}

/// Letters a Cyrillic model writes for Latin ones, from alphabets not among ours
/// (Ukrainian, Macedonian, Serbian, Bashkir): the Tajik model reads "the" as "Ше" and
/// "of" as "ої".
const LATIN_AS_CYRILLIC: &[char] = &['і', 'ї', 'ѕ', 'ј', 'ќ', 'ѓ', 'є', 'һ', 'ԁ'];

/// Which of `languages` (`tgk+rus+eng`) a text is in, told by letters only one of them
/// has: ҷ ӣ ӯ for Tajik, ў for Uzbek, ы щ ц ь for Russian, Latin letters (or what a
/// Cyrillic model writes for them) for English and Uzbek in Latin script. The first
/// language when nothing tells.
pub fn language_of_text(text: &str, languages: &str) -> String {
    let marks = |language: &str, c: char| -> bool {
        let c = c.to_lowercase().next().unwrap_or(c);
        match language {
            "tgk" => matches!(c, 'ҷ' | 'ӣ' | 'ӯ'),
            "uzb_cyrl" => c == 'ў',
            "rus" => matches!(c, 'ы' | 'щ' | 'ц' | 'ь'),
            "eng" | "uzb" => c.is_ascii_alphabetic() || LATIN_AS_CYRILLIC.contains(&c),
            _ => false,
        }
    };
    let candidates: Vec<&str> = languages.split('+').filter(|l| !l.is_empty()).collect();
    let scores: Vec<usize> = candidates
        .iter()
        .map(|l| text.chars().filter(|&c| marks(l, c)).count())
        .collect();
    let best = scores.iter().copied().max().unwrap_or(0);
    candidates
        .iter()
        .zip(&scores)
        .find(|(_, score)| best > 0 && **score == best)
        .or(candidates.first().map(|l| (l, &0)))
        .map(|(l, _)| (*l).to_owned())
        .unwrap_or_default()
}

/// A block of text lines (a paragraph or column), in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBlock {
    /// Left, top, right, bottom in pixels of the page as given.
    pub bbox: [u32; 4],
    pub lines: Vec<TextLine>,
}

/// One line of text: its box and the range of [`PageText::words`] on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    pub bbox: [u32; 4],
    pub words: std::ops::Range<usize>,
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
    /// Reads a page; `dpi` is the resolution its file states, if any
    /// ([`crate::resolution`]); without it [`ASSUMED_DPI`] is used and recorded.
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<PageText, OcrError>;
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
        "auto"
    }

    fn reader(&self, languages: &str) -> Result<Box<dyn PageReader>, OcrError> {
        TesseractReader::new(self.datapath.as_deref(), languages).map(|r| Box::new(r) as _)
    }
}

struct TesseractReader {
    /// The record's first language alone (or its only one): single-language models
    /// read faster, and most pages are in the record's main language.
    first: TesseractAPI,
    first_language: String,
    /// All the record's languages (`tgk+rus+eng`), loaded the first time a page is
    /// not plainly in the first; `None` until then, and for a single language.
    all: Option<TesseractAPI>,
    /// `+`-joined, as given.
    languages: String,
    datapath: std::path::PathBuf,
    /// Orientation detection, loaded the first time a page reads poorly.
    osd: Option<TesseractAPI>,
    /// Each of the record's languages after the first alone, loaded the first time a
    /// page is found to be in it.
    others: Vec<Option<TesseractAPI>>,
}

/// Which of a reader's models a pass uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Primary,
    /// One of the record's other languages alone (its index among them).
    Other(usize),
    All,
}

fn tess_error(error: tesseract_rs::TesseractError) -> OcrError {
    OcrError::Engine {
        source: Box::new(error),
    }
}

impl TesseractReader {
    fn new(datapath: Option<&std::path::Path>, languages: &str) -> Result<Self, OcrError> {
        let requested: Vec<&str> = languages.split('+').filter(|l| !l.is_empty()).collect();
        let Some(first_language) = requested.first() else {
            return Err(OcrError::NoLanguages);
        };
        // A code is a file name in tessdata: `../x` or `/tmp/x` would load a model from
        // anywhere, so only letters, digits and `_` (`uzb_cyrl`) are passed on.
        let malformed: Vec<String> = requested
            .iter()
            .filter(|l| !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(|l| (*l).to_owned())
            .collect();
        if !malformed.is_empty() {
            return Err(OcrError::UnknownLanguages {
                requested: languages.to_owned(),
                missing: malformed,
                installed: Vec::new(),
            });
        }
        let datapath = datapath.map(|p| p.to_path_buf()).unwrap_or_default();
        let first = new_api(&datapath, first_language);
        // Tesseract accepts unknown language codes with only a line on stderr, so the
        // loaded and installed sets are compared with the requested one.
        let loaded = first.as_ref().map_or_else(
            |_| Vec::new(),
            |api| api.get_loaded_languages().unwrap_or_default(),
        );
        let installed = first.as_ref().map_or_else(
            |_| Vec::new(),
            |api| api.get_available_languages().unwrap_or_default(),
        );
        let missing: Vec<String> = requested
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                let known = if *i == 0 { &loaded } else { &installed };
                !known.iter().any(|k| k == **l)
            })
            .map(|(_, l)| (*l).to_owned())
            .collect();
        match first {
            Ok(first) if missing.is_empty() => Ok(TesseractReader {
                first,
                first_language: (*first_language).to_owned(),
                all: None,
                languages: languages.to_owned(),
                datapath,
                osd: None,
                others: requested.iter().skip(1).map(|_| None).collect(),
            }),
            _ => Err(OcrError::UnknownLanguages {
                requested: languages.to_owned(),
                missing: if missing.is_empty() {
                    vec![(*first_language).to_owned()]
                } else {
                    missing
                },
                installed,
            }),
        }
    }
}

/// An engine instance for `languages`, with automatic layout and no orientation
/// detection: most pages are upright, and detection costs a third of a page's
/// reading, so it runs only on doubtful pages.
fn new_api(datapath: &std::path::Path, languages: &str) -> Result<TesseractAPI, OcrError> {
    let api = TesseractAPI::new();
    api.init(datapath, languages).map_err(tess_error)?;
    api.set_page_seg_mode(TessPageSegMode::PSM_AUTO)
        .map_err(tess_error)?;
    Ok(api)
}

/// Models that load other models with them (`uzb_cyrl`'s `tessedit_load_sublangs uzb`).
/// Tesseract 5.3 adds those to the list of languages it is walking and then loses the
/// language after them: `tgk+rus+uzb_cyrl+eng` loads no English (it asks for a file of
/// garbage instead, and reads an English page as Cyrillic), `tgk+rus+eng+uzb_cyrl`
/// loads all four.
const LOADS_OTHERS: &[&str] = &["uzb_cyrl"];

/// A record's languages as one model is asked for: those that load others last.
fn combined(languages: &str) -> String {
    let (last, first): (Vec<&str>, Vec<&str>) = languages
        .split('+')
        .filter(|l| !l.is_empty())
        .partition(|l| LOADS_OTHERS.contains(l));
    [first, last].concat().join("+")
}

/// Mean word confidence below which a reading is doubted: the page may be sideways or
/// upside down, or need the other binarization. Upright pages, clean or degraded,
/// read above it here; a page read upside down stays far below.
pub const CONFIDENT: u8 = 75;

fn doubtful(read: &PageText) -> bool {
    read.words.is_empty() || read.mean_confidence < CONFIDENT
}

/// How a page was prepared before a pass over it.
#[derive(Debug, Clone, Copy)]
struct Prepared {
    /// The page's resolution as scanned (stated, or assumed).
    dpi: u32,
    dpi_assumed: bool,
    despeckled: bool,
    /// How much the page was resized (its letters measured too small or too large);
    /// its boxes are mapped back.
    scale: f64,
    /// Width and height of the page as scanned (of the band, for a band's pass).
    size: (u32, u32),
}

/// A reading that leaves room for a better one: not all sure (Tesseract's own Otsu
/// threshold and Sauvola's read alike on most clean pages; on faded, stained or
/// low-resolution ones one of them keeps more words).
fn unsure(read: &PageText) -> bool {
    let unsure = read.words.iter().filter(|w| w.confidence < UNSURE).count();
    read.mean_confidence < SURE || unsure as f64 >= UNSURE_SHARE * read.words.len() as f64
}

/// A Sauvola reading whose words are, on the whole, unsure: on real typescripts and
/// printed pages read Sauvola-first, only those read better with Tesseract's own Otsu
/// threshold (by up to a third of their letters); above it the plain reading changed a
/// page by under 1% of its letters, as often for the worse as for the better, at the
/// cost of a second reading of the page.
fn poor(read: &PageText) -> bool {
    read.words.is_empty() || f32::from(read.mean_confidence) < UNSURE
}

/// Mean confidence, and share of words under [`UNSURE`], of a reading that is left
/// alone: measured on real typescripts, where every page under them read better with
/// Sauvola or no worse.
const SURE: u8 = 90;
const UNSURE_SHARE: f64 = 0.05;
/// How much more confident text the Sauvola reading needs to replace the Otsu one.
const CLEAR_WIN: f64 = 1.02;

impl PageReader for TesseractReader {
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<PageText, OcrError> {
        // The plain reading first: the page as scanned, Tesseract's own Otsu threshold,
        // as the `tesseract` command reads it. Every step after it is a second reading,
        // kept only when it reads more letters more surely ([`confident_text`]), so
        // preprocessing can never lose what the plain reading had.
        let stats = ImageStats::measure(page);
        // Text too small or too large for the models (a low-resolution scan, a folio
        // at high resolution, whatever the header says) is measured before it is
        // read, and the page resized once to the letter size the models read best:
        // a first reading at the wrong size would cost a whole page for nothing.
        let (width, height) = page.dimensions();
        let scale = letter_height(page).and_then(|letters| reading_scale(letters, width, height));
        let resized = scale.map(|scale| {
            let size = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
            image::imageops::resize(page, size(width), size(height), FilterType::Lanczos3)
        });
        let page = resized.as_ref().unwrap_or(page);
        let plain = Prepared {
            dpi: dpi.unwrap_or(ASSUMED_DPI),
            dpi_assumed: dpi.is_none(),
            despeckled: false,
            scale: scale.unwrap_or(1.0),
            size: (width, height),
        };
        // With several languages, a band of the page's densest text is read first, and
        // the page in the language that band is in: each page read once with its own
        // model, not with the first language and then again.
        let several = self.languages.contains('+');
        let mut sampled = if several {
            self.sample_language(page, &plain)?
        } else {
            None
        };
        let (mut model, mut language) = match sampled {
            Some(index) => (Model::Other(index), self.other_language(index)),
            None => (Model::Primary, self.first_language.clone()),
        };
        // A page whose paper measures uneven or speckled is read first as the strongest
        // plain setup reads such pages (Sauvola's threshold, specks removed) and, when
        // that reading is poor, as the `tesseract` command reads it too; the Sauvola
        // reading is kept only when it wins clearly. Other pages the other way round,
        // Sauvola tried when the plain reading is not sure. A page is read once when
        // its first reading is good enough.
        let adaptive = stats.needs_adaptive_threshold();
        // Not on a resized page: resizing smooths, and the filter then erases thin
        // strokes.
        let cleaned = (adaptive && stats.is_noisy() && scale.is_none()).then(|| despeckle(page));
        let first = Prepared {
            despeckled: cleaned.is_some(),
            ..plain
        };
        let first_input = cleaned.as_ref().unwrap_or(page);
        // A strip of a line or two (a line crop).
        let strip = page.width() >= 4 * page.height();
        let mut best = if adaptive {
            let sauvola = self.pass(model, first_input, 0, Binarization::Sauvola, &first)?;
            // A line crop is read again whenever it is unsure: its second reading
            // costs a line, not a page.
            if poor(&sauvola) || (strip && unsure(&sauvola)) {
                let otsu = self.pass(model, page, 0, Binarization::Otsu, &plain)?;
                if better(&sauvola, &otsu, CLEAR_WIN) {
                    sauvola
                } else {
                    otsu
                }
            } else {
                sauvola
            }
        } else {
            self.pass(model, page, 0, Binarization::Otsu, &plain)?
        };
        let sauvola_kept = best.binarization == Binarization::Sauvola;
        let (base, base_prepared) = if sauvola_kept {
            (first_input, first)
        } else {
            (page, plain)
        };
        let mut upright = None;
        // A strip gives orientation detection too little to judge by.
        if doubtful(&best) && !strip {
            // A poor reading: the page may be sideways or upside down.
            let rotation = self.rotation(page, plain.dpi)?;
            if rotation != 0 {
                let turned = turn_upright(base, rotation);
                // A page lying sideways or upside down told its language nothing; upright
                // it does, and is read once in its own.
                let upright_language = match sampled {
                    None if several => self.sample_language(&turned, &base_prepared)?,
                    _ => None,
                };
                let turned_model = upright_language.map_or(model, Model::Other);
                let read = self.pass(
                    turned_model,
                    &turned,
                    rotation,
                    best.binarization,
                    &base_prepared,
                )?;
                if confident_text(&read) > confident_text(&best) {
                    best = read;
                    upright = Some((turned, rotation));
                    if let Some(index) = upright_language {
                        (model, language) = (turned_model, self.other_language(index));
                        sampled = Some(index);
                    }
                }
            }
        }
        let (page_upright, rotation) = match &upright {
            Some((turned, rotation)) => (turned, *rotation),
            None => (base, 0),
        };
        let mut kept: (Option<GrayImage>, Prepared) = (None, base_prepared);
        // Sauvola's adaptive threshold, where the reading is unsure and it was not
        // tried first (after a median filter on a speckled page not resized). It must
        // win clearly: on real typescripts the readings it won narrowly were no better.
        if !adaptive && unsure(&best) {
            let image = kept.0.as_ref().unwrap_or(page_upright);
            let despeckled = stats.is_noisy() && scale.is_none();
            let cleaned = despeckled.then(|| despeckle(image));
            let prepared = Prepared {
                despeckled,
                ..kept.1
            };
            let input = cleaned.as_ref().unwrap_or(image);
            let read = self.pass(model, input, rotation, Binarization::Sauvola, &prepared)?;
            if better(&read, &best, CLEAR_WIN) {
                best = read;
                if let Some(cleaned) = cleaned {
                    kept.0 = Some(cleaned);
                }
                kept.1 = prepared;
            }
        }
        // A page not plainly in the record's main language is read again with the
        // language its first reading's words or letters say, alone, or, when they say
        // nothing clearly, with all the record's languages.
        best.preprocessing.language_found = several.then_some(match sampled {
            Some(_) => LanguageFound::Sample,
            None => LanguageFound::First,
        });
        if several && !plainly_in(&best, &language, &self.languages) {
            let image = kept.0.as_ref().unwrap_or(page_upright);
            let binarization = best.binarization;
            // Function words first; letters only one language has (ў, ы, Latin) when
            // the page has too few of them.
            let other = language_by_words(&best.text, &self.languages)
                .or_else(|| Some(language_of_text(&best.text, &self.languages)))
                .filter(|other| *other != language)
                .map(|other| self.model_of(&other));
            let (model, found) = match other {
                Some(model) => (model, LanguageFound::Text),
                None => (Model::All, LanguageFound::All),
            };
            let mut read = self.pass(model, image, rotation, binarization, &kept.1)?;
            if confident_text(&read) >= confident_text(&best) {
                read.preprocessing.language_found = Some(found);
                best = read;
            }
        }
        Ok(best)
    }
}

/// Share of words read with confidence under [`UNSURE`] that makes a single-language
/// reading suspect (a passage in another language reads unsure).
const UNSURE_WORDS: f64 = 0.15;
const UNSURE: f32 = 60.0;

/// Whether a reading with one language's model can stand: confident, its letters say
/// that language among the record's ones, and few unsure words.
fn plainly_in(read: &PageText, language: &str, languages: &str) -> bool {
    if doubtful(read) || language_of_text(&read.text, languages) != language {
        return false;
    }
    // Another language's function words: an Uzbek page read by the Tajik model has
    // Tajik letters enough (its ў read as ӯ).
    if language_by_words(&read.text, languages).is_some_and(|found| found != language) {
        return false;
    }
    // A page of Tajik or Uzbek without one of its own letters is in another language
    // (read by a model that lacks that language's letters).
    let own: &[char] = match language {
        "tgk" => &['ҳ', 'ҷ', 'ӣ', 'ӯ', 'қ', 'ғ'],
        "uzb_cyrl" => &['ў', 'қ', 'ғ', 'ҳ'],
        _ => &[],
    };
    let letters = read.text.chars().filter(|c| c.is_alphabetic()).count();
    let lower = read.text.to_lowercase();
    if !own.is_empty() && letters >= 100 && !lower.contains(own) {
        return false;
    }
    let unsure = read.words.iter().filter(|w| w.confidence < UNSURE).count();
    (unsure as f64) <= UNSURE_WORDS * read.words.len() as f64
}

/// The image turned so that text whose tops point `rotation` degrees clockwise from up
/// stands upright.
fn turn_upright(image: &GrayImage, rotation: u16) -> GrayImage {
    match rotation {
        90 => image::imageops::rotate270(image),
        180 => image::imageops::rotate180(image),
        270 => image::imageops::rotate90(image),
        _ => image.clone(),
    }
}

/// A box found on the upright image mapped back onto the page as given (`width` ×
/// `height`), whose text was turned `rotation` degrees clockwise.
fn box_on_page(bbox: [u32; 4], rotation: u16, width: u32, height: u32) -> [u32; 4] {
    let [l, t, r, b] = bbox;
    match rotation {
        // The upright image is the page turned 270° clockwise: page x = W − y', y = x'.
        90 => [width.saturating_sub(b), l, width.saturating_sub(t), r],
        180 => [
            width.saturating_sub(r),
            height.saturating_sub(b),
            width.saturating_sub(l),
            height.saturating_sub(t),
        ],
        // The upright image is the page turned 90° clockwise: page x = y', y = H − x'.
        270 => [t, height.saturating_sub(r), b, height.saturating_sub(l)],
        _ => bbox,
    }
}

/// Which way the text runs on the page as scanned, as the clockwise rotation of its
/// tops from upright (0, 90, 180, 270): the direction from each word to the next on
/// its line, summed over the page. Tesseract's layout analysis reads sideways lines by
/// itself, so this is how a page read that way learns its rotation. `None` without
/// two words on a line.
pub fn reading_direction(words: &[Word]) -> Option<u16> {
    let centre = |w: &Word| {
        let [l, t, r, b] = w.bbox.map(i64::from);
        ((l + r) / 2, (t + b) / 2)
    };
    let (mut dx, mut dy, mut pairs) = (0i64, 0i64, 0);
    for pair in words.windows(2) {
        if pair[0].line.is_some() && pair[0].line == pair[1].line {
            let ((x0, y0), (x1, y1)) = (centre(&pair[0]), centre(&pair[1]));
            dx += x1 - x0;
            dy += y1 - y0;
            pairs += 1;
        }
    }
    if pairs == 0 {
        return None;
    }
    Some(if dx.abs() >= dy.abs() {
        if dx >= 0 { 0 } else { 180 }
    } else if dy > 0 {
        90
    } else {
        270
    })
}

/// Whether a second reading replaces the one kept: more letters weighted by confidence
/// (by `margin` times), and not fewer words found, so a reading that is surer of less
/// of the page never wins (on a handwritten page, Sauvola's reading was surer of a
/// fifth of the words).
fn better(candidate: &PageText, kept: &PageText, margin: f64) -> bool {
    confident_text(candidate) > confident_text(kept) * margin
        && candidate.words.len() as f64 >= kept.words.len() as f64 * WORDS_KEPT
}

/// Share of the kept reading's words a second reading must find to replace it.
const WORDS_KEPT: f64 = 0.9;

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

fn dimensions(page: &GrayImage) -> Result<(i32, i32), OcrError> {
    let (width, height) = page.dimensions();
    Ok((
        i32::try_from(width).map_err(|_| OcrError::TooLarge { width, height })?,
        i32::try_from(height).map_err(|_| OcrError::TooLarge { width, height })?,
    ))
}

/// How much of a page's height the language sample takes: a few lines of text.
const SAMPLE_SHARE: u32 = 10;
/// Words a sample must read, and their mean confidence, to tell a language: a band read
/// by another language's model, or through stains, reads less sure than a page.
const SAMPLE_WORDS: usize = 8;
const SAMPLE_CONFIDENCE: u8 = 50;

/// How much of a page's height orientation detection looks at.
const ORIENTATION_SHARE: u32 = 3;

/// The rows of the band of `height` rows holding the most ink: where the page's text
/// is densest (a page's text may fill a tenth of it, at the top).
fn densest_band(page: &GrayImage, height: u32) -> std::ops::Range<u32> {
    let (width, rows) = page.dimensions();
    let height = height.min(rows);
    // Ink per row: dark pixels, on every fourth column (enough to find text lines).
    let ink: Vec<u32> = page
        .as_raw()
        .chunks(width.max(1) as usize)
        .map(|row| row.iter().step_by(4).filter(|&&v| v < 128).count() as u32)
        .collect();
    let mut inked: u64 = ink[..height as usize].iter().map(|&v| u64::from(v)).sum();
    let (mut best, mut top) = (inked, 0u32);
    for start in 1..=(rows - height) {
        inked += u64::from(ink[(start + height - 1) as usize]);
        inked -= u64::from(ink[(start - 1) as usize]);
        if inked > best {
            (best, top) = (inked, start);
        }
    }
    top..top + height
}

impl TesseractReader {
    /// The record's language at `index` among its others (after the first).
    fn other_language(&self, index: usize) -> String {
        self.languages
            .split('+')
            .nth(index + 1)
            .unwrap_or_default()
            .to_owned()
    }

    /// The model that reads `language` alone.
    fn model_of(&self, language: &str) -> Model {
        match self
            .languages
            .split('+')
            .skip(1)
            .position(|l| l == language)
        {
            Some(index) if language != self.first_language => Model::Other(index),
            _ => Model::Primary,
        }
    }

    /// The language of the band of the page's densest text, read with the first
    /// language's model (whose letters, folded, still tell the others' words apart):
    /// the index of another of the record's languages when the band is clearly in it;
    /// `None` when it is in the first, or says nothing clearly (a sideways page, a
    /// picture).
    fn sample_language(
        &mut self,
        page: &GrayImage,
        plain: &Prepared,
    ) -> Result<Option<usize>, OcrError> {
        let rows = densest_band(page, (page.height() / SAMPLE_SHARE).max(1));
        let band = image::imageops::crop_imm(page, 0, rows.start, page.width(), rows.len() as u32)
            .to_image();
        let prepared = Prepared {
            size: (
                plain.size.0,
                (f64::from(band.height()) / plain.scale).round() as u32,
            ),
            ..*plain
        };
        let read = self.pass(Model::Primary, &band, 0, Binarization::Otsu, &prepared)?;
        if read.words.len() < SAMPLE_WORDS || read.mean_confidence < SAMPLE_CONFIDENCE {
            return Ok(None);
        }
        let language = language_by_words(&read.text, &self.languages)
            .unwrap_or_else(|| language_of_text(&read.text, &self.languages));
        Ok(match self.model_of(&language) {
            Model::Other(index) => Some(index),
            _ => None,
        })
    }

    /// Clockwise rotation of the page's text by Tesseract's orientation detection
    /// (`osd.traineddata`); 0 when it is unsure or finds nothing to judge by.
    fn rotation(&mut self, page: &GrayImage, dpi: u32) -> Result<u16, OcrError> {
        if self.osd.is_none() {
            let osd = TesseractAPI::new();
            if osd.init(&self.datapath, "osd").is_err() {
                // Without the orientation model, pages are read as they lie.
                return Ok(0);
            }
            self.osd = Some(osd);
        }
        let osd = self.osd.as_ref().expect("loaded above");
        // Judged on the band of the page's densest text: a few dozen letters tell the
        // orientation, and laying out the whole page to find them cost a third of a
        // reading.
        let rows = densest_band(page, (page.height() / ORIENTATION_SHARE).max(1));
        let band = image::imageops::crop_imm(page, 0, rows.start, page.width(), rows.len() as u32)
            .to_image();
        let (w, h) = dimensions(&band)?;
        osd.set_image(band.as_raw(), w, h, 1, w)
            .map_err(tess_error)?;
        osd.set_source_resolution(dpi as i32).map_err(tess_error)?;
        let detected = osd.detect_os();
        osd.clear().map_err(tess_error)?;
        Ok(match detected {
            // Tesseract's own bar for acting on its orientation guess (`min_orientation_margin`).
            // Tesseract reports the clockwise turn of the text from upright.
            Ok((degrees, confidence, _, _)) if confidence >= 7.0 => degrees.rem_euclid(360) as u16,
            _ => 0,
        })
    }

    fn model(&mut self, model: Model) -> Result<&TesseractAPI, OcrError> {
        if let Model::Other(index) = model {
            if self.others.get(index).is_some_and(Option::is_none) {
                let language = self.languages.split('+').nth(index + 1).unwrap_or_default();
                self.others[index] = Some(new_api(&self.datapath, language)?);
            }
            if let Some(Some(api)) = self.others.get(index) {
                return Ok(api);
            }
        }
        if model == Model::Primary || !self.languages.contains('+') {
            return Ok(&self.first);
        }
        if self.all.is_none() {
            self.all = Some(new_api(&self.datapath, &combined(&self.languages))?);
        }
        Ok(self.all.as_ref().expect("loaded above"))
    }

    /// One recognition of `image`, which is the page turned upright by `rotation`.
    fn pass(
        &mut self,
        model: Model,
        image: &GrayImage,
        rotation: u16,
        binarization: Binarization,
        prepared: &Prepared,
    ) -> Result<PageText, OcrError> {
        let api = self.model(model)?;
        let (w, h) = dimensions(image)?;
        api.set_variable("thresholding_method", binarization.tesseract_method())
            .map_err(tess_error)?;
        api.set_image(image.as_raw(), w, h, 1, w)
            .map_err(tess_error)?;
        // A resolution the file does not state is left to Tesseract, which then judges
        // the text's size from the page itself, as the `tesseract` command does.
        if !prepared.dpi_assumed {
            api.set_source_resolution((f64::from(prepared.dpi) * prepared.scale).round() as i32)
                .map_err(tess_error)?;
        }
        api.recognize().map_err(tess_error)?;
        let text = api.get_utf8_text().map_err(tess_error)?;
        let mean_confidence = api.mean_text_conf().map_err(tess_error)?.clamp(0, 100) as u8;
        let skew = skew(api);
        let (mut words, mut blocks) = layout(api)?;
        api.clear().map_err(tess_error)?;
        // Boxes are kept in pixels of the page as scanned, whatever size and whichever
        // way it was read.
        let (width, height) = prepared.size;
        let scale = prepared.scale;
        if scale != 1.0 {
            let (across, down) = if rotation % 180 == 90 {
                (height, width)
            } else {
                (width, height)
            };
            let unscale = |[l, t, r, b]: [u32; 4]| {
                let back = |v: u32, most: u32| ((f64::from(v) / scale).round() as u32).min(most);
                [
                    back(l, across),
                    back(t, down),
                    back(r, across),
                    back(b, down),
                ]
            };
            words.iter_mut().for_each(|w| w.bbox = unscale(w.bbox));
            for block in &mut blocks {
                block.bbox = unscale(block.bbox);
                block
                    .lines
                    .iter_mut()
                    .for_each(|l| l.bbox = unscale(l.bbox));
            }
        }
        if rotation != 0 {
            let on_page = |bbox| box_on_page(bbox, rotation, width, height);
            words.iter_mut().for_each(|w| w.bbox = on_page(w.bbox));
            for block in &mut blocks {
                block.bbox = on_page(block.bbox);
                block
                    .lines
                    .iter_mut()
                    .for_each(|l| l.bbox = on_page(l.bbox));
            }
        }
        let language = main_language(&words);
        let rotation = reading_direction(&words).unwrap_or(rotation);
        Ok(PageText {
            text,
            words,
            blocks,
            mean_confidence,
            language,
            width,
            height,
            binarization,
            preprocessing: Preprocessing {
                dpi: prepared.dpi,
                dpi_assumed: prepared.dpi_assumed,
                rotation,
                skew,
                despeckled: prepared.despeckled,
                scale: (scale != 1.0).then_some(scale),
                language_found: None,
            },
            from_text_layer: false,
        })
    }
}

/// The skew Tesseract measured and corrected for, in degrees (0.01 steps).
fn skew(api: &TesseractAPI) -> f64 {
    api.get_page_iterator()
        .and_then(|iter| iter.orientation())
        .map(|(_, _, _, radians)| (f64::from(radians).to_degrees() * 100.0).round() / 100.0)
        .unwrap_or(0.0)
}

/// Words in reading order, each with the index of its line, and the blocks and lines
/// they form (told apart by their boxes, as the result iterator walks words).
fn layout(api: &TesseractAPI) -> Result<(Vec<Word>, Vec<TextBlock>), OcrError> {
    let mut words: Vec<Word> = Vec::new();
    let mut blocks: Vec<TextBlock> = Vec::new();
    // A page without any text has no iterator.
    let Ok(iter) = api.get_iterator() else {
        return Ok((words, blocks));
    };
    let clamp = |v: i32| u32::try_from(v).unwrap_or(0);
    let bbox = |level| {
        iter.get_bounding_box(level)
            .map(|(l, t, r, b)| [clamp(l), clamp(t), clamp(r), clamp(b)])
            .unwrap_or_default()
    };
    let mut lines = 0u32;
    loop {
        if let Ok((text, left, top, right, bottom, confidence)) = iter.get_word_with_bounds() {
            let text = text.trim().to_owned();
            if !text.is_empty() {
                let block_box = bbox(TessPageIteratorLevel::RIL_BLOCK);
                let line_box = bbox(TessPageIteratorLevel::RIL_TEXTLINE);
                if blocks.last().is_none_or(|b| b.bbox != block_box) {
                    blocks.push(TextBlock {
                        bbox: block_box,
                        lines: Vec::new(),
                    });
                }
                let block = blocks.last_mut().expect("pushed above");
                if block.lines.last().is_none_or(|l| l.bbox != line_box) {
                    block.lines.push(TextLine {
                        bbox: line_box,
                        words: words.len()..words.len(),
                    });
                    lines += 1;
                }
                block.lines.last_mut().expect("pushed above").words.end += 1;
                words.push(Word {
                    text,
                    confidence,
                    bbox: [clamp(left), clamp(top), clamp(right), clamp(bottom)],
                    language: iter.word_recognition_language().unwrap_or_default(),
                    line: Some(lines - 1),
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
    Ok((words, blocks))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_combined_model_loads_every_language_of_the_record() {
        assert_eq!(combined("tgk+rus+uzb_cyrl+eng"), "tgk+rus+eng+uzb_cyrl");
        assert_eq!(combined("uzb_cyrl+rus"), "rus+uzb_cyrl");
        assert_eq!(combined("rus+eng"), "rus+eng");
        let api = new_api(std::path::Path::new(""), &combined("tgk+rus+uzb_cyrl+eng")).unwrap();
        let loaded = api.get_loaded_languages().unwrap();
        for language in ["tgk", "rus", "uzb_cyrl", "eng"] {
            assert!(
                loaded.iter().any(|l| l == language),
                "{language} not in {loaded:?}"
            );
        }
    }

    #[test]
    fn a_text_tells_its_language_by_its_own_letters() {
        let langs = "tgk+rus+uzb_cyrl+eng";
        assert_eq!(language_of_text("Ҷумҳурии Тоҷикистон", langs), "tgk");
        assert_eq!(
            language_of_text("Взыскать с должника алименты ежемесячно", langs),
            "rus"
        );
        assert_eq!(
            language_of_text("Ўзбекистон Республикаси", langs),
            "uzb_cyrl"
        );
        assert_eq!(language_of_text("Writ of execution", langs), "eng");
        // English as the Tajik model reads it (a real reading of an English letter).
        assert_eq!(
            language_of_text("Сепіга] Ѕїаїе АгсвІіуе ої Ше Керир]с ої Та]11ѕїап", langs),
            "eng"
        );
        assert_eq!(
            language_of_text("1968", "rus+tgk"),
            "rus",
            "first when nothing tells"
        );
    }

    /// A box drawn on a page, found again on the page turned upright, maps back to itself.
    #[test]
    fn boxes_map_back_onto_the_page_as_scanned() {
        let (width, height) = (60, 40);
        let bbox = [10, 5, 25, 12];
        let mut page = GrayImage::from_pixel(width, height, image::Luma([255]));
        for y in bbox[1]..bbox[3] {
            for x in bbox[0]..bbox[2] {
                page.put_pixel(x, y, image::Luma([0]));
            }
        }
        for rotation in [0, 90, 180, 270] {
            let upright = turn_upright(&page, rotation);
            let (mut l, mut t, mut r, mut b) = (u32::MAX, u32::MAX, 0, 0);
            for (x, y, pixel) in upright.enumerate_pixels() {
                if pixel[0] == 0 {
                    (l, t, r, b) = (l.min(x), t.min(y), r.max(x + 1), b.max(y + 1));
                }
            }
            assert_eq!(
                box_on_page([l, t, r, b], rotation, width, height),
                bbox,
                "rotation {rotation}"
            );
        }
    }
}
