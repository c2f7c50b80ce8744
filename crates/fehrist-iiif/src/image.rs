//! The IIIF Image API 3.0: the grammar of an image request
//! (`{region}/{size}/{rotation}/{quality}.{format}`), resolved against a sheet's
//! size into the [`Derivation`] that draws it, and the image information
//! (`info.json`) that says what this service can do (level 2, with mirroring and
//! upscaling).

use serde_json::{Value, json};

/// The Image API's JSON-LD context.
pub const IMAGE_CONTEXT: &str = "http://iiif.io/api/image/3/context.json";
/// The side of the tiles a viewer is told to ask for.
pub const TILE_SIDE: u32 = 512;
/// The most pixels one answer may hold: a sheet larger than this is offered scaled
/// down as its `max` size, so no request makes the service draw more.
pub const MAX_AREA: u64 = 40_000_000;

/// Why a request cannot be answered: the Image API's 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageRequestError {
    #[error("region {0:?} is not full, square, x,y,w,h or pct:x,y,w,h")]
    Region(String),
    #[error("region {0:?} lies outside the image")]
    RegionOutside(String),
    #[error("size {0:?} is not max, w,, ,h, pct:n, w,h or !w,h (each may start with ^)")]
    Size(String),
    #[error("size {0:?} is larger than the region; ask with ^ to scale up")]
    Upscale(String),
    #[error("size {0:?} is larger than this service draws ({MAX_AREA} pixels)")]
    TooLarge(String),
    #[error("rotation {0:?} is not 0, 90, 180 or 270 (optionally after !)")]
    Rotation(String),
    #[error("quality {0:?} is not default, color, gray or bitonal")]
    Quality(String),
    #[error("format {0:?} is not jpg or png")]
    Format(String),
}

/// A rectangle of the sheet, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    /// `default` and `color`: the sheet as scanned.
    Color,
    Gray,
    /// Black and white.
    Bitonal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpg,
    Png,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jpg => "image/jpeg",
            Format::Png => "image/png",
        }
    }
}

