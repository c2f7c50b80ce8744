//! Measurements that decide, page by page, how a scan is prepared for recognition, and
//! the one cleaning step Fehrist applies itself (a 3 × 3 median against speckle noise).
//! Orientation and deskew are Tesseract's; binarization is Tesseract's Otsu or Sauvola,
//! chosen from these measurements.

use image::GrayImage;

/// Mean absolute difference between a pixel and the median of its 3 × 3 neighbourhood
/// above which a page is despeckled. Measured on generated scans: clean pages 0.2,
/// light degradation 1.1–2.2, medium 3.2–4.3, heavy 5.2–10.6; a median filter took
/// Tesseract's error on medium and heavy pages from 0.28% to 0.18% (Sauvola).
pub const NOISY: f32 = 2.5;

/// Spread of the paper's brightness between tiles of the page (grey levels) above which
/// light is uneven enough for adaptive (Sauvola) binarization. Clean scans measure 0,
/// pages with a lighting gradient or stains 15 and more.
pub const UNEVEN: u8 = 12;

/// Side of the square tiles the paper level is measured in, in pixels.
const TILE: u32 = 128;
/// Every how many rows the noise is sampled.
const NOISE_ROW_STEP: u32 = 4;

/// What a page image looks like to the preprocessing decisions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageStats {
    /// Mean |pixel − median of its 3 × 3 neighbourhood| over sampled rows.
    pub noise: f32,
    /// Brightest minus darkest paper level (90th percentile of a tile) over full tiles.
    pub paper_spread: u8,
}

impl ImageStats {
    pub fn measure(image: &GrayImage) -> Self {
        ImageStats {
            noise: noise(image),
            paper_spread: paper_spread(image),
        }
    }

    /// Speckle noise worth a median filter before recognition.
    pub fn is_noisy(&self) -> bool {
        self.noise >= NOISY
    }

    /// Light uneven enough (or noise enough) that a global threshold loses text.
    pub fn needs_adaptive_threshold(&self) -> bool {
        self.is_noisy() || self.paper_spread > UNEVEN
    }
}

fn sort3(a: u8, b: u8, c: u8) -> [u8; 3] {
    let (a, b) = (a.min(b), a.max(b));
    let (b, c) = (b.min(c), b.max(c));
    let (a, b) = (a.min(b), a.max(b));
    [a, b, c]
}

fn median3(a: u8, b: u8, c: u8) -> u8 {
    sort3(a, b, c)[1]
}

/// The median of a 3 × 3 window given as three columns, each sorted ascending: the
/// median of (largest low, median of middles, smallest high) is the window's median.
fn median9(left: [u8; 3], centre: [u8; 3], right: [u8; 3]) -> u8 {
    let low = left[0].max(centre[0]).max(right[0]);
    let mid = median3(left[1], centre[1], right[1]);
    let high = left[2].min(centre[2]).min(right[2]);
    median3(low, mid, high)
}

/// Sorted vertical triples around row `y` for every column.
fn sorted_columns(image: &GrayImage, y: u32, columns: &mut Vec<[u8; 3]>) {
    let width = image.width() as usize;
    let raw = image.as_raw();
    let row = |y: u32| &raw[y as usize * width..(y as usize + 1) * width];
    let (above, here, below) = (row(y - 1), row(y), row(y + 1));
    columns.clear();
    columns.extend((0..width).map(|x| sort3(above[x], here[x], below[x])));
}

/// 3 × 3 median filter; the one-pixel border is kept as it is.
pub fn despeckle(image: &GrayImage) -> GrayImage {
    let (width, height) = image.dimensions();
    let mut out = image.clone();
    if width < 3 || height < 3 {
        return out;
    }
    let mut columns = Vec::with_capacity(width as usize);
    for y in 1..height - 1 {
        sorted_columns(image, y, &mut columns);
        let row = &mut out.as_mut()[(y * width) as usize..((y + 1) * width) as usize];
        for x in 1..width as usize - 1 {
            row[x] = median9(columns[x - 1], columns[x], columns[x + 1]);
        }
    }
    out
}

