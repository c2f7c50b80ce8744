//! Which words of a page a query finds, by the index's own rules: a word matches when
//! it normalizes to one of the query's words, or, on a Russian page, when the Russian
//! stemmer takes both to the same stem. Used to highlight hits on a sheet's image
//! and to answer a search within a record.

use std::collections::BTreeSet;

use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, TokenStream as _};

use crate::analyzer::{ArchiveTokenizer, normalize_word};

/// The words of a query.
#[derive(Clone)]
pub struct QueryWords {
    words: BTreeSet<String>,
    stems: BTreeSet<String>,
    stemmer: TextAnalyzer,
}

impl std::fmt::Debug for QueryWords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryWords")
            .field("words", &self.words)
            .field("stems", &self.stems)
            .finish_non_exhaustive()
    }
}

impl QueryWords {
    /// The words of `query` (operators, quotes and punctuation aside).
    pub fn new(query: &str) -> Self {
        let mut tokens = TextAnalyzer::from(ArchiveTokenizer::default());
        let mut words = BTreeSet::new();
        let mut stream = tokens.token_stream(query);
        while let Some(token) = stream.next() {
            if !matches!(token.text.as_str(), "and" | "or" | "not") {
                words.insert(token.text.clone());
            }
        }
        let mut stemmer = TextAnalyzer::builder(ArchiveTokenizer::default())
            .filter(Stemmer::new(Language::Russian))
            .build();
        let stems = words.iter().filter_map(|w| stem(&mut stemmer, w)).collect();
        QueryWords {
            words,
            stems,
            stemmer,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether the query finds `word` (as OCR read it, punctuation and all) on a page
    /// in `language` (`rus`, `tgk`, …).
    pub fn matches(&mut self, word: &str, language: &str) -> bool {
        let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
        if trimmed.is_empty() {
            return false;
        }
        let normalized = normalize_word(trimmed);
        if self.words.contains(&normalized) {
            return true;
        }
        language == "rus"
            && stem(&mut self.stemmer, &normalized).is_some_and(|s| self.stems.contains(&s))
    }
}

fn stem(stemmer: &mut TextAnalyzer, word: &str) -> Option<String> {
    let mut stream = stemmer.token_stream(word);
    stream.next().map(|token| token.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_by_normal_form_and_russian_stem() {
        let mut query = QueryWords::new("Алименты AND \"Ҳакимов\"");
        assert!(!query.is_empty());
        assert!(query.matches("АЛИМЕНТЫ,", "tgk"));
        assert!(query.matches("ҳакимов", "tgk"));
        // Another form of the word: the same stem, on a Russian page only.
        assert!(query.matches("алиментов", "rus"));
        assert!(!query.matches("алиментов", "tgk"));
        assert!(!query.matches("and", "eng"));
        assert!(!query.matches("—", "rus"));
        assert!(!query.matches("суд", "rus"));
        assert!(QueryWords::new("  ").is_empty());
    }
}