/// An image request as written in its URL, checked for syntax only.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRequest {
    region: Region,
    size: Size,
    /// Clockwise quarter turns.
    quarter_turns: u8,
    mirror: bool,
    quality: Quality,
    format: Format,
    /// The size as asked, for messages.
    size_text: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Region {
    Full,
    Square,
    Pixels(u32, u32, u32, u32),
    Percent(f64, f64, f64, f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Size {
    upscale: bool,
    kind: SizeKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SizeKind {
    Max,
    Width(u32),
    Height(u32),
    Percent(f64),
    Exact(u32, u32),
    Within(u32, u32),
}

/// How to draw an answer: crop the region, scale it to `width`×`height`, mirror it,
/// turn it, then give it the quality and encode it in the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Derivation {
    pub region: Rect,
    pub width: u32,
    pub height: u32,
    /// Mirrored left to right before turning.
    pub mirror: bool,
    /// Clockwise quarter turns, 0–3.
    pub quarter_turns: u8,
    pub quality: Quality,
    pub format: Format,
}

impl ImageRequest {
    /// Parses the four path segments of an image request.
    pub fn parse(
        region: &str,
        size: &str,
        rotation: &str,
        quality_format: &str,
    ) -> Result<Self, ImageRequestError> {
        let (quality, format) = quality_format
            .rsplit_once('.')
            .ok_or_else(|| ImageRequestError::Format(quality_format.to_owned()))?;
        let format = match format {
            "jpg" => Format::Jpg,
            "png" => Format::Png,
            other => return Err(ImageRequestError::Format(other.to_owned())),
        };
        let quality = match quality {
            "default" | "color" => Quality::Color,
            "gray" => Quality::Gray,
            "bitonal" => Quality::Bitonal,
            other => return Err(ImageRequestError::Quality(other.to_owned())),
        };
        let (mirror, degrees) = match rotation.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, rotation),
        };
        let bad_rotation = || ImageRequestError::Rotation(rotation.to_owned());
        let degrees = decimal(degrees).ok_or_else(bad_rotation)?;
        let quarter_turns = match degrees {
            0.0 | 360.0 => 0,
            90.0 => 1,
            180.0 => 2,
            270.0 => 3,
            _ => return Err(bad_rotation()),
        };
        Ok(ImageRequest {
            region: parse_region(region)?,
            size: parse_size(size)?,
            quarter_turns,
            mirror,
            quality,
            format,
            size_text: size.to_owned(),
        })
    }

    /// What to draw from a sheet of `width`×`height` pixels.
    pub fn resolve(&self, width: u32, height: u32) -> Result<Derivation, ImageRequestError> {
        let region = self.region_of(width, height)?;
        let (w, h) = self.size_of(region)?;
        Ok(Derivation {
            region,
            width: w,
            height: h,
            mirror: self.mirror,
            quarter_turns: self.quarter_turns,
            quality: self.quality,
            format: self.format,
        })
    }

    fn region_of(&self, width: u32, height: u32) -> Result<Rect, ImageRequestError> {
        let outside = || ImageRequestError::RegionOutside(format!("{:?}", self.region));
        let (x, y, w, h) = match self.region {
            Region::Full => (0, 0, width, height),
            Region::Square => {
                let side = width.min(height);
                ((width - side) / 2, (height - side) / 2, side, side)
            }
            Region::Pixels(x, y, w, h) => (x, y, w, h),
            Region::Percent(x, y, w, h) => {
                let of = |pct: f64, whole: u32| (pct / 100.0 * f64::from(whole)).round() as u32;
                (of(x, width), of(y, height), of(w, width), of(h, height))
            }
        };
        if x >= width || y >= height {
            return Err(outside());
        }
        // A region reaching beyond the sheet is cut at its edges.
        let (w, h) = (w.min(width - x), h.min(height - y));
        if w == 0 || h == 0 {
            return Err(outside());
        }
        Ok(Rect {
            x,
            y,
            width: w,
            height: h,
        })
    }

    fn size_of(&self, region: Rect) -> Result<(u32, u32), ImageRequestError> {
        let (rw, rh) = (f64::from(region.width), f64::from(region.height));
        let scaled = |factor: f64| {
            (
                (rw * factor).round().max(1.0) as u32,
                (rh * factor).round().max(1.0) as u32,
            )
        };
        let (w, h) = match self.size.kind {
            SizeKind::Max => {
                let area = rw * rh;
                let limit = MAX_AREA as f64;
                if area > limit {
                    let factor = (limit / area).sqrt();
                    ((rw * factor).floor() as u32, (rh * factor).floor() as u32)
                } else {
                    (region.width, region.height)
                }
            }
            SizeKind::Width(w) => (w, (rh * f64::from(w) / rw).round().max(1.0) as u32),
            SizeKind::Height(h) => ((rw * f64::from(h) / rh).round().max(1.0) as u32, h),
            SizeKind::Percent(pct) => scaled(pct / 100.0),
            SizeKind::Exact(w, h) => (w, h),
            SizeKind::Within(w, h) => {
                let factor = (f64::from(w) / rw).min(f64::from(h) / rh);
                let (sw, sh) = scaled(factor);
                (sw.min(w), sh.min(h))
            }
        };
        if w == 0 || h == 0 {
            return Err(ImageRequestError::Size(self.size_text.clone()));
        }
        if !self.size.upscale && (w > region.width || h > region.height) {
            return Err(ImageRequestError::Upscale(self.size_text.clone()));
        }
        if u64::from(w) * u64::from(h) > MAX_AREA {
            return Err(ImageRequestError::TooLarge(self.size_text.clone()));
        }
        Ok((w, h))
    }
}

/// A non-negative decimal as the Image API writes one (no sign, no exponent).
fn decimal(text: &str) -> Option<f64> {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.chars().filter(|&c| c == '.').count() <= 1
        && text != ".";
    plain.then(|| text.parse().ok()).flatten()
}

