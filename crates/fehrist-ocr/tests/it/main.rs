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
        let read = reader.read(&image).unwrap();
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
    assert_eq!(fehrist_ocr::page_count_in_file(&on_disk).unwrap(), 2);
    let png = fixtures().join("batch/F-12/O-3/D-45/0001.png");
    assert_eq!(fehrist_ocr::page_count_in_file(&png).unwrap(), 1);
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
fn a_blank_page_reads_as_no_words() {
    let blank = image::GrayImage::from_pixel(800, 600, image::Luma([255]));
    let read = Tesseract::default()
        .reader("eng")
        .unwrap()
        .read(&blank)
        .unwrap();
    assert!(read.words.is_empty());
    assert_eq!(read.text.trim(), "");
    assert_eq!(read.language, "");
}

/// (page, languages, binarization the reader should keep)
const DEGRADED: &[(&str, &str, Option<Binarization>)] = &[
    ("tgk-heavy", "tgk+rus+eng", Some(Binarization::Sauvola)),
    ("rus-medium", "rus+tgk+eng", None),
    ("tgk-upside-down", "tgk+rus+eng", None),
];

#[test]
fn degraded_and_upside_down_pages_read_under_five_percent_cer() {
    let engine = Tesseract::default();
    for &(name, languages, binarization) in DEGRADED {
        let dir = fixtures().join("degraded");
        let bytes = std::fs::read(dir.join(format!("{name}.jpg"))).unwrap();
        let image = decode_page(&bytes, 1).unwrap();
        let read = engine.reader(languages).unwrap().read(&image).unwrap();
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
    }
}

#[test]
fn clean_pages_keep_the_first_otsu_reading() {
    let bytes = std::fs::read(fixtures().join("batch/F-12/O-3/D-45/0001.png")).unwrap();
    let read = Tesseract::default()
        .reader("tgk+rus+eng")
        .unwrap()
        .read(&decode_page(&bytes, 1).unwrap())
        .unwrap();
    assert_eq!(read.binarization, Binarization::Otsu);
    assert!(read.mean_confidence >= fehrist_ocr::CONFIDENT);
}
