//! Personal data on a record's pages: which fields hold it, the lowest clearance that
//! reads it, and where it stands in each sheet's text and image, so that a caller
//! below that clearance gets the text, words, ALTO, image and PDF with it hidden.
//!
//! The places are decided once, at ingest, from the values the extraction rules found
//! (every word of a personal value, wherever on the record it occurs, declined forms
//! included), recorded in the signed manifest, and corrected by an archivist as a new
//! version ([`PersonalData::mark`], [`PersonalData::unmark`]).
//!
//! ```json
//! "personal_data": {"shows_at": "restricted", "fields": ["claimant", "debtor"],
//!   "sheets": [{"sheet": 1, "spans": [[120, 128], [129, 135]], "boxes": [[410, 880, 610, 930], [622, 880, 790, 930]]}]}
//! ```

use serde::{Deserialize, Serialize};

use crate::{AccessLevel, FieldValue, Fields, Manifest, PERSONAL_FIELDS, Word};

/// What stands in for hidden personal data, in fields, text and words alike.
pub const REDACTED: &str = "[redacted]";

/// The shortest word of a personal value that is looked for on the pages: shorter
/// ones (initials, particles) would hide common words.
const SHORTEST_WORD: usize = 3;
/// How many letters longer than a personal word a page's word may be and still be it
/// (a declined surname: Назаров → Назаровой).
const ENDING_LETTERS: usize = 3;

/// A record's personal data and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalData {
    /// The lowest clearance that reads it; below it, it is hidden everywhere.
    pub shows_at: AccessLevel,
    /// The fields that hold it (their values are hidden whole).
    pub fields: Vec<String>,
    /// Where it stands on each sheet that has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<SheetRedactions>,
}

/// The hidden places of one sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetRedactions {
    pub sheet: u32,
    /// Start and end, in characters (Unicode scalar values) of the sheet's text.
    pub spans: Vec<[u32; 2]>,
    /// Left, top, right, bottom of the hidden words, in pixels of the master image.
    pub boxes: Vec<[u32; 4]>,
    /// `true` when the text has hidden spans but its words have no places (a PDF's own
    /// text layer): the whole image is hidden.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_image: bool,
}

/// One sheet's text and the recognized words it was made from, as the extraction and
/// redaction rules read them.
#[derive(Debug, Clone, Copy)]
pub struct SheetText<'a> {
    pub sheet: u32,
    pub text: &'a str,
    /// Words in reading order, as in the text; empty for a text layer kept as is.
    pub words: &'a [Word],
}

impl<'a> SheetText<'a> {
    /// A manifest's sheets with their texts and words, in page order.
    pub fn of_manifest(
        manifest: &Manifest,
        texts: &'a [String],
        words: &'a [Vec<Word>],
    ) -> Vec<SheetText<'a>> {
        manifest
            .pages
            .iter()
            .zip(texts.iter().zip(words))
            .map(|(page, (text, words))| SheetText {
                sheet: page.sheet,
                text,
                words,
            })
            .collect()
    }
}