fn whole(text: &str) -> Option<u32> {
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn four<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<(T, T, T, T)> {
    let mut parts = text.split(',');
    let values = (
        parse(parts.next()?)?,
        parse(parts.next()?)?,
        parse(parts.next()?)?,
        parse(parts.next()?)?,
    );
    parts.next().is_none().then_some(values)
}

fn parse_region(text: &str) -> Result<Region, ImageRequestError> {
    let bad = || ImageRequestError::Region(text.to_owned());
    match text {
        "full" => Ok(Region::Full),
        "square" => Ok(Region::Square),
        _ => match text.strip_prefix("pct:") {
            Some(pct) => {
                let (x, y, w, h) = four(pct, decimal).ok_or_else(bad)?;
                if w <= 0.0 || h <= 0.0 {
                    return Err(bad());
                }
                Ok(Region::Percent(x, y, w, h))
            }
            None => {
                let (x, y, w, h) = four(text, whole).ok_or_else(bad)?;
                if w == 0 || h == 0 {
                    return Err(bad());
                }
                Ok(Region::Pixels(x, y, w, h))
            }
        },
    }
}

fn parse_size(text: &str) -> Result<Size, ImageRequestError> {
    let bad = || ImageRequestError::Size(text.to_owned());
    let (upscale, rest) = match text.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let kind = if rest == "max" {
        SizeKind::Max
    } else if let Some(pct) = rest.strip_prefix("pct:") {
        let pct = decimal(pct).filter(|p| *p > 0.0).ok_or_else(bad)?;
        SizeKind::Percent(pct)
    } else {
        let (within, pair) = match rest.strip_prefix('!') {
            Some(pair) => (true, pair),
            None => (false, rest),
        };
        let (w, h) = pair.split_once(',').ok_or_else(bad)?;
        match (whole(w), whole(h), w.is_empty(), h.is_empty()) {
            (Some(w), Some(h), _, _) if within => SizeKind::Within(w, h),
            (Some(w), Some(h), _, _) => SizeKind::Exact(w, h),
            (Some(w), None, _, true) if !within => SizeKind::Width(w),
            (None, Some(h), true, _) if !within => SizeKind::Height(h),
            _ => return Err(bad()),
        }
    };
    Ok(Size { upscale, kind })
}

/// The image information (`info.json`) of a sheet served at `id`.
pub fn image_info(id: &str, width: u32, height: u32) -> Value {
    let mut scale_factors = vec![1u32];
    while (width.max(height) / scale_factors.last().copied().unwrap_or(1)) > TILE_SIDE {
        scale_factors.push(scale_factors.last().copied().unwrap_or(1) * 2);
    }
    // Whole-sheet sizes a viewer may ask for at once (thumbnails): each a power of
    // two smaller, down to about 100 pixels.
    let mut sizes = Vec::new();
    for factor in &scale_factors {
        let (w, h) = (width.div_ceil(*factor), height.div_ceil(*factor));
        if u64::from(w) * u64::from(h) <= MAX_AREA {
            sizes.push(json!({"width": w, "height": h}));
        }
    }
    sizes.reverse();
    json!({
        "@context": IMAGE_CONTEXT,
        "id": id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": width,
        "height": height,
        "maxArea": MAX_AREA,
        "sizes": sizes,
        "tiles": [{"width": TILE_SIDE, "height": TILE_SIDE, "scaleFactors": scale_factors}],
        "extraFeatures": ["mirroring", "sizeUpscaling"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(region: &str, size: &str, rotation: &str, qf: &str) -> Derivation {
        ImageRequest::parse(region, size, rotation, qf)
            .and_then(|r| r.resolve(1000, 600))
            .unwrap_or_else(|e| panic!("{region}/{size}/{rotation}/{qf}: {e}"))
    }

    fn refused(region: &str, size: &str, rotation: &str, qf: &str) -> ImageRequestError {
        match ImageRequest::parse(region, size, rotation, qf).and_then(|r| r.resolve(1000, 600)) {
            Ok(d) => panic!("{region}/{size}/{rotation}/{qf} was drawn as {d:?}"),
            Err(e) => e,
        }
    }

    fn rect(x: u32, y: u32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn regions_are_cut_from_the_sheet() {
        assert_eq!(
            resolve("full", "max", "0", "default.jpg").region,
            rect(0, 0, 1000, 600)
        );
        assert_eq!(
            resolve("square", "max", "0", "default.jpg").region,
            rect(200, 0, 600, 600)
        );
        assert_eq!(
            resolve("10,20,30,40", "max", "0", "default.jpg").region,
            rect(10, 20, 30, 40)
        );
        // Beyond the edge: cut there.
        assert_eq!(
            resolve("900,500,300,300", "max", "0", "default.jpg").region,
            rect(900, 500, 100, 100)
        );
        assert_eq!(
            resolve("pct:10,50,25,50", "max", "0", "default.jpg").region,
            rect(100, 300, 250, 300)
        );
        assert!(matches!(
            refused("1000,0,10,10", "max", "0", "default.jpg"),
            ImageRequestError::RegionOutside(_)
        ));
        for bad in [
            "0,0,0,10",
            "1,2,3",
            "a,b,c,d",
            "-1,0,5,5",
            "pct:0,0,0,5",
            "whole",
        ] {
            assert!(
                matches!(
                    refused(bad, "max", "0", "default.jpg"),
                    ImageRequestError::Region(_)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn sizes_scale_the_region() {
        let size = |s: &str| {
            let d = resolve("full", s, "0", "default.jpg");
            (d.width, d.height)
        };
        assert_eq!(size("max"), (1000, 600));
        assert_eq!(size("500,"), (500, 300));
        assert_eq!(size(",300"), (500, 300));
        assert_eq!(size("pct:25"), (250, 150));
        assert_eq!(size("200,200"), (200, 200));
        assert_eq!(size("!500,500"), (500, 300));
        assert_eq!(size("!500,150"), (250, 150));
        assert_eq!(size("^2000,"), (2000, 1200));
        assert_eq!(size("^pct:150"), (1500, 900));
        for up in ["2000,", ",601", "pct:101", "1001,600", "!2000,3000"] {
            assert!(
                matches!(
                    refused("full", up, "0", "default.jpg"),
                    ImageRequestError::Upscale(_)
                ),
                "{up}"
            );
        }
        for bad in [
            "", "full", ",", "!500,", "0,", "pct:0", "pct:-5", "^", "5,5,5",
        ] {
            assert!(
                matches!(
                    refused("full", bad, "0", "default.jpg"),
                    ImageRequestError::Size(_)
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            refused("full", "^10000,10000", "0", "default.jpg"),
            ImageRequestError::TooLarge(_)
        ));
    }

    #[test]
    fn a_sheet_larger_than_the_limit_is_offered_scaled_down() {
        let request = ImageRequest::parse("full", "max", "0", "default.jpg").expect("parses");
        let d = request.resolve(10_000, 8_000).expect("resolves");
        assert!(u64::from(d.width) * u64::from(d.height) <= MAX_AREA);
        assert!(d.width > 7000 && d.height > 5600, "{d:?}");
    }

    #[test]
    fn rotations_qualities_and_formats() {
        let d = resolve("full", "max", "!90", "gray.png");
        assert_eq!(
            (d.mirror, d.quarter_turns, d.quality, d.format),
            (true, 1, Quality::Gray, Format::Png)
        );
        assert_eq!(resolve("full", "max", "270", "color.jpg").quarter_turns, 3);
        assert_eq!(
            resolve("full", "max", "360", "bitonal.jpg").quarter_turns,
            0
        );
        assert_eq!(
            resolve("full", "max", "180.0", "bitonal.jpg").quality,
            Quality::Bitonal
        );
        assert!(matches!(
            refused("full", "max", "45", "default.jpg"),
            ImageRequestError::Rotation(_)
        ));
        assert!(matches!(
            refused("full", "max", "-90", "default.jpg"),
            ImageRequestError::Rotation(_)
        ));
        assert!(matches!(
            refused("full", "max", "0", "sepia.jpg"),
            ImageRequestError::Quality(_)
        ));
        assert!(matches!(
            refused("full", "max", "0", "default.gif"),
            ImageRequestError::Format(_)
        ));
        assert!(matches!(
            refused("full", "max", "0", "default"),
            ImageRequestError::Format(_)
        ));
    }

    #[test]
    fn image_information_offers_tiles_down_to_one_tile() {
        let info = image_info("http://h/iiif/3/r/1", 2480, 3508);
        assert_eq!(info["type"], "ImageService3");
        assert_eq!(info["profile"], "level2");
        assert_eq!(info["width"], 2480);
        assert_eq!(
            info["tiles"][0]["scaleFactors"],
            json!([1, 2, 4, 8]),
            "3508/8 = 438 fits one tile"
        );
        let sizes = info["sizes"].as_array().expect("sizes");
        assert_eq!(sizes.first(), Some(&json!({"width": 310, "height": 439})));
        assert_eq!(sizes.last(), Some(&json!({"width": 2480, "height": 3508})));
    }
}
