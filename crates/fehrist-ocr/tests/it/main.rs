//! Real libtesseract on the committed fixture scans.

use std::path::{Path, PathBuf};

use fehrist_ocr::{
    Binarization, OcrEngine, OcrError, Tesseract, character_error_rate, decode_page, page_count,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// (scan, page in file, ground truth, languages, expected main language)
const PAGES: &[(&str, u32, &str, &str, &str)] = &[
    (
        "F-12/O-3/D-45/0001.png",
        1,
        "F-12/O-3/D-45/L-1.txt",
        "tgk+rus+eng",
        "tgk",
    ),
    (
        "F-12/O-3/D-45/0002.png",
        1,
        "F-12/O-3/D-45/L-2.txt",
        "tgk+rus+eng",
        "tgk",
    ),
    (
        "F-12/O-3/D-46/scan.tif",
        1,
        "F-12/O-3/D-46/L-1.txt",
        "rus+tgk+eng",
        "rus",
    ),
    (
        "F-12/O-3/D-46/scan.tif",
        2,
        "F-12/O-3/D-46/L-2.txt",
        "rus+tgk+eng",
        "rus",
    ),
    (
        "F-7/O-1/D-2/0001.jpg",
        1,
        "F-7/O-1/D-2/L-1.txt",
        "uzb_cyrl+rus+eng",
        "uzb_cyrl",
    ),
];

#[test]
fn clean_fixture_pages_read_under_five_percent_cer() {
    let engine = Tesseract::default();
    for &(scan, page, truth, languages, language) in PAGES {
        let bytes = std::fs::read(fixtures().join("batch").join(scan)).unwrap();
        let image = decode_page(&bytes, page).unwrap();
        let mut reader = engine.reader(languages).unwrap();
        let read = reader.read(&image, None).unwrap();
        let reference = std::fs::read_to_string(fixtures().join("truth").join(truth)).unwrap();
        let cer = character_error_rate(&read.text, &reference);
        assert!(
            cer < 0.05,
            "{scan} page {page}: CER {:.2}%\n{}",
            cer * 100.0,
            read.text
        );
        assert_eq!(read.language, language, "{scan} page {page}");
        assert!(
            read.mean_confidence > 70,
            "{scan}: confidence {}",
            read.mean_confidence
        );
        assert!(read.words.len() > 30, "{scan}: {} words", read.words.len());
        for word in &read.words {
            let [left, top, right, bottom] = word.bbox;
            assert!(
                left < right && top < bottom && right <= image.width() && bottom <= image.height(),
                "{word:?}"
            );
            assert!((0.0..=100.0).contains(&word.confidence), "{word:?}");
        }
    }
}

#[test]
fn multi_page_tiff_has_two_pages() {
    let bytes = std::fs::read(fixtures().join("batch/F-12/O-3/D-46/scan.tif")).unwrap();
    assert_eq!(page_count(&bytes).unwrap(), 2);
    let on_disk = fixtures().join("batch/F-12/O-3/D-46/scan.tif");
    assert_eq!(
        fehrist_ocr::page_count_in_file(std::fs::File::open(&on_disk).unwrap()).unwrap(),
        2
    );
    let png = fixtures().join("batch/F-12/O-3/D-45/0001.png");
    assert_eq!(
        fehrist_ocr::page_count_in_file(std::fs::File::open(&png).unwrap()).unwrap(),
        1
    );
    assert!(matches!(
        decode_page(&bytes, 3),
        Err(OcrError::NoSuchPage { page: 3, pages: 2 })
    ));
}

#[test]
fn an_unknown_language_is_refused_by_name() {
    let error = Tesseract::default()
        .reader("tgk+xyz")
        .err()
        .expect("xyz is no language");
    match &error {
        OcrError::UnknownLanguages {
            missing, installed, ..
        } => {
            assert_eq!(missing, &["xyz"]);
            assert!(installed.iter().any(|l| l == "tgk"), "{installed:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("\"xyz\""), "{error}");
}

#[test]
fn a_language_code_that_is_a_path_is_refused_before_any_model_is_loaded() {
    // A model outside tessdata, named by a path: not loaded, whatever it holds.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "/usr/share/tesseract-ocr/5/tessdata/eng.traineddata",
        dir.path().join("evil.traineddata"),
    )
    .unwrap();
    let evil = dir.path().join("evil");
    for languages in [
        format!("eng+../../../..{}", evil.display()),
        format!("..{}", evil.display()),
        "eng+script/Cyrillic".to_owned(),
    ] {
        match Tesseract::default().reader(&languages).err() {
            Some(OcrError::UnknownLanguages { missing, .. }) => {
                assert_eq!(missing.len(), 1, "{languages}: {missing:?}");
                assert!(missing[0].contains('/'), "{missing:?}");
            }
            other => panic!("{languages}: {other:?}"),
        }
    }
}

#[test]
fn a_blank_page_reads_as_no_words() {
    let blank = image::GrayImage::from_pixel(800, 600, image::Luma([255]));
    let read = Tesseract::default()
        .reader("eng")
        .unwrap()
        .read(&blank, None)
        .unwrap();
    assert!(read.words.is_empty());
    assert_eq!(read.text.trim(), "");
    assert_eq!(read.language, "");
}

/// (page, languages, binarization the reader should keep, rotation it should find)
const DEGRADED: &[(&str, &str, Option<Binarization>, u16)] = &[
    ("tgk-heavy", "tgk+rus+eng", Some(Binarization::Sauvola), 0),
    ("rus-medium", "rus+tgk+eng", None, 0),
    ("tgk-upside-down", "tgk+rus+eng", None, 180),
];

#[test]
fn degraded_and_upside_down_pages_read_under_five_percent_cer() {
    let engine = Tesseract::default();
    for &(name, languages, binarization, rotation) in DEGRADED {
        let dir = fixtures().join("degraded");
        let bytes = std::fs::read(dir.join(format!("{name}.jpg"))).unwrap();
        let image = decode_page(&bytes, 1).unwrap();
        let read = engine
            .reader(languages)
            .unwrap()
            .read(&image, None)
            .unwrap();
        let reference = std::fs::read_to_string(dir.join(format!("{name}.gt.txt"))).unwrap();
        let cer = character_error_rate(&read.text, &reference);
        assert!(
            cer < 0.05,
            "{name}: CER {:.2}% with {:?}\n{}",
            cer * 100.0,
            read.binarization,
            read.text
        );
        if let Some(expected) = binarization {
            assert_eq!(read.binarization, expected, "{name}");
        }
        assert_eq!(read.preprocessing.rotation, rotation, "{name}");
        assert!(
            read.preprocessing.skew.abs() < 5.0,
            "{name}: {:?}",
            read.preprocessing
        );
    }
}

#[test]
fn noisy_pages_are_despeckled_and_clean_ones_are_not() {
    let heavy = std::fs::read(fixtures().join("degraded/tgk-heavy.jpg")).unwrap();
    let clean = std::fs::read(fixtures().join("batch/F-12/O-3/D-45/0001.png")).unwrap();
    let mut reader = Tesseract::default().reader("tgk+rus+eng").unwrap();
    let heavy = reader.read(&decode_page(&heavy, 1).unwrap(), None).unwrap();
    let clean = reader.read(&decode_page(&clean, 1).unwrap(), None).unwrap();
    assert!(heavy.preprocessing.despeckled, "{:?}", heavy.preprocessing);
    assert!(!clean.preprocessing.despeckled, "{:?}", clean.preprocessing);
    assert!(clean.preprocessing.dpi_assumed);
    assert_eq!(clean.preprocessing.dpi, fehrist_ocr::ASSUMED_DPI);
}

/// Text turned a quarter either way is found, read, and boxed on the page as scanned.
#[test]
fn sideways_pages_are_read_upright_with_boxes_on_the_scan() {
    let bytes = std::fs::read(fixtures().join("batch/F-12/O-3/D-45/0001.png")).unwrap();
    let page = decode_page(&bytes, 1).unwrap();
    let reference =
        std::fs::read_to_string(fixtures().join("truth/F-12/O-3/D-45/L-1.txt")).unwrap();
    let mut reader = Tesseract::default().reader("tgk+rus+eng").unwrap();
    let upright = reader.read(&page, Some(300)).unwrap();
    assert!(!upright.preprocessing.dpi_assumed);
    for (rotation, turned) in [
        (90, image::imageops::rotate90(&page)),
        (270, image::imageops::rotate270(&page)),
    ] {
        let read = reader.read(&turned, Some(300)).unwrap();
        assert_eq!(read.preprocessing.rotation, rotation);
        assert_eq!((read.width, read.height), turned.dimensions());
        let cer = character_error_rate(&read.text, &reference);
        assert!(cer < 0.05, "rotation {rotation}: CER {:.2}%", cer * 100.0);
        // The first word's box on the turned scan is the upright box turned with it.
        let [l, t, r, b] = upright.words[0].bbox;
        let (w, h) = page.dimensions();
        let expected = match rotation {
            90 => [h - b, l, h - t, r],
            _ => [t, w - r, b, w - l],
        };
        let found = read.words[0].bbox;
        let close = found.iter().zip(expected).all(|(a, e)| a.abs_diff(e) <= 3);
        assert!(close, "rotation {rotation}: {found:?} vs {expected:?}");
    }
}

#[test]
fn clean_pages_keep_the_first_otsu_reading() {
    let bytes = std::fs::read(fixtures().join("batch/F-12/O-3/D-45/0001.png")).unwrap();
    let read = Tesseract::default()
        .reader("tgk+rus+eng")
        .unwrap()
        .read(&decode_page(&bytes, 1).unwrap(), None)
        .unwrap();
    assert_eq!(read.binarization, Binarization::Otsu);
    assert_eq!(read.preprocessing.rotation, 0);
    assert!(read.mean_confidence >= fehrist_ocr::CONFIDENT);
}

/// The ALTO a page gets: v4 namespace, the required elements and attributes in schema
/// order, unique IDs, confidences in 0–1, BCP 47 languages, and every word with its box.
#[test]
fn alto_is_version_4_with_boxes_confidences_and_languages() {
    let bytes = std::fs::read(fixtures().join("batch/F-12/O-3/D-46/scan.tif")).unwrap();
    let read = Tesseract::default()
        .reader("rus+tgk+eng")
        .unwrap()
        .read(&decode_page(&bytes, 2).unwrap(), None)
        .unwrap();
    let xml = fehrist_ocr::alto_document(
        &read,
        &fehrist_ocr::AltoSource {
            file_name: "F-12/O-3/D-46/scan.tif",
            page: 2,
            engine: "tesseract",
            engine_version: "5.3.0",
            languages: "rus+tgk+eng",
        },
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let ns = "http://www.loc.gov/standards/alto/ns-v4#";
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some(ns));
    let children: Vec<&str> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(children, ["Description", "Layout"]);
    let description: Vec<&str> = root
        .first_element_child()
        .unwrap()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        description,
        ["MeasurementUnit", "sourceImageInformation", "Processing"]
    );
    let page = doc
        .descendants()
        .find(|n| n.has_tag_name((ns, "Page")))
        .unwrap();
    assert_eq!(page.attribute("PHYSICAL_IMG_NR"), Some("2"));
    assert_eq!(page.attribute("ID"), Some("P2"));

    let mut ids = std::collections::HashSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(id) = node.attribute("ID") {
            assert!(
                !id.starts_with(|c: char| c.is_ascii_digit()),
                "{id} is no NCName"
            );
            assert!(ids.insert(id), "duplicate ID {id}");
        }
    }
    let strings: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((ns, "String")))
        .collect();
    assert_eq!(strings.len(), read.words.len());
    for (string, word) in strings.iter().zip(&read.words) {
        assert_eq!(string.parent().unwrap().tag_name().name(), "TextLine");
        assert_eq!(string.attribute("CONTENT"), Some(word.text.as_str()));
        let wc: f32 = string.attribute("WC").unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&wc));
        for attribute in ["HPOS", "VPOS", "WIDTH", "HEIGHT"] {
            let value: f32 = string.attribute(attribute).unwrap().parse().unwrap();
            assert!(value >= 0.0);
        }
        let lang = string.attribute("LANG").unwrap();
        assert!(["ru", "tg", "en"].contains(&lang), "{lang}");
    }
    // Each line's words: String, then SP only between words.
    for line in doc
        .descendants()
        .filter(|n| n.has_tag_name((ns, "TextLine")))
    {
        let names: Vec<&str> = line
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(names.first(), Some(&"String"));
        assert_eq!(names.last(), Some(&"String"));
        assert!(names.windows(2).all(|w| w[0] != w[1] || w[0] == "String"));
    }
    assert!(
        strings
            .iter()
            .any(|s| s.attribute("CONTENT") == Some("Душанбе,"))
    );
}

