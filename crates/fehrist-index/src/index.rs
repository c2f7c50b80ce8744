use std::path::Path;
use std::sync::Mutex;

use fehrist_model::{AccessLevel, Digest, RecordId, RefCode};
use tantivy::collector::TopDocs;
use tantivy::query::{QueryParser, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::{ArchiveTokenizer, IndexError};

const ARCHIVE_ANALYZER: &str = "fehrist_archive";
const RUSSIAN_ANALYZER: &str = "fehrist_russian";
const WRITER_HEAP: usize = 64 * 1024 * 1024;
const SNIPPET_CHARS: usize = 160;

/// One page as the index sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageDoc {
    pub record_id: RecordId,
    pub ref_code: RefCode,
    pub sheet: u32,
    pub title: Option<String>,
    pub document_type: Option<String>,
    pub access: AccessLevel,
    /// Tesseract language code of the page's main language.
    pub language: String,
    pub master: Digest,
    pub text: String,
    /// The page's Russian words, in order, indexed again with Russian stemming; empty
    /// when it has none (Tajik and Uzbek words are never stemmed as Russian).
    pub russian: String,
}

/// A page that matched, with a snippet of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub record_id: RecordId,
    pub ref_code: RefCode,
    pub sheet: u32,
    pub score: f32,
    pub snippet: String,
    /// Highlighted character ranges (not bytes) within `snippet`.
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    record_id: Field,
    ref_code: Field,
    fond: Field,
    sheet: Field,
    title: Field,
    document_type: Field,
    access: Field,
    language: Field,
    master: Field,
    text: Field,
    text_russian: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analyzed = |analyzer: &str| {
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
    };
    let fields = Fields {
        record_id: builder.add_text_field("record_id", STRING | STORED),
        ref_code: builder.add_text_field("ref_code", STRING | STORED),
        fond: builder.add_text_field("fond", STRING),
        sheet: builder.add_u64_field("sheet", INDEXED | STORED),
        title: builder.add_text_field(
            "title",
            TextOptions::default()
                .set_indexing_options(analyzed(ARCHIVE_ANALYZER))
                .set_stored(),
        ),
        document_type: builder.add_text_field("document_type", STRING | STORED),
        access: builder.add_text_field("access", STRING | STORED),
        language: builder.add_text_field("language", STRING | STORED),
        master: builder.add_text_field("master", STRING | STORED),
        text: builder.add_text_field(
            "text",
            TextOptions::default()
                .set_indexing_options(analyzed(ARCHIVE_ANALYZER))
                .set_stored(),
        ),
        text_russian: builder.add_text_field(
            "text_russian",
            TextOptions::default().set_indexing_options(analyzed(RUSSIAN_ANALYZER)),
        ),
    };
    (builder.build(), fields)
}

fn engine(action: &'static str) -> impl FnOnce(tantivy::TantivyError) -> IndexError {
    move |source| IndexError::Engine {
        action,
        source: Box::new(source),
    }
}

