//! A record as one searchable PDF: each page is the scanned image, untouched, with the
//! OCR words laid over it as invisible text (rendering mode 3) on their boxes.
//!
//! The text uses a glyphless TrueType font (one empty glyph, half an em wide) as a
//! `CIDFontType2` under `Identity-H`: each character is written as its UTF-16 code,
//! and a ToUnicode map sends every code back to the same character, so Tajik, Russian,
//! Uzbek and Latin text all copy, search and highlight. Each OCR line is laid on one
//! level baseline in the page's reading direction, with one font size (its glyph
//! height), and each word on it starts at its box and is scaled to its box's width, so
//! text extractors and a viewer's copy give the lines in order and a highlight covers
//! the word in the image.
//!
//! PDF/A-2b structure: embedded font, sRGB output intent, XMP metadata with the PDF/A
//! identification, a trailer `/ID`, no encryption, transparency, or JavaScript.

use std::fmt::Write as _;
use std::io::Write as _;

use fehrist_model::Word;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};

use crate::PdfError;

const GLYPHLESS_FONT: &[u8] = include_bytes!("../assets/glyphless.ttf");
const SRGB_PROFILE: &[u8] = include_bytes!("../assets/srgb.icc");
/// Advance of the glyphless font's glyph, in thousandths of the font size.
const GLYPH_WIDTH: f64 = 500.0;
const FONT_NAME: &str = "FehristGlyphless";

/// A page image as it goes into the PDF.
#[derive(Debug, Clone)]
pub enum PageImage {
    /// A JPEG file's bytes, embedded as they are (`DCTDecode`); 1 (grey) or 3 (RGB)
    /// components.
    Jpeg {
        data: Vec<u8>,
        width: u32,
        height: u32,
        components: u8,
    },
    /// A PNG's compressed image data (its `IDAT` chunks joined), embedded as it is:
    /// Flate with PNG predictors. Non-interlaced grey (1 component) or RGB (3).
    Png {
        data: Vec<u8>,
        width: u32,
        height: u32,
        components: u8,
        bits: u8,
    },
    /// 8-bit grey pixels, row by row.
    Gray {
        width: u32,
        height: u32,
        pixels: Vec<u8>,
    },
    /// 8-bit RGB pixels, row by row.
    Rgb {
        width: u32,
        height: u32,
        pixels: Vec<u8>,
    },
}

impl PageImage {
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Self::Jpeg { width, height, .. }
            | Self::Png { width, height, .. }
            | Self::Gray { width, height, .. }
            | Self::Rgb { width, height, .. } => (*width, *height),
        }
    }
}

/// One page of the searchable PDF.
#[derive(Debug, Clone)]
pub struct SearchablePage<'a> {
    pub image: PageImage,
    /// Resolution the page was scanned at; sets the page's size in points.
    pub dpi: u32,
    /// Clockwise turn of the text from upright (0, 90, 180, 270), as OCR found it.
    pub rotation: u16,
    /// OCR words with boxes in pixels of `image`.
    pub words: &'a [Word],
}

/// What the PDF says about itself (XMP metadata).
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    pub title: String,
    /// The archival reference code (`dc:identifier`).
    pub identifier: String,
    /// RFC 3339 time the record was registered.
    pub created: String,
    /// 16 bytes that name the document (the trailer `/ID`): the record id.
    pub document_id: [u8; 16],
}

