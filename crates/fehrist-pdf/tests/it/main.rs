//! The committed PDF masters (fixtures/pdf, made by fixtures/make_pdf_fixtures.py; real
//! scanner and PDF-tool output in fixtures/real-pdf) and searchable PDFs read back
//! with lopdf.

use std::path::{Path, PathBuf};

use fehrist_model::Word;
use fehrist_pdf::{
    DocumentInfo, PageImage, PdfError, RenderedPage, ScannedPdf, SearchablePage, searchable_pdf,
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
fn scanned_pages_are_drawn_at_their_scans_resolution() {
    let flate = ScannedPdf::parse(&fixture("D-1/scan.pdf")).unwrap();
    assert_eq!(flate.page_count(), 1);
    assert_eq!(flate.text_layer(1).unwrap(), None);
    assert_eq!(flate.image_resolution(1), Some(300.0));
    let RenderedPage {
        width,
        height,
        pixels,
        dpi,
    } = flate.render_page(1).unwrap();
    assert_eq!((width, height, dpi), (2480, 3508, 300));
    assert!((0.001..0.2).contains(&ink(&pixels)), "{}", ink(&pixels));

    // Group 4, and the same file encrypted with an empty user password, as scanners
    // write them: both open and draw alike.
    for name in ["D-2/scan.pdf", "D-5/open.pdf"] {
        let g4 = ScannedPdf::parse(&fixture(name)).unwrap();
        assert_eq!(g4.page_count(), 2);
        for page in 1..=2 {
            let drawn = g4.render_page(page).unwrap();
            assert_eq!(drawn.width, 2480);
            // Black text on white: the polarity of BlackIs1 / Decode was honoured.
            assert!(
                (0.001..0.2).contains(&ink(&drawn.pixels)),
                "{name} page {page}: {}",
                ink(&drawn.pixels)
            );
        }
        assert!(matches!(
            g4.render_page(3),
            Err(PdfError::NoSuchPage { page: 3, pages: 2 })
        ));
    }
}

fn real(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real-pdf");
    std::fs::read(dir.join(name)).unwrap()
}

/// Mean grey level of `block` × `block` squares, so two drawings of a page that differ
/// by a pixel's antialiasing compare alike.
fn blocks(pixels: &[u8], width: u32, height: u32, block: u32) -> Vec<f64> {
    let (w, h) = (width / block, height / block);
    let mut out = Vec::with_capacity((w * h) as usize);
    for by in 0..h {
        for bx in 0..w {
            let mut sum = 0u64;
            for y in by * block..(by + 1) * block {
                let row = (y * width) as usize;
                for x in bx * block..(bx + 1) * block {
                    sum += u64::from(pixels[row + x as usize]);
                }
            }
            out.push(sum as f64 / f64::from(block * block));
        }
    }
    out
}

/// Poppler's drawing of a page (`pdftoppm -gray`) at a resolution: width, height, grey.
fn poppler_page(pdf: &[u8], page: u32, dpi: u32) -> (u32, u32, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-gray", "-singlefile", "-r", &dpi.to_string()])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&input)
        .arg(dir.path().join("out"))
        .status()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(status.success());
    let pgm = std::fs::read(dir.path().join("out.pgm")).unwrap();
    // P5, width, height, maxval, one whitespace, then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    let (width, height): (u32, u32) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (width, height, pgm[at + 1..].to_vec())
}

/// Real files from scanners and PDF tools, each an encoding a hand-written image
/// extractor gets wrong or refuses: every page is drawn at its scan's resolution, as
/// poppler draws it, and shows something.
#[test]
fn real_scanner_pdfs_are_drawn_as_poppler_draws_them() {
    let cases: &[(&str, u32, u32)] = &[
        // file, pages, the resolution pdfimages reports for its scan
        ("jbig2-generic-acrobat.pdf", 1, 150),
        ("jpx-cmyk-smask.pdf", 1, 167),
        ("jpx-gray-no-colorspace.pdf", 1, 100),
        ("ricoh-scan-ccitt-g3-calgray-rot270.pdf", 1, 300),
        ("ccitt-g3-1d-2d-g4-mixed.pdf", 1, 100),
        ("fax-ccitt-g4-indexed-1bit.pdf", 1, 203),
        ("canon-scan-trailing-garbage.pdf", 1, 300),
    ];
    for &(name, pages, dpi) in cases {
        let bytes = real(name);
        let pdf = ScannedPdf::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pdf.page_count(), pages, "{name}");
        for page in 1..=pages {
            let drawn = pdf
                .render_page(page)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(drawn.dpi, dpi, "{name}");
            let (width, height, poppler) = poppler_page(&bytes, page, dpi);
            assert!(
                drawn.width.abs_diff(width) <= 1 && drawn.height.abs_diff(height) <= 1,
                "{name}: {}×{} drawn, poppler {width}×{height}",
                drawn.width,
                drawn.height
            );
            let ours = blocks(&drawn.pixels, drawn.width, drawn.height, 8);
            let theirs = blocks(&poppler, width, height, 8);
            let (w, h) = (drawn.width.min(width) / 8, drawn.height.min(height) / 8);
            let (ours_w, theirs_w) = ((drawn.width / 8) as usize, (width / 8) as usize);
            let mut diff = 0.0;
            for y in 0..h as usize {
                for x in 0..w as usize {
                    diff += (ours[y * ours_w + x] - theirs[y * theirs_w + x]).abs();
                }
            }
            let mean = diff / f64::from(w * h);
            assert!(
                mean < 8.0,
                "{name} page {page}: {mean:.1} grey levels from poppler's"
            );
            assert!(ink(&drawn.pixels) > 0.0001, "{name} page {page} is blank");
        }
    }
    // Cut short inside its cross-reference table: refused, not half read.
    let error = ScannedPdf::parse(&real("multitiff-ccitt-3p-truncated.pdf")).unwrap_err();
    assert!(matches!(error, PdfError::Malformed { .. }), "{error}");
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
    // An object stream (the parsers inflate it to find the objects it holds, before
    // any page is drawn): 1 GiB of zeros behind an honest page.
    let inside = deflated_zeros(1 << 30, 1);
    let object_stream = [
        format!(
            "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
            inside.len()
        )
        .into_bytes(),
        inside,
        b"\nendstream".to_vec(),
    ]
    .concat();
    let bomb = pdf_with_image_and(1_000_000, 1, Some(object_stream));
    let error = ScannedPdf::parse(&bomb).unwrap_err();
    assert!(
        matches!(&error, PdfError::Malformed { reason } if reason.contains("compression bomb")),
        "{error}"
    );
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
    // A viewer's title and subject, as poppler reads the Info dictionary.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("record.pdf"), &bytes).unwrap();
    let out = std::process::Command::new("pdfinfo")
        .arg(dir.path().join("record.pdf"))
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("Title:") && l.ends_with("Кушодани мактабҳо & <нав>")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("Subject:") && l.ends_with("TJ-CSA/F-12/O-3/D-45")),
        "{out}"
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