/// The search index over all registered pages.
///
/// Contract: writes are visible to searches after [`SearchIndex::commit`] returns;
/// [`SearchIndex::replace_record`] is idempotent (a record indexed twice has its
/// pages once). One process writes at a time (tantivy holds a lock while writing).
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the folder) if needed.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        let open_error = |source: BoxError| IndexError::Open {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_error(Box::new(e)))?;
        let directory =
            tantivy::directory::MmapDirectory::open(dir).map_err(|e| open_error(Box::new(e)))?;
        let (schema, _) = schema();
        let index =
            Index::open_or_create(directory, schema).map_err(|e| open_error(Box::new(e)))?;
        Self::with_index(index)
    }

    /// An index that lives in memory only, for tests.
    pub fn in_memory() -> Result<Self, IndexError> {
        Self::with_index(Index::create_in_ram(schema().0))
    }

    fn with_index(index: Index) -> Result<Self, IndexError> {
        index.tokenizers().register(
            ARCHIVE_ANALYZER,
            TextAnalyzer::from(ArchiveTokenizer::default()),
        );
        index.tokenizers().register(
            RUSSIAN_ANALYZER,
            TextAnalyzer::builder(ArchiveTokenizer::default())
                .filter(Stemmer::new(Language::Russian))
                .build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine("open a reader"))?;
        let (_, fields) = schema();
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
        })
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            *guard = Some(
                self.index
                    .writer(WRITER_HEAP)
                    .map_err(engine("open the writer"))?,
            );
        }
        let writer = guard.as_mut().expect("writer was just opened");
        f(writer)
    }

    /// Indexes a record's pages, replacing whatever was indexed for it before.
    pub fn replace_record(
        &self,
        record_id: &RecordId,
        pages: &[PageDoc],
    ) -> Result<(), IndexError> {
        let f = self.fields;
        self.with_writer(|writer| {
            writer.delete_term(Term::from_field_text(f.record_id, record_id.as_str()));
            for page in pages {
                let mut doc = TantivyDocument::default();
                doc.add_text(f.record_id, page.record_id.as_str());
                doc.add_text(f.ref_code, page.ref_code.to_string());
                doc.add_text(f.fond, page.ref_code.fond_code());
                doc.add_u64(f.sheet, u64::from(page.sheet));
                if let Some(title) = &page.title {
                    doc.add_text(f.title, title);
                }
                if let Some(document_type) = &page.document_type {
                    doc.add_text(f.document_type, document_type);
                }
                doc.add_text(f.access, page.access.as_str());
                doc.add_text(f.language, &page.language);
                doc.add_text(f.master, page.master.as_str());
                doc.add_text(f.text, &page.text);
                if !page.russian.is_empty() {
                    doc.add_text(f.text_russian, &page.russian);
                }
                writer.add_document(doc).map_err(engine("add a page"))?;
            }
            Ok(())
        })
    }

    /// Makes every write so far durable and visible to searches.
    pub fn commit(&self) -> Result<(), IndexError> {
        self.with_writer(|writer| writer.commit().map(drop).map_err(engine("commit")))?;
        self.reader.reload().map_err(engine("reload the reader"))
    }

    fn exact(
        &self,
        field: Field,
        value: &str,
        limit: usize,
    ) -> Result<Vec<TantivyDocument>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(engine("search"))?;
        top.into_iter()
            .map(|(_, address)| searcher.doc(address).map_err(engine("read a page")))
            .collect()
    }

    pub fn contains_record(&self, record_id: &RecordId) -> Result<bool, IndexError> {
        Ok(!self
            .exact(self.fields.record_id, record_id.as_str(), 1)?
            .is_empty())
    }

    /// Records and sheets whose master has this digest.
    pub fn sheets_with_master(&self, digest: &Digest) -> Result<Vec<(RecordId, u32)>, IndexError> {
        let mut found: Vec<(RecordId, u32)> = self
            .exact(self.fields.master, digest.as_str(), 10_000)?
            .iter()
            .filter_map(|doc| Some((self.record_id(doc)?, self.sheet(doc)?)))
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// Records registered under a file's reference code (several after re-scans).
    pub fn records_with_ref_code(&self, code: &RefCode) -> Result<Vec<RecordId>, IndexError> {
        let mut ids: Vec<RecordId> = self
            .exact(self.fields.ref_code, &code.file_code().to_string(), 100_000)?
            .iter()
            .filter_map(|doc| self.record_id(doc))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn text_of(doc: &TantivyDocument, field: Field) -> Option<&str> {
        doc.get_first(field).and_then(|v| v.as_str())
    }

    fn record_id(&self, doc: &TantivyDocument) -> Option<RecordId> {
        Self::text_of(doc, self.fields.record_id)?.parse().ok()
    }

    fn sheet(&self, doc: &TantivyDocument) -> Option<u32> {
        doc.get_first(self.fields.sheet)
            .and_then(|v| v.as_u64())
            .and_then(|s| u32::try_from(s).ok())
    }

    /// Full-text search over page text and titles; every word must match
    /// (`OR`, `-word`, `"phrases"` and `word*` follow tantivy's query syntax).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, IndexError> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let mut parser = QueryParser::for_index(&self.index, vec![f.text, f.text_russian, f.title]);
        parser.set_conjunction_by_default();
        let parsed = parser
            .parse_query(query)
            .map_err(|source| IndexError::Query {
                query: query.to_owned(),
                source: Box::new(source),
            })?;
        let top = searcher
            .search(&parsed, &TopDocs::with_limit(limit).order_by_score())
            .map_err(engine("search"))?;
        let snippets = |field| {
            SnippetGenerator::create(&searcher, &*parsed, field).map(|mut generator| {
                generator.set_max_num_chars(SNIPPET_CHARS);
                generator
            })
        };
        let exact = snippets(f.text).map_err(engine("make snippets"))?;
        let stemmed = snippets(f.text_russian).map_err(engine("make snippets"))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine("read a page"))?;
            let (Some(record_id), Some(ref_code), Some(sheet)) = (
                self.record_id(&doc),
                Self::text_of(&doc, f.ref_code).and_then(|c| c.parse().ok()),
                self.sheet(&doc),
            ) else {
                continue;
            };
            let text = Self::text_of(&doc, f.text).unwrap_or_default();
            let mut snippet = exact.snippet(text);
            if snippet.highlighted().is_empty() {
                snippet = stemmed.snippet(text);
            }
            let fragment = snippet.fragment();
            let chars = |byte: usize| fragment[..byte].chars().count();
            hits.push(Hit {
                record_id,
                ref_code,
                sheet,
                score,
                snippet: fragment.to_owned(),
                highlights: snippet
                    .highlighted()
                    .iter()
                    .map(|r| (chars(r.start), chars(r.end)))
                    .collect(),
            });
        }
        Ok(hits)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
