//! Decoding scanned files into grayscale pages, with limits against decompression bombs.

use std::io::Cursor;

use fehrist_pdf::{PageImage, RenderedPage, ScannedPdf};
use image::{GrayImage, ImageDecoder as _, ImageReader};
use tiff::decoder::{Decoder as TiffDecoder, DecodingResult};
use tiff::tags::Tag;

use crate::OcrError;

/// Pages larger than this on either side are refused before decoding (a 600 DPI A0
/// scan is about 20 000 × 28 000).
pub const MAX_SIDE: u32 = 30_000;
/// Decoded pages are refused above this many bytes of pixels.
pub const MAX_PIXEL_BYTES: u64 = 768 * 1024 * 1024;

/// Image formats a scanning station delivers, told by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFormat {
    Png,
    Jpeg,
    Tiff,
    /// A PDF: scanned (one image per page) or born-digital (a text layer).
    Pdf,
}

impl ScanFormat {
    /// The format of a file's bytes, whatever its name says.
    pub fn sniff(bytes: &[u8]) -> Result<Self, OcrError> {
        if bytes.is_empty() {
            return Err(OcrError::Empty);
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Ok(Self::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Ok(Self::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Ok(Self::Tiff)
        } else if bytes.starts_with(b"%PDF-") {
            Ok(Self::Pdf)
        } else {
            Err(OcrError::UnknownFormat)
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Tiff => "image/tiff",
            Self::Pdf => "application/pdf",
        }
    }
}

fn check_size(width: u32, height: u32, bytes_per_pixel: u64) -> Result<(), OcrError> {
    let pixel_bytes = u64::from(width) * u64::from(height) * bytes_per_pixel;
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || pixel_bytes > MAX_PIXEL_BYTES
    {
        return Err(OcrError::TooLarge { width, height });
    }
    Ok(())
}

/// How many pages a scanned file holds.
pub fn page_count(bytes: &[u8]) -> Result<u32, OcrError> {
    match ScanFormat::sniff(bytes)? {
        ScanFormat::Png => Ok(1),
        // JPEG decoders fill a cut-off file with grey and say nothing, so a JPEG must
        // end with its end-of-image marker (padding after it aside).
        ScanFormat::Jpeg if !jpeg_complete(bytes) => Err(OcrError::Truncated),
        ScanFormat::Jpeg => Ok(1),
        ScanFormat::Tiff => tiff_pages(Cursor::new(bytes)),
        ScanFormat::Pdf => Ok(parse_pdf(bytes)?.page_count()),
    }
}

/// Whether a JPEG ends with its end-of-image marker (`FF D9`), trailing zero padding
/// allowed.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end].ends_with(&[0xff, 0xd9])
}

fn parse_pdf(bytes: &[u8]) -> Result<ScannedPdf, OcrError> {
    ScannedPdf::parse(bytes).map_err(|source| OcrError::Pdf { source })
}

/// A PDF page as the rasterizer draws it, at its scan's resolution.
/// A PDF page drawn for OCR: an image on it that cannot be decoded refuses the page.
fn render_pdf_page(bytes: &[u8], page: u32) -> Result<RenderedPage, OcrError> {
    parse_pdf(bytes)?
        .render_page(page)
        .map_err(|source| OcrError::Pdf { source })
}

/// A PDF page drawn for a reader: an image on it that cannot be decoded is left out.
fn draw_pdf_page(bytes: &[u8], page: u32) -> Result<RenderedPage, OcrError> {
    parse_pdf(bytes)?
        .draw_page(page)
        .map_err(|source| OcrError::Pdf { source })
}

/// A born-digital PDF page's own text, and the page's width and height in points.
pub type TextLayer = (String, (f64, f64));

/// The text a PDF page already carries (a born-digital page), which is kept instead of
/// reading the page again; `None` for images and pages that are only an image.
pub fn text_layer(bytes: &[u8], page: u32) -> Result<Option<TextLayer>, OcrError> {
    if ScanFormat::sniff(bytes)? != ScanFormat::Pdf {
        return Ok(None);
    }
    let pdf = parse_pdf(bytes)?;
    let pdf_error = |source| OcrError::Pdf { source };
    match pdf.text_layer(page).map_err(pdf_error)? {
        Some(text) => Ok(Some((text, pdf.page_size(page).map_err(pdf_error)?))),
        None => Ok(None),
    }
}

/// Page `page` of a master as the searchable PDF embeds it: a JPEG as it is (grey or
/// RGB), other images decoded (PNG in colour or grey, TIFF pages in grey), a PDF
/// page's own scan.
pub fn pdf_page_image(bytes: &[u8], page: u32) -> Result<PageImage, OcrError> {
    let format = ScanFormat::sniff(bytes)?;
    let jpeg = match format {
        ScanFormat::Jpeg if page == 1 => bytes.to_vec(),
        ScanFormat::Pdf => {
            let RenderedPage {
                width,
                height,
                pixels,
                ..
            } = draw_pdf_page(bytes, page)?;
            return Ok(PageImage::Gray {
                width,
                height,
                pixels,
            });
        }
        ScanFormat::Png if page == 1 => {
            if let Some(png) = png_as_stored(bytes) {
                return Ok(png);
            }
            let image = open_single(bytes, ScanFormat::Png)?;
            let gray = !image.color().has_color();
            let (width, height) = (image.width(), image.height());
            return Ok(if gray {
                PageImage::Gray {
                    width,
                    height,
                    pixels: image.into_luma8().into_raw(),
                }
            } else {
                PageImage::Rgb {
                    width,
                    height,
                    pixels: image.into_rgb8().into_raw(),
                }
            });
        }
        _ => {
            let gray = decode_page(bytes, page)?;
            return Ok(PageImage::Gray {
                width: gray.width(),
                height: gray.height(),
                pixels: gray.into_raw(),
            });
        }
    };
    let decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&jpeg)).map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    let components = match decoder.color_type() {
        image::ColorType::L8 => 1,
        image::ColorType::Rgb8 => 3,
        // CMYK and others: decoded to RGB, since the PDF/A output intent is RGB.
        _ => {
            let image = open_single(&jpeg, ScanFormat::Jpeg)?.into_rgb8();
            return Ok(PageImage::Rgb {
                width,
                height,
                pixels: image.into_raw(),
            });
        }
    };
    Ok(PageImage::Jpeg {
        data: jpeg,
        width,
        height,
        components,
    })
}

