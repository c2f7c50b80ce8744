//! ALTO v4 XML for one page: blocks, lines and words with their boxes in pixels of the
//! master image, word confidences in `WC` (0–1) and word languages in `LANG` (BCP 47).
//!
//! Written from Fehrist's own reading rather than Tesseract's renderer, which writes
//! ALTO v3 without languages and without the preprocessing that was applied.

use std::fmt::Write as _;

use fehrist_model::{Word, bcp47};

use crate::PageText;

/// What the ALTO header says about where the page came from and what read it.
#[derive(Debug, Clone)]
pub struct AltoSource<'a> {
    /// The scanned file, relative to the batch folder.
    pub file_name: &'a str,
    /// Page within that file, from 1.
    pub page: u32,
    /// `tesseract`
    pub engine: &'a str,
    /// `5.3.0`
    pub engine_version: &'a str,
    /// `tgk+rus+eng`
    pub languages: &'a str,
}

/// XML-escapes text for an attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An ALTO page (as [`alto_document`] writes it) with the `CONTENT` of every word whose
/// box is one of `boxes` replaced by `replacement`: the page as a caller who may not
/// read those words gets it.
pub fn redacted_alto(xml: &str, boxes: &[[u32; 4]], replacement: &str) -> String {
    if boxes.is_empty() {
        return xml.to_owned();
    }
    let hidden: Vec<String> = boxes.iter().map(|b| boxed(*b)).collect();
    let mut out = String::with_capacity(xml.len());
    for line in xml.split_inclusive('\n') {
        let hide = line.starts_with("<String ") && hidden.iter().any(|b| line.contains(b.as_str()));
        match (hide, line.find(" CONTENT=\"")) {
            (true, Some(at)) => {
                let value = at + " CONTENT=\"".len();
                let end = line[value..].find('"').map_or(line.len(), |e| value + e);
                out.push_str(&line[..value]);
                out.push_str(&escape(replacement));
                out.push_str(&line[end..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn boxed(bbox: [u32; 4]) -> String {
    let [left, top, right, bottom] = bbox;
    format!(
        "HPOS=\"{left}\" VPOS=\"{top}\" WIDTH=\"{}\" HEIGHT=\"{}\"",
        right.saturating_sub(left),
        bottom.saturating_sub(top)
    )
}

fn lang(word: &Word) -> String {
    bcp47(&word.language)
        .map(|tag| format!(" LANG=\"{tag}\""))
        .unwrap_or_default()
}

/// The page as a complete ALTO v4.2 document.
pub fn alto_document(page: &PageText, source: &AltoSource<'_>) -> String {
    let p = &page.preprocessing;
    let mut xml = String::with_capacity(256 + page.words.len() * 160);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# \
         http://www.loc.gov/alto/v4/alto-4-2.xsd\" SCHEMAVERSION=\"4.2\">\n\
         <Description>\n<MeasurementUnit>pixel</MeasurementUnit>\n",
    );
    let _ = writeln!(
        xml,
        "<sourceImageInformation><fileName>{}</fileName></sourceImageInformation>",
        escape(source.file_name)
    );
    let mut steps = Vec::new();
    if p.rotation != 0 {
        steps.push(format!("rotated by {} degrees", p.rotation));
    }
    if p.despeckled {
        steps.push("despeckled (3x3 median)".to_owned());
    }
    steps.push(format!("{} binarization", page.binarization.as_str()));
    steps.push(format!("deskewed by {:.2} degrees", p.skew));
    let _ = writeln!(
        xml,
        "<Processing ID=\"OCR_0\">\n<processingCategory>contentGeneration</processingCategory>"
    );
    for step in &steps {
        let _ = writeln!(
            xml,
            "<processingStepDescription>{}</processingStepDescription>",
            escape(step)
        );
    }
    let _ = writeln!(
        xml,
        "<processingStepSettings>languages={}; resolution={} dpi{}; page={}</processingStepSettings>\n\
         <processingSoftware><softwareName>{}</softwareName><softwareVersion>{}</softwareVersion>\
         <applicationDescription>Fehrist</applicationDescription></processingSoftware>\n\
         </Processing>\n</Description>\n<Layout>",
        escape(source.languages),
        p.dpi,
        if p.dpi_assumed { " (assumed)" } else { "" },
        source.page,
        escape(source.engine),
        escape(source.engine_version),
    );
    let _ = writeln!(
        xml,
        "<Page ID=\"P{page}\" PHYSICAL_IMG_NR=\"{page}\" WIDTH=\"{}\" HEIGHT=\"{}\" PC=\"{:.2}\" PROCESSING=\"OCR_0\">",
        page.width,
        page.height,
        f32::from(page.mean_confidence) / 100.0,
        page = source.page,
    );
    let _ = writeln!(
        xml,
        "<PrintSpace {}>",
        boxed([0, 0, page.width, page.height])
    );
    let mut string_id = 0;
    let mut line_id = 0;
    for (b, block) in page.blocks.iter().enumerate() {
        let _ = writeln!(xml, "<TextBlock ID=\"B{}\" {}>", b + 1, boxed(block.bbox));
        for line in &block.lines {
            line_id += 1;
            let _ = writeln!(xml, "<TextLine ID=\"L{line_id}\" {}>", boxed(line.bbox));
            let words = &page.words[line.words.clone()];
            for (i, word) in words.iter().enumerate() {
                string_id += 1;
                let _ = writeln!(
                    xml,
                    "<String ID=\"W{string_id}\" {} WC=\"{:.2}\"{} CONTENT=\"{}\"/>",
                    boxed(word.bbox),
                    (word.confidence / 100.0).clamp(0.0, 1.0),
                    lang(word),
                    escape(&word.text)
                );
                if let Some(next) = words.get(i + 1) {
                    let _ = writeln!(
                        xml,
                        "<SP WIDTH=\"{}\" HPOS=\"{}\" VPOS=\"{}\"/>",
                        next.bbox[0].saturating_sub(word.bbox[2]),
                        word.bbox[2],
                        word.bbox[1]
                    );
                }
            }
            xml.push_str("</TextLine>\n");
        }
        xml.push_str("</TextBlock>\n");
    }
    xml.push_str("</PrintSpace>\n</Page>\n</Layout>\n</alto>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_words_in_the_boxes_lose_their_content() {
        let xml = "<TextLine ID=\"L1\" HPOS=\"10\" VPOS=\"20\" WIDTH=\"300\" HEIGHT=\"30\">\n\
                   <String ID=\"W1\" HPOS=\"10\" VPOS=\"20\" WIDTH=\"90\" HEIGHT=\"30\" WC=\"0.91\" CONTENT=\"Должник:\"/>\n\
                   <SP WIDTH=\"10\" HPOS=\"100\" VPOS=\"20\"/>\n\
                   <String ID=\"W2\" HPOS=\"110\" VPOS=\"20\" WIDTH=\"90\" HEIGHT=\"30\" WC=\"0.88\" CONTENT=\"Назаров\"/>\n\
                   <String ID=\"W3\" HPOS=\"110\" VPOS=\"20\" WIDTH=\"90\" HEIGHT=\"300\" WC=\"0.88\" CONTENT=\"Сино\"/>\n\
                   </TextLine>\n";
        let redacted = redacted_alto(xml, &[[110, 20, 200, 50]], "[redacted]");
        assert!(!redacted.contains("Назаров"), "{redacted}");
        assert!(redacted.contains("CONTENT=\"[redacted]\"/>"), "{redacted}");
        assert!(redacted.contains("CONTENT=\"Должник:\""), "{redacted}");
        assert!(
            redacted.contains("CONTENT=\"Сино\""),
            "a box that only begins alike: {redacted}"
        );
        assert_eq!(redacted_alto(xml, &[], "[redacted]"), xml);
    }
}
