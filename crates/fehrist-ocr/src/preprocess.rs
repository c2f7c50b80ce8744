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

/// The grey level that maximizes the variance between the darker and lighter pixels.
pub(crate) fn otsu_level(gray: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in gray.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, count)| level as f64 * *count as f64)
        .sum();
    let (mut dark, mut dark_sum, mut best, mut level) = (0u64, 0f64, -1f64, 127u8);
    for (t, count) in histogram.iter().enumerate() {
        dark += count;
        dark_sum += t as f64 * *count as f64;
        let light = total - dark;
        if dark == 0 || light == 0 {
            continue;
        }
        let (dark_mean, light_mean) = (dark_sum / dark as f64, (sum - dark_sum) / light as f64);
        let between = dark as f64 * light as f64 * (dark_mean - light_mean).powi(2);
        if between > best {
            (best, level) = (between, t as u8);
        }
    }
    level
}

/// Letter-sized marks a page must have for its letter height to be measured, and the
/// share of all its marks they must be (one in this many at least).
const LETTERS_MEASURED: usize = 100;
const LETTER_SHARE: usize = 3;

/// Median height in pixels of the page's letters: the marks of ink (8-connected, at
/// Otsu's threshold) between 4 pixels and a tenth of the page high and at most three
/// times as wide as high. `None` when the page has too few of them to tell.
///
/// On the real typescripts and prints of the development set a page's median word,
/// as Tesseract boxes it, is 1.2–1.7 times this: 100 dpi typescripts measure 7–10
/// (words 10–13 px), 300 dpi ones 19–25, 18th-century folios 25–31.
pub fn letter_height(image: &GrayImage) -> Option<u32> {
    let (width, height) = image.dimensions();
    let level = otsu_level(image);
    let mut marks = Marks::default();
    // Runs of ink of the row above, as (first column, column after the last, mark).
    let mut above: Vec<(u32, u32, usize)> = Vec::new();
    let mut here: Vec<(u32, u32, usize)> = Vec::new();
    for (y, row) in image.as_raw().chunks(width.max(1) as usize).enumerate() {
        let y = y as u32;
        here.clear();
        let mut next = 0;
        let mut x = 0;
        while x < width {
            if row[x as usize] > level {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x as usize] <= level {
                x += 1;
            }
            // Runs above that touch this one, diagonals included.
            while next < above.len() && above[next].1 < start {
                next += 1;
            }
            let mut mark = None;
            for &(_, _, other) in above[next..].iter().take_while(|run| run.0 <= x) {
                mark = Some(match mark {
                    None => marks.root(other),
                    Some(mark) => marks.join(mark, other),
                });
            }
            let mark = match mark {
                Some(mark) => {
                    marks.extend(mark, [start, y, x - 1, y]);
                    mark
                }
                None => marks.add([start, y, x - 1, y]),
            };
            here.push((start, x, mark));
        }
        std::mem::swap(&mut above, &mut here);
    }
    let mut all = 0;
    let mut heights: Vec<u32> = marks
        .boxes()
        .inspect(|_| all += 1)
        .map(|[left, top, right, bottom]| (right - left + 1, bottom - top + 1))
        .filter(|&(w, h)| h >= 4 && h <= height / 10 && w <= 3 * h)
        .map(|(_, h)| h)
        .collect();
    // A page whose marks are mostly specks (heavy noise: a tenth of them letter-sized,
    // where text pages measure half or more) tells nothing of its letters.
    if heights.len() < LETTERS_MEASURED || heights.len() * LETTER_SHARE < all {
        return None;
    }
    heights.sort_unstable();
    Some(heights[heights.len() / 2])
}

/// Marks of ink being found row by row: a union-find forest, each root holding its
/// mark's box (left, top, right, bottom, inclusive).
#[derive(Default)]
struct Marks {
    parent: Vec<usize>,
    bounds: Vec<[u32; 4]>,
}

impl Marks {
    fn add(&mut self, bounds: [u32; 4]) -> usize {
        self.parent.push(self.parent.len());
        self.bounds.push(bounds);
        self.parent.len() - 1
    }

    fn root(&mut self, mut mark: usize) -> usize {
        while self.parent[mark] != mark {
            self.parent[mark] = self.parent[self.parent[mark]];
            mark = self.parent[mark];
        }
        mark
    }

    fn extend(&mut self, mark: usize, [left, top, right, bottom]: [u32; 4]) {
        let b = &mut self.bounds[mark];
        *b = [
            b[0].min(left),
            b[1].min(top),
            b[2].max(right),
            b[3].max(bottom),
        ];
    }