/// How many pages a scanned file on disk holds, reading only what it takes to tell:
/// the magic bytes, and a TIFF's image directories (not its pixels).
pub fn page_count_in_file(file: std::fs::File) -> Result<u32, OcrError> {
    use std::io::{Read as _, Seek as _};
    let io_error = |source| OcrError::Io { source };
    let mut file = std::io::BufReader::new(file);
    let mut magic = Vec::with_capacity(8);
    (&mut file)
        .take(8)
        .read_to_end(&mut magic)
        .map_err(io_error)?;
    match ScanFormat::sniff(&magic)? {
        ScanFormat::Png | ScanFormat::Jpeg => Ok(1),
        ScanFormat::Tiff => {
            file.rewind().map_err(io_error)?;
            tiff_pages(file)
        }
        // A PDF's page tree can be anywhere in the file.
        ScanFormat::Pdf => {
            file.rewind().map_err(io_error)?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(io_error)?;
            page_count(&bytes)
        }
    }
}

fn tiff_pages<R: std::io::Read + std::io::Seek>(reader: R) -> Result<u32, OcrError> {
    let mut decoder = TiffDecoder::new(reader).map_err(tiff_error)?;
    let mut pages = 1;
    while decoder.more_images() {
        decoder.next_image().map_err(tiff_error)?;
        pages += 1;
    }
    Ok(pages)
}

/// One page of a scan as a PNG a browser can show: PNG and JPEG files need none (serve
/// them as they are); a TIFF or PDF page is decoded to grey and encoded as PNG.
pub fn page_png(bytes: &[u8], page: u32) -> Result<Vec<u8>, OcrError> {
    gray_png(shown_page(bytes, page)?)
}