impl PersonalData {
    /// A record's personal data: as its manifest records it, or, for a manifest written
    /// before it was recorded, found now from its personal fields
    /// ([`PERSONAL_FIELDS`], shown at `restricted`) on `sheets`.
    pub fn of(manifest: &Manifest, sheets: &[SheetText<'_>]) -> Option<PersonalData> {
        if let Some(recorded) = &manifest.personal_data {
            return Some(recorded.clone());
        }
        let fields: Vec<String> = PERSONAL_FIELDS
            .iter()
            .filter(|f| manifest.fields.contains_key(**f))
            .map(|f| (*f).to_owned())
            .collect();
        (!fields.is_empty())
            .then(|| Self::find(AccessLevel::Restricted, &fields, &manifest.fields, sheets))
    }

    /// The lowest clearance that reads a manifest's personal fields.
    pub fn shows_at(manifest: &Manifest) -> AccessLevel {
        manifest
            .personal_data
            .as_ref()
            .map_or(AccessLevel::Restricted, |p| p.shows_at)
    }

    /// The personal data of a record whose `fields` were read from `sheets`: every
    /// word of every value of the personal fields is hidden wherever it occurs.
    pub fn find(
        shows_at: AccessLevel,
        personal_fields: &[String],
        fields: &Fields,
        sheets: &[SheetText<'_>],
    ) -> Self {
        let mut words: Vec<String> = Vec::new();
        for (name, value) in fields {
            if !personal_fields.contains(name) {
                continue;
            }
            let values: Vec<&str> = match value {
                FieldValue::Text(text) => vec![text.as_str()],
                FieldValue::Texts(texts) => texts.iter().map(String::as_str).collect(),
                FieldValue::Amounts(_) => Vec::new(),
            };
            words.extend(values.into_iter().flat_map(letter_words));
        }
        let mut data = PersonalData {
            shows_at,
            fields: personal_fields.to_vec(),
            sheets: Vec::new(),
        };
        data.mark(&words, sheets);
        data
    }

    /// Hides every occurrence of `words` (with their declined forms) on `sheets`, in
    /// addition to what is hidden already.
    pub fn mark(&mut self, words: &[String], sheets: &[SheetText<'_>]) {
        let wanted: Vec<String> = words
            .iter()
            .flat_map(|w| letter_words(w))
            .filter(|w| w.chars().count() >= SHORTEST_WORD)
            .collect();
        if wanted.is_empty() {
            return;
        }
        for content in sheets {
            let spans: Vec<[u32; 2]> = word_spans(content.text)
                .filter(|(_, word)| wanted.iter().any(|w| is_form_of(word, w)))
                .map(|(span, _)| span)
                .collect();
            let boxes: Vec<[u32; 4]> = content
                .words
                .iter()
                .filter(|word| {
                    letter_words(&word.text).any(|part| wanted.iter().any(|w| is_form_of(&part, w)))
                })
                .map(|word| word.bbox)
                .collect();
            if spans.is_empty() && boxes.is_empty() {
                continue;
            }
            let sheet = match self.sheets.iter_mut().find(|s| s.sheet == content.sheet) {
                Some(sheet) => sheet,
                None => {
                    self.sheets.push(SheetRedactions {
                        sheet: content.sheet,
                        spans: Vec::new(),
                        boxes: Vec::new(),
                        whole_image: false,
                    });
                    self.sheets.last_mut().expect("just pushed")
                }
            };
            sheet.whole_image |= content.words.is_empty() && !spans.is_empty();
            sheet.spans.extend(spans);
            sheet.boxes.extend(boxes);
            sheet.spans.sort_unstable();
            sheet.spans.dedup();
            sheet.boxes.sort_unstable();
            sheet.boxes.dedup();
        }
        self.sheets.sort_by_key(|s| s.sheet);
    }

    /// Shows again every occurrence of `words` on `sheets` (a redaction an archivist
    /// found wrong): the spans and boxes whose word is one of them are dropped.
    pub fn unmark(&mut self, words: &[String], sheets: &[SheetText<'_>]) {
        let wanted: Vec<String> = words.iter().flat_map(|w| letter_words(w)).collect();
        for content in sheets {
            let Some(sheet) = self.sheets.iter_mut().find(|s| s.sheet == content.sheet) else {
                continue;
            };
            let chars: Vec<char> = content.text.chars().collect();
            sheet.spans.retain(|[start, end]| {
                let word: String = chars
                    .get(*start as usize..*end as usize)
                    .map(|c| c.iter().collect())
                    .unwrap_or_default();
                !letter_words(&word).any(|part| wanted.iter().any(|w| is_form_of(&part, w)))
            });
            sheet.boxes.retain(|bbox| {
                !content.words.iter().any(|word| {
                    word.bbox == *bbox
                        && letter_words(&word.text)
                            .any(|part| wanted.iter().any(|w| is_form_of(&part, w)))
                })
            });
        }
        for sheet in self.sheets.iter_mut() {
            sheet.whole_image &= !sheet.spans.is_empty();
        }
        self.sheets
            .retain(|s| !s.spans.is_empty() || !s.boxes.is_empty());
    }

    /// Whether a caller of `clearance` reads the personal data.
    pub fn shown_to(&self, clearance: AccessLevel) -> bool {
        clearance >= self.shows_at
    }

    /// The hidden places of a sheet, if it has any.
    pub fn sheet(&self, sheet: u32) -> Option<&SheetRedactions> {
        self.sheets.iter().find(|s| s.sheet == sheet)
    }
}

/// The sheet's text with every span replaced by [`REDACTED`].
pub fn redact_text(text: &str, redactions: Option<&SheetRedactions>) -> String {
    let Some(redactions) = redactions.filter(|r| !r.spans.is_empty()) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len());
    let mut spans = redactions.spans.iter().peekable();
    let mut hiding_until: Option<u32> = None;
    for (at, c) in (0u32..).zip(text.chars()) {
        if hiding_until.is_some_and(|end| at >= end) {
            hiding_until = None;
        }
        while spans.peek().is_some_and(|[_, end]| *end <= at) {
            spans.next();
        }
        if hiding_until.is_none() && spans.peek().is_some_and(|[start, _]| *start <= at) {
            let [_, end] = *spans.next().expect("peeked");
            hiding_until = Some(end);
            out.push_str(REDACTED);
        }
        if hiding_until.is_none() {
            out.push(c);
        }
    }
    out
}

/// The sheet's words with the text of every hidden word replaced by [`REDACTED`]
/// (its box stays: the image is masked there).
pub fn redact_words(words: &[Word], redactions: Option<&SheetRedactions>) -> Vec<Word> {
    let mut words = words.to_vec();
    if let Some(redactions) = redactions {
        for word in words.iter_mut() {
            if redactions.boxes.contains(&word.bbox) {
                word.text = REDACTED.to_owned();
            }
        }
    }
    words
}

/// The words of a text as runs of letters and digits, lower-cased, each with its
/// span in characters.
fn word_spans(text: &str) -> impl Iterator<Item = ([u32; 2], String)> + '_ {
    let mut chars = (0u32..).zip(text.chars()).peekable();
    std::iter::from_fn(move || {
        while chars.peek().is_some_and(|(_, c)| !is_word_char(*c)) {
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut word = String::new();
        let mut end = start;
        while let Some(&(at, c)) = chars.peek().filter(|(_, c)| is_word_char(*c)) {
            word.extend(c.to_lowercase());
            end = at + 1;
            chars.next();
        }
        Some(([start, end], word))
    })
}

/// The words of a value, lower-cased.
fn letter_words(text: &str) -> impl Iterator<Item = String> + '_ {
    word_spans(text).map(|(_, word)| word)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\u{0300}'..='\u{036f}')
}

/// Whether a page's word is `personal` or one of its declined forms.
fn is_form_of(word: &str, personal: &str) -> bool {
    let letters = |s: &str| s.chars().count();
    let (word_len, personal_len) = (letters(word), letters(personal));
    if personal_len < SHORTEST_WORD {
        return false;
    }
    // A nominative ending dropped in declension (Фаррух → Фарруха keeps it, Мадина →
    // Мадины drops it): the personal word without its last letter is the stem.
    let stem: String = personal.chars().take(personal_len - 1).collect();
    word.starts_with(&stem)
        && word_len + 1 >= personal_len
        && word_len <= personal_len + ENDING_LETTERS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: u32) -> Word {
        Word {
            text: text.into(),
            confidence: 90.0,
            bbox: [left, 10, left + 50, 30],
            language: "rus".into(),
            line: Some(0),
        }
    }

    fn debtor(name: &str) -> Fields {
        let mut fields = Fields::new();
        fields.insert("debtor".into(), FieldValue::Text(name.into()));
        fields.insert("court".into(), FieldValue::Text("Суди ноҳияи Сино".into()));
        fields
    }

    const TEXT: &str =
        "Должник: Назарова Мадина Рустамовна. Взыскать с Назаровой М. Р. Суди ноҳияи Сино";

    fn words() -> Vec<Word> {
        TEXT.split(' ')
            .zip((0..).step_by(60))
            .map(|(text, left)| word(text, left))
            .collect()
    }

    fn found() -> PersonalData {
        let words = words();
        PersonalData::find(
            AccessLevel::Restricted,
            &["debtor".to_owned()],
            &debtor("Назарова Мадина Рустамовна"),
            &[SheetText {
                sheet: 1,
                text: TEXT,
                words: &words,
            }],
        )
    }

    #[test]
    fn every_occurrence_of_a_personal_value_is_hidden_declined_forms_too() {
        let data = found();
        let redacted = redact_text(TEXT, data.sheet(1));
        assert_eq!(
            redacted,
            "Должник: [redacted] [redacted] [redacted]. Взыскать с [redacted] М. Р. Суди ноҳияи Сино"
        );
        let hidden = redact_words(&words(), data.sheet(1));
        let texts: Vec<&str> = hidden.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Должник:",
                REDACTED,
                REDACTED,
                REDACTED,
                "Взыскать",
                "с",
                REDACTED,
                "М.",
                "Р.",
                "Суди",
                "ноҳияи",
                "Сино"
            ]
        );
        assert_eq!(data.sheet(1).unwrap().boxes.len(), 4);
    }

    #[test]
    fn a_field_that_is_not_personal_is_never_hidden() {
        let data = found();
        assert!(redact_text(TEXT, data.sheet(1)).contains("Суди ноҳияи Сино"));
        assert!(data.shown_to(AccessLevel::Secret));
        assert!(data.shown_to(AccessLevel::Restricted));
        assert!(!data.shown_to(AccessLevel::Internal));
    }

    #[test]
    fn an_archivist_hides_more_or_shows_a_wrong_redaction_again() {
        let words = words();
        let sheets = [SheetText {
            sheet: 1,
            text: TEXT,
            words: &words,
        }];
        let mut data = found();
        data.unmark(&["Рустамовна".to_owned()], &sheets);
        let redacted = redact_text(TEXT, data.sheet(1));
        assert!(redacted.contains("Рустамовна"), "{redacted}");
        assert!(!redacted.contains("Назаров"), "{redacted}");
        assert_eq!(data.sheet(1).unwrap().boxes.len(), 3);
        data.mark(&["Сино".to_owned()], &sheets);
        assert!(!redact_text(TEXT, data.sheet(1)).contains("Сино"));
        data.unmark(&["Назарова Мадина".to_owned(), "Сино".to_owned()], &sheets);
        assert_eq!(data.sheet(1), None, "nothing is left hidden");
    }

    #[test]
    fn a_text_without_word_places_hides_its_whole_image() {
        let data = PersonalData::find(
            AccessLevel::Restricted,
            &["debtor".to_owned()],
            &debtor("Назарова Мадина Рустамовна"),
            &[SheetText {
                sheet: 1,
                text: TEXT,
                words: &[],
            }],
        );
        let sheet = data.sheet(1).unwrap();
        assert!(sheet.whole_image);
        assert!(sheet.boxes.is_empty());
        assert!(!redact_text(TEXT, Some(sheet)).contains("Мадина"));
    }

    #[test]
    fn short_words_and_unrelated_words_are_left_alone() {
        assert!(!is_form_of("на", "на"));
        assert!(!is_form_of("назначить", "назаров"));
        assert!(is_form_of("назаровым", "назаров"));
        assert!(is_form_of("мадины", "мадина"));
        assert!(!is_form_of("назарова", "назаровская"));
    }
}
