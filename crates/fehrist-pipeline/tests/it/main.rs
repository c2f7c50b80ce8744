//! The whole ingest path with real Tesseract over the committed fixture scans.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fehrist_index::SearchIndex;
use fehrist_model::RefCode;
use fehrist_ocr::{OcrEngine, Tesseract, character_error_rate};
use fehrist_pipeline::{BatchSettings, IngestReport, NoProgress, Settings, discover, ingest};
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
    let store = Store::open(&format!("file://{}", dir.path().join("store").display())).unwrap();
    let index = SearchIndex::open(&dir.path().join("index")).unwrap();
    let key = StationKey::from_seed("test-station", [9; 32]).unwrap();
    let mut registry = Registry::new(store, index);
    registry.trust(key.verifier());
    registry.publish_key(&key).await.unwrap();
    Station { dir, registry, key }
}

async fn run(station: &Station, batch: &Path) -> IngestReport {
    let given = BatchSettings::read(batch).unwrap();
    let settings = Settings::resolve(given, "TJ-CSA", "tester", "test-station").unwrap();
    let discovery = discover(batch, &settings.archive).unwrap();
    let engine: Arc<dyn OcrEngine> = Arc::new(Tesseract::default());
    ingest(
        &station.registry,
        &station.key,
        engine,
        discovery,
        &settings,
        2,
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
    let station = station().await;
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
}

/// PDF masters: scanned pages (Flate grey, CCITT Group 4) are OCRed, a born-digital
/// page keeps its own text unread, an encrypted PDF is refused by name, and every
/// master is stored byte for byte.
#[tokio::test]
async fn pdf_masters_are_read_kept_or_refused() {
    let station = station().await;
    let batch = fixtures().join("pdf");
    let report = run(&station, &batch).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("F-30/O-1/D-4/locked.pdf (TJ-CSA/F-30/O-1/D-4): ")
            && problems[0].contains("encrypted"),
        "{problems:#?}"
    );
    assert_eq!((report.registered(), report.failed()), (3, 1));
    // The born-digital page is not read: 1 + 2 scanned pages are.
    assert_eq!(report.pages_read, 3);

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
        let pdf = fehrist_pipeline::record_pdf(&station.registry, manifest)
            .await
            .unwrap();
        assert_eq!(pdf == file, born_digital, "{code}");
    }
}
