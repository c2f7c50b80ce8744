//! A record as one searchable PDF: each page is the scanned image, untouched, with the
//! OCR words laid over it as invisible text (rendering mode 3) on their boxes.
//!
//! The text uses a glyphless TrueType font (one empty glyph, half an em wide) as a
//! `CIDFontType2` under `Identity-H`: each character is written as its UTF-16 code,
//! and a ToUnicode map sends every code back to the same character, so Tajik, Russian,
//! Uzbek and Latin text all copy, search and highlight. Each word gets its own text
//! matrix: font size from the box height, horizontal scaling to the box width, and the
//! page's rotation, so a reader's highlight covers the word in the image.
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

/// The page's drawing: the image over the whole page, then the invisible words.
fn page_content(page: &SearchablePage<'_>, scale: f64, width: f64, height: f64) -> String {
    let mut content = format!("q {width:.3} 0 0 {height:.3} 0 0 cm /Im0 Do Q\nBT\n3 Tr\n");
    let image_height = page.image.dimensions().1;
    for (i, word) in page.words.iter().enumerate() {
        let letters = word.text.chars().count();
        if letters == 0 {
            continue;
        }
        let [l, t, r, b] = word.bbox.map(f64::from);
        let y = |v: f64| (f64::from(image_height) - v) * scale;
        // Font size across the line, length along it, origin at the start of the
        // baseline, and the text direction, for each way the page can lie.
        let (size, length, x0, y0, matrix) = match page.rotation {
            90 => (
                (r - l) * scale,
                (b - t) * scale,
                l * scale,
                y(t),
                [0.0, -1.0, 1.0, 0.0],
            ),
            180 => (
                (b - t) * scale,
                (r - l) * scale,
                r * scale,
                y(t),
                [-1.0, 0.0, 0.0, -1.0],
            ),
            270 => (
                (r - l) * scale,
                (b - t) * scale,
                r * scale,
                y(b),
                [0.0, 1.0, -1.0, 0.0],
            ),
            _ => (
                (b - t) * scale,
                (r - l) * scale,
                l * scale,
                y(b),
                [1.0, 0.0, 0.0, 1.0],
            ),
        };
        if size <= 0.0 || length <= 0.0 {
            continue;
        }
        let natural = letters as f64 * GLYPH_WIDTH / 1000.0 * size;
        let stretch = 100.0 * length / natural;
        // A space after every word but the page's last, so that even extractors that
        // ignore positions keep words (and lines) apart.
        let mut codes = hex_codes(&word.text);
        if i + 1 < page.words.len() {
            codes.push_str("0020");
        }
        let [a, b, c, d] = matrix;
        let _ = writeln!(
            content,
            "/F0 {size:.2} Tf {stretch:.2} Tz {a} {b} {c} {d} {x0:.2} {y0:.2} Tm <{codes}> Tj"
        );
    }
    content.push_str("ET\n");
    content
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
