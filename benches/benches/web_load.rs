//! The registry's pages and deep-zoom tiles at scale: a registry of synthetic scans
//! (100,000 sheets by default, ten to a file) made by the real ingest (decoding,
//! ALTO, hashing, signing, storing, indexing, the transparency log) with an engine
//! that reads each sheet's words from the sheet itself instead of Tesseract; then
//! `fehrist serve` on loopback and keep-alive clients asking, for a fixed time each:
//! the search page, record pages (every request another file), and 512 px IIIF tiles
//! of sheets never shown (cold), of sheets already decoded (a viewer panning) and
//! tiles already drawn (warm). Prints requests/second, p50/p99 latency and the
//! server's CPU per request. Figures, not assertions.
//!
//!   FEHRIST_BIN=target/release/fehrist cargo bench -p fehrist-benches --bench web_load
//!   (PAGES, SECONDS, CONNECTIONS in the environment change the defaults)

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use fehrist_benches::{
    Paths, Phase, Rng, always, fehrist_bin, get, page_words, serve, setting, stop, token,
    vocabulary,
};
use fehrist_model::{Preprocessing, Role, Word};
use fehrist_ocr::{
    Binarization, GrayImage, OcrEngine, OcrError, PageReader, PageText, TextBlock, TextLine,
};
use fehrist_service::{BatchSettings, Caller, Concurrency, IngestRequest, NoProgress};

/// A sheet: A4 at 150 dpi, as many archives scan for access copies.
const WIDTH: u32 = 1240;
const HEIGHT: u32 = 1754;
const WORDS_PER_SHEET: usize = 150;
const SHEETS_PER_FILE: usize = 10;
const LETTER: u32 = 16;
const LINE: u32 = 60;

/// Where each word of sheet `seed` stands, and the words.
fn layout(seed: u64, vocabulary: &[String]) -> Vec<(&str, [u32; 4], usize)> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut x, mut y, mut line) = (100, 150, 0);
    page_words(&mut rng, vocabulary, WORDS_PER_SHEET)
        .into_iter()
        .map(|word| {
            let width = LETTER * word.chars().count() as u32;
            if x + width > WIDTH - 100 {
                (x, y, line) = (100, y + LINE, line + 1);
            }
            let placed = (word, [x, y, x + width, y + 26], line);
            x += width + 24;
            placed
        })
        .collect()
}

/// The sheet's seed, written in its top four rows (64 bits, 4 px each, dark for 1).
fn seed_of(pixels: &[u8], width: usize) -> u64 {
    (0..64).fold(0, |seed, bit| {
        (seed << 1) | u64::from(pixels[2 * width + bit * 4 + 1] < 128)
    })
}