/// A page of a scanned file in grey, with the given boxes (left, top, right, bottom in
/// its pixels) filled black, or all of it when `whole` is set: what a caller who may
/// not read the words there is shown.
pub fn masked_page(
    bytes: &[u8],
    page: u32,
    boxes: &[[u32; 4]],
    whole: bool,
) -> Result<GrayImage, OcrError> {
    let mut image = shown_page(bytes, page)?;
    let (width, height) = image.dimensions();
    let everything = [[0, 0, width, height]];
    let boxes = if whole { &everything[..] } else { boxes };
    for &[left, top, right, bottom] in boxes {
        for y in top.min(height)..bottom.min(height) {
            for x in left.min(width)..right.min(width) {
                image.put_pixel(x, y, image::Luma([0]));
            }
        }
    }
    Ok(image)
}

/// [`masked_page`] as a PNG file.
pub fn masked_page_png(
    bytes: &[u8],
    page: u32,
    boxes: &[[u32; 4]],
    whole: bool,
) -> Result<Vec<u8>, OcrError> {
    gray_png(masked_page(bytes, page, boxes, whole)?)
}

fn gray_png(image: GrayImage) -> Result<Vec<u8>, OcrError> {
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| OcrError::Decode {
            source: Box::new(e),
        })?;
    Ok(png)
}

/// Decodes page `page` (from 1) of a scanned file to 8-bit grayscale; for a PDF, the
/// scan on that page.
pub fn decode_page(bytes: &[u8], page: u32) -> Result<GrayImage, OcrError> {
    match ScanFormat::sniff(bytes)? {
        ScanFormat::Tiff => decode_tiff_page(bytes, page),
        ScanFormat::Pdf => {
            let page = render_pdf_page(bytes, page)?;
            check_size(page.width, page.height, 1)?;
            GrayImage::from_raw(page.width, page.height, page.pixels).ok_or(OcrError::Truncated)
        }
        format if page == 1 => decode_single(bytes, format),
        _ => Err(OcrError::NoSuchPage { page, pages: 1 }),
    }
}

/// A page in grey as a reader is shown it: as [`decode_page`] decodes it for OCR,
/// except that a PDF page is drawn as far as it can be (an image on it that cannot be
/// decoded is left out, where OCR refuses the page).
pub(crate) fn shown_page(bytes: &[u8], page: u32) -> Result<GrayImage, OcrError> {
    if ScanFormat::sniff(bytes)? != ScanFormat::Pdf {
        return decode_page(bytes, page);
    }
    let page = draw_pdf_page(bytes, page)?;
    check_size(page.width, page.height, 1)?;
    GrayImage::from_raw(page.width, page.height, page.pixels).ok_or(OcrError::Truncated)
}

fn decode_single(bytes: &[u8], format: ScanFormat) -> Result<GrayImage, OcrError> {
    Ok(open_single(bytes, format)?.into_luma8())
}

/// Decodes a one-page image with the size limits, keeping its colour.
pub(crate) fn open_single(
    bytes: &[u8],
    format: ScanFormat,
) -> Result<image::DynamicImage, OcrError> {
    let format = match format {
        ScanFormat::Png => image::ImageFormat::Png,
        ScanFormat::Jpeg => image::ImageFormat::Jpeg,
        ScanFormat::Tiff => image::ImageFormat::Tiff,
        ScanFormat::Pdf => return Err(OcrError::UnknownFormat),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXEL_BYTES);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|error| match error {
        // Refused by the limits before allocating: say how large it claims to be.
        image::ImageError::Limits(_) => {
            // The header alone: a PNG's IHDR (a bomb may have nothing after it), else
            // the decoder's header read without limits (nothing is allocated for it).
            let (width, height) = png_dimensions(bytes).unwrap_or_else(|| {
                let mut header = ImageReader::with_format(Cursor::new(bytes), format);
                header.no_limits();
                header.into_dimensions().unwrap_or((0, 0))
            });
            OcrError::TooLarge { width, height }
        }
        other => image_error(other),
    })?;
    let (width, height) = decoder.dimensions();
    check_size(
        width,
        height,
        u64::from(decoder.color_type().bytes_per_pixel()),
    )?;
    image::DynamicImage::from_decoder(decoder).map_err(image_error)
}

fn image_error(error: image::ImageError) -> OcrError {
    match error {
        image::ImageError::Limits(_) => OcrError::TooLarge {
            width: 0,
            height: 0,
        },
        other => OcrError::Decode {
            source: Box::new(other),
        },
    }
}

