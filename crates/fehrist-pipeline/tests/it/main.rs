//! The whole ingest path with real Tesseract over the committed fixture scans.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fehrist_index::SearchIndex;
use fehrist_model::RefCode;
use fehrist_ocr::{FixedText, OcrEngine, Tesseract, character_error_rate};
use fehrist_pipeline::{
    BatchSettings, Concurrency, IngestReport, NoProgress, Settings, discover, ingest,
};
use fehrist_registry::Registry;
use fehrist_seal::StationKey;
use fehrist_store::Store;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

struct Station {
    dir: tempfile::TempDir,
    registry: Registry,
    key: StationKey,
}

async fn station() -> Station {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open_or_create(&format!("file://{}", dir.path().join("store").display())).unwrap();
    let index = SearchIndex::open(&dir.path().join("index")).unwrap();
    let key = StationKey::from_seed("test-station", [9; 32]).unwrap();
    let mut registry = Registry::new(store, index);
    registry.trust(key.verifier());
    registry.publish_key(&key).await.unwrap();
    Station { dir, registry, key }
}

async fn run(station: &Station, batch: &Path) -> IngestReport {
    run_with(station, batch, Arc::new(Tesseract::default())).await
}

/// An ingest read by `engine` (a fixed text for tests of what comes after OCR).
async fn run_with(station: &Station, batch: &Path, engine: Arc<dyn OcrEngine>) -> IngestReport {
    let given = BatchSettings::read(batch).unwrap();
    let settings = Settings::resolve(given, "TJ-CSA", "tester", "test-station").unwrap();
    let discovery = discover(batch, &settings.archive).unwrap();
    ingest(
        &station.registry,
        &station.key,
        engine,
        discovery,
        &settings,
        // One page in flight: records of two pages are worked on alone, one by one.
        Concurrency {
            workers: 2,
            pages_in_flight: 1,
        },
        &NoProgress,
    )
    .await
    .unwrap()
}

/// (file, sheet, ground truth, words from the page that must find it)
const PAGES: &[(&str, u32, &str, &[&str])] = &[
    (
        "TJ-CSA/F-12/O-3/D-45",
        1,
        "F-12/O-3/D-45/L-1.txt",
        &["бойгониҳо", "Ҷумҳурии", "кӯҳистонӣ", "Қарори", "маблағи"],
    ),
    (
        "TJ-CSA/F-12/O-3/D-45",
        2,
        "F-12/O-3/D-45/L-2.txt",
        &["омӯзгорони", "Ғарм", "Қалъаи", "ҳунарӣ", "ҷавон"],
    ),
    (
        "TJ-CSA/F-12/O-3/D-46",
        1,
        "F-12/O-3/D-46/L-1.txt",
        &["взыскателя", "алиментов", "Сино"],
    ),
    (
        "TJ-CSA/F-12/O-3/D-46",
        2,
        "F-12/O-3/D-46/L-2.txt",
        &["задолженности", "Рудаки", "сомони"],
    ),
    (
        "TJ-CSA/F-7/O-1/D-2",
        1,
        "F-7/O-1/D-2/L-1.txt",
        &[
            "Ўзбекистон",
            "Ғайрат",
            "Қодирович",
            "ҳужжатлар",
            "гувоҳнома",
        ],
    ),
];