fn noise(image: &GrayImage) -> f32 {
    let (width, height) = image.dimensions();
    if width < 3 || height < 3 {
        return 0.0;
    }
    let mut columns = Vec::with_capacity(width as usize);
    let (mut sum, mut count) = (0u64, 0u64);
    for y in (1..height - 1).step_by(NOISE_ROW_STEP as usize) {
        sorted_columns(image, y, &mut columns);
        for x in 1..width as usize - 1 {
            let here = image.as_raw()[(y * width) as usize + x];
            let median = median9(columns[x - 1], columns[x], columns[x + 1]);
            sum += u64::from(here.abs_diff(median));
            count += 1;
        }
    }
    sum as f32 / count.max(1) as f32
}

fn paper_spread(image: &GrayImage) -> u8 {
    let (width, height) = image.dimensions();
    let mut levels = Vec::new();
    for top in (0..height / TILE).map(|t| t * TILE) {
        for left in (0..width / TILE).map(|t| t * TILE) {
            let mut histogram = [0u32; 256];
            for y in (top..top + TILE).step_by(2) {
                for x in (left..left + TILE).step_by(2) {
                    histogram[usize::from(image.get_pixel(x, y)[0])] += 1;
                }
            }
            let total: u32 = histogram.iter().sum();
            let mut seen = 0;
            let level = histogram
                .iter()
                .position(|&n| {
                    seen += n;
                    seen * 10 >= total * 9
                })
                .unwrap_or(255);
            levels.push(level as u8);
        }
    }
    match (levels.iter().min(), levels.iter().max()) {
        (Some(low), Some(high)) => high - low,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(f: impl Fn(u32, u32) -> u8) -> GrayImage {
        GrayImage::from_fn(512, 384, |x, y| image::Luma([f(x, y)]))
    }

    /// Text-like strokes: 4-pixel bars every 16 pixels on white.
    fn strokes(x: u32, y: u32) -> u8 {
        if x % 16 < 4 && y % 32 < 20 { 20 } else { 250 }
    }

    #[test]
    fn median_matches_a_sort_of_the_window() {
        let image = page(|x, y| ((x * 37 + y * 91 + x * y) % 251) as u8);
        let filtered = despeckle(&image);
        for (x, y) in [(1, 1), (100, 200), (510, 382), (257, 3)] {
            let mut window: Vec<u8> = (0..9)
                .map(|i| image.get_pixel(x + i % 3 - 1, y + i / 3 - 1)[0])
                .collect();
            window.sort_unstable();
            assert_eq!(filtered.get_pixel(x, y)[0], window[4], "at {x},{y}");
        }
        assert_eq!(
            filtered.get_pixel(0, 0),
            image.get_pixel(0, 0),
            "border kept"
        );
    }

    #[test]
    fn despeckle_removes_isolated_dots_and_keeps_strokes() {
        let mut image = page(strokes);
        image.put_pixel(9, 25, image::Luma([0]));
        let clean = despeckle(&image);
        assert_eq!(clean.get_pixel(9, 25)[0], 250, "speck removed");
        assert_eq!(clean.get_pixel(17, 10)[0], 20, "stroke kept");
    }

    #[test]
    fn clean_pages_need_nothing_and_noisy_uneven_ones_do() {
        let clean = ImageStats::measure(&page(strokes));
        assert!(
            !clean.is_noisy() && !clean.needs_adaptive_threshold(),
            "{clean:?}"
        );

        // Pseudo-random noise of about ±12 grey levels.
        let noisy = ImageStats::measure(&page(|x, y| {
            let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 25;
            strokes(x, y).saturating_sub(n as u8)
        }));
        assert!(noisy.is_noisy(), "{noisy:?}");

        // A lighting gradient across the page: paper from 250 down to 170.
        let shaded = ImageStats::measure(&page(|x, y| {
            let shade = (x * 80 / 512) as u8;
            strokes(x, y).saturating_sub(shade)
        }));
        assert!(!shaded.is_noisy(), "{shaded:?}");
        assert!(shaded.needs_adaptive_threshold(), "{shaded:?}");
    }
}
