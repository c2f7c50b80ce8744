//! Metadata a record's text yields: dates, numbers, amounts, names, and for executive
//! documents (writs of execution) their named fields.
//!
//! `fields` holds the values, named as the record's schema names them
//! (`schemas/executive-document.schema.json` for writs, the `fields` of
//! `schemas/record.schema.json` otherwise); `field_sources` says where each value was
//! read, how sure the reading is, and whether a person corrected it.
//!
//! ```json
//! "fields": {"case_number": "2-345/2024", "amounts": [{"value": "700928176.50", "currency": "TJS"}]},
//! "field_sources": [{"field": "case_number", "span": {"sheet": 1, "start": 88, "end": 98}, "confidence": 91, "origin": "extracted"},
//!                   {"field": "amounts/0", "confidence": 100, "origin": "edited", "editor": "n.karimova"}]
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A sum of money as written: `value` is a decimal string (`700928176.50`, no
/// separators), `currency` an ISO 4217 code (`TJS`, `RUB`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

/// One field's value: a text, a list of texts (every date, every name), or amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Texts(Vec<String>),
    Amounts(Vec<Amount>),
}

/// The field names the extraction rules and the schemas use, one term per concept.
/// Extraction writes them, the index reads names from them and the service redacts
/// by them, so a field is renamed here or nowhere.
pub mod names {
    pub const COURT: &str = "court";
    pub const CASE_NUMBER: &str = "case_number";
    pub const DECISION_DATE: &str = "decision_date";
    pub const WRIT_NUMBER: &str = "writ_number";
    pub const CLAIMANT: &str = "claimant";
    pub const DEBTOR: &str = "debtor";
    pub const PERSONS: &str = "persons";
    pub const SUBJECT: &str = "subject";
    pub const AMOUNTS: &str = "amounts";
    pub const DATES: &str = "dates";
    pub const DOCUMENT_NUMBERS: &str = "document_numbers";
    pub const CASE_NUMBERS: &str = "case_numbers";
    pub const ENFORCEMENT_OFFICE: &str = "enforcement_office";
}

/// Fields that name persons: the personal data of a manifest written before its
/// pipeline's personal data was recorded in it (shown from `restricted`).
pub const PERSONAL_FIELDS: &[&str] = &[names::CLAIMANT, names::DEBTOR, names::PERSONS];

/// Field name → value; a `BTreeMap` so the manifest's bytes do not depend on the
/// order fields were found in.
pub type Fields = BTreeMap<String, FieldValue>;

/// Whether a value was read by the extraction rules or set by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOrigin {
    Extracted,
    Edited,
}

/// Where a value stands in the record's text: `start` and `end` count characters
/// (Unicode scalar values) of the sheet's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpan {
    pub sheet: u32,
    pub start: u32,
    pub end: u32,
}

/// Where one value came from. `field` names the field, and for one item of a list
/// its position (`amounts/0`, `dates/2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    pub field: String,
    /// The text it was read from; absent for a value a person set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<TextSpan>,
    /// 0–100: how sure the rule is of its reading, times the OCR confidence of the
    /// words it read; 100 for a value a person set.
    pub confidence: u8,
    pub origin: FieldOrigin,
    /// Who set the value, for an edited field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_the_shape_they_were_written_in() {
        let mut fields = Fields::new();
        fields.insert("court".into(), FieldValue::Text("Суди ноҳияи Сино".into()));
        fields.insert(
            "dates".into(),
            FieldValue::Texts(vec!["2024-03-12".into(), "2024-04-01".into()]),
        );
        fields.insert(
            "amounts".into(),
            FieldValue::Amounts(vec![Amount {
                value: "700928176".into(),
                currency: "TJS".into(),
            }]),
        );
        let json = serde_json::to_string(&fields).unwrap();
        assert_eq!(
            json,
            r#"{"amounts":[{"value":"700928176","currency":"TJS"}],"court":"Суди ноҳияи Сино","dates":["2024-03-12","2024-04-01"]}"#
        );
        let back: Fields = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fields);
    }
}