#[tokio::test]
async fn fixtures_are_ingested_searchable_verifiable_and_not_twice() {
    let station = station().await;
    let batch = fixtures().join("batch");
    let report = run(&station, &batch).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!((report.registered(), report.pages_read), (3, 5));

    for &(code, sheet, truth, words) in PAGES {
        let code: RefCode = code.parse().unwrap();
        let records = station.registry.records_with_ref_code(&code).await.unwrap();
        assert_eq!(records.len(), 1, "{code}");
        let manifest = &records[0].manifest;
        let texts = station.registry.page_texts(manifest).await.unwrap();
        let reference = std::fs::read_to_string(fixtures().join("truth").join(truth)).unwrap();
        let cer = character_error_rate(&texts[sheet as usize - 1], &reference);
        assert!(cer < 0.05, "{code} sheet {sheet}: CER {:.2}%", cer * 100.0);
        for word in words {
            let hits = station.registry.search(word, 20).unwrap();
            assert!(
                hits.iter().any(|h| h.ref_code == code && h.sheet == sheet),
                "{word:?} does not find {code} sheet {sheet}: {hits:?}"
            );
        }
    }
    // Passport fields come from inventory.csv; the writ keeps its restricted access.
    let writ = &station
        .registry
        .records_with_ref_code(&"TJ-CSA/F-12/O-3/D-46".parse().unwrap())
        .await
        .unwrap()[0];
    assert_eq!(
        writ.manifest.passport.title.as_deref(),
        Some("Writ of execution 2-145/2023 (alimony)")
    );
    assert_eq!(writ.manifest.access, fehrist_model::AccessLevel::Restricted);
    assert_eq!(writ.manifest.pages.len(), 2);
    assert_eq!(writ.manifest.pages[1].source.page, 2);
    assert_eq!(writ.manifest.pages[0].master, writ.manifest.pages[1].master);
    assert_eq!(writ.manifest.ocr.languages, "rus+tgk+eng");
    assert_eq!(writ.manifest.station, "fixture-station");
    assert_eq!(writ.manifest.ocr.page_segmentation.as_deref(), Some("auto"));
    for page in &writ.manifest.pages {
        assert_eq!(
            page.binarization.as_deref(),
            Some("otsu"),
            "clean pages keep Otsu"
        );
        let preprocessing = page.preprocessing.as_ref().expect("preprocessing recorded");
        assert_eq!(
            (preprocessing.rotation, preprocessing.despeckled),
            (0, false),
            "sheet {}",
            page.sheet
        );
        assert!(preprocessing.skew.abs() < 1.0, "{preprocessing:?}");
        // The TIFF states 300 DPI, so none is assumed.
        assert_eq!((preprocessing.dpi, preprocessing.dpi_assumed), (300, false));
        let alto = page.alto.as_ref().expect("every page keeps its ALTO");
        let xml = station
            .registry
            .store()
            .get_blob(&alto.sha256)
            .await
            .unwrap();
        assert!(
            String::from_utf8_lossy(&xml).contains("<String "),
            "sheet {}",
            page.sheet
        );
    }

    // Every fixture file is a registered, unchanged master.
    for file in [
        "F-12/O-3/D-45/0001.png",
        "F-12/O-3/D-46/scan.tif",
        "F-7/O-1/D-2/0001.jpg",
    ] {
        let check = station
            .registry
            .verify_file(&std::fs::read(batch.join(file)).unwrap())
            .await
            .unwrap();
        assert_eq!(check.matches.len(), 1, "{file}");
        assert!(
            check.matches[0].0.is_intact(),
            "{file}: {:?}",
            check.matches[0].0.problems
        );
    }

    // Re-running the same batch stores nothing and reads no page.
    let objects_before = count_files(&station.dir.path().join("store"));
    let again = run(&station, &batch).await;
    assert_eq!((again.registered(), again.already_registered()), (0, 3));
    assert_eq!((again.pages_read, again.pages_skipped), (0, 5));
    assert_eq!(
        count_files(&station.dir.path().join("store")),
        objects_before
    );
    assert_eq!(station.registry.search("бойгониҳо", 20).unwrap().len(), 1);
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
        .sum()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

#[tokio::test]
async fn bad_inputs_are_reported_by_file_and_the_rest_goes_on() {
    let station = station().await;
    let good = fixtures().join("batch/F-12/O-3/D-45/0002.png");
    // A first batch registers a file that the bad batch must not harm.
    let first = tempfile::tempdir().unwrap();
    copy(&good, &first.path().join("F-12/O-3/D-45/0002.png"));
    assert_eq!(run(&station, first.path()).await.registered(), 1);

    let batch = tempfile::tempdir().unwrap();
    let root = batch.path();
    copy(
        &fixtures().join("batch/F-12/O-3/D-45/0001.png"),
        &root.join("F-12/O-3/D-47/0001.png"),
    );
    std::fs::write(root.join("F-12/O-3/D-47/0002.png"), b"").unwrap();
    let png = std::fs::read(&good).unwrap();
    copy(&good, &root.join("F-12/O-3/D-48/0001.png"));
    std::fs::write(root.join("F-12/O-3/D-48/0002.jpg"), b"not a jpeg at all").unwrap();
    std::fs::write(root.join("F-12/O-3/D-48/0003.png"), b"").unwrap();
    copy(&good, &root.join("F-12/O-3/D-50/0001.png"));
    std::fs::write(root.join("F-12/O-3/D-50/0002.png"), &png[..png.len() / 2]).unwrap();
    copy(&good, &root.join("F-12/O-3/D-49/0001.png"));
    copy(&good, &root.join("F-12/O-3/D-45/0002.png"));
    std::fs::write(root.join("F-12/O-3/D-49/notes.txt"), b"scanned twice").unwrap();
    std::fs::write(
        root.join("inventory.csv"),
        "ref_code,languages\nF-12/O-3/D-49,tgk+xyz\n",
    )
    .unwrap();

    let report = run(&station, root).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    for expected in [
        "F-12/O-3/D-47/0002.png (TJ-CSA/F-12/O-3/D-47): unusable file: the file is empty (0 bytes)",
        "F-12/O-3/D-48/0002.jpg (TJ-CSA/F-12/O-3/D-48): unusable file: not a PNG, JPEG, TIFF or PDF file",
        "F-12/O-3/D-48/0003.png (TJ-CSA/F-12/O-3/D-48): unusable file: the file is empty (0 bytes)",
        "F-12/O-3/D-50/0002.png (TJ-CSA/F-12/O-3/D-50): page 1: the image is corrupt or truncated",
        "F-12/O-3/D-49/0001.png (TJ-CSA/F-12/O-3/D-49): cannot start OCR with languages \"tgk+xyz\"",
        "F-12/O-3/D-49/notes.txt: not a scan: .txt files are not read",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected:?} not in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert_eq!(
        (
            report.registered(),
            report.already_registered(),
            report.failed()
        ),
        (0, 1, 4)
    );

    // The earlier record is untouched and still verifies.
    let check = station.registry.verify_file(&png).await.unwrap();
    assert!(check.matches[0].0.is_intact());
}

#[tokio::test]
async fn a_rescan_is_a_new_version_that_points_to_the_previous() {
    // Versions are the pipeline's and the registry's business, not OCR's: read by an
    // engine of fixed text, no Tesseract.
    let station = station().await;
    let engine: Arc<dyn OcrEngine> = Arc::new(FixedText::new("Рӯйхати мактабҳо", "tgk"));
    let run = |station, batch| run_with(station, batch, Arc::clone(&engine));
    let sheets = fixtures().join("batch/F-12/O-3/D-45");
    let first = tempfile::tempdir().unwrap();
    copy(
        &sheets.join("0002.png"),
        &first.path().join("F-12/O-3/D-45/0002.png"),
    );
    run(&station, first.path()).await;
    let second = tempfile::tempdir().unwrap();
    copy(
        &sheets.join("0001.png"),
        &second.path().join("F-12/O-3/D-45/0001.png"),
    );
    copy(
        &sheets.join("0002.png"),
        &second.path().join("F-12/O-3/D-45/0002.png"),
    );
    assert_eq!(run(&station, second.path()).await.registered(), 1);

    let code: RefCode = "TJ-CSA/F-12/O-3/D-45".parse().unwrap();
    let versions = station.registry.records_with_ref_code(&code).await.unwrap();
    assert_eq!(versions.len(), 2);
    let (newest, oldest) = (&versions[0].manifest, &versions[1].manifest);
    assert_eq!(newest.pages.len(), 2);
    assert_eq!(newest.previous.as_ref(), Some(&oldest.record_id));
    assert_eq!(oldest.previous, None);
    // Nothing of the first version was overwritten.
    assert!(
        station
            .registry
            .verify_record(&oldest.record_id)
            .await
            .unwrap()
            .is_intact()
    );
    // The file is found once, as its re-scan; the first version only when asked.
    let request = fehrist_index::SearchRequest {
        query: "мактабҳо".to_owned(),
        limit: 10,
        ..Default::default()
    };
    let found = station.registry.search_with(&request).unwrap();
    assert_eq!(found.total, 2, "two sheets of the re-scan");
    assert!(found.hits.iter().all(|h| h.record_id == newest.record_id));
    let every = fehrist_index::SearchRequest {
        all_versions: true,
        ..request
    };
    assert_eq!(station.registry.search_with(&every).unwrap().total, 3);
}

/// PDF masters: scanned pages (Flate grey, CCITT Group 4, and Group 4 encrypted with an
/// empty user password) are OCRed, a born-digital page keeps its own text unread, a
/// PDF that needs a password is refused by name, a sound PDF with a sheet that cannot
/// be drawn is registered with that sheet marked unread (and the sheet quarantined),
/// and every master is stored byte for byte.
#[tokio::test]
async fn pdf_masters_are_read_kept_or_refused() {
    let station = station().await;
    let batch = fixtures().join("pdf");
    let report = run(&station, &batch).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("F-30/O-1/D-4/locked.pdf (TJ-CSA/F-30/O-1/D-4): ")
            && problems[0].contains("encrypted"),
        "{problems:#?}"
    );
    assert_eq!(
        problems[1],
        "F-30/O-1/D-6/sheet-2-unreadable.pdf (TJ-CSA/F-30/O-1/D-6): sheet 2 registered \
         unread (page 2 of the file): page 2: 1 image(s) on the page could not be decoded"
    );
    assert_eq!((report.registered(), report.failed()), (5, 1));
    // The born-digital page and the unreadable one are not read: 1 + 2 + 2 + 1 are.
    assert_eq!(report.pages_read, 6);

    let unread: RefCode = "TJ-CSA/F-30/O-1/D-6".parse().unwrap();
    let records = station
        .registry
        .records_with_ref_code(&unread)
        .await
        .unwrap();
    let manifest = &records[0].manifest;
    assert_eq!(manifest.passport.extent.sheets, 2);
    let texts = station.registry.page_texts(manifest).await.unwrap();
    let reference = std::fs::read_to_string(fixtures().join("truth/F-7/O-1/D-2/L-1.txt")).unwrap();
    let cer = character_error_rate(&texts[0], &reference);
    assert!(cer < 0.05, "sheet 1 is read: CER {:.2}%", cer * 100.0);
    assert_eq!(texts[1], "", "sheet 2 has no text");
    assert_eq!(manifest.pages[0].unread, None);
    assert_eq!(
        manifest.pages[1].unread.as_deref(),
        Some("page 2: 1 image(s) on the page could not be decoded")
    );
    // Measured from the page tree: an A4 page at its image's 300 dpi.
    assert_eq!(
        (manifest.pages[1].width, manifest.pages[1].height),
        (2480, 3508)
    );
    let quarantined = station.registry.quarantined().await.unwrap();
    let mut sheets: Vec<(&str, Option<u32>)> = quarantined
        .iter()
        .map(|entry| (entry.path.as_str(), entry.sheet))
        .collect();
    sheets.sort();
    assert_eq!(
        sheets,
        [
            ("F-30/O-1/D-4/locked.pdf", None),
            ("F-30/O-1/D-6/sheet-2-unreadable.pdf", Some(2))
        ]
    );

    let truth = |path: &str| std::fs::read_to_string(fixtures().join("truth").join(path)).unwrap();
    let cases = [
        ("TJ-CSA/F-30/O-1/D-1", vec![truth("F-12/O-3/D-45/L-2.txt")]),
        (
            "TJ-CSA/F-30/O-1/D-2",
            vec![
                truth("F-12/O-3/D-46/L-1.txt"),
                truth("F-12/O-3/D-46/L-2.txt"),
            ],
        ),
        (
            "TJ-CSA/F-30/O-1/D-3",
            vec![std::fs::read_to_string(fixtures().join("texts/rus-d46-2.txt")).unwrap()],
        ),
        (
            "TJ-CSA/F-30/O-1/D-5",
            vec![
                truth("F-12/O-3/D-46/L-1.txt"),
                truth("F-12/O-3/D-46/L-2.txt"),
            ],
        ),
    ];
    for (code, expected) in cases {
        let code: RefCode = code.parse().unwrap();
        let records = station.registry.records_with_ref_code(&code).await.unwrap();
        let manifest = &records[0].manifest;
        assert_eq!(manifest.pages[0].master.media_type, "application/pdf");
        let texts = station.registry.page_texts(manifest).await.unwrap();
        assert_eq!(texts.len(), expected.len(), "{code}");
        for (text, reference) in texts.iter().zip(&expected) {
            let cer = character_error_rate(text, reference);
            assert!(cer < 0.05, "{code}: CER {:.2}%\n{text}", cer * 100.0);
        }
        let born_digital = code.to_string().ends_with("D-3");
        for page in &manifest.pages {
            assert_eq!(
                page.text_source.as_deref(),
                born_digital.then_some("pdf-text-layer"),
                "{code}"
            );
            assert_eq!(page.preprocessing.is_none(), born_digital, "{code}");
        }
        // Stored byte for byte, and the born-digital record's PDF is the master itself.
        let master = station
            .registry
            .store()
            .get_blob(&manifest.pages[0].master.sha256)
            .await
            .unwrap();
        let file = std::fs::read(batch.join(&manifest.pages[0].source.path)).unwrap();
        assert_eq!(master.as_ref(), file.as_slice(), "{code}");
    }
}

