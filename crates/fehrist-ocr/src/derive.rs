//! Images drawn from a sheet for a viewer (the IIIF Image API's answers): a region,
//! scaled, mirrored, turned, in colour, grey or black and white, as JPEG or PNG.
//! Drawn from a decoded copy of the master, never stored.

use std::io::Cursor;

use fehrist_iiif::{Derivation, Format, Quality};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage};

use crate::OcrError;
use crate::decode::{ScanFormat, masked_page, open_single, shown_page};
use crate::preprocess::otsu_level;

/// The quality of a drawn JPEG: scans stay legible when zoomed in.
const JPEG_QUALITY: u8 = 85;

/// A sheet decoded once for drawing from: a PNG or JPEG master in its own colour, a
/// TIFF or PDF page in grey; for a caller who may not read its personal data, grey
/// with those words filled black.
#[derive(Debug, Clone)]
pub struct ShownSheet {
    image: DynamicImage,
}

impl ShownSheet {
    /// The sheet on page `page` of a scanned file.
    pub fn decode(bytes: &[u8], page: u32) -> Result<Self, OcrError> {
        let format = ScanFormat::sniff(bytes)?;
        let image = match format {
            ScanFormat::Png | ScanFormat::Jpeg if page == 1 => {
                let image = open_single(bytes, format)?;
                if image.color().has_color() {
                    DynamicImage::ImageRgb8(image.into_rgb8())
                } else {
                    DynamicImage::ImageLuma8(image.into_luma8())
                }
            }
            _ => DynamicImage::ImageLuma8(shown_page(bytes, page)?),
        };
        Ok(ShownSheet { image })
    }

    /// The sheet with the boxes (left, top, right, bottom in its pixels) filled black,
    /// or all of it when `whole` is set.
    pub fn masked(
        bytes: &[u8],
        page: u32,
        boxes: &[[u32; 4]],
        whole: bool,
    ) -> Result<Self, OcrError> {
        Ok(ShownSheet {
            image: DynamicImage::ImageLuma8(masked_page(bytes, page, boxes, whole)?),
        })
    }

    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// The memory its pixels take.
    pub fn bytes_held(&self) -> usize {
        self.image.as_bytes().len()
    }

    /// Draws what the derivation says, encoded.
    pub fn draw(&self, derivation: &Derivation) -> Result<Vec<u8>, OcrError> {
        let region = derivation.region;
        let mut image = if region.x == 0
            && region.y == 0
            && region.width == self.image.width()
            && region.height == self.image.height()
        {
            self.image.clone()
        } else {
            self.image
                .crop_imm(region.x, region.y, region.width, region.height)
        };
        if (derivation.width, derivation.height) != (image.width(), image.height()) {
            // Triangle (bilinear, widened when shrinking) is as sharp as Lanczos on
            // scanned text at a third of its cost.
            image = image.resize_exact(derivation.width, derivation.height, FilterType::Triangle);
        }
        if derivation.mirror {
            image = image.fliph();
        }
        image = match derivation.quarter_turns % 4 {
            1 => image.rotate90(),
            2 => image.rotate180(),
            3 => image.rotate270(),
            _ => image,
        };
        image = match derivation.quality {
            Quality::Color => image,
            Quality::Gray => DynamicImage::ImageLuma8(image.into_luma8()),
            Quality::Bitonal => DynamicImage::ImageLuma8(bitonal(image.into_luma8())),
        };
        encode(&image, derivation.format)
    }
}

/// Black and white at the grey level that best separates the two (Otsu).
fn bitonal(mut gray: GrayImage) -> GrayImage {
    let threshold = otsu_level(&gray);
    for pixel in gray.pixels_mut() {
        pixel.0[0] = if pixel.0[0] > threshold { 255 } else { 0 };
    }
    gray
}

fn encode(image: &DynamicImage, format: Format) -> Result<Vec<u8>, OcrError> {
    let mut out = Vec::new();
    let written = match format {
        Format::Jpg => image.write_with_encoder(JpegEncoder::new_with_quality(
            &mut Cursor::new(&mut out),
            JPEG_QUALITY,
        )),
        // Fast compression: a tile is drawn while a viewer waits for it.
        Format::Png => image.write_with_encoder(PngEncoder::new_with_quality(
            &mut Cursor::new(&mut out),
            CompressionType::Fast,
            PngFilter::Adaptive,
        )),
    };
    written.map_err(|source| OcrError::Encode {
        source: Box::new(source),
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fehrist_iiif::ImageRequest;
    use image::{Rgb, RgbImage};

    /// A 200×100 PNG: left half red, right half blue.
    fn halves() -> Vec<u8> {
        let image = RgbImage::from_fn(200, 100, |x, _| {
            if x < 100 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encodes");
        png
    }

    fn drawn(sheet: &ShownSheet, request: [&str; 4]) -> DynamicImage {
        let [region, size, rotation, qf] = request;
        let derivation = ImageRequest::parse(region, size, rotation, qf)
            .and_then(|r| r.resolve(sheet.width(), sheet.height()))
            .expect("a valid request");
        image::load_from_memory(&sheet.draw(&derivation).expect("draws")).expect("decodes")
    }

    #[test]
    fn regions_sizes_turns_and_mirrors_move_the_pixels() {
        let sheet = ShownSheet::decode(&halves(), 1).expect("decodes");
        assert_eq!((sheet.width(), sheet.height()), (200, 100));
        let right = drawn(&sheet, ["100,0,100,100", "max", "0", "default.png"]).into_rgb8();
        assert_eq!(right.dimensions(), (100, 100));
        assert_eq!(right.get_pixel(50, 50), &Rgb([0, 0, 255]));
        let half = drawn(&sheet, ["full", "100,", "0", "default.png"]).into_rgb8();
        assert_eq!(half.dimensions(), (100, 50));
        assert_eq!(half.get_pixel(10, 25), &Rgb([255, 0, 0]));
        // Turned a quarter clockwise: red (the left) is now on top.
        let turned = drawn(&sheet, ["full", "max", "90", "default.png"]).into_rgb8();
        assert_eq!(turned.dimensions(), (100, 200));
        assert_eq!(turned.get_pixel(50, 10), &Rgb([255, 0, 0]));
        let mirrored = drawn(&sheet, ["full", "max", "!0", "default.png"]).into_rgb8();
        assert_eq!(mirrored.get_pixel(10, 50), &Rgb([0, 0, 255]));
    }

    #[test]
    fn qualities_and_formats() {
        let sheet = ShownSheet::decode(&halves(), 1).expect("decodes");
        let gray = drawn(&sheet, ["full", "max", "0", "gray.png"]);
        assert!(!gray.color().has_color());
        let bitonal = drawn(&sheet, ["full", "max", "0", "bitonal.png"]).into_luma8();
        assert!(bitonal.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        assert_ne!(bitonal.get_pixel(10, 10), bitonal.get_pixel(190, 10));
        let derivation = ImageRequest::parse("full", "max", "0", "default.jpg")
            .and_then(|r| r.resolve(200, 100))
            .expect("valid");
        let jpeg = sheet.draw(&derivation).expect("draws");
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn a_masked_sheet_is_grey_with_its_boxes_black() {
        let sheet = ShownSheet::masked(&halves(), 1, &[[0, 0, 20, 20]], false).expect("masks");
        let image = drawn(&sheet, ["full", "max", "0", "default.png"]);
        assert!(!image.color().has_color());
        assert_eq!(image.into_luma8().get_pixel(5, 5).0[0], 0);
    }
}