/// A Russian page of a record whose first language is Tajik, and an Uzbek one with the
/// default languages: each is told by a band of its densest text, read first, and the
/// page read once, in its own language alone.
#[test]
fn a_page_not_in_the_records_main_language_is_read_in_its_own() {
    let cases = [
        (
            "batch/F-12/O-3/D-46/scan.tif",
            "truth/F-12/O-3/D-46/L-1.txt",
            "tgk+rus+eng",
            "rus",
            'ы',
        ),
        (
            "batch/F-7/O-1/D-2/0001.jpg",
            "truth/F-7/O-1/D-2/L-1.txt",
            "tgk+rus+uzb_cyrl+eng",
            "uzb_cyrl",
            'ў',
        ),
    ];
    for (scan, truth, languages, language, letter) in cases {
        let bytes = std::fs::read(fixtures().join(scan)).unwrap();
        let reference = std::fs::read_to_string(fixtures().join(truth)).unwrap();
        let read = Tesseract::default()
            .reader(languages)
            .unwrap()
            .read(&decode_page(&bytes, 1).unwrap(), None)
            .unwrap();
        let cer = character_error_rate(&read.text, &reference);
        assert!(cer < 0.02, "{scan}: CER {:.2}%\n{}", cer * 100.0, read.text);
        assert_eq!(read.language, language, "{scan}");
        assert_eq!(
            read.preprocessing.language_found,
            Some(fehrist_model::LanguageFound::Sample),
            "{scan}"
        );
        assert!(read.text.contains(letter), "{scan}");
    }
}

