//! Reading a PDF that arrives as a master: how many pages, whether a page already
//! carries text (a born-digital PDF, kept as it is), and otherwise the page drawn by
//! the rasterizer ([`crate::render`]), for OCR.
//!
//! The file is opened by the rasterizer's parser (which repairs a broken xref, skips
//! garbage after `%%EOF` and opens a file encrypted with an empty user password, as
//! viewers do); `lopdf` reads born-digital pages' text.

use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::object::{Dict, Name, Object};
use lopdf::Document;

use crate::PdfError;
use crate::render::{RenderedPage, Undecodable};

/// The share of a page images must cover for it to be a scan (read by OCR whatever
/// text layer it has).
const SCANNED_SHARE: f64 = 0.5;

/// A parsed PDF master.
pub struct ScannedPdf {
    /// The file as the rasterizer reads it: pages, resources, images.
    drawn: Pdf,
    /// The file as `lopdf` reads it, for text layers; `None` when only the rasterizer's
    /// parser could open it (its pages are then read by OCR).
    doc: Option<Document>,
    page_count: u32,
}

impl std::fmt::Debug for ScannedPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScannedPdf")
            .field("pages", &self.page_count)
            .field("text_layers", &self.doc.is_some())
            .finish()
    }
}

impl ScannedPdf {
    /// Parses the PDF. One that needs a password, or carries JavaScript, is refused;
    /// one encrypted with an empty user password opens, as in any viewer.
    pub fn parse(bytes: &[u8]) -> Result<Self, PdfError> {
        // Every complete PDF ends with an %%EOF line, which scanners sometimes follow
        // with garbage; a file cut short is refused, whatever a lenient parser would
        // recover from it: it has no %%EOF, or objects follow its last one (a
        // linearized file has an %%EOF after its first page).
        let Some(end) = rfind(bytes, b"%%EOF") else {
            return Err(PdfError::Malformed {
                reason: "truncated: no %%EOF in it".to_owned(),
            });
        };
        if has_object_header(&bytes[end..]) {
            return Err(PdfError::Malformed {
                reason: "truncated: objects follow its last %%EOF".to_owned(),
            });
        }
        inflates_within_bounds(bytes)?;
        let drawn = Pdf::new(bytes.to_vec()).map_err(|error| match error {
            hayro::hayro_syntax::LoadPdfError::Decryption(_) => PdfError::Encrypted,
            hayro::hayro_syntax::LoadPdfError::Invalid => PdfError::Malformed {
                reason: "not a PDF the rasterizer can open".to_owned(),
            },
        })?;
        if drawn.objects().into_iter().any(|o| carries_javascript(&o)) {
            return Err(PdfError::JavaScript);
        }
        let page_count = drawn.pages().len() as u32;
        if page_count == 0 {
            return Err(PdfError::NoPages);
        }
        let doc = Document::load_mem(bytes).ok();
        // What a repairing parser makes of a file with no page tree is not a document.
        let drawable = drawn
            .pages()
            .iter()
            .any(|page| page.raw().contains_key(b"Contents"));
        if doc.is_none() && !drawable {
            return Err(PdfError::Malformed {
                reason: "no page with content could be found in it".to_owned(),
            });
        }
        // Text layers are read only where both parsers see the same pages.
        let doc = doc.filter(|doc| doc.get_pages().len() as u32 == page_count);
        Ok(ScannedPdf {
            drawn,
            doc,
            page_count,
        })
    }

    pub fn page_count(&self) -> u32 {
        self.page_count
    }

    fn check_page(&self, page: u32) -> Result<(), PdfError> {
        if (1..=self.page_count).contains(&page) {
            Ok(())
        } else {
            Err(PdfError::NoSuchPage {
                page,
                pages: self.page_count,
            })
        }
    }

    /// The text a page carries, when it has any letters and is not a scan: a
    /// born-digital page. `None` for a page that is only an image; for a scan with a
    /// text layer over it (images cover half the page or more), which is read again:
    /// on the real development PDFs, two scans' layers held 1 word each where OCR read
    /// 145 and 289; and for a page that draws form XObjects, whose text `lopdf` does
    /// not read (a real born-digital file that drew its labels through a form kept 24
    /// of the 348 words OCR reads on it).
    pub fn text_layer(&self, page: u32) -> Result<Option<String>, PdfError> {
        self.check_page(page)?;
        let Some(doc) = &self.doc else {
            return Ok(None);
        };
        let drawn = &self.drawn.pages()[page as usize - 1];
        let resources = drawn.resources();
        let draws_forms = resources.x_objects.keys().any(|name| {
            resources.get_x_object(&name).is_some_and(|stream| {
                stream
                    .dict()
                    .get::<Name<'_>>(b"Subtype")
                    .is_some_and(|subtype| subtype.as_ref() == b"Form")
            })
        });
        if draws_forms || crate::render::image_coverage(drawn) >= SCANNED_SHARE {
            return Ok(None);
        }
        let text = doc.extract_text(&[page]).unwrap_or_default();
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        Ok((letters > 0).then(|| text.trim().to_owned()))
    }

