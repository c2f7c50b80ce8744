//! The registry's search index: tantivy on disk, one document per page with its
//! record's fields copied in, so hits are page-level and carry a highlighted snippet.
//!
//! The index is derived data: everything in it is rebuilt from the store's manifests
//! and text blobs. Main types: [`SearchIndex`], [`PageDoc`] (what is indexed),
//! [`Hit`] (what a search returns). Text is tokenized by [`ArchiveTokenizer`]
//! (NFC, case folding, `ё`→`е`, no byte-length cut-off). Pages recognized as Russian
//! are also indexed through a Russian stemmer in a separate field, so Russian word
//! forms find each other while Tajik and Uzbek words are never stemmed by Russian rules.
//!
//! This crate is the only one that knows tantivy.

mod analyzer;
mod index;
mod passage;
mod words;

pub use analyzer::{ArchiveTokenizer, MAX_TOKEN_CHARS, name_key, normalize_word};
pub use index::{
    Hit, PageDoc, RecordFacts, RedactedPage, SearchIndex, SearchRequest, SearchResults, Sort,
    day_number,
};
pub use words::QueryWords;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("cannot open the search index at {path}")]
    Open {
        path: String,
        #[source]
        source: BoxError,
    },
    #[error("search index operation failed: {action}")]
    Engine {
        action: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("cannot understand the query {query:?}")]
    Query {
        query: String,
        #[source]
        source: BoxError,
    },
}
