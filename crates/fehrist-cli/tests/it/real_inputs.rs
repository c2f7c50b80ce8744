//! Inputs as they come from real scanners: a sound PDF with a sheet that cannot be
//! drawn, and a page fed in at a slant.

use std::path::PathBuf;

use crate::{Var, check, fixtures, folded, http, new_token, poppler, start_server};

/// A batch folder holding one fixture file as `FOLDER/NAME` (`F-n/O-n/D-n`).
fn batch_of_one(var: &Var, folder: &str, fixture: &str, name: &str) -> PathBuf {
    let batch = var.dir.path().join("batch");
    std::fs::create_dir_all(batch.join(folder)).unwrap();
    std::fs::copy(fixtures().join(fixture), batch.join(folder).join(name)).unwrap();
    batch
}

/// A sound two-sheet PDF whose second sheet's image cannot be decoded: the record is
/// registered with that sheet marked unread, `show`, the quarantine and the KPIs say
/// so, and its searchable PDF still has both sheets.
#[test]
fn a_sheet_that_cannot_be_drawn_is_registered_unread() {
    let var = Var::new();
    let batch = batch_of_one(
        &var,
        "F-30/O-1/D-6",
        "pdf/F-30/O-1/D-6/sheet-2-unreadable.pdf",
        "sheet-2-unreadable.pdf",
    );
    // Registered, and still an input problem to look at: exit 2.
    let output = var.run(&["ingest", batch.to_str().unwrap()]);
    let out = check(&output, 2);
    assert!(
        out.contains("1 registered, 0 already registered, 0 failed"),
        "{out}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sheet 2 registered unread (page 2 of the file)"),
        "{stderr}"
    );

    let shown = check(&var.run(&["show", "TJ-CSA/F-30/O-1/D-6"]), 0);
    assert!(
        shown.contains("UNREAD page 2: 1 image(s) on the page could not be decoded"),
        "{shown}"
    );
    assert_eq!(shown.matches("UNREAD").count(), 1, "{shown}");
    let text = check(&var.run(&["show", "TJ-CSA/F-30/O-1/D-6", "--text"]), 0);
    assert!(text.contains("Ўзбекистон"), "sheet 1 is read: {text}");

    let quarantine = check(&var.run(&["quarantine"]), 0);
    assert!(
        quarantine.contains("F-30/O-1/D-6/sheet-2-unreadable.pdf (TJ-CSA/F-30/O-1/D-6)")
            && quarantine.contains("0 input(s) refused, 1 sheet(s) registered unread"),
        "{quarantine}"
    );
    let report = check(&var.run(&["report"]), 0);
    assert!(
        report.contains("records 1  pages 2  unread sheets 1  inputs quarantined 0"),
        "{report}"
    );
    // The record's page says so in the reader's language, and why.
    let token = new_token(&var, "MoJ", "reader", "internal");
    let (mut server, addr) = start_server(&var);
    let (status, _, page) = http(
        &addr,
        "GET",
        "/ui/records/TJ-CSA%2FF-30%2FO-1%2FD-6?lang=ru",
        Some(&token),
        b"",
    );
    let page = String::from_utf8_lossy(&page);
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<p class=\"bad\">Текст этого листа не удалось прочитать; его скан сохранён</p><p lang=\"en\">page 2: 1 image(s) on the page could not be decoded"),
        "{page}"
    );

    let output = var.run(&["show", "TJ-CSA/F-30/O-1/D-6", "--pdf"]);
    check(&output, 0);
    let pdf = var.dir.path().join("record.pdf");
    std::fs::write(&pdf, &output.stdout).unwrap();
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.lines()
            .any(|l| l.split_whitespace().eq(["Pages:", "2"])),
        "{info}"
    );
    assert!(
        info.lines()
            .any(|l| l.starts_with("Subject:") && l.ends_with("TJ-CSA/F-30/O-1/D-6")),
        "{info}"
    );
}

/// A page scanned 3° askew: its searchable PDF's text, read by `pdftotext` in its
/// default (reading order) mode, gives back the record's OCR text line by line.
#[test]
fn a_slanted_page_copies_out_of_its_pdf_in_reading_order() {
    let var = Var::new();
    let batch = batch_of_one(&var, "F-40/O-1/D-1", "skewed/tgk-skew-3.png", "0001.png");
    check(
        &var.run(&[
            "ingest",
            batch.to_str().unwrap(),
            "--languages",
            "tgk+rus+eng",
        ]),
        0,
    );
    let text = check(&var.run(&["show", "TJ-CSA/F-40/O-1/D-1", "--text"]), 0);
    let truth = std::fs::read_to_string(fixtures().join("skewed/tgk-skew-3.gt.txt")).unwrap();
    let cer = fehrist_ocr::character_error_rate(&text, &truth);
    assert!(
        cer < 0.03,
        "the slanted page reads: CER {:.2}%\n{text}",
        cer * 100.0
    );

    let output = var.run(&["show", "TJ-CSA/F-40/O-1/D-1", "--pdf"]);
    check(&output, 0);
    let pdf = var.dir.path().join("record.pdf");
    std::fs::write(&pdf, &output.stdout).unwrap();
    for mode in [&[][..], &["-raw"][..]] {
        let mut args = mode.to_vec();
        args.extend([pdf.to_str().unwrap(), "-"]);
        let layer = poppler("pdftotext", &args);
        let similarity = 1.0 - fehrist_ocr::character_error_rate(&folded(&layer), &folded(&text));
        assert!(
            similarity >= 0.97,
            "pdftotext {mode:?}: {:.1}% like the OCR text\n{layer}\n---\n{text}",
            similarity * 100.0
        );
    }
}
