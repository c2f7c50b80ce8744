//! Drawing a PDF master's page as the reader of the PDF sees it, for OCR: through
//! `hayro`, a PDF rasterizer regression-tested against the pdf.js and PDFBox corpora,
//! so whatever the page holds (JBIG2, JPX, CCITT G3/G4, JPEG, Flate, LZW; Indexed,
//! CMYK, ICC and calibrated colour; Decode arrays, image masks and soft masks; many
//! strips on one page; `/Rotate` and the CropBox) comes out as the page looks.
//!
//! A page is drawn at the resolution of the widest image on it, so a 300 ppi scan is
//! read at 300 dpi, not at a guess.

use std::sync::{Arc, Mutex};

use hayro::hayro_interpret::font::GlyphRun;
use hayro::hayro_interpret::kurbo::{Affine, BezPath, Rect};
use hayro::hayro_interpret::util::TransformExt as _;
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, InterpreterSettings, InterpreterWarning, SoftMask, interpret_page,
};
use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::object::{Dict, Name, Stream};
use hayro::hayro_syntax::page::{Page, Resources};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RenderContext};
use hayro::{RenderCache, RenderSettings};

use crate::PdfError;

/// Resolution of a page with no image on it (drawn text or vector art only).
pub const DEFAULT_DPI: f32 = 300.0;
/// Resolutions a page is drawn at, whatever its images say: below 100 dpi text is too
/// small to read even scaled up afterwards, above 600 a page only grows.
pub const DPI_RANGE: (f32, f32) = (100.0, 600.0);
/// Pages are drawn at no more pixels than this (a 600 dpi A2 sheet).
pub const MAX_RENDER_PIXELS: f64 = 140_000_000.0;

/// A page drawn to 8-bit grey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPage {
    pub width: u32,
    pub height: u32,
    /// Row by row, 0 black, 255 white.
    pub pixels: Vec<u8>,
    /// The resolution it was drawn at, in dots per inch of the page.
    pub dpi: u32,
}

/// Whether a stream dictionary is an image XObject.
fn is_image(dict: &Dict<'_>) -> bool {
    dict.get::<Name<'_>>(b"Subtype")
        .is_some_and(|subtype| subtype.as_ref() == b"Image")
}

/// Pixels across of the widest mask of an image in `resources` and the forms it draws,
/// `depth` forms down (a mask is drawn with its image, over the same square).
fn widest_mask(resources: &Resources<'_>, depth: u8) -> f32 {
    let width = |dict: &Dict<'_>| dict.get::<f32>(b"Width").unwrap_or(0.0);
    let mut widest = 0.0f32;
    for name in resources.x_objects.keys() {
        let Some(stream) = resources.get_x_object(&name) else {
            continue;
        };
        let dict = stream.dict();
        if is_image(dict) {
            for mask in [&b"SMask"[..], b"Mask"] {
                if let Some(mask) = dict.get::<Stream<'_>>(mask) {
                    widest = widest.max(width(mask.dict()));
                }
            }
        } else if depth > 0
            && let Some(inner) = dict.get::<Dict<'_>>(b"Resources")
        {
            widest = widest.max(widest_mask(&Resources::new(inner), depth - 1));
        }
    }
    widest
}

/// What the page's content draws, as far as its resolution goes: a device that paints
/// nothing and notes, for every image, its pixels per inch from where the content
/// stream puts it (so a rotated scan or one placed on part of the page counts as
/// drawn) and the area it covers. Images are not decoded.
#[derive(Default)]
struct ImageResolution {
    /// Area covered (square points) by images of each resolution (whole dpi).
    covered: std::collections::BTreeMap<u32, f64>,
}

impl ImageResolution {
    /// The finest resolution whose images cover a tenth of the page or more (one scan,
    /// or the strips it was cut into), so a small logo does not decide.
    fn dpi(&self, page_area: f64) -> Option<u32> {
        self.covered
            .iter()
            .rev()
            .find(|(_, area)| **area >= page_area / 10.0)
            .map(|(dpi, _)| *dpi)
    }
}

impl<'a> Device<'a> for ImageResolution {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, _: &GlyphRun<'_, 'a>, _: DrawProps<'a>, _: &DrawMode) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        // The transform takes the image's pixels to points of the page.
        let [a, b, c, d, _, _] = props.transform.as_coeffs();
        let (across, down) = (a.hypot(b), c.hypot(d));
        let pixels = f64::from(image.width()) * f64::from(image.height());
        let area = (a * d - b * c).abs() * pixels;
        if across <= 0.0 || down <= 0.0 {
            return;
        }
        let dpi = (72.0 / across).min(72.0 / down).round();
        if dpi.is_finite() && dpi >= 1.0 {
            *self.covered.entry(dpi.min(1e6) as u32).or_default() += area;
        }
    }
}

/// What the page's content draws as images, without decoding them.
fn drawn_images(page: &Page<'_>) -> ImageResolution {
    let (width, height) = page.render_dimensions();
    let mut device = ImageResolution::default();
    let cache = InterpreterCache::new();
    let mut context = Context::new(
        page.initial_transform(true).to_kurbo(),
        Rect::new(0.0, 0.0, f64::from(width), f64::from(height)),
        &cache,
        page.xref(),
        InterpreterSettings::default(),
    );
    interpret_page(page, &mut context, &mut device);
    device
}