/// Writes the record's pages as one searchable PDF/A-2b document.
pub fn searchable_pdf<'a>(
    pages: impl IntoIterator<Item = SearchablePage<'a>>,
    info: &DocumentInfo,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = add_font(&mut doc)?;
    let mut kids = Vec::new();
    for (n, page) in pages.into_iter().enumerate() {
        let image_id = add_image(&mut doc, page.image.clone(), n)?;
        let (width, height) = page.image.dimensions();
        if page.dpi == 0 {
            return Err(PdfError::Page {
                page: n as u32 + 1,
                reason: "resolution of 0 DPI".to_owned(),
            });
        }
        let scale = 72.0 / f64::from(page.dpi);
        let (page_width, page_height) = (f64::from(width) * scale, f64::from(height) * scale);
        let content = page_content(&page, scale, page_width, page_height);
        let content_id = doc.add_object(flate_stream(Dictionary::new(), content.as_bytes())?);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), real(page_width), real(page_height)],
            "Resources" => dictionary! {
                "XObject" => dictionary! { "Im0" => image_id },
                "Font" => dictionary! { "F0" => font_id },
            },
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    if kids.is_empty() {
        return Err(PdfError::NoPages);
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let profile_id = doc.add_object(Stream::new(dictionary! { "N" => 3 }, SRGB_PROFILE.to_vec()));
    // The metadata stream stays unfiltered, so that it can be read without PDF tools.
    let mut metadata = Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp(info).into_bytes(),
    );
    metadata.allows_compression = false;
    let metadata_id = doc.add_object(metadata);
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata_id,
        "OutputIntents" => vec![Object::Dictionary(dictionary! {
            "Type" => "OutputIntent",
            "S" => "GTS_PDFA1",
            "OutputConditionIdentifier" => Object::string_literal("sRGB IEC61966-2.1"),
            "Info" => Object::string_literal("sRGB IEC61966-2.1"),
            "DestOutputProfile" => profile_id,
        })],
    });
    doc.trailer.set("Root", catalog_id);
    // What a viewer shows as the document's title and subject; PDF/A wants the same in
    // the XMP (dc:title, dc:description).
    let info_id = doc.add_object(dictionary! {
        "Title" => text_string(&info.title),
        "Subject" => text_string(&info.identifier),
        "Producer" => Object::string_literal("Fehrist"),
        "Creator" => Object::string_literal("Fehrist"),
    });
    doc.trailer.set("Info", info_id);
    let id = Object::String(info.document_id.to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError::Write {
        reason: e.to_string(),
    })?;
    Ok(out)
}

/// A PDF text string: UTF-16BE with its byte order mark, so Cyrillic titles survive.
fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn real(value: f64) -> Object {
    Object::Real(value as f32)
}

/// Flate at a fast level: pages of scans are megabytes each, and most of what they
/// compress away (white paper) goes at any level.
fn flate(data: &[u8]) -> Result<Vec<u8>, PdfError> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .map_err(|e| PdfError::Write {
            reason: e.to_string(),
        })
}

fn flate_stream(mut dict: Dictionary, data: &[u8]) -> Result<Stream, PdfError> {
    dict.set("Filter", "FlateDecode");
    let mut stream = Stream::new(dict, flate(data)?);
    stream.allows_compression = false;
    Ok(stream)
}

fn add_image(doc: &mut Document, image: PageImage, n: usize) -> Result<ObjectId, PdfError> {
    let (width, height) = image.dimensions();
    let base = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => width as i64,
        "Height" => height as i64,
        "BitsPerComponent" => 8,
    };
    let stream = match image {
        PageImage::Jpeg {
            data, components, ..
        } => {
            let mut dict = base;
            dict.set("ColorSpace", colour_space(components, n)?);
            dict.set("Filter", "DCTDecode");
            let mut stream = Stream::new(dict, data);
            stream.allows_compression = false;
            stream
        }
        PageImage::Png {
            data,
            width,
            components,
            bits,
            ..
        } => {
            let mut dict = base;
            dict.set("ColorSpace", colour_space(components, n)?);
            dict.set("BitsPerComponent", i64::from(bits));
            dict.set("Filter", "FlateDecode");
            dict.set(
                "DecodeParms",
                dictionary! {
                    "Predictor" => 15,
                    "Colors" => i64::from(components),
                    "BitsPerComponent" => i64::from(bits),
                    "Columns" => i64::from(width),
                },
            );
            let mut stream = Stream::new(dict, data);
            stream.allows_compression = false;
            stream
        }
        PageImage::Gray { pixels, .. } => {
            let mut dict = base;
            dict.set("ColorSpace", "DeviceGray");
            flate_stream(dict, &pixels)?
        }
        PageImage::Rgb { pixels, .. } => {
            let mut dict = base;
            dict.set("ColorSpace", "DeviceRGB");
            flate_stream(dict, &pixels)?
        }
    };
    Ok(doc.add_object(stream))
}

