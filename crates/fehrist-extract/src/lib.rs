//! Metadata extraction: deterministic rules that read dates, document and case numbers,
//! sums of money, names after role words, and the fields of a writ of execution from
//! a record's OCR text, in Tajik, Russian and Uzbek (Cyrillic).
//!
//! Pure: text and words in, [`Extraction`] out. Every value keeps the sheet and the
//! character span it was read from and a confidence (the rule's certainty times the
//! OCR confidence of the words read). Which extractors run is the pipeline's choice
//! (`extractors = [...]` in `pipelines/NAME.toml`).

mod patterns;

use std::ops::Range;

use fehrist_model::field_names as names;
use fehrist_model::{Amount, FieldOrigin, FieldSource, FieldValue, Fields, TextSpan};
use serde::Deserialize;

pub use patterns::{amounts, case_numbers, dates, labelled, numbers, writ_number};

/// One sheet's text and the recognized words it was made from.
pub use fehrist_model::SheetText;

/// A set of rules a pipeline can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extractor {
    /// `dates`: every date, as ISO 8601 days.
    Dates,
    /// `document_numbers`: every number written after `№`.
    DocumentNumbers,
    /// `case_numbers`: court case numbers (`дело №`, `парвандаи №`, `иш №`).
    CaseNumbers,
    /// `amounts`: sums of money with their ISO 4217 currency.
    Amounts,
    /// `persons`: names written after role words (citizen, father, claimant, …).
    Persons,
    /// The fields of a writ of execution: `court`, `case_number`, `decision_date`,
    /// `writ_number`, `claimant`, `debtor`, `subject`, `amounts`, `enforcement_office`.
    ExecutiveDocument,
}

/// The fields found in a record, and where each was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub fields: Fields,
    pub sources: Vec<FieldSource>,
}

/// How sure a rule is of a value when the text is read right: a value after its own
/// label is nearly certain; one recognized by its shape alone less so.
const LABELLED: f32 = 0.97;
const BY_SHAPE: f32 = 0.9;
const GUESSED: f32 = 0.6;

/// A value found on one sheet at a byte range of its text.
struct Found<T> {
    sheet: usize,
    range: Range<usize>,
    value: T,
    certainty: f32,
}

