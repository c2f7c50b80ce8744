//! Reading a PDF that arrives as a master: how many pages, whether a page already
//! carries text (a born-digital PDF, kept as it is), and otherwise the scanned image
//! on it, for OCR.
//!
//! Supported page images: `DCTDecode` (JPEG, handed back undecoded), `FlateDecode` of
//! 8-bit grey or RGB (or ICC-based with 1 or 3 components) and 1-bit grey, and
//! `CCITTFaxDecode` Group 4. JBIG2, JPX and indexed colour get a clear error.

use lopdf::{Document, Object, ObjectId};

use crate::PdfError;

/// A page's image as found in the PDF.
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddedImage {
    /// A JPEG stream's bytes.
    Jpeg(Vec<u8>),
    /// Decoded 8-bit grey pixels, row by row.
    Gray {
        width: u32,
        height: u32,
        pixels: Vec<u8>,
    },
}

/// Decoded images above this many pixels are refused (as for scans; see the OCR crate).
const MAX_PIXELS: u64 = 30_000 * 25_000;

/// A parsed PDF master.
#[derive(Debug)]
pub struct ScannedPdf {
    doc: Document,
    pages: Vec<ObjectId>,
}

fn malformed(error: impl std::fmt::Display) -> PdfError {
    PdfError::Malformed {
        reason: error.to_string(),
    }
}

impl ScannedPdf {
    /// Parses the PDF; an encrypted one is refused whatever its password.
    pub fn parse(bytes: &[u8]) -> Result<Self, PdfError> {
        // Every complete PDF (incremental updates too) ends with an %%EOF line; a file
        // cut short does not, whatever a lenient parser recovers from it.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if !contains(tail, b"%%EOF") {
            return Err(PdfError::Malformed {
                reason: "truncated: no %%EOF at its end".to_owned(),
            });
        }
        let doc = Document::load_mem(bytes).map_err(|error| {
            if contains(bytes, b"/Encrypt") {
                PdfError::Encrypted
            } else {
                malformed(error)
            }
        })?;
        if doc.was_encrypted() || doc.is_encrypted() {
            return Err(PdfError::Encrypted);
        }
        if doc.objects.values().any(carries_javascript) {
            return Err(PdfError::JavaScript);
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.is_empty() {
            return Err(PdfError::NoPages);
        }
        Ok(ScannedPdf { doc, pages })
    }

    pub fn page_count(&self) -> u32 {
        self.pages.len() as u32
    }

    fn page_id(&self, page: u32) -> Result<ObjectId, PdfError> {
        page.checked_sub(1)
            .and_then(|i| self.pages.get(i as usize))
            .copied()
            .ok_or(PdfError::NoSuchPage {
                page,
                pages: self.page_count(),
            })
    }

    /// The text a page carries, when it has any letters: a born-digital page (or one
    /// a previous OCR gave a text layer). `None` for a page that is only an image.
    pub fn text_layer(&self, page: u32) -> Result<Option<String>, PdfError> {
        self.page_id(page)?;
        let text = self.doc.extract_text(&[page]).unwrap_or_default();
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        Ok((letters > 0).then(|| text.trim().to_owned()))
    }

    /// The resolution of the page's scan, from its pixels across the page's width (a
    /// scanned PDF draws its image over the whole page).
    pub fn image_resolution(&self, page: u32) -> Option<f64> {
        let id = self.page_id(page).ok()?;
        let width_points = self.media_box(id)?;
        let images = self.doc.get_page_images(id).ok()?;
        let widest = images.iter().map(|i| i.width).max()?;
        (width_points > 0.0).then(|| widest as f64 * 72.0 / width_points)
    }

    /// A page's width and height in points (its MediaBox).
    pub fn page_size(&self, page: u32) -> Result<(f64, f64), PdfError> {
        let id = self.page_id(page)?;
        self.media_box_corners(id)
            .map(|[x0, y0, x1, y1]| ((x1 - x0).abs(), (y1 - y0).abs()))
            .ok_or(PdfError::Page {
                page,
                reason: "the page has no MediaBox".to_owned(),
            })
    }