/// The share of the page its images cover (0 for a page of text and vector art, about
/// 1 for a scan, whatever text layer lies over it).
pub(crate) fn image_coverage(page: &Page<'_>) -> f64 {
    let (width, height) = page.render_dimensions();
    let area = f64::from(width) * f64::from(height);
    let covered: f64 = drawn_images(page).covered.values().sum();
    if area > 0.0 { covered / area } else { 0.0 }
}

/// The resolution of the page's scan: the finest images that cover a tenth of the
/// page or more, and the masks of its images (a mixed-raster scan's text is often a
/// 300 ppi mask over a 100 ppi background); `None` when no image is drawn.
fn native_dpi(page: &Page<'_>) -> Option<f32> {
    let (width, height) = page.render_dimensions();
    let device = drawn_images(page);
    let (base_width, _) = page.base_dimensions();
    let masks = widest_mask(page.resources(), 3) * 72.0 / base_width.max(1.0);
    let drawn = device
        .dpi(f64::from(width) * f64::from(height))
        .map_or(0.0, |dpi| dpi as f32);
    let dpi = drawn.max(masks);
    (dpi > 0.0).then_some(dpi)
}

/// The resolution a page is drawn at: its scan's, within [`DPI_RANGE`], lowered if the
/// page would exceed [`MAX_RENDER_PIXELS`].
pub(crate) fn render_dpi(page: &Page<'_>) -> f32 {
    let (low, high) = DPI_RANGE;
    // Whole dots per inch, so the resolution recorded is the one drawn at.
    let dpi = native_dpi(page)
        .unwrap_or(DEFAULT_DPI)
        .clamp(low, high)
        .round();
    let (width, height) = page.render_dimensions();
    let pixels_at = |dpi: f32| f64::from(width * dpi / 72.0) * f64::from(height * dpi / 72.0);
    if pixels_at(dpi) > MAX_RENDER_PIXELS {
        (dpi * (MAX_RENDER_PIXELS / pixels_at(dpi)).sqrt() as f32).floor()
    } else {
        dpi
    }
}

/// What to do with an image on a page that cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Undecodable {
    /// The page is an error: OCR must not read a page with a hole in it as if whole.
    Refuse,
    /// The image is left out (the paper shows through), for a reader who looks at the
    /// sheet as far as it can be drawn.
    LeaveOut,
}

/// Draws page `index` (from 0) of `pdf`.
pub(crate) fn render(
    pdf: &Pdf,
    index: usize,
    page_number: u32,
    undecodable: Undecodable,
) -> Result<RenderedPage, PdfError> {
    let page_error = |reason: String| PdfError::Page {
        page: page_number,
        reason,
    };
    let page = pdf.pages().get(index).ok_or(PdfError::NoSuchPage {
        page: page_number,
        pages: pdf.pages().len() as u32,
    })?;
    let dpi = render_dpi(page);
    let scale = dpi / 72.0;
    let (width, height) = page.render_dimensions();
    let (width_px, height_px) = ((width * scale).round(), (height * scale).round());
    // The rasterizer's canvas is at most 65,535 pixels a side.
    if !(1.0..=f32::from(u16::MAX)).contains(&width_px)
        || !(1.0..=f32::from(u16::MAX)).contains(&height_px)
    {
        return Err(page_error(format!(
            "a page of {width} × {height} points cannot be drawn"
        )));
    }
    let failures = Arc::new(Mutex::new(Vec::new()));
    let interpreter = InterpreterSettings {
        warning_sink: {
            let failures = Arc::clone(&failures);
            Arc::new(move |warning| {
                if matches!(warning, InterpreterWarning::ImageDecodeFailure) {
                    failures
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(warning);
                }
            })
        },
        ..InterpreterSettings::default()
    };
    // Drawn onto a canvas of whole pixels, the page scaled to fill it exactly (the
    // rasterizer's own `render` truncates, losing a row of a 300 dpi A4 scan).
    let mut canvas = RenderContext::new(width_px as u16, height_px as u16);
    let transform =
        Affine::scale_non_uniform(f64::from(width_px / width), f64::from(height_px / height))
            * page.initial_transform(true).to_kurbo();
    hayro::render_into(
        page,
        &RenderCache::new(),
        &interpreter,
        &RenderSettings::default(),
        &mut canvas,
        transform,
    );
    canvas.flush();
    let mut pixmap = Pixmap::new(canvas.width(), canvas.height());
    canvas.render_with(
        &mut pixmap,
        &mut hayro::vello_cpu::Resources::default(),
        hayro::vello_cpu::RasterizerSettings {
            target_init: hayro::vello_cpu::TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    let undecoded = failures
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .len();
    if undecoded > 0 && undecodable == Undecodable::Refuse {
        return Err(page_error(format!(
            "{undecoded} image(s) on the page could not be decoded"
        )));
    }
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    // Opaque on a white ground, so premultiplied and straight colour agree.
    let pixels = pixmap
        .data()
        .iter()
        .map(|p| {
            let [r, g, b] = [p.r, p.g, p.b].map(u32::from);
            ((299 * r + 587 * g + 114 * b + 500) / 1000) as u8
        })
        .collect();
    Ok(RenderedPage {
        width,
        height,
        pixels,
        dpi: dpi.round() as u32,
    })
}