/// `tesseract IMG out -l LANG`'s text of a file, as a user would run it.
fn plain_tesseract(image: &Path, language: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tesseract")
        .arg(image)
        .arg(out.path().join("page"))
        .args(["-l", language])
        .env("OMP_THREAD_LIMIT", "1")
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the tesseract command is installed");
    assert!(status.success());
    std::fs::read_to_string(out.path().join("page.txt")).unwrap()
}

/// A real 100 dpi typescript whose JPEG header says 72 dpi: its text measures too
/// small, so it is read enlarged, and reads better than plain Tesseract reads it.
#[test]
fn a_low_resolution_typescript_reads_at_least_as_well_as_plain_tesseract() {
    let path = fixtures().join("real-scans/eng_ehri_BF_19380509b_EN_01.jpg");
    let bytes = std::fs::read(&path).unwrap();
    let reference =
        std::fs::read_to_string(fixtures().join("real-scans/eng_ehri_BF_19380509b_EN_01.gt.txt"))
            .unwrap();
    assert_eq!(
        fehrist_ocr::resolution(&bytes, 1),
        None,
        "72 dpi is a placeholder"
    );
    let read = Tesseract::default()
        .reader("eng")
        .unwrap()
        .read(&decode_page(&bytes, 1).unwrap(), None)
        .unwrap();
    assert!(
        read.preprocessing
            .scale
            .is_some_and(|scale| (1.5..=2.0).contains(&scale)),
        "letters of 9 px are enlarged: {:?}",
        read.preprocessing.scale
    );
    assert_eq!(
        (read.width, read.height),
        (934, 1170),
        "boxes stay on the scan"
    );
    assert!(
        read.words
            .iter()
            .all(|w| w.bbox[2] <= 934 && w.bbox[3] <= 1170)
    );
    let ours = character_error_rate(&read.text, &reference);
    let plain = character_error_rate(&plain_tesseract(&path, "eng"), &reference);
    assert!(
        ours <= plain,
        "fehrist {:.2}% CER, plain tesseract {:.2}%",
        ours * 100.0,
        plain * 100.0
    );
    assert!(ours < 0.02, "CER {:.2}%\n{}", ours * 100.0, read.text);
}