    /// The width of a page's MediaBox in points, inherited from the page tree if need be.
    fn media_box(&self, id: ObjectId) -> Option<f64> {
        self.media_box_corners(id)
            .map(|[x0, _, x1, _]| (x1 - x0).abs())
    }

    fn media_box_corners(&self, mut id: ObjectId) -> Option<[f64; 4]> {
        for _ in 0..32 {
            let dict = self.doc.get_dictionary(id).ok()?;
            if let Ok(media_box) = dict.get(b"MediaBox") {
                let corners = self.doc.dereference(media_box).ok()?.1.as_array().ok()?;
                let value = |i: usize| corners.get(i).and_then(|v| v.as_float().ok());
                return Some([value(0)?, value(1)?, value(2)?, value(3)?].map(f64::from));
            }
            id = dict.get(b"Parent").ok()?.as_reference().ok()?;
        }
        None
    }

    /// The largest image drawn on the page: the scan.
    pub fn page_image(&self, page: u32) -> Result<EmbeddedImage, PdfError> {
        let page_error = |reason: String| PdfError::Page { page, reason };
        let images = self
            .doc
            .get_page_images(self.page_id(page)?)
            .map_err(|e| page_error(e.to_string()))?;
        let image = images
            .iter()
            .max_by_key(|i| i.width.max(0) * i.height.max(0))
            .ok_or_else(|| page_error("no image and no text on the page".to_owned()))?;
        let (width, height) = (
            u32::try_from(image.width).map_err(|_| page_error("bad image width".into()))?,
            u32::try_from(image.height).map_err(|_| page_error("bad image height".into()))?,
        );
        if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(page_error(format!(
                "an image of {width} × {height} pixels is too large to decode safely"
            )));
        }
        let filters = image.filters.clone().unwrap_or_default();
        let dict = image.origin_dict;
        let parms = dict
            .get(b"DecodeParms")
            .ok()
            .and_then(|p| match p {
                Object::Array(items) => items.first(),
                other => Some(other),
            })
            .and_then(|p| p.as_dict().ok());
        // `/Decode [1 0]` swaps black and white of 1-bit images.
        let inverted = dict
            .get(b"Decode")
            .and_then(Object::as_array)
            .is_ok_and(|d| d.first().and_then(|v| v.as_float().ok()) == Some(1.0));
        match filters.last().map(String::as_str) {
            Some("DCTDecode") if filters.len() == 1 => {
                Ok(EmbeddedImage::Jpeg(image.content.to_vec()))
            }
            Some("CCITTFaxDecode") if filters.len() == 1 => {
                let k = parms
                    .and_then(|p| p.get(b"K").ok())
                    .and_then(|k| k.as_i64().ok())
                    .unwrap_or(0);
                if k >= 0 {
                    return Err(page_error(
                        "CCITT Group 3 images are not supported (Group 4 is)".into(),
                    ));
                }
                let black_is_1 = parms
                    .and_then(|p| p.get(b"BlackIs1").ok())
                    .and_then(|b| b.as_bool().ok())
                    .unwrap_or(false);
                let pixels = decode_g4(image.content, width, height, black_is_1, inverted)
                    .ok_or_else(|| page_error("the CCITT Group 4 data is corrupt".into()))?;
                Ok(EmbeddedImage::Gray {
                    width,
                    height,
                    pixels,
                })
            }
            None | Some("FlateDecode") => {
                let stream = self
                    .doc
                    .get_object(image.id)
                    .and_then(Object::as_stream)
                    .map_err(|e| page_error(e.to_string()))?;
                let limit = (u64::from(width) * u64::from(height) * 3) as usize;
                let data = if filters.is_empty() {
                    stream.content.clone()
                } else {
                    stream
                        .decompressed_content_with_limit(limit + 1)
                        .map_err(|e| page_error(format!("cannot inflate the image: {e}")))?
                };
                let components = match image.color_space.as_deref() {
                    Some("DeviceGray") | Some("CalGray") => 1,
                    Some("DeviceRGB") | Some("CalRGB") => 3,
                    Some("ICCBased") => icc_components(&self.doc, dict).unwrap_or(0),
                    other => {
                        return Err(page_error(format!(
                            "the {} colour space is not supported",
                            other.unwrap_or("unknown")
                        )));
                    }
                };
                let bits = image.bits_per_component.unwrap_or(8);
                let pixels = match (components, bits) {
                    (1, 8) => data,
                    (3, 8) => data
                        .chunks_exact(3)
                        .map(|p| {
                            let [r, g, b] = [p[0], p[1], p[2]].map(u32::from);
                            ((299 * r + 587 * g + 114 * b + 500) / 1000) as u8
                        })
                        .collect(),
                    (1, 1) => {
                        let mut pixels = unpack_bits(&data, width, height);
                        if inverted {
                            pixels.iter_mut().for_each(|p| *p = 255 - *p);
                        }
                        pixels
                    }
                    (c, b) => {
                        return Err(page_error(format!(
                            "{c}-component images at {b} bits are not supported"
                        )));
                    }
                };
                if pixels.len() < (width * height) as usize {
                    return Err(page_error("the image data is truncated".into()));
                }
                let mut pixels = pixels;
                pixels.truncate((width * height) as usize);
                Ok(EmbeddedImage::Gray {
                    width,
                    height,
                    pixels,
                })
            }
            Some(other) => Err(page_error(format!("{other} images are not supported"))),
        }
    }
}