fn colour_space(components: u8, n: usize) -> Result<&'static str, PdfError> {
    match components {
        1 => Ok("DeviceGray"),
        3 => Ok("DeviceRGB"),
        other => Err(PdfError::Page {
            page: n as u32 + 1,
            reason: format!("a JPEG with {other} colour components"),
        }),
    }
}

/// The glyphless font: Type0 over a CIDFontType2, every CID drawn with glyph 1.
fn add_font(doc: &mut Document) -> Result<ObjectId, PdfError> {
    let mut file = flate_stream(
        dictionary! { "Length1" => GLYPHLESS_FONT.len() as i64 },
        GLYPHLESS_FONT,
    )?;
    file.allows_compression = false;
    let file_id = doc.add_object(file);
    let descriptor_id = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => FONT_NAME,
        // Fixed pitch, symbolic.
        "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), (GLYPH_WIDTH as i64).into(), 1000.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1000,
        // Not 0: readers take 0 for "unknown" and assume a deep descender, which would
        // stretch highlights below the word.
        "Descent" => -1,
        "CapHeight" => 1000,
        "StemV" => 80,
        "FontFile2" => file_id,
    });
    let cid_to_gid: Vec<u8> = std::iter::repeat_n([0u8, 1u8], 1 << 16).flatten().collect();
    let cid_to_gid_id = doc.add_object(flate_stream(Dictionary::new(), &cid_to_gid)?);
    let cid_font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => FONT_NAME,
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor_id,
        "DW" => GLYPH_WIDTH as i64,
        "CIDToGIDMap" => cid_to_gid_id,
    });
    let to_unicode_id = doc.add_object(flate_stream(Dictionary::new(), to_unicode().as_bytes())?);
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => FONT_NAME,
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font_id)],
        "ToUnicode" => to_unicode_id,
    }))
}

/// A CMap sending every two-byte code to the same UTF-16 code unit (surrogates left out).
fn to_unicode() -> String {
    let ranges: Vec<u32> = (0..=0xffu32)
        .filter(|hi| !(0xd8..=0xdf).contains(hi))
        .collect();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // At most 100 entries per block.
    for block in ranges.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfrange", block.len());
        for hi in block {
            let _ = writeln!(cmap, "<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>");
        }
        cmap.push_str("endbfrange\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

/// A word as `Identity-H` codes: UTF-16 code units of the BMP; others become U+FFFD.
fn hex_codes(text: &str) -> String {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            if code > 0xffff { 0xfffd } else { code }
        })
        .fold(String::new(), |mut hex, code| {
            let _ = write!(hex, "{code:04X}");
            hex
        })
}

