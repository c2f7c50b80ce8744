//! The committed PDF masters (fixtures/pdf, made by fixtures/make_pdf_fixtures.py) and
//! searchable PDFs read back with lopdf.

use std::path::{Path, PathBuf};

use fehrist_model::Word;
use fehrist_pdf::{
    DocumentInfo, EmbeddedImage, PageImage, PdfError, ScannedPdf, SearchablePage, searchable_pdf,
};

fn fixture(name: &str) -> Vec<u8> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pdf/F-30/O-1");
    std::fs::read(dir.join(name)).unwrap()
}

/// Share of dark pixels: a page of text has some, a blank or inverted one none or most.
fn ink(pixels: &[u8]) -> f64 {
    pixels.iter().filter(|&&p| p < 128).count() as f64 / pixels.len() as f64
}

#[test]
fn scanned_pages_come_out_as_their_images() {
    let flate = ScannedPdf::parse(&fixture("D-1/scan.pdf")).unwrap();
    assert_eq!(flate.page_count(), 1);
    assert_eq!(flate.text_layer(1).unwrap(), None);
    assert_eq!(flate.image_resolution(1).map(f64::round), Some(300.0));
    let EmbeddedImage::Gray {
        width,
        height,
        pixels,
    } = flate.page_image(1).unwrap()
    else {
        panic!("a Flate image decodes to grey pixels");
    };
    assert_eq!((width, height), (2480, 3508));
    assert!((0.001..0.2).contains(&ink(&pixels)), "{}", ink(&pixels));

    let g4 = ScannedPdf::parse(&fixture("D-2/scan.pdf")).unwrap();
    assert_eq!(g4.page_count(), 2);
    for page in 1..=2 {
        let EmbeddedImage::Gray { width, pixels, .. } = g4.page_image(page).unwrap() else {
            panic!("Group 4 decodes to grey pixels");
        };
        assert_eq!(width, 2480);
        // Black text on white: the polarity of BlackIs1 / Decode was honoured.
        assert!(
            (0.001..0.2).contains(&ink(&pixels)),
            "page {page}: {}",
            ink(&pixels)
        );
    }
    assert!(matches!(
        g4.page_image(3),
        Err(PdfError::NoSuchPage { page: 3, pages: 2 })
    ));
}

#[test]
fn a_born_digital_page_keeps_its_text() {
    let letter = ScannedPdf::parse(&fixture("D-3/letter.pdf")).unwrap();
    let text = letter.text_layer(1).unwrap().expect("a text layer");
    assert!(text.contains("Душанбе"), "{text}");
    let (width, height) = letter.page_size(1).unwrap();
    assert_eq!((width.round(), height.round()), (595.0, 842.0));
}

#[test]
fn encrypted_and_broken_pdfs_are_refused_clearly() {
    assert!(matches!(
        ScannedPdf::parse(&fixture("D-4/locked.pdf")),
        Err(PdfError::Encrypted)
    ));
    let good = fixture("D-1/scan.pdf");
    for bad in [&good[..good.len() / 3], b"%PDF-1.7\n%%EOF".as_slice()] {
        let error = ScannedPdf::parse(bad).unwrap_err();
        assert!(
            matches!(error, PdfError::Malformed { .. } | PdfError::NoPages),
            "{error}"
        );
    }
}

fn word(text: &str, bbox: [u32; 4], line: u32) -> Word {
    Word {
        text: text.to_owned(),
        confidence: 95.0,
        bbox,
        language: "tgk".to_owned(),
        line: Some(line),
    }
}

#[test]
fn a_searchable_pdf_carries_the_words_and_the_image() {
    let words = [
        word("Ҷумҳурии", [100, 100, 400, 140], 0),
        word("Тоҷикистон", [420, 100, 800, 140], 0),
        word("1968", [100, 200, 260, 240], 1),
    ];
    let pixels = vec![255u8; 1000 * 600];
    let page = SearchablePage {
        image: PageImage::Gray {
            width: 1000,
            height: 600,
            pixels,
        },
        dpi: 300,
        rotation: 0,
        words: &words,
    };
    let info = DocumentInfo {
        title: "Кушодани мактабҳо & <нав>".to_owned(),
        identifier: "TJ-CSA/F-12/O-3/D-45".to_owned(),
        created: "2026-11-21T10:00:00Z".to_owned(),
        document_id: [7; 16],
    };
    let bytes = searchable_pdf([page.clone(), page.clone()], &info).unwrap();
    // Written the same twice: nothing in it depends on the time it was made.
    assert_eq!(bytes, searchable_pdf([page.clone(), page], &info).unwrap());
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    assert_eq!(doc.get_pages().len(), 2);
    let text = doc.extract_text(&[1]).unwrap();
    let folded: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(folded, ["Ҷумҳурии", "Тоҷикистон", "1968"]);
    // 1000 × 600 pixels at 300 DPI is 240 × 144 points.
    let page_id = doc.get_pages()[&1];
    let media_box = doc
        .get_dictionary(page_id)
        .unwrap()
        .get(b"MediaBox")
        .unwrap();
    let corners: Vec<f32> = media_box
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect();
    assert_eq!(corners, [0.0, 0.0, 240.0, 144.0]);
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("Кушодани мактабҳо &amp; &lt;нав&gt;"),
        "XMP title escaped"
    );
}

#[test]
fn a_record_without_pages_has_no_pdf() {
    let info = DocumentInfo {
        title: String::new(),
        identifier: String::new(),
        created: String::new(),
        document_id: [0; 16],
    };
    assert!(matches!(searchable_pdf([], &info), Err(PdfError::NoPages)));
}
