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
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Searcher, Term};

/// Finds passages of one field's text for one query.
#[derive(Clone)]
pub(crate) struct Passages {
    /// The query's terms in this field (as the analyzer wrote them) → weight.
    terms: BTreeMap<String, Score>,
    analyzer: TextAnalyzer,
    max_bytes: usize,
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
        Ok(Self {
            terms,
            analyzer: searcher.index().tokenizer_for_field(field)?,
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
        let mut stream = self.analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            if token.offset_to - start > self.max_bytes {
                close(score, start, stop, &mut highlights);
                (score, start) = (0.0, token.offset_from);
            }
            stop = token.offset_to;
            if let Some(weight) = self.terms.get(token.text.as_str()) {
                score += weight;
                highlights.push(token.offset_from..token.offset_to);
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

    fn passages(words: &[(&str, Score)], max_bytes: usize) -> Passages {
        Passages {
            terms: words.iter().map(|(w, s)| ((*w).to_owned(), *s)).collect(),
            analyzer: TextAnalyzer::from(ArchiveTokenizer::default()),
            max_bytes,
        }
    }

    #[test]
    fn the_heaviest_window_wins_and_its_words_are_marked() {
        let text = "Ҳуҷҷат дар бораи замин. Қарори суд дар бораи ситонидани қарз аз Раҳимов.";
        let mut finder = passages(&[("қарз", 0.5), ("суд", 0.2)], 40);
        let found = finder.best(text).expect("a passage");
        assert!(found.text.contains("қарз"), "{found:?}");
        let marked: Vec<&str> = found.highlights.iter().map(|r| &found.text[r.clone()]).collect();
        assert_eq!(marked, ["қарз"]);
        assert!(found.text.len() <= 40, "{}", found.text.len());
    }

    #[test]
    fn words_match_whatever_their_case_in_the_page() {
        let mut finder = passages(&[("ҳуҷҷат", 1.0)], 160);
        let found = finder.best("ҲУҶҶАТ ва Ҳуҷҷат").expect("a passage");
        let marked: Vec<&str> = found.highlights.iter().map(|r| &found.text[r.clone()]).collect();
        assert_eq!(marked, ["ҲУҶҶАТ", "Ҳуҷҷат"]);
    }

    #[test]
    fn among_equal_windows_the_first_is_shown() {
        let mut finder = passages(&[("суд", 1.0)], 12);
        let found = finder.best("суд аввал, баъд дигар суд").expect("a passage");
        assert_eq!(found.highlights, vec![0..6]);
    }

    #[test]
    fn no_passage_without_the_words() {
        assert_eq!(passages(&[("суд", 1.0)], 160).best("замин ва об"), None);
        assert_eq!(passages(&[], 160).best("суд"), None);
    }
}