/// Runs the extractors over the sheets, in sheet order.
pub fn extract(sheets: &[SheetText<'_>], extractors: &[Extractor]) -> Extraction {
    let mut out = Builder {
        sheets,
        extraction: Extraction::default(),
    };
    for extractor in extractors {
        match extractor {
            Extractor::Dates => out.texts(names::DATES, each(sheets, patterns::dates, BY_SHAPE)),
            Extractor::DocumentNumbers => out.texts(
                names::DOCUMENT_NUMBERS,
                each(sheets, patterns::numbers, BY_SHAPE),
            ),
            Extractor::CaseNumbers => out.texts(
                names::CASE_NUMBERS,
                each(sheets, patterns::case_numbers, LABELLED),
            ),
            Extractor::Amounts => {
                out.amounts(names::AMOUNTS, each(sheets, patterns::amounts, BY_SHAPE))
            }
            Extractor::Persons => out.texts(names::PERSONS, persons(sheets)),
            Extractor::ExecutiveDocument => executive_document(&mut out),
        }
    }
    out.extraction
}

fn each<T>(
    sheets: &[SheetText<'_>],
    find: impl Fn(&str) -> Vec<(Range<usize>, T)>,
    certainty: f32,
) -> Vec<Found<T>> {
    sheets
        .iter()
        .enumerate()
        .flat_map(|(sheet, text)| {
            find(text.text)
                .into_iter()
                .map(move |(range, value)| Found {
                    sheet,
                    range,
                    value,
                    certainty,
                })
        })
        .collect()
}

/// The first sheet on which `find` finds something.
fn first<T>(
    sheets: &[SheetText<'_>],
    find: impl Fn(&str) -> Option<(Range<usize>, T)>,
    certainty: f32,
) -> Option<Found<T>> {
    sheets.iter().enumerate().find_map(|(sheet, text)| {
        find(text.text).map(|(range, value)| Found {
            sheet,
            range,
            value,
            certainty,
        })
    })
}

struct Builder<'a, 'b> {
    sheets: &'a [SheetText<'b>],
    extraction: Extraction,
}

impl Builder<'_, '_> {
    fn source(&mut self, field: String, sheet: usize, range: &Range<usize>, certainty: f32) {
        let page = &self.sheets[sheet];
        let ocr = ocr_confidence(page, range);
        let start = page.text[..range.start].chars().count();
        let length = page.text[range.clone()].chars().count();
        self.extraction.sources.push(FieldSource {
            field,
            span: Some(TextSpan {
                sheet: page.sheet,
                start: start as u32,
                end: (start + length) as u32,
            }),
            confidence: (certainty * ocr * 100.0).round().clamp(0.0, 100.0) as u8,
            origin: FieldOrigin::Extracted,
            editor: None,
        });
    }

    fn text(&mut self, name: &str, found: Option<Found<String>>) {
        let Some(found) = found else { return };
        if self.extraction.fields.contains_key(name) {
            return;
        }
        self.source(name.to_owned(), found.sheet, &found.range, found.certainty);
        self.extraction
            .fields
            .insert(name.to_owned(), FieldValue::Text(found.value));
    }

    /// A list field: each value once, where it first appears.
    fn list<T: PartialEq>(
        &mut self,
        name: &str,
        found: Vec<Found<T>>,
        field: fn(Vec<T>) -> FieldValue,
    ) {
        let mut values: Vec<T> = Vec::new();
        for found in found {
            if values.contains(&found.value) {
                continue;
            }
            let item = format!("{name}/{}", values.len());
            self.source(item, found.sheet, &found.range, found.certainty);
            values.push(found.value);
        }
        if !values.is_empty() {
            self.extraction
                .fields
                .insert(name.to_owned(), field(values));
        }
    }

    fn texts(&mut self, name: &str, found: Vec<Found<String>>) {
        self.list(name, found, FieldValue::Texts);
    }

    fn amounts(&mut self, name: &str, found: Vec<Found<Amount>>) {
        self.list(name, found, FieldValue::Amounts);
    }
}

/// The OCR confidence (0–1) of the least sure word the range covers; 1 for text that
/// was not recognized (a born-digital text layer) or whose words cannot be placed.
fn ocr_confidence(sheet: &SheetText<'_>, range: &Range<usize>) -> f32 {
    let mut cursor = 0;
    let mut lowest: Option<f32> = None;
    for word in sheet.words {
        let Some(at) = sheet.text[cursor..].find(word.text.as_str()) else {
            continue;
        };
        let start = cursor + at;
        let end = start + word.text.len();
        cursor = end;
        if end > range.start && start < range.end {
            lowest = Some(lowest.map_or(word.confidence, |l| l.min(word.confidence)));
        }
        if start >= range.end {
            break;
        }
    }
    lowest.map_or(1.0, |c| (c / 100.0).clamp(0.0, 1.0))
}

/// Role words a person's name follows, in the three languages, lower case.
const PERSON_ROLES: &[&str] = &[
    "гражданин",
    "гражданка",
    "гражданину",
    "гражданке",
    "фио",
    "ф.и.о.",
    "фамилия, имя, отчество",
    "отец",
    "мать",
    "заявитель",
    "взыскатель",
    "должник",
    "шаҳрванд",
    "ному насаб",
    "насаб, ном, номи падар",
    "падар",
    "модар",
    "аризадиҳанда",
    "ситонанда",
    "қарздор",
    "фуқаро",
    "ота",
    "она",
    "ариза берувчи",
    "ундирувчи",
];

fn persons(sheets: &[SheetText<'_>]) -> Vec<Found<String>> {
    let mut found = Vec::new();
    for (sheet, page) in sheets.iter().enumerate() {
        let lower = page.text.to_lowercase();
        if lower.len() != page.text.len() {
            continue;
        }
        for role in PERSON_ROLES {
            for (at, _) in lower.match_indices(role) {
                let before_ok = lower[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric());
                let after = at + role.len();
                let rest = &page.text[after..];
                let skipped =
                    rest.len() - rest.trim_start_matches([' ', ':', '-', '–', '\t']).len();
                if !before_ok || rest.starts_with(char::is_alphanumeric) {
                    continue;
                }
                let start = after + skipped;
                if let Some(name) = patterns::name_at(&page.text[start..]) {
                    let range = start + name.start..start + name.end;
                    found.push(Found {
                        sheet,
                        value: page.text[range.clone()].to_owned(),
                        range,
                        certainty: LABELLED,
                    });
                }
            }
        }
    }
    found.sort_by_key(|f| (f.sheet, f.range.start));
    found
}

const COURT: &[&str] = &[
    "суд, выдавший исполнительный лист",
    "суд, выдавший документ",
    "наименование суда",
    "номи суд",
    "суди содиркунанда",
    "суд номи",
    "ижро варақасини берган суд",
    "суд",
];
const CLAIMANT: &[&str] = &["взыскатель", "ситонанда", "ундирувчи", "талабгор"];
const DEBTOR: &[&str] = &["должник", "қарздор", "карздор"];
const SUBJECT: &[&str] = &[
    "предмет исполнения",
    "предмет взыскания",
    "мавзӯи иҷро",
    "мавзуи иҷро",
    "предмети иҷро",
    "ижро предмети",
    "ундирув предмети",
];
const ENFORCEMENT_OFFICE: &[&str] = &[
    "орган исполнения",
    "отдел исполнения",
    "подразделение судебных исполнителей",
    "направлен в",
    "направляется в",
    "мақомоти иҷро",
    "шуъбаи иҷро",
    "ижро бўлими",
    "ижро органи",
];
const DECISION: &[&str] = &[
    "дата решения",
    "дата вынесения решения",
    "решение от",
    "решение суда от",
    "санаи қарор",
    "санаи қабули қарор",
    "қарор аз",
    "қарори суд аз",
    "қарор санаси",
    "ҳал қилув қарори санаси",
    "суд қарори",
];

fn executive_document(out: &mut Builder<'_, '_>) {
    let sheets = out.sheets;
    let line = |labels: &'static [&'static str], to_comma: bool| {
        move |text: &str| patterns::labelled(text, labels, to_comma)
    };
    let court = first(sheets, line(COURT, false), LABELLED).or_else(|| {
        // No label: the first line that names a court (`Суди ноҳияи Сино…`).
        first(sheets, court_line, GUESSED)
    });
    out.text(names::COURT, court);
    let case_number = first(
        sheets,
        |text| patterns::case_numbers(text).into_iter().next(),
        LABELLED,
    );
    out.text(names::CASE_NUMBER, case_number);
    let decision_date = first(
        sheets,
        |text| {
            let line = patterns::labelled_line(text, DECISION)?;
            patterns::dates(&text[line.clone()])
                .into_iter()
                .next()
                .map(|(range, date)| (line.start + range.start..line.start + range.end, date))
        },
        LABELLED,
    );
    out.text(names::DECISION_DATE, decision_date);
    out.text(
        names::WRIT_NUMBER,
        first(sheets, patterns::writ_number, LABELLED),
    );
    out.text(
        names::CLAIMANT,
        first(sheets, line(CLAIMANT, true), LABELLED),
    );
    out.text(names::DEBTOR, first(sheets, line(DEBTOR, true), LABELLED));
    out.text(
        names::SUBJECT,
        first(sheets, line(SUBJECT, false), LABELLED),
    );
    out.amounts(names::AMOUNTS, each(sheets, patterns::amounts, BY_SHAPE));
    out.text(
        names::ENFORCEMENT_OFFICE,
        first(sheets, line(ENFORCEMENT_OFFICE, false), LABELLED),
    );
}

/// The first line that begins by naming a court.
fn court_line(text: &str) -> Option<(Range<usize>, String)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim();
        let first_word = body.split_whitespace().next().unwrap_or("").to_lowercase();
        if ["суд", "суди", "районный", "городской", "верховный"].contains(&first_word.as_str())
            && body.to_lowercase().contains("суд")
            && body.chars().count() > 6
        {
            let indent = line.len() - line.trim_start().len();
            let value = body.trim_end_matches(['.', ',']);
            return Some((
                start + indent..start + indent + value.len(),
                value.to_owned(),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use fehrist_model::Word;

    const WRIT_RU: &str = "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ № ФС-0012/24\n\
        Суд: Суд района Сино города Душанбе\n\
        по делу № 2-345/2024\n\
        Дата решения: 12 марта 2024 г.\n\
        Взыскатель: Каримов Алишер Бахромович, г. Душанбе\n\
        Должник: Рахимова Зарина Саидовна, 1990 г.р.\n\
        Предмет исполнения: взыскание алиментов на содержание ребёнка\n\
        Сумма взыскания: 700 928 176,50 сомони и 1 200 долларов США.\n\
        Орган исполнения: Отдел исполнения района Сино\n";

    #[test]
    fn a_russian_writ_gives_every_field_with_its_place() {
        let sheets = [SheetText {
            sheet: 1,
            text: WRIT_RU,
            words: &[],
        }];
        let found = extract(&sheets, &[Extractor::ExecutiveDocument]);
        let text = |name: &str| match &found.fields[name] {
            FieldValue::Text(text) => text.clone(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(text("court"), "Суд района Сино города Душанбе");
        assert_eq!(text("case_number"), "2-345/2024");
        assert_eq!(text("decision_date"), "2024-03-12");
        assert_eq!(text("writ_number"), "ФС-0012/24");
        assert_eq!(text("claimant"), "Каримов Алишер Бахромович");
        assert_eq!(text("debtor"), "Рахимова Зарина Саидовна");
        assert_eq!(text("subject"), "взыскание алиментов на содержание ребёнка");
        assert_eq!(text("enforcement_office"), "Отдел исполнения района Сино");
        assert_eq!(
            found.fields["amounts"],
            FieldValue::Amounts(vec![
                Amount {
                    value: "700928176.50".into(),
                    currency: "TJS".into()
                },
                Amount {
                    value: "1200".into(),
                    currency: "USD".into()
                },
            ])
        );
        // Each source's span is the very text of its value.
        let chars: Vec<char> = WRIT_RU.chars().collect();
        for source in &found.sources {
            let at = source.span.unwrap();
            let span: String = chars[at.start as usize..at.end as usize].iter().collect();
            if let Some(FieldValue::Text(value)) = found.fields.get(&source.field) {
                assert!(span.contains(value.as_str()) || source.field == "decision_date");
            }
            assert_eq!(at.sheet, 1);
            assert!(source.confidence >= 90, "{source:?}");
        }
        assert_eq!(found.sources.len(), 10);
    }

    #[test]
    fn confidence_follows_the_words_read() {
        let text = "Дело № 2-345/2024";
        let word = |text: &str, confidence| Word {
            text: text.into(),
            confidence,
            bbox: [0; 4],
            language: "rus".into(),
            line: None,
        };
        let words = [
            word("Дело", 95.0),
            word("№", 90.0),
            word("2-345/2024", 40.0),
        ];
        let sheets = [SheetText {
            sheet: 3,
            text,
            words: &words,
        }];
        let found = extract(&sheets, &[Extractor::CaseNumbers]);
        assert_eq!(
            found.fields["case_numbers"],
            FieldValue::Texts(vec!["2-345/2024".into()])
        );
        let source = &found.sources[0];
        assert_eq!(source.field, "case_numbers/0");
        assert_eq!(
            source.span,
            Some(TextSpan {
                sheet: 3,
                start: 7,
                end: 17
            })
        );
        assert_eq!(source.confidence, 39);
    }

    #[test]
    fn persons_after_role_words() {
        let text = "Шаҳрванд Назаров Фаррух Одинаевич ариза дод.\nПадар: Назаров Одина\nМодар: Саидова М. К.";
        let sheets = [SheetText {
            sheet: 1,
            text,
            words: &[],
        }];
        let found = extract(&sheets, &[Extractor::Persons]);
        assert_eq!(
            found.fields["persons"],
            FieldValue::Texts(vec![
                "Назаров Фаррух Одинаевич".into(),
                "Назаров Одина".into(),
                "Саидова М. К.".into()
            ])
        );
    }
}