/// A grey sheet: paper, the seed, and each word as a row of letter-sized strokes.
fn sheet_png(seed: u64, vocabulary: &[String]) -> Vec<u8> {
    let width = WIDTH as usize;
    let mut pixels = vec![236u8; width * HEIGHT as usize];
    for bit in 0..64 {
        if seed >> (63 - bit) & 1 == 1 {
            for row in 0..4 {
                pixels[row * width + bit * 4..row * width + bit * 4 + 4].fill(0);
            }
        }
    }
    for (word, [left, top, _, bottom], _) in layout(seed, vocabulary) {
        for (k, letter) in word.chars().enumerate() {
            let x = left as usize + k * LETTER as usize;
            // Each letter leaves a gap of its own, so no two sheets look alike.
            let gap = 3 + (letter as usize % 7);
            for row in top as usize..bottom as usize {
                let line = &mut pixels[row * width + x..row * width + x + 13];
                line.fill(40);
                line[gap] = 236;
            }
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&pixels).expect("PNG data");
    writer.finish().expect("a PNG");
    png
}

/// Reads a sheet made by [`sheet_png`]: its words where they were drawn, in Tajik.
#[derive(Debug, Clone)]
struct DrawnWords {
    vocabulary: Arc<Vec<String>>,
}

impl OcrEngine for DrawnWords {
    fn name(&self) -> &str {
        "drawn-words"
    }

    fn version(&self) -> String {
        "1".to_owned()
    }

    fn page_segmentation(&self) -> &str {
        "auto"
    }

    fn reader(&self, _languages: &str) -> Result<Box<dyn PageReader>, OcrError> {
        Ok(Box::new(self.clone()))
    }
}

impl PageReader for DrawnWords {
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<PageText, OcrError> {
        let seed = seed_of(page.as_raw(), page.width() as usize);
        let placed = layout(seed, &self.vocabulary);
        let words: Vec<Word> = placed
            .iter()
            .map(|&(text, bbox, line)| Word {
                text: text.to_owned(),
                confidence: 93.0,
                bbox,
                language: "tgk".to_owned(),
                line: Some(line as u32),
            })
            .collect();
        let mut lines: Vec<TextLine> = Vec::new();
        let mut text = String::new();
        for (i, &(word, bbox, line)) in placed.iter().enumerate() {
            if line == lines.len() {
                if line > 0 {
                    text.push('\n');
                }
                lines.push(TextLine {
                    bbox,
                    words: i..i + 1,
                });
            } else {
                text.push(' ');
                let current = lines.last_mut().expect("a line");
                current.words.end = i + 1;
                current.bbox[2] = bbox[2];
            }
            text.push_str(word);
        }
        let bottom = lines.last().map_or(0, |line| line.bbox[3]);
        Ok(PageText {
            text,
            blocks: vec![TextBlock {
                bbox: [100, 150, WIDTH - 100, bottom],
                lines,
            }],
            words,
            mean_confidence: 93,
            language: "tgk".to_owned(),
            width: page.width(),
            height: page.height(),
            binarization: Binarization::Otsu,
            preprocessing: Preprocessing {
                dpi: dpi.unwrap_or(150),
                dpi_assumed: dpi.is_none(),
                rotation: 0,
                skew: 0.0,
                despeckled: false,
                scale: None,
                language_found: None,
            },
            from_text_layer: false,
        })
    }
}

/// The batch folder: `files` files of ten sheets, their inventory and settings.
fn write_batch(batch: &Path, files: usize, vocabulary: &[String]) {
    let place = |file: usize| format!("F-{}/O-1/D-{}", 1000 + file / 500, file % 500 + 1);
    let mut inventory = String::from("ref_code,title,dates,document_type,languages,access\n");
    let mut rng = Rng(0x1417_0fd5);
    for file in 0..files {
        let title = page_words(&mut rng, vocabulary, 4).join(" ");
        let year = 1930 + file % 60;
        let access = ["open", "internal"][file % 2];
        writeln!(
            inventory,
            "{},Ҳуҷҷатҳои {title},{year}/{},decision,tgk,{access}",
            place(file),
            year + 1
        )
        .expect("a line");
    }
    std::fs::create_dir_all(batch).expect("a batch folder");
    std::fs::write(batch.join("inventory.csv"), inventory).expect("the inventory");
    std::fs::write(
        batch.join("batch.toml"),
        "archive = \"TJ-CSA\"\naccess = \"open\"\nlanguages = \"tgk\"\noperator = \"bench\"\nstation = \"bench-station\"\n",
    )
    .expect("the settings");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let place = &place;
            scope.spawn(move || {
                for file in (thread..files).step_by(threads) {
                    let folder = batch.join(place(file));
                    std::fs::create_dir_all(&folder).expect("a file folder");
                    for sheet in 0..SHEETS_PER_FILE {
                        let seed = (file * SHEETS_PER_FILE + sheet) as u64 + 1;
                        std::fs::write(
                            folder.join(format!("{:04}.png", sheet + 1)),
                            sheet_png(seed, vocabulary),
                        )
                        .expect("a sheet");
                    }
                }
            });
        }
    });
}