    /// Joins the mark rooted at `root` with `other`'s; the joined root.
    fn join(&mut self, root: usize, other: usize) -> usize {
        let other = self.root(other);
        if other != root {
            self.parent[other] = root;
            let bounds = self.bounds[other];
            self.extend(root, bounds);
        }
        root
    }

    fn boxes(&self) -> impl Iterator<Item = [u32; 4]> + '_ {
        (0..self.parent.len())
            .filter(|&mark| self.parent[mark] == mark)
            .map(|mark| self.bounds[mark])
    }
}

/// Letter height at or below which a page is enlarged before it is read, and at or
/// above which it is reduced: Tesseract's models read best between.
pub const SMALL_LETTERS: u32 = 12;
pub const LARGE_LETTERS: u32 = 28;
/// Letter heights pages are brought to: small text to about 14 px (words of about 20),
/// large text to 22 px. Measured on the development set with the `tesseract` command on
/// the page resized: 100 dpi typescripts 2.9–6.2% CER as scanned, 1.0–3.9% enlarged;
/// the folios and 1905 letters 3–5% more accurate and a quarter faster reduced.
const ENLARGED_LETTERS: f64 = 14.3;
const REDUCED_LETTERS: f64 = 22.0;
/// Pages are not enlarged past this many pixels.
const MAX_ENLARGED_PIXELS: f64 = 120e6;

/// How much to resize a page whose letters measure `letters` pixels high before it is
/// read, if at all (rounded to hundredths): 1.5–4 times up, or down to half.
pub fn reading_scale(letters: u32, width: u32, height: u32) -> Option<f64> {
    let letters = f64::from(letters.max(1));
    let scale = if letters <= f64::from(SMALL_LETTERS) {
        let most = (MAX_ENLARGED_PIXELS / (f64::from(width) * f64::from(height))).sqrt();
        (ENLARGED_LETTERS / letters).clamp(1.5, 4.0).min(most)
    } else if letters >= f64::from(LARGE_LETTERS) {
        (REDUCED_LETTERS / letters).max(0.5)
    } else {
        return None;
    };
    let scale = (scale * 100.0).round() / 100.0;
    // A large page may have no room left to be enlarged.
    ((scale - 1.0).abs() >= 0.1).then_some(scale)
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

    /// A page of `rows` lines of 40 letters `letter` px high (some with a descender
    /// joined below), specks between them and a rule across the page.
    fn lettered(letter: u32, rows: u32) -> GrayImage {
        let pitch = letter * 2;
        GrayImage::from_fn(40 * letter, rows * pitch + 4 * letter, |x, y| {
            let (column, row) = (x / letter, y / pitch);
            let (dx, dy) = (x % letter, y % pitch);
            let ink = row < rows
                && (dx < letter * 2 / 3 && dy < letter
                    || column % 5 == 0 && dx < 2 && dy < letter * 3 / 2)
                || (x % 53 == 0 && y % 41 == 0)
                || y == rows * pitch + 2 * letter;
            image::Luma([if ink { 10 } else { 245 }])
        })
    }

    #[test]
    fn letter_height_is_the_median_letter_not_specks_rules_or_descenders() {
        assert_eq!(letter_height(&lettered(9, 10)), Some(9));
        assert_eq!(letter_height(&lettered(30, 6)), Some(30));
        // Three lines of a few letters: too few to tell.
        assert_eq!(letter_height(&lettered(9, 2)), None);
        // Letters under a snow of specks (heavy noise): no letter height to tell.
        let mut snowed = lettered(9, 10);
        let (w, h) = snowed.dimensions();
        for n in 0..4000u32 {
            let (x, y) = (
                n.wrapping_mul(7919) % (w - 2),
                n.wrapping_mul(104_729) % (h - 5),
            );
            for dy in 0..2 {
                snowed.put_pixel(x, y + dy, image::Luma([0]));
            }
        }
        assert_eq!(letter_height(&snowed), None);
        assert_eq!(
            letter_height(&GrayImage::from_pixel(300, 200, image::Luma([255]))),
            None
        );
    }

    #[test]
    fn small_letters_are_enlarged_large_ones_reduced_the_rest_left() {
        assert_eq!(reading_scale(7, 825, 1013), Some(2.04));
        assert_eq!(reading_scale(11, 934, 1170), Some(1.5));
        assert_eq!(reading_scale(20, 2000, 3000), None);
        assert_eq!(reading_scale(35, 3146, 4198), Some(0.63));
        assert_eq!(reading_scale(80, 3000, 4000), Some(0.5));
        // An enlargement is held to the pixel limit, and dropped when little is left.
        assert_eq!(reading_scale(5, 6000, 8000), Some(1.58));
        assert_eq!(reading_scale(5, 10_000, 11_000), None);
    }
}
