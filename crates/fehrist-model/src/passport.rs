//! A record's passport: the ISAD(G) essentials an archivist fills in for a file.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::RefCode;

/// ISAD(G) 3.1.4 level of description. Ingest registers files (storage units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DescriptionLevel {
    Fond,
    Inventory,
    File,
    Sheet,
}

/// ISAD(G) 3.1.3 dates of creation, an ISO 8601 year, month or day, or an interval
/// of two of them: `1968`, `1968-03-12`, `1968/1969`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateSpan {
    start: String,
    end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateSpanError {
    #[error("date {0:?} should be YYYY, YYYY-MM or YYYY-MM-DD")]
    Date(String),
    #[error("date span {0:?} ends before it starts")]
    Reversed(String),
}

fn valid_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let number =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [year] => number(year, 4),
        [year, month] => number(year, 4) && number(month, 2) && ("01"..="12").contains(month),
        [year, month, day] => {
            number(year, 4)
                && number(month, 2)
                && ("01"..="12").contains(month)
                && number(day, 2)
                && ("01"..="31").contains(day)
        }
        _ => false,
    }
}

/// Pads a date to its earliest (`low`) or latest possible day, so that dates of
/// different precision compare as text.
fn pad(date: &str, low: bool) -> String {
    let suffix = if low { "-01-01" } else { "-12-31" };
    let missing = 10usize.saturating_sub(date.len());
    format!("{date}{}", &suffix[suffix.len() - missing..])
}

impl DateSpan {
    pub fn start(&self) -> &str {
        &self.start
    }

    pub fn end(&self) -> &str {
        self.end.as_deref().unwrap_or(&self.start)
    }
}

impl FromStr for DateSpan {
    type Err = DateSpanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (start, end) = match text.split_once('/') {
            Some((start, end)) => (start, Some(end)),
            None => (text, None),
        };
        for date in std::iter::once(start).chain(end) {
            if !valid_date(date) {
                return Err(DateSpanError::Date(date.to_owned()));
            }
        }
        if let Some(end) = end
            && pad(start, true) > pad(end, false)
        {
            return Err(DateSpanError::Reversed(text.to_owned()));
        }
        Ok(DateSpan {
            start: start.to_owned(),
            end: end.map(str::to_owned),
        })
    }
}

impl fmt::Display for DateSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.start)?;
        if let Some(end) = &self.end {
            write!(f, "/{end}")?;
        }
        Ok(())
    }
}

impl Serialize for DateSpan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateSpan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// ISAD(G) 3.1.5 extent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extent {
    pub sheets: u32,
}

/// The passport of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    pub ref_code: RefCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<DateSpan>,
    pub level: DescriptionLevel,
    pub extent: Extent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<(&str, &str), &str>) {
        match (text.parse::<DateSpan>(), expected) {
            (Ok(span), Ok((start, end))) => {
                assert_eq!((span.start(), span.end()), (start, end), "{text}");
                assert_eq!(span.to_string(), text.trim());
            }
            (Err(error), Err(message)) => assert!(error.to_string().contains(message), "{error}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn date_spans() {
        check("1968", Ok(("1968", "1968")));
        check("1968/1969", Ok(("1968", "1969")));
        check("1968-03-12", Ok(("1968-03-12", "1968-03-12")));
        check("1968-03/1968", Ok(("1968-03", "1968")));
        check("1968-03-12/1968-03-12", Ok(("1968-03-12", "1968-03-12")));
        check("1969/1968", Err("ends before it starts"));
        check("1968-04/1968-03-31", Err("ends before it starts"));
        check("12.03.1968", Err("should be YYYY"));
        check("1968-13", Err("should be YYYY"));
        check("68", Err("should be YYYY"));
        check("1968/", Err("should be YYYY"));
    }
}