fn main() {
    let pages = setting("PAGES", 100_000);
    let seconds = setting("SECONDS", 20) as u64;
    let connections = setting("CONNECTIONS", 16);
    let bin = fehrist_bin();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let vocabulary = Arc::new(vocabulary(&mut Rng(0x5eed_f00d), 5000));
    let files = pages.div_ceil(SHEETS_PER_FILE);
    let batch = dir.path().join("batch");
    let started = Instant::now();
    write_batch(&batch, files, &vocabulary);
    println!(
        "batch: {files} files of {SHEETS_PER_FILE} sheets ({WIDTH}×{HEIGHT} grey PNG, {WORDS_PER_SHEET} words each) written in {:.1} s; cores: {}",
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let store = format!("file://{}", dir.path().join("var/store").display());
    let paths = fehrist_service::Paths::for_store(&store);
    let request = IngestRequest {
        folder: batch.clone(),
        flags: BatchSettings::default(),
        archive: "TJ-CSA".to_owned(),
        station: "bench-station".to_owned(),
        concurrency: Concurrency::with_workers(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ),
        engine: Arc::new(DrawnWords {
            vocabulary: vocabulary.clone(),
        }),
    };
    let caller = Caller::local("bench", "TJ-CSA", Role::Archivist, "bench-station");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let started = Instant::now();
    let ingested = runtime
        .block_on(fehrist_service::ingest(
            &paths,
            &caller,
            request,
            &NoProgress,
            &|_| {},
            &|| "2026-12-04T12:00:00Z".to_owned(),
        ))
        .expect("the ingest");
    assert_eq!(ingested.registered, files, "{:?}", ingested.problems);
    println!(
        "ingest: {} records, {} sheets registered in {:.1} s ({:.0} sheets/s, no OCR)",
        ingested.registered,
        ingested.pages_read,
        started.elapsed().as_secs_f64(),
        ingested.pages_read as f64 / started.elapsed().as_secs_f64()
    );
    std::fs::remove_dir_all(&batch).expect("the batch removed");
    let mut records: Vec<String> = ingested
        .records
        .iter()
        .map(|record| record.record_id.as_ref().expect("an id").to_string())
        .collect();
    let mut rng = Rng(0x00de_c0de);
    for i in (1..records.len()).rev() {
        records.swap(i, rng.below(i + 1));
    }
    let records = Arc::new(records);

    let token = token(&bin, dir.path(), "reader", "internal");
    let (server, addr) = serve(&bin, dir.path());
    let phase = Phase {
        addr: &addr,
        token: &token,
        connections,
        seconds,
        server: server.id().to_string(),
    };
    // Two words of middling frequency: each on some pages, both together on fewer.
    let search = format!("/ui/search?q={}+{}&lang=tg", vocabulary[40], vocabulary[60]);
    let found = get(&addr, &search, &token);
    println!(
        "{connections} keep-alive connections, {seconds} s per phase; the search page for two words ({} {}) is {} KiB",
        vocabulary[40],
        vocabulary[60],
        found.len() / 1024
    );
    phase.run("search page (/ui/search)", always(search), None);
    phase.run(
        "the same search, JSON (/api/v1/search)",
        always(format!(
            "/api/v1/search?q={}+{}&limit=20",
            vocabulary[40], vocabulary[60]
        )),
        None,
    );
    let each_record: Paths = {
        let records = records.clone();
        Arc::new(move |n| {
            Some(format!(
                "/ui/records/{}?lang=tg",
                records[n as usize % records.len()]
            ))
        })
    };
    phase.run("record page, another file each time", each_record, None);
    let tile = |record: &str, sheet: usize, x: u32, y: u32| {
        format!("/iiif/3/{record}/{sheet}/{x},{y},512,512/512,/0/default.jpg")
    };
    let cold: Paths = {
        let records = records.clone();
        Arc::new(move |n| {
            let n = n as usize;
            (n < records.len() * SHEETS_PER_FILE)
                .then(|| tile(&records[n % records.len()], n / records.len() + 1, 0, 0))
        })
    };
    phase.run("512 px tile, sheet never shown (cold)", cold, None);
    // Sheets decoded and one tile of each drawn; then their other tiles, each asked
    // once, as a viewer panning over a sheet asks them.
    let shown = records.len().min(32);
    for record in &records[..shown] {
        get(&addr, &tile(record, 1, 0, 0), &token);
    }
    let decoded: Paths = {
        let records = records.clone();
        Arc::new(move |n| {
            let n = n as usize;
            let [x, y] = [[512, 0], [0, 512], [512, 512], [0, 1024]].get(n / shown)?;
            Some(tile(&records[n % shown], 1, *x, *y))
        })
    };
    phase.run("512 px tile, sheet decoded before", decoded, None);
    let warm: Paths = {
        let records = records.clone();
        Arc::new(move |n| Some(tile(&records[n as usize % shown], 1, 0, 0)))
    };
    phase.run("512 px tile, drawn before (warm)", warm, None);
    stop(server);
}