/// The page's drawing: the image over the whole page, then the invisible words, line
/// by line ([`line_layout`]).
fn page_content(page: &SearchablePage<'_>, scale: f64, width: f64, height: f64) -> String {
    let mut content = format!("q {width:.3} 0 0 {height:.3} 0 0 cm /Im0 Do Q\nBT\n3 Tr\n");
    let image_height = f64::from(page.image.dimensions().1);
    let frame = ReadingFrame::of(page.rotation);
    let last = page.words.len().saturating_sub(1);
    for line in text_lines(page.words) {
        for placed in line_layout(&line, page.words, frame) {
            let PlacedWord {
                index,
                origin: (x, y),
                direction: (dx, dy),
                size,
                length,
            } = placed;
            let word = &page.words[index];
            let natural = word.text.chars().count() as f64 * GLYPH_WIDTH / 1000.0 * size;
            if natural <= 0.0 || length <= 0.0 {
                continue;
            }
            let stretch = 100.0 * length / natural;
            // A space after every word but the page's last, so that even extractors
            // that ignore positions keep words (and lines) apart.
            let mut codes = hex_codes(&word.text);
            if index < last {
                codes.push_str("0020");
            }
            // Image pixels (y down) to page points (y up): the direction's y flips, and
            // the glyphs' up is the direction turned a quarter anticlockwise.
            let (a, b) = (dx, -dy);
            let (c, d) = (-b, a);
            let _ = writeln!(
                content,
                "/F0 {:.2} Tf {stretch:.2} Tz {a:.5} {b:.5} {c:.5} {d:.5} {:.2} {:.2} Tm <{codes}> Tj",
                size * scale,
                x * scale,
                (image_height - y) * scale,
            );
        }
    }
    content.push_str("ET\n");
    content
}

/// The words of each text line in reading order, by index into the page's words;
/// words without a line number are each their own line.
fn text_lines(words: &[Word]) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut current: Option<u32> = None;
    for (index, word) in words.iter().enumerate() {
        if word.text.is_empty() {
            continue;
        }
        match (word.line, current, lines.last_mut()) {
            (Some(line), Some(open), Some(last)) if line == open => last.push(index),
            _ => lines.push(vec![index]),
        }
        current = word.line;
    }
    lines
}

/// Which way a page's text runs, in image pixels (y down): along a line, and across
/// it toward the glyphs' feet.
#[derive(Debug, Clone, Copy)]
struct ReadingFrame {
    along: (f64, f64),
    down: (f64, f64),
}

impl ReadingFrame {
    /// The frame of text turned clockwise from upright by `rotation` (0, 90, 180, 270).
    fn of(rotation: u16) -> Self {
        let (along, down) = match rotation {
            90 => ((0.0, 1.0), (-1.0, 0.0)),
            180 => ((-1.0, 0.0), (0.0, -1.0)),
            270 => ((0.0, -1.0), (1.0, 0.0)),
            _ => ((1.0, 0.0), (0.0, 1.0)),
        };
        ReadingFrame { along, down }
    }

    /// A point's place along and across the text.
    fn project(self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            x * self.along.0 + y * self.along.1,
            x * self.down.0 + y * self.down.1,
        )
    }

    /// The image point at `u` along and `v` across.
    fn point(self, u: f64, v: f64) -> (f64, f64) {
        (
            u * self.along.0 + v * self.down.0,
            u * self.along.1 + v * self.down.1,
        )
    }
}

/// A word placed on its line's baseline, in image pixels.
#[derive(Debug, Clone, PartialEq)]
struct PlacedWord {
    index: usize,
    /// Where the word starts on the baseline.
    origin: (f64, f64),
    /// Unit vector along the baseline.
    direction: (f64, f64),
    /// The line's glyph height.
    size: f64,
    /// The word's length along the baseline.
    length: f64,
}