fn tiff_error(error: tiff::TiffError) -> OcrError {
    OcrError::Decode {
        source: Box::new(error),
    }
}

fn decode_tiff_page(bytes: &[u8], page: u32) -> Result<GrayImage, OcrError> {
    let mut decoder = TiffDecoder::new(Cursor::new(bytes)).map_err(tiff_error)?;
    for _ in 1..page {
        if !decoder.more_images() {
            return Err(OcrError::NoSuchPage {
                page,
                pages: page_count(bytes)?,
            });
        }
        decoder.next_image().map_err(tiff_error)?;
    }
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let color = decoder.colortype().map_err(tiff_error)?;
    check_size(
        width,
        height,
        u64::from(color.num_samples()) * u64::from(color.bit_depth()).div_ceil(8),
    )?;
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_PIXEL_BYTES as usize;
    let mut decoder = decoder.with_limits(limits);
    let data = decoder.read_image().map_err(tiff_error)?;
    let pixels = (width as usize) * (height as usize);
    let mut gray: Vec<u8> = match (color, data) {
        (tiff::ColorType::Gray(1), DecodingResult::U8(packed)) => {
            let row = (width as usize).div_ceil(8);
            (0..pixels)
                .map(|i| {
                    let (y, x) = (i / width as usize, i % width as usize);
                    let bit = packed
                        .get(y * row + x / 8)
                        .map_or(0, |b| (b >> (7 - x % 8)) & 1);
                    if bit == 1 { 255 } else { 0 }
                })
                .collect()
        }
        (tiff::ColorType::Gray(8), DecodingResult::U8(data)) => data,
        (tiff::ColorType::Gray(16), DecodingResult::U16(data)) => {
            data.iter().map(|v| (v >> 8) as u8).collect()
        }
        (tiff::ColorType::RGB(8), DecodingResult::U8(data)) => {
            data.chunks_exact(3).map(luma).collect()
        }
        (tiff::ColorType::RGBA(8), DecodingResult::U8(data)) => {
            data.chunks_exact(4).map(luma).collect()
        }
        (color, _) => {
            return Err(OcrError::UnsupportedColor {
                color_type: format!("{color:?}"),
            });
        }
    };
    if gray.len() < pixels {
        return Err(OcrError::Truncated);
    }
    gray.truncate(pixels);
    GrayImage::from_raw(width, height, gray).ok_or(OcrError::Truncated)
}

/// The resolution a page is read at when its file states none (the usual archive scan).
pub const ASSUMED_DPI: u32 = 300;

/// Width and height from a PNG's IHDR chunk.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let header = bytes.get(8..24)?;
    (bytes.starts_with(b"\x89PNG") && &header[4..8] == b"IHDR").then(|| {
        (
            u32::from_be_bytes([header[8], header[9], header[10], header[11]]),
            u32::from_be_bytes([header[12], header[13], header[14], header[15]]),
        )
    })
}

/// A PNG whose compressed data a PDF can carry as it is (Flate with PNG predictors):
/// non-interlaced grey or RGB without alpha, 1 to 16 bits. `None` for the others
/// (palette, alpha, interlaced), which are decoded instead.
fn png_as_stored(bytes: &[u8]) -> Option<PageImage> {
    let header = bytes.get(8..33)?;
    if &header[4..8] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(header[8..12].try_into().ok()?);
    let height = u32::from_be_bytes(header[12..16].try_into().ok()?);
    let (bits, colour, interlace) = (header[16], header[17], header[20]);
    let components = match colour {
        0 => 1,
        2 if bits >= 8 => 3,
        _ => return None,
    };
    if interlace != 0 || width == 0 || height == 0 {
        return None;
    }
    check_size(width, height, 1).ok()?;
    let mut data = Vec::new();
    let mut at = 8;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes(chunk[..4].try_into().ok()?) as usize;
        let body = bytes.get(at + 8..at + 8 + length)?;
        match &chunk[4..8] {
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + length;
    }
    (!data.is_empty()).then_some(PageImage::Png {
        data,
        width,
        height,
        components,
        bits,
    })
}

