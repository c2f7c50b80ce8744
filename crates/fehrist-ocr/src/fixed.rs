//! An engine that reads every page as one given text, for the tests of what comes
//! after recognition (registering, searching, serving): they need no Tesseract.

use fehrist_model::{Preprocessing, Word};
use image::GrayImage;

use crate::{Binarization, OcrEngine, OcrError, PageReader, PageText, TextBlock, TextLine};

/// Reads every page as `words`, one line of them, at confidence 95, in `language`.
#[derive(Debug, Clone)]
pub struct FixedText {
    pub words: Vec<String>,
    pub language: String,
}

impl FixedText {
    pub fn new(text: &str, language: &str) -> Self {
        FixedText {
            words: text.split_whitespace().map(str::to_owned).collect(),
            language: language.to_owned(),
        }
    }
}

impl OcrEngine for FixedText {
    fn name(&self) -> &str {
        "fixed-text"
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

impl PageReader for FixedText {
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<PageText, OcrError> {
        let words: Vec<Word> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let left = 10 + 100 * i as u32;
                Word {
                    text: text.clone(),
                    confidence: 95.0,
                    bbox: [left, 10, left + 90, 40],
                    language: self.language.clone(),
                    line: Some(0),
                }
            })
            .collect();
        let right = 10 + 100 * words.len() as u32;
        Ok(PageText {
            text: self.words.join(" "),
            blocks: vec![TextBlock {
                bbox: [10, 10, right, 40],
                lines: vec![TextLine {
                    bbox: [10, 10, right, 40],
                    words: 0..words.len(),
                }],
            }],
            words,
            mean_confidence: 95,
            language: self.language.clone(),
            width: page.width(),
            height: page.height(),
            binarization: Binarization::Otsu,
            preprocessing: Preprocessing {
                dpi: dpi.unwrap_or(300),
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