/// Lays a line's words on one level baseline, each word at its own box along it, with
/// one glyph height for the whole line (each box's height less what a slant adds to
/// it, the slant measured through the middles of the boxes by least squares).
///
/// Level, because text extractors keep words on one line only when their baselines are
/// equal: measured with poppler's `pdftotext` (default mode) on a page scanned 3°
/// askew, words each on their own slanted or stepped baseline (steps of even 5% of the
/// font size) came out 20–32% like the OCR text, lines broken mid-word; one level
/// baseline per line gave it back whole. The price on a slanted page: a word's
/// highlight is off its ink by up to half the line's rise (±50 px at 3° on a 2,000 px
/// line), none on a level one.
fn line_layout(line: &[usize], words: &[Word], frame: ReadingFrame) -> Vec<PlacedWord> {
    struct Extent {
        index: usize,
        start: f64,
        end: f64,
        middle: f64,
        height: f64,
    }
    let extents: Vec<Extent> = line
        .iter()
        .map(|&index| {
            let [l, t, r, b] = words[index].bbox.map(f64::from);
            let corners = [(l, t), (r, t), (l, b), (r, b)].map(|p| frame.project(p));
            let low = |f: fn(&(f64, f64)) -> f64| corners.iter().map(f).fold(f64::MAX, f64::min);
            let high = |f: fn(&(f64, f64)) -> f64| corners.iter().map(f).fold(f64::MIN, f64::max);
            let (start, end) = (low(|c| c.0), high(|c| c.0));
            let (top, bottom) = (low(|c| c.1), high(|c| c.1));
            Extent {
                index,
                start,
                end,
                middle: (top + bottom) / 2.0,
                height: bottom - top,
            }
        })
        .collect();
    // The slope of the middle line across the words' centres.
    let n = extents.len() as f64;
    let centre = |e: &Extent| (e.start + e.end) / 2.0;
    let mean_u = extents.iter().map(centre).sum::<f64>() / n;
    let mean_v = extents.iter().map(|e| e.middle).sum::<f64>() / n;
    let spread: f64 = extents.iter().map(|e| (centre(e) - mean_u).powi(2)).sum();
    let slope = if spread > 0.0 {
        let covariance: f64 = extents
            .iter()
            .map(|e| (centre(e) - mean_u) * (e.middle - mean_v))
            .sum();
        // Past 10° it is not a slanted line but words the OCR joined wrongly.
        (covariance / spread).clamp(-0.18, 0.18)
    } else {
        0.0
    };
    let cosine = 1.0 / slope.hypot(1.0);
    let mut heights: Vec<f64> = extents
        .iter()
        .map(|e| ((e.height - slope.abs() * (e.end - e.start)) * cosine).max(1.0))
        .collect();
    heights.sort_by(f64::total_cmp);
    let size = heights[heights.len() / 2];
    // The baseline lies half a glyph height below the line's middle.
    let baseline = mean_v + size / 2.0;
    extents
        .iter()
        .map(|e| PlacedWord {
            index: e.index,
            origin: frame.point(e.start, baseline),
            direction: frame.point(1.0, 0.0),
            size,
            length: e.end - e.start,
        })
        .collect()
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// XMP metadata with the PDF/A-2b identification.
fn xmp(info: &DocumentInfo) -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" \
         xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
         <pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n\
         <dc:format>application/pdf</dc:format>\n\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
         <dc:identifier>{identifier}</dc:identifier>\n\
         <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{identifier}</rdf:li></rdf:Alt></dc:description>\n\
         <xmp:CreateDate>{created}</xmp:CreateDate>\n<xmp:ModifyDate>{created}</xmp:ModifyDate>\n\
         <xmp:MetadataDate>{created}</xmp:MetadataDate>\n\
         <xmp:CreatorTool>Fehrist</xmp:CreatorTool>\n<pdf:Producer>Fehrist</pdf:Producer>\n\
         </rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>",
        title = xml_text(&info.title),
        identifier = xml_text(&info.identifier),
        created = xml_text(&info.created),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word box as a scanner slanted it: the axis-aligned box of a `length` × `height`
    /// rectangle whose baseline starts at (`x`, `y`) and rises at `slope`.
    fn slanted_word(text: &str, x: f64, y: f64, length: f64, height: f64, slope: f64) -> Word {
        let (cos, sin) = (1.0 / slope.hypot(1.0), slope / slope.hypot(1.0));
        // Corners: baseline start and end, and the same raised by the height.
        let corners = [
            (x, y),
            (x + length * cos, y - length * sin),
            (x - height * sin, y - height * cos),
            (
                x + length * cos - height * sin,
                y - length * sin - height * cos,
            ),
        ];
        let fold = |f: fn(&(f64, f64)) -> f64, pick: fn(f64, f64) -> f64, from: f64| {
            corners.iter().map(f).fold(from, pick)
        };
        let bbox = [
            fold(|c| c.0, f64::min, f64::MAX),
            fold(|c| c.1, f64::min, f64::MAX),
            fold(|c| c.0, f64::max, f64::MIN),
            fold(|c| c.1, f64::max, f64::MIN),
        ]
        .map(|v| v.round() as u32);
        Word {
            text: text.to_owned(),
            confidence: 90.0,
            bbox,
            language: "tgk".to_owned(),
            line: Some(0),
        }
    }

    #[test]
    fn a_slanted_line_is_laid_level_with_its_words_own_glyph_height() {
        // Four words on a line rising 3° to the right (image y grows downward).
        let slope = 3f64.to_radians().tan();
        let (cos, sin) = (1.0 / slope.hypot(1.0), slope / slope.hypot(1.0));
        let starts = [0.0, 260.0, 520.0, 780.0];
        let words: Vec<Word> = starts
            .iter()
            .map(|&along| {
                slanted_word(
                    "слово",
                    300.0 + along * cos,
                    1000.0 - along * sin,
                    220.0,
                    40.0,
                    slope,
                )
            })
            .collect();
        let lines = text_lines(&words);
        assert_eq!(lines, [vec![0, 1, 2, 3]]);
        let placed = line_layout(&lines[0], &words, ReadingFrame::of(0));
        // One level baseline through the line's middle, 20 px (half a glyph) below it.
        let middle: f64 = words
            .iter()
            .map(|w| f64::from(w.bbox[1] + w.bbox[3]) / 2.0)
            .sum::<f64>()
            / 4.0;
        for (word, placed) in words.iter().zip(&placed) {
            assert_eq!(placed.direction, (1.0, 0.0));
            // The glyph height is the words' own, not their boxes' (which the slant
            // makes 11 px taller) ...
            assert!((placed.size - 40.0).abs() < 3.0, "{}", placed.size);
            assert!((placed.origin.1 - (middle + placed.size / 2.0)).abs() < 1e-9);
            // ... and each word starts at its box, as long as it.
            assert_eq!(placed.origin.0, f64::from(word.bbox[0]));
            assert_eq!(placed.length, f64::from(word.bbox[2] - word.bbox[0]));
        }
    }

    #[test]
    fn a_level_line_keeps_each_word_on_its_box() {
        let words: Vec<Word> = [[100, 200, 300, 240], [330, 200, 420, 240]]
            .into_iter()
            .map(|bbox| Word {
                text: "ab".to_owned(),
                confidence: 90.0,
                bbox,
                language: "eng".to_owned(),
                line: None,
            })
            .collect();
        // Words without line numbers are lines of their own.
        let lines = text_lines(&words);
        assert_eq!(lines, [vec![0], vec![1]]);
        let placed = line_layout(&lines[1], &words, ReadingFrame::of(0));
        assert_eq!(placed[0].origin, (330.0, 240.0));
        assert_eq!(placed[0].direction, (1.0, 0.0));
        assert_eq!((placed[0].size, placed[0].length), (40.0, 90.0));
        // Upside down, the line starts at the box's right and its feet are at its top.
        let placed = line_layout(&lines[1], &words, ReadingFrame::of(180));
        assert_eq!(placed[0].origin, (420.0, 200.0));
        assert_eq!(placed[0].direction, (-1.0, 0.0));
    }

    #[test]
    fn codes_are_utf16_units_and_the_map_covers_cyrillic() {
        assert_eq!(hex_codes("Ҷa"), "04B60061");
        assert_eq!(hex_codes("𝔸"), "FFFD");
        let cmap = to_unicode();
        assert!(cmap.contains("<0400> <04FF> <0400>"));
        assert!(!cmap.contains("<D800>"));
        assert_eq!(cmap.matches("beginbfrange").count(), 3);
    }
}
