//! The passage of a page shown under a hit: the window of text where the query's
//! words weigh most, with those words highlighted.
//!
//! Chosen as tantivy's snippet generator chooses (a word weighs `1 / (1 + pages
//! holding it)`; the heaviest window wins, the earliest among equals), but written
//! here because tantivy's lower-cases every word of the page again and allocates for
//! it, which was a tenth of a search's time; the analyzer has already normalized
//! every token.

use std::collections::BTreeMap;

use tantivy::query::Query;
use tantivy::schema::{Field, FieldType};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Searcher, Term};

use crate::analyzer::{
    ARCHIVE_ANALYZER, next_word, normalize_into, normalizes_to, normalizes_to_same_length,
};

/// Finds passages of one field's text for one query.
#[derive(Clone)]
pub(crate) struct Passages {
    /// The query's terms in this field (as the analyzer wrote them) → weight.
    terms: BTreeMap<String, Score>,
    words: Words,
    max_bytes: usize,
}

/// How the field's text is cut into the words its terms came from.
#[derive(Clone)]
enum Words {
    /// The archive analyzer's, read here so that most words of a page are compared
    /// with the terms letter by letter, stopping at the first that differs, instead
    /// of being normalized whole.
    Archive { normalized: String },
    /// Any other analyzer (the Russian stemmer's): every token normalized.
    Analyzer(TextAnalyzer),
}

/// A window of a page's text and the byte ranges of the query's words within it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Passage<'a> {
    pub text: &'a str,
    pub highlights: Vec<std::ops::Range<usize>>,
}

impl Passages {
    pub(crate) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        max_bytes: usize,
    ) -> tantivy::Result<Self> {
        let mut in_field: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                in_field.push(term.clone());
            }
        });
        let mut terms = BTreeMap::new();
        for term in in_field {
            let Some(text) = term.value().as_str().map(str::to_owned) else {
                continue;
            };
            let pages = searcher.doc_freq(&term)?;
            if pages > 0 {
                terms.insert(text, 1.0 / (1.0 + pages as Score));
            }
        }
        let archive = matches!(
            searcher.schema().get_field_entry(field).field_type(),
            FieldType::Str(options) if options
                .get_indexing_options()
                .is_some_and(|indexing| indexing.tokenizer() == ARCHIVE_ANALYZER)
        );
        let words = if archive {
            Words::Archive {
                normalized: String::new(),
            }
        } else {
            Words::Analyzer(searcher.index().tokenizer_for_field(field)?)
        };
        Ok(Self {
            terms,
            words,
            max_bytes,
        })
    }

    /// The heaviest window of at most `max_bytes` (a longer single word stands alone),
    /// or `None` when none of the query's words is in `text`.
    pub(crate) fn best<'a>(&mut self, text: &'a str) -> Option<Passage<'a>> {
        if self.terms.is_empty() {
            return None;
        }
        // (score, start, stop, highlights) of the window being read and the best one.
        let mut best: Option<(Score, usize, usize, Vec<std::ops::Range<usize>>)> = None;
        let (mut score, mut start, mut stop) = (0.0, 0, 0);
        let mut highlights = Vec::new();
        let mut close = |score: Score, start, stop, highlights: &mut Vec<_>| {
            if score > 0.0 && best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, start, stop, std::mem::take(highlights)));
            }
            highlights.clear();
        };
        let mut read = |from: usize, to: usize, weight: Option<&Score>| {
            if to - start > self.max_bytes {
                close(score, start, stop, &mut highlights);
                (score, start) = (0.0, from);
            }
            stop = to;
            if let Some(weight) = weight {
                score += weight;
                highlights.push(from..to);
            }
        };
        match &mut self.words {
            Words::Archive { normalized } => {
                let mut offset = 0;
                while let Some((from, to)) = next_word(text, offset) {
                    offset = to;
                    let word = &text[from..to];
                    let weight = if normalizes_to_same_length(word) {
                        self.terms
                            .iter()
                            .find(|(term, _)| normalizes_to(word, term))
                            .map(|(_, weight)| weight)
                    } else {
                        normalize_into(word, normalized);
                        self.terms.get(normalized.as_str())
                    };
                    read(from, to, weight);
                }
            }
            Words::Analyzer(analyzer) => {
                let mut stream = analyzer.token_stream(text);
                while let Some(token) = stream.next() {
                    read(
                        token.offset_from,
                        token.offset_to,
                        self.terms.get(token.text.as_str()),
                    );
                }
            }
        }
        close(score, start, stop, &mut highlights);
        let (_, start, stop, highlights) = best?;
        Some(Passage {
            text: &text[start..stop],
            highlights: highlights
                .into_iter()
                .map(|r| r.start - start..r.end - start)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ArchiveTokenizer;

    /// Both ways of reading words: the archive analyzer's quick path and the generic
    /// one over the same analyzer, which must agree.
    fn passages(words: &[(&str, Score)], max_bytes: usize) -> [Passages; 2] {
        let terms: BTreeMap<String, Score> =
            words.iter().map(|(w, s)| ((*w).to_owned(), *s)).collect();
        [
            Words::Archive {
                normalized: String::new(),
            },
            Words::Analyzer(TextAnalyzer::from(ArchiveTokenizer::default())),
        ]
        .map(|words| Passages {
            terms: terms.clone(),
            words,
            max_bytes,
        })
    }

    fn best<'a>(finders: &mut [Passages; 2], text: &'a str) -> Option<Passage<'a>> {
        let [quick, generic] = finders;
        let found = quick.best(text);
        assert_eq!(found, generic.best(text), "{text:?}");
        found
    }

    #[test]
    fn the_heaviest_window_wins_and_its_words_are_marked() {
        let text = "Ҳуҷҷат дар бораи замин. Қарори суд дар бораи ситонидани қарз аз Раҳимов.";
        let mut finders = passages(&[("қарз", 0.5), ("суд", 0.2)], 40);
        let found = best(&mut finders, text).expect("a passage");
        assert!(found.text.contains("қарз"), "{found:?}");
        let marked: Vec<&str> = found
            .highlights
            .iter()
            .map(|r| &found.text[r.clone()])
            .collect();
        assert_eq!(marked, ["қарз"]);
        assert!(found.text.len() <= 40, "{}", found.text.len());
    }

    #[test]
    fn words_match_whatever_their_case_in_the_page() {
        let mut finders = passages(&[("ҳуҷҷат", 1.0), ("кӯҳистонӣ", 1.0)], 160);
        // The second ҳуҷҷат and кӯҳистонӣ are written with combining marks.
        let text = "ҲУҶҶАТ ва Ҳуҷҷат, х\u{0443}\u{0306}ҷҷат, КУ\u{0304}ҲИСТОНӢ";
        let found = best(&mut finders, text).expect("a passage");
        let marked: Vec<&str> = found
            .highlights
            .iter()
            .map(|r| &found.text[r.clone()])
            .collect();
        assert_eq!(marked, ["ҲУҶҶАТ", "Ҳуҷҷат", "КУ\u{0304}ҲИСТОНӢ"]);
    }

    #[test]
    fn among_equal_windows_the_first_is_shown() {
        let mut finders = passages(&[("суд", 1.0)], 12);
        let found = best(&mut finders, "суд аввал, баъд дигар суд").expect("a passage");
        assert_eq!(found.highlights, vec![0..6]);
    }

    #[test]
    fn no_passage_without_the_words() {
        assert_eq!(
            best(&mut passages(&[("суд", 1.0)], 160), "замин ва об"),
            None
        );
        assert_eq!(best(&mut passages(&[], 160), "суд"), None);
    }
}