/// The size in pixels a PDF page is drawn at (its scan's resolution), read from the
/// page tree without drawing it: what a sheet that could not be read measures.
pub fn pdf_page_pixels(bytes: &[u8], page: u32) -> Result<(u32, u32), OcrError> {
    let pdf = parse_pdf(bytes)?;
    let pdf_error = |source| OcrError::Pdf { source };
    let (width, height) = pdf.page_size(page).map_err(pdf_error)?;
    let dpi = pdf
        .image_resolution(page)
        .unwrap_or(f64::from(fehrist_pdf::DEFAULT_DPI));
    let pixels = |points: f64| ((points * dpi / 72.0).round() as u32).max(1);
    Ok((pixels(width), pixels(height)))
}

/// Resolutions outside this range are treated as unstated: scanners and editors often
/// write a placeholder (72, or 1) that no archive scan was made at.
pub const PLAUSIBLE_DPI: std::ops::RangeInclusive<u32> = 100..=2400;

/// The resolution a scanned file states for page `page`, in dots per inch: PNG `pHYs`,
/// JPEG JFIF density, TIFF `XResolution`. `None` when the file says nothing usable
/// (absent, aspect-ratio only, or outside [`PLAUSIBLE_DPI`]).
pub fn resolution(bytes: &[u8], page: u32) -> Option<u32> {
    let dpi = match ScanFormat::sniff(bytes).ok()? {
        ScanFormat::Png => png_resolution(bytes),
        ScanFormat::Jpeg => jfif_resolution(bytes),
        ScanFormat::Tiff => tiff_resolution(bytes, page),
        // A PDF page's image resolution follows from its size on the page.
        ScanFormat::Pdf => ScannedPdf::parse(bytes).ok()?.image_resolution(page),
    }?;
    let dpi = dpi.round();
    (dpi.is_finite() && dpi >= 0.0 && PLAUSIBLE_DPI.contains(&(dpi as u32))).then_some(dpi as u32)
}

const METRES_PER_INCH: f64 = 0.0254;

/// The `pHYs` chunk, which comes before the first `IDAT`.
fn png_resolution(bytes: &[u8]) -> Option<f64> {
    let mut at = 8;
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let data = bytes.get(at + 8..at + 8 + length)?;
        match &header[4..8] {
            b"pHYs" if length == 9 => {
                let x = u32::from_be_bytes(data[..4].try_into().ok()?);
                // Unit 1 is the metre; 0 states only the aspect ratio.
                return (data[8] == 1).then(|| f64::from(x) * METRES_PER_INCH);
            }
            b"IDAT" | b"IEND" => return None,
            _ => at += 12 + length,
        }
    }
    None
}

/// The JFIF `APP0` segment's density, right after the start-of-image marker.
fn jfif_resolution(bytes: &[u8]) -> Option<f64> {
    let app0 = bytes.get(2..18)?;
    if app0[..2] != [0xff, 0xe0] || &app0[4..9] != b"JFIF\0" {
        return None;
    }
    let x = f64::from(u16::from_be_bytes([app0[12], app0[13]]));
    match app0[11] {
        1 => Some(x),
        2 => Some(x * 2.54),
        _ => None,
    }
}

fn tiff_resolution(bytes: &[u8], page: u32) -> Option<f64> {
    let mut decoder = TiffDecoder::new(Cursor::new(bytes)).ok()?;
    for _ in 1..page {
        decoder.next_image().ok()?;
    }
    let x = match decoder.find_tag(Tag::XResolution).ok()?? {
        tiff::decoder::ifd::Value::Rational(n, d) if d != 0 => f64::from(n) / f64::from(d),
        _ => return None,
    };
    // ResolutionUnit: 2 (the default) is the inch, 3 the centimetre, 1 none.
    match decoder
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()?
        .unwrap_or(2)
    {
        2 => Some(x),
        3 => Some(x * 2.54),
        _ => None,
    }
}

