//! Any bytes as a PDF master: refused, or every page gives its text layer or scan
//! (or a per-page error); never a panic.
#![no_main]

use fehrist_pdf::ScannedPdf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(pdf) = ScannedPdf::parse(data) {
        for page in 1..=pdf.page_count().min(4) {
            let _ = pdf.text_layer(page);
            let _ = pdf.page_image(page);
            let _ = pdf.page_size(page);
            let _ = pdf.image_resolution(page);
        }
    }
});