/// A JavaScript action (`/S /JavaScript`, `/JS`) or a document-level script name tree.
fn carries_javascript(object: &Object) -> bool {
    let dict = match object {
        Object::Dictionary(dict) => dict,
        Object::Stream(stream) => &stream.dict,
        _ => return false,
    };
    dict.has(b"JS")
        || dict.has(b"JavaScript")
        || matches!(dict.get(b"S"), Ok(Object::Name(name)) if name == b"JavaScript")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn icc_components(doc: &Document, image: &lopdf::Dictionary) -> Option<u8> {
    let space = image.get(b"ColorSpace").ok()?.as_array().ok()?;
    let profile = doc.dereference(space.get(1)?).ok()?.1.as_stream().ok()?;
    u8::try_from(profile.dict.get(b"N").ok()?.as_i64().ok()?).ok()
}

/// 1-bit rows (each padded to a byte) to 8-bit grey: 0 is black, as in DeviceGray.
fn unpack_bits(data: &[u8], width: u32, height: u32) -> Vec<u8> {
    let row = width.div_ceil(8) as usize;
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for y in 0..height as usize {
        for x in 0..width as usize {
            let bit = data
                .get(y * row + x / 8)
                .map_or(0, |b| (b >> (7 - x % 8)) & 1);
            pixels.push(if bit == 1 { 255 } else { 0 });
        }
    }
    pixels
}

fn decode_g4(
    data: &[u8],
    width: u32,
    height: u32,
    black_is_1: bool,
    decode_inverted: bool,
) -> Option<Vec<u8>> {
    let (w, h) = (u16::try_from(width).ok()?, u16::try_from(height).ok()?);
    let mut pixels = Vec::with_capacity((width * height) as usize);
    fax::decoder::decode_g4(data.iter().copied(), w, Some(h), |transitions| {
        pixels.extend(fax::decoder::pels(transitions, w).map(|c| match c {
            fax::Color::Black => 0,
            fax::Color::White => 255,
        }));
    })?;
    // The runs are black or white in themselves; `BlackIs1` makes black runs 1 bits,
    // which DeviceGray shows as white unless `/Decode [1 0]` turns them back.
    if black_is_1 != decode_inverted {
        pixels.iter_mut().for_each(|p| *p = 255 - *p);
    }
    (pixels.len() >= (width * height) as usize).then(|| {
        pixels.truncate((width * height) as usize);
        pixels
    })
}