/// ITU-R BT.601 luma of an RGB(A) pixel.
fn luma(rgb: &[u8]) -> u8 {
    let [r, g, b] = [rgb[0], rgb[1], rgb[2]].map(u32::from);
    ((299 * r + 587 * g + 114 * b + 500) / 1000) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(image: &GrayImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn sample() -> GrayImage {
        GrayImage::from_fn(40, 30, |x, y| image::Luma([((x * 5 + y * 3) % 256) as u8]))
    }

    #[test]
    fn a_masked_page_is_black_in_its_boxes_and_unchanged_elsewhere() {
        let white = GrayImage::from_pixel(40, 30, image::Luma([255]));
        let png = encode(&white, image::ImageFormat::Png);
        let masked = masked_page(&png, 1, &[[5, 5, 10, 8], [35, 25, 90, 90]], false).unwrap();
        assert_eq!(masked.get_pixel(5, 5).0, [0]);
        assert_eq!(masked.get_pixel(9, 7).0, [0]);
        assert_eq!(
            masked.get_pixel(10, 8).0,
            [255],
            "right and bottom are outside"
        );
        assert_eq!(
            masked.get_pixel(39, 29).0,
            [0],
            "a box past the edge is clipped"
        );
        assert_eq!(masked.get_pixel(20, 20).0, [255]);
        let whole = masked_page(&png, 1, &[], true).unwrap();
        assert!(whole.pixels().all(|p| p.0 == [0]));
        let decoded =
            image::load_from_memory(&masked_page_png(&png, 1, &[[0, 0, 1, 1]], false).unwrap())
                .unwrap()
                .into_luma8();
        assert_eq!(decoded.get_pixel(0, 0).0, [0]);
        assert_eq!(decoded.get_pixel(1, 1).0, [255]);
    }

    #[test]
    fn decodes_png_and_tiff_exactly() {
        for format in [image::ImageFormat::Png, image::ImageFormat::Tiff] {
            let bytes = encode(&sample(), format);
            assert_eq!(page_count(&bytes).unwrap(), 1);
            assert_eq!(decode_page(&bytes, 1).unwrap(), sample(), "{format:?}");
            assert!(matches!(
                decode_page(&bytes, 2),
                Err(OcrError::NoSuchPage { page: 2, pages: 1 })
            ));
        }
    }

    /// A bilevel, uncompressed TIFF of 8 × 2 pixels whose photometric interpretation is
    /// WhiteIsZero (as fax and many scanners write): `rows` as packed bits, 1 = black.
    fn white_is_zero_tiff(rows: [u8; 2]) -> Vec<u8> {
        let entries: [(u16, u16, u32); 9] = [
            (256, 3, 8),   // ImageWidth
            (257, 3, 2),   // ImageLength
            (258, 3, 1),   // BitsPerSample
            (259, 3, 1),   // Compression: none
            (262, 3, 0),   // PhotometricInterpretation: WhiteIsZero
            (273, 4, 122), // StripOffsets: after the header and this directory
            (277, 3, 1),   // SamplesPerPixel
            (278, 3, 2),   // RowsPerStrip
            (279, 4, 2),   // StripByteCounts
        ];
        let mut bytes = b"II*\0".to_vec();
        bytes.extend(8u32.to_le_bytes());
        bytes.extend((entries.len() as u16).to_le_bytes());
        for (tag, kind, value) in entries {
            bytes.extend(tag.to_le_bytes());
            bytes.extend(kind.to_le_bytes());
            bytes.extend(1u32.to_le_bytes());
            bytes.extend(value.to_le_bytes());
        }
        bytes.extend(0u32.to_le_bytes());
        assert_eq!(bytes.len(), 122);
        bytes.extend(rows);
        bytes
    }

    #[test]
    fn a_white_is_zero_tiff_decodes_black_text_on_white_paper() {
        // Its first row all paper, its second all ink: decoded inverted, the page is read
        // as white letters on black and comes out as nonsense.
        let page = decode_page(&white_is_zero_tiff([0x00, 0xFF]), 1).unwrap();
        assert!(page.rows().next().unwrap().all(|p| p.0 == [255]));
        assert!(page.rows().nth(1).unwrap().all(|p| p.0 == [0]));
    }

    #[test]
    fn reads_the_stated_resolution_and_ignores_placeholders() {
        let png = |ppm: u32, unit: u8| {
            let mut bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut bytes, 4, 4);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: if unit == 1 {
                    png::Unit::Meter
                } else {
                    png::Unit::Unspecified
                },
            }));
            encoder
                .write_header()
                .unwrap()
                .write_image_data(&[0; 16])
                .unwrap();
            bytes
        };
        assert_eq!(resolution(&png(11_811, 1), 1), Some(300));
        assert_eq!(resolution(&png(23_622, 1), 1), Some(600));
        assert_eq!(resolution(&png(2_835, 1), 1), None, "72 DPI placeholder");
        assert_eq!(resolution(&png(11_811, 0), 1), None, "aspect ratio only");
        assert_eq!(
            resolution(&encode(&sample(), image::ImageFormat::Png), 1),
            None
        );

        let mut jpeg = encode(&sample(), image::ImageFormat::Jpeg);
        assert_eq!(&jpeg[6..11], b"JFIF\0");
        jpeg[13] = 1;
        jpeg[14..18].copy_from_slice(&[1, 144, 1, 144]);
        assert_eq!(resolution(&jpeg, 1), Some(400));
        jpeg[13] = 2;
        jpeg[14..18].copy_from_slice(&[0, 118, 0, 118]);
        assert_eq!(resolution(&jpeg, 1), Some(300), "dots per centimetre");
    }

    #[test]
    fn sixteen_bit_and_palette_pngs_decode_to_their_grey_levels() {
        let encode_png =
            |depth: png::BitDepth, color: png::ColorType, palette: Option<Vec<u8>>, data: &[u8]| {
                let mut bytes = Vec::new();
                let mut encoder = png::Encoder::new(&mut bytes, 2, 1);
                encoder.set_color(color);
                encoder.set_depth(depth);
                if let Some(palette) = palette {
                    encoder.set_palette(palette);
                }
                encoder
                    .write_header()
                    .unwrap()
                    .write_image_data(data)
                    .unwrap();
                bytes
            };
        // 16-bit grey: 0x1234 and 0xfedc are 0x12 and 0xfe in 8 bits.
        let deep = encode_png(
            png::BitDepth::Sixteen,
            png::ColorType::Grayscale,
            None,
            &[0x12, 0x34, 0xfe, 0xdc],
        );
        assert_eq!(decode_page(&deep, 1).unwrap().into_raw(), [0x12, 0xfe]);
        // A palette of black and white, pixels 1 then 0.
        let palette = encode_png(
            png::BitDepth::Eight,
            png::ColorType::Indexed,
            Some(vec![0, 0, 0, 255, 255, 255]),
            &[1, 0],
        );
        assert_eq!(decode_page(&palette, 1).unwrap().into_raw(), [255, 0]);
    }

    #[test]
    fn sniffs_by_content_not_name() {
        assert!(matches!(ScanFormat::sniff(b""), Err(OcrError::Empty)));
        assert_eq!(ScanFormat::sniff(b"%PDF-1.7").unwrap(), ScanFormat::Pdf);
        assert!(matches!(
            ScanFormat::sniff(b"GIF89a"),
            Err(OcrError::UnknownFormat)
        ));
        let png = encode(&sample(), image::ImageFormat::Png);
        assert_eq!(ScanFormat::sniff(&png).unwrap(), ScanFormat::Png);
    }

    #[test]
    fn truncated_files_fail_cleanly() {
        let png = encode(&sample(), image::ImageFormat::Png);
        // Cuts inside the header or the pixel data; a cut in the trailing IEND chunk
        // loses no pixels and is rightly accepted.
        for cut in [8, 20, png.len() / 2, png.len() * 3 / 4] {
            assert!(decode_page(&png[..cut], 1).is_err(), "cut at {cut}");
        }
        let tiff = encode(&sample(), image::ImageFormat::Tiff);
        assert!(decode_page(&tiff[..tiff.len() / 2], 1).is_err());
    }

    #[test]
    fn refuses_a_decompression_bomb_before_allocating() {
        // A PNG header claiming 100 000 × 100 000 pixels, with almost no data.
        let mut bomb = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut bomb, 100_000, 100_000);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.write_header().unwrap();
        }
        assert!(matches!(
            decode_page(&bomb, 1),
            Err(OcrError::TooLarge { .. })
        ));
    }
}