/// A PDF with the given objects (numbered from 1, object 1 the catalog) and a correct
/// cross-reference table.
fn pdf_with(objects: &[&str]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Broken and hostile inputs, each refused by file with its reason and kept in the
/// quarantine, while the good files of the batch are registered and no original is
/// moved or changed.
#[tokio::test]
async fn hostile_inputs_are_refused_one_by_one_and_quarantined() {
    let station = station().await;
    let batch = tempfile::tempdir().unwrap();
    let root = batch.path();
    let png = std::fs::read(fixtures().join("batch/F-12/O-3/D-45/0002.png")).unwrap();
    let jpeg = std::fs::read(fixtures().join("batch/F-7/O-1/D-2/0001.jpg")).unwrap();
    let tiff = std::fs::read(fixtures().join("batch/F-12/O-3/D-46/scan.tif")).unwrap();
    let pdf = std::fs::read(fixtures().join("pdf/F-30/O-1/D-1/scan.pdf")).unwrap();
    let write = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    let mut bomb = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bomb, 100_000, 100_000);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.write_header().unwrap();
    }
    let script = pdf_with(&[
        "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
    ]);
    // 2.5 kB that inflate to 1 GiB (fixtures/hostile/make_bomb.py).
    let pdf_bomb = std::fs::read(fixtures().join("hostile/bomb.pdf")).unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("F-1/O-1/D-1/0001.png", b"", "the file is empty"),
        (
            "F-1/O-1/D-2/0001.png",
            &png[..png.len() / 2],
            "corrupt or truncated",
        ),
        (
            "F-1/O-1/D-3/0001.jpg",
            &jpeg[..jpeg.len() / 3],
            "the image data is truncated",
        ),
        (
            "F-1/O-1/D-4/scan.tif",
            &tiff[..tiff.len() / 3],
            "corrupt or truncated",
        ),
        (
            "F-1/O-1/D-5/scan.pdf",
            &pdf[..pdf.len() / 3],
            "the PDF is malformed",
        ),
        (
            "F-1/O-1/D-6/0001.png",
            b"just text, named .png",
            "not a PNG, JPEG, TIFF or PDF file",
        ),
        (
            "F-1/O-1/D-7/0001.png",
            &bomb,
            "too large to decode safely (100000 × 100000",
        ),
        ("F-1/O-1/D-8/scan.pdf", &script, "carries JavaScript"),
        (
            "F-1/O-1/D-16/bomb.pdf",
            &pdf_bomb,
            "inflates past 512 MiB (a compression bomb?)",
        ),
    ];
    for (path, bytes, _) in cases {
        write(path, bytes);
    }
    std::fs::copy(
        fixtures().join("pdf/F-30/O-1/D-4/locked.pdf"),
        root.join("F-1/O-1/D-9/locked.pdf"),
    )
    .map(drop)
    .or_else(|_| {
        std::fs::create_dir_all(root.join("F-1/O-1/D-9"))?;
        std::fs::copy(
            fixtures().join("pdf/F-30/O-1/D-4/locked.pdf"),
            root.join("F-1/O-1/D-9/locked.pdf"),
        )
        .map(drop)
    })
    .unwrap();
    // A file of 3 GiB (sparse: nothing is written) is refused before it is read.
    std::fs::create_dir_all(root.join("F-1/O-1/D-10")).unwrap();
    std::fs::File::create(root.join("F-1/O-1/D-10/huge.tif"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    // A link is never followed, wherever it leads.
    std::fs::create_dir_all(root.join("F-1/O-1/D-11")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), &png).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        root.join("F-1/O-1/D-11/0001.png"),
    )
    .unwrap();
    // Good files: a PNG named .jpg (formats are told by content), and odd names.
    write("F-1/O-1/D-12/0001.jpg", &png);
    write("F-1/O-1/D-13/скан 0001 (копия) ҷ.png", &png);
    // Two names for one sheet, told apart only by letter case: neither is guessed at.
    write("F-1/O-1/D-15/0001.png", &png);
    write("F-1/O-1/D-15/0001.PNG", &png);
    std::fs::write(
        root.join("inventory.csv"),
        "ref_code,path\nF-1/O-1/D-14,../../etc\n",
    )
    .unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = cases
        .iter()
        .map(|(path, _, _)| (root.join(path), std::fs::read(root.join(path)).unwrap()))
        .collect();

    let report = run(&station, root).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let mut expected: Vec<(&str, &str)> = cases.iter().map(|(p, _, why)| (*p, *why)).collect();
    expected.extend([
        ("F-1/O-1/D-9/locked.pdf", "encrypted"),
        ("F-1/O-1/D-10/huge.tif", "over the 1073741824-byte limit"),
        (
            "F-1/O-1/D-11/0001.png",
            "a symbolic link, not a regular file",
        ),
        ("inventory.csv:2", "climbs out of the batch folder"),
        (
            "F-1/O-1/D-15/0001.PNG",
            "differs from F-1/O-1/D-15/0001.png only in letter case",
        ),
        (
            "F-1/O-1/D-15/0001.png",
            "differs from F-1/O-1/D-15/0001.PNG only in letter case",
        ),
    ]);
    for (path, why) in &expected {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(path) && p.contains(why)),
            "{path}: {why:?} not in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    assert_eq!(report.registered(), 2, "the two good files");

    // Every problem is in the quarantine, with the file's digest when it was readable.
    let quarantined = station.registry.quarantined().await.unwrap();
    assert_eq!(quarantined.len(), problems.len());
    let empty = quarantined
        .iter()
        .find(|q| q.path == "F-1/O-1/D-1/0001.png")
        .unwrap();
    assert_eq!(empty.size, Some(0));
    assert_eq!(empty.sha256, Some(fehrist_seal::sha256(b"")));
    let huge = quarantined
        .iter()
        .find(|q| q.path == "F-1/O-1/D-10/huge.tif")
        .unwrap();
    assert_eq!((huge.size, huge.sha256.as_ref()), (Some(3 << 30), None));
    // Running the same batch again adds no duplicate entries.
    run(&station, root).await;
    assert_eq!(
        station.registry.quarantined().await.unwrap().len(),
        problems.len()
    );
    // A replica holds the quarantine too.
    let copy = Store::in_memory();
    fehrist_registry::replicate(station.registry.store(), &copy)
        .await
        .unwrap();
    assert_eq!(copy.list_quarantine().await.unwrap().len(), problems.len());
    // No original was moved or altered.
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
    }
}