    /// The resolution the page is drawn at: its scan's, within the rasterizer's range.
    pub fn image_resolution(&self, page: u32) -> Option<f64> {
        self.check_page(page).ok()?;
        let page = self.drawn.pages().get(page as usize - 1)?;
        Some(f64::from(crate::render::render_dpi(page)))
    }

    /// A page's width and height in points, as shown (CropBox, `/Rotate`).
    pub fn page_size(&self, page: u32) -> Result<(f64, f64), PdfError> {
        self.check_page(page)?;
        let (width, height) = self.drawn.pages()[page as usize - 1].render_dimensions();
        Ok((f64::from(width), f64::from(height)))
    }

    /// The page drawn to grey at its scan's resolution, for OCR ([`crate::render`]);
    /// a page with an image that cannot be decoded is an error of that page.
    pub fn render_page(&self, page: u32) -> Result<RenderedPage, PdfError> {
        self.check_page(page)?;
        crate::render::render(&self.drawn, page as usize - 1, page, Undecodable::Refuse)
    }

    /// The page drawn as a viewer draws it, for a reader and the searchable PDF: an
    /// image on it that cannot be decoded is left out instead of refusing the page.
    pub fn draw_page(&self, page: u32) -> Result<RenderedPage, PdfError> {
        self.check_page(page)?;
        crate::render::render(&self.drawn, page as usize - 1, page, Undecodable::LeaveOut)
    }
}

/// The most one stream of a master may inflate to: a page of 140 megapixels (the
/// rasterizer's cap) in RGB, with room to spare.
pub const MAX_INFLATED_STREAM: u64 = 512 << 20;
/// The most all of a master's streams may inflate to together.
pub const MAX_INFLATED_FILE: u64 = 4 << 30;

/// Inflates every Flate-compressed stream of the file once, into nothing, counting,
/// straight from its bytes and before any parser reads it: a compression bomb (a few
/// megabytes that inflate to gigabytes) is refused before any of it is decoded for
/// real, and fails its own record only. Object and cross-reference streams count like
/// any other (the parsers inflate them just to find the objects), and only top-level
/// objects can be streams, so nothing is inflated that was not counted.
fn inflates_within_bounds(bytes: &[u8]) -> Result<(), PdfError> {
    use std::io::Read as _;
    let mut total = 0u64;
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], b"stream") {
        let keyword = from + found;
        from = keyword + b"stream".len();
        // `stream` right after a dictionary's `>>`, not the end of `endstream`.
        let before = bytes[..keyword].trim_ascii_end();
        if !before.ends_with(b">>") {
            continue;
        }
        let data = match &bytes[from..] {
            [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] | [b'\r', rest @ ..] => rest,
            _ => continue,
        };
        // The stream's dictionary: back to the object's header.
        let header = rfind(before, b" obj").unwrap_or(0);
        let dictionary = &before[header..];
        let flate_layers = dictionary
            .windows(b"/FlateDecode".len())
            .filter(|w| *w == b"/FlateDecode")
            .count()
            + dictionary.windows(4).filter(|w| *w == b"/Fl ").count();
        if flate_layers == 0 {
            continue;
        }
        let mut reader: Box<dyn std::io::Read + '_> = Box::new(data);
        for _ in 0..flate_layers {
            reader = Box::new(flate2::read::ZlibDecoder::new(reader));
        }
        // A broken stream is the parsers' to judge; only its size counts here.
        let inflated = std::io::copy(
            &mut reader.take(MAX_INFLATED_STREAM + 1),
            &mut std::io::sink(),
        )
        .unwrap_or(0);
        total += inflated;
        if inflated > MAX_INFLATED_STREAM || total > MAX_INFLATED_FILE {
            return Err(PdfError::Malformed {
                reason: format!(
                    "a compressed stream inflates past {} MiB (a compression bomb?)",
                    if inflated > MAX_INFLATED_STREAM {
                        MAX_INFLATED_STREAM >> 20
                    } else {
                        MAX_INFLATED_FILE >> 20
                    }
                ),
            });
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A JavaScript action (`/S /JavaScript`, `/JS`) or a document-level script name tree.
fn carries_javascript(object: &Object<'_>) -> bool {
    let dict: &Dict<'_> = match object {
        Object::Dict(dict) => dict,
        Object::Stream(stream) => stream.dict(),
        _ => return false,
    };
    dict.contains_key(b"JS")
        || dict.contains_key(b"JavaScript")
        || dict
            .get::<hayro::hayro_syntax::object::Name<'_>>(b"S")
            .is_some_and(|name| name.as_ref() == b"JavaScript")
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Whether `bytes` hold an indirect object's header, `N G obj`.
fn has_object_header(bytes: &[u8]) -> bool {
    bytes.windows(4).enumerate().any(|(at, w)| {
        if w != b" obj" {
            return false;
        }
        // Back over the generation, a space, the object number.
        let before = &bytes[..at];
        let generation = before
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let rest = &before[..before.len() - generation];
        generation > 0
            && rest.last().is_some_and(u8::is_ascii_whitespace)
            && rest[..rest.len() - 1]
                .last()
                .is_some_and(u8::is_ascii_digit)
    })
}