/// `inflated` bytes of zeros, Flate-compressed `layers` times.
fn deflated_zeros(inflated: usize, layers: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut data = vec![0u8; inflated];
    for _ in 0..layers {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&data).unwrap();
        data = z.finish().unwrap();
    }
    data
}

/// A one-page PDF whose image stream is `inflated` bytes of zeros, Flate-compressed
/// `layers` times.
fn pdf_with_image(inflated: usize, layers: usize) -> Vec<u8> {
    pdf_with_image_and(inflated, layers, None)
}

/// [`pdf_with_image`] with one more object after the page's.
fn pdf_with_image_and(inflated: usize, layers: usize, extra: Option<Vec<u8>>) -> Vec<u8> {
    let data = deflated_zeros(inflated, layers);
    let filters = vec!["/FlateDecode"; layers].join(" ");
    let side = ((inflated as f64).sqrt() as usize).max(1);
    let content = b"q 100 0 0 100 0 0 cm /Im1 Do Q";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        [format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(), content.to_vec(), b"\nendstream".to_vec()].concat(),
        [
            format!(
                "<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter [{filters}] /Length {} >>\nstream\n",
                data.len()
            )
            .into_bytes(),
            data,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ]
    .into_iter()
    .chain(extra)
    .collect();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
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

#[test]
fn a_compression_bomb_is_refused_before_it_is_inflated() {
    // An honest page: 1,000 × 1,000 grey.
    let page = pdf_with_image(1_000_000, 1);
    let parsed = ScannedPdf::parse(&page).unwrap();
    assert_eq!(parsed.page_count(), 1);
    // 1 GiB of zeros in about a megabyte, and the same in two layers (a few kilobytes).
    for (inflated, layers) in [(1usize << 30, 1), (1 << 30, 2)] {
        let bomb = pdf_with_image(inflated, layers);
        assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
        let error = ScannedPdf::parse(&bomb).unwrap_err();
        assert!(
            matches!(&error, PdfError::Malformed { reason } if reason.contains("compression bomb")),
            "{error}"
        );
    }
    // An object stream (the parsers inflate it to find the objects it holds, before
    // any page is drawn): 1 GiB of zeros behind an honest page.
    let inside = deflated_zeros(1 << 30, 1);
    let object_stream = [
        format!(
            "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
            inside.len()
        )
        .into_bytes(),
        inside,
        b"\nendstream".to_vec(),
    ]
    .concat();
    let bomb = pdf_with_image_and(1_000_000, 1, Some(object_stream));
    let error = ScannedPdf::parse(&bomb).unwrap_err();
    assert!(
        matches!(&error, PdfError::Malformed { reason } if reason.contains("compression bomb")),
        "{error}"
    );
}
