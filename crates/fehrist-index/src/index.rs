use std::path::Path;
use std::sync::Mutex;

use fehrist_model::{AccessLevel, Digest, RecordId, RefCode};
use std::ops::Bound;

use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyzer::ARCHIVE_ANALYZER;
use crate::passage::Passages;
use crate::{ArchiveTokenizer, IndexError, name_key};

const RUSSIAN_ANALYZER: &str = "fehrist_russian";
const CURRENT: &str = "current";
const SUPERSEDED: &str = "superseded";
const WRITER_HEAP: usize = 64 * 1024 * 1024;
/// The longest snippet, in bytes of UTF-8 (80 to 160 letters).
const SNIPPET_BYTES: usize = 160;

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
    /// The pipeline the record went through (its archive category).
    pub pipeline: String,
    pub facts: RecordFacts,
    /// `false` once a later version of the file (an edit or a re-scan) replaced this
    /// one: searches, totals and facets count the current version only.
    pub current: bool,
    /// The version this one replaces.
    pub previous: Option<RecordId>,
    /// The lowest clearance that reads the record's personal data (its names).
    pub personal_shows_at: AccessLevel,
    /// The page as callers below `personal_shows_at` read it, when its personal data is
    /// hidden there; `None` when the page is the same for every clearance.
    pub redacted: Option<RedactedPage>,
}

/// A page's text and Russian words with its personal data hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct RedactedPage {
    pub text: String,
    pub russian: String,
}

/// What a record's extracted fields add to each of its pages, for filters and facets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordFacts {
    pub court: Option<String>,
    /// ISO 4217 codes of its amounts.
    pub currencies: Vec<String>,
    pub case_numbers: Vec<String>,
    /// Names of persons (claimant, debtor, persons), found across spellings.
    pub names: Vec<String>,
    /// Days it names (and its passport dates), as `yyyymmdd`.
    pub dates: Vec<u64>,
    /// Its sums of money, whatever the currency.
    pub amounts: Vec<f64>,
}

/// The facets every search counts: for each, matching pages per value.
pub const FACETS: &[&str] = &[
    "document_type",
    "court",
    "currency",
    "pipeline",
    "language",
    "access",
    "fond",
];

/// A search: words (tantivy's syntax: `"phrases"`, `OR`, `-word`, `word*`, `word~1`)
/// within filters, one page of results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    pub query: String,
    /// `TJ-CSA/F-12`
    pub fond: Option<String>,
    /// `TJ-CSA/F-12/O-3`
    pub inventory: Option<String>,
    pub document_type: Option<String>,
    pub pipeline: Option<String>,
    pub language: Option<String>,
    pub court: Option<String>,
    pub currency: Option<String>,
    /// Exactly this case number (letter case aside).
    pub case_number: Option<String>,
    /// Every word of this name, in Tajik or Russian spelling.
    pub name: Option<String>,
    /// Only these access levels; empty for all.
    pub access: Vec<AccessLevel>,
    /// The caller's clearance: its view is searched (see [`SearchIndex`]), holding the
    /// pages it reads, personal data hidden or not. `None` searches every page.
    pub clearance: Option<AccessLevel>,
    /// Days, `yyyymmdd`, inclusive.
    pub dates_from: Option<u64>,
    pub dates_to: Option<u64>,
    pub amount_from: Option<f64>,
    pub amount_to: Option<f64>,
    pub offset: usize,
    pub limit: usize,
    /// Count matching pages per facet value too (costs a pass over every match).
    pub facets: bool,
    pub sort: Sort,
    /// Also find versions a later one replaced (normally only current versions).
    pub all_versions: bool,
}

impl SearchRequest {
    /// The clearance whose view is searched (every page when none is given).
    pub fn clearance(&self) -> AccessLevel {
        self.clearance.unwrap_or(AccessLevel::Secret)
    }
}

/// A day written `YYYY-MM-DD` as the `yyyymmdd` the date filters take; `None` when it
/// is not written so.
pub fn day_number(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    shaped.then(|| text.replace('-', "").parse().ok()).flatten()
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// By the record's date (its first: a decision date, else the passport's), newest
    /// first; records without a date last.
    Newest,
    /// By the record's date, oldest first.
    Oldest,
}

/// One page of hits, how many pages match in all, and the facet counts over them all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Facet name → (value, matching pages), most first.
    pub facets: std::collections::BTreeMap<String, Vec<(String, u64)>>,
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
    inventory: Field,
    pipeline: Field,
    case_number: Field,
    names: Field,
    dates: Field,
    amounts: Field,
    facets: Field,
    record_date: Field,
    /// `current` or `superseded`.
    version: Field,
    previous: Field,
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
        inventory: builder.add_text_field("inventory", STRING),
        pipeline: builder.add_text_field("pipeline", STRING | STORED),
        case_number: builder.add_text_field("case_number", STRING),
        names: builder.add_text_field(
            "names",
            TextOptions::default().set_indexing_options(analyzed(ARCHIVE_ANALYZER)),
        ),
        dates: builder.add_u64_field("dates", INDEXED | FAST),
        amounts: builder.add_f64_field("amounts", INDEXED | FAST),
        facets: builder.add_facet_field("facets", FacetOptions::default()),
        record_date: builder.add_u64_field("record_date", FAST),
        version: builder.add_text_field("version", STRING),
        previous: builder.add_text_field("previous", STRING),
    };
    (builder.build(), fields)
}

fn engine(action: &'static str) -> impl FnOnce(tantivy::TantivyError) -> IndexError {
    move |source| IndexError::Engine {
        action,
        source: Box::new(source),
    }
}

/// The search index over all registered pages: one tantivy index per clearance (a
/// view), holding exactly the pages that clearance may read, with their personal data
/// hidden below the clearance that reads it. A caller searches its own view, so no
/// total, facet, snippet or score (BM25's document frequencies and lengths) ever
/// depends on a page it may not see.
///
/// Contract: writes are visible to searches after [`SearchIndex::commit`] returns;
/// [`SearchIndex::replace_record`] is idempotent (a record indexed twice has its
/// pages once). One process writes at a time (tantivy holds a lock while writing).
pub struct SearchIndex {
    /// By clearance, lowest first ([`AccessLevel::ALL`]'s order).
    views: Vec<View>,
    fields: Fields,
    emptied: bool,
}

/// The pages one clearance reads.
struct View {
    clearance: AccessLevel,
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
}

impl View {
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
                    .writer_with_num_threads(1, WRITER_HEAP)
                    .map_err(engine("open the writer"))?,
            );
        }
        let writer = guard.as_mut().expect("writer was just opened");
        f(writer)
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir` (a folder per clearance), creating it if needed.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        let open_error = |source: BoxError| IndexError::Open {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_error(Box::new(e)))?;
        let (schema, _) = schema();
        // The index is derived data: one written with another schema or layout (an
        // older Fehrist kept one index for every clearance) is emptied and rebuilt
        // from the store by the caller.
        let stale_view = |view_dir: &Path| -> Result<bool, BoxError> {
            if !view_dir.exists() {
                return Ok(false);
            }
            let directory = tantivy::directory::MmapDirectory::open(view_dir)?;
            Ok(Index::exists(&directory)?
                && Index::open(directory)
                    .map(|index| index.schema() != schema)
                    .unwrap_or(true))
        };
        let mut stale = dir.join("meta.json").exists();
        for clearance in AccessLevel::ALL {
            stale |= stale_view(&dir.join(clearance.as_str())).map_err(open_error)?;
        }
        if stale {
            std::fs::remove_dir_all(dir).map_err(|e| open_error(Box::new(e)))?;
        }
        let mut indexes = Vec::with_capacity(AccessLevel::ALL.len());
        for clearance in AccessLevel::ALL {
            let view_dir = dir.join(clearance.as_str());
            std::fs::create_dir_all(&view_dir).map_err(|e| open_error(Box::new(e)))?;
            let directory = tantivy::directory::MmapDirectory::open(&view_dir)
                .map_err(|e| open_error(Box::new(e)))?;
            let index = Index::open_or_create(directory, schema.clone())
                .map_err(|e| open_error(Box::new(e)))?;
            indexes.push(index);
        }
        let mut opened = Self::with_indexes(indexes)?;
        opened.emptied = stale;
        Ok(opened)
    }

    /// `true` when the index on disk had another schema and was emptied on opening:
    /// the caller rebuilds it from the store.
    pub fn was_emptied(&self) -> bool {
        self.emptied
    }

    /// An index that lives in memory only, for tests.
    pub fn in_memory() -> Result<Self, IndexError> {
        Self::with_indexes(
            AccessLevel::ALL
                .iter()
                .map(|_| Index::create_in_ram(schema().0))
                .collect(),
        )
    }

    fn with_indexes(indexes: Vec<Index>) -> Result<Self, IndexError> {
        let mut views = Vec::with_capacity(indexes.len());
        for (clearance, index) in AccessLevel::ALL.into_iter().zip(indexes) {
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
            views.push(View {
                clearance,
                index,
                reader,
                writer: Mutex::new(None),
            });
        }
        let (_, fields) = schema();
        Ok(SearchIndex {
            views,
            fields,
            emptied: false,
        })
    }

    /// The view of a clearance.
    fn view(&self, clearance: AccessLevel) -> &View {
        self.views
            .iter()
            .find(|v| v.clearance == clearance)
            .expect("a view per clearance")
    }

    /// The view that holds every page.
    fn everything(&self) -> &View {
        self.view(AccessLevel::Secret)
    }

    /// Indexes a record's pages, replacing whatever was indexed for it before.
    pub fn replace_record(
        &self,
        record_id: &RecordId,
        pages: &[PageDoc],
    ) -> Result<(), IndexError> {
        for view in &self.views {
            self.replace_in_view(view, record_id, pages)?;
        }
        Ok(())
    }

    /// Indexes the pages `view` may read, as its clearance reads them.
    fn replace_in_view(
        &self,
        view: &View,
        record_id: &RecordId,
        pages: &[PageDoc],
    ) -> Result<(), IndexError> {
        let f = self.fields;
        view.with_writer(|writer| {
            writer.delete_term(Term::from_field_text(f.record_id, record_id.as_str()));
            for page in pages.iter().filter(|p| p.access <= view.clearance) {
                let reads_personal = view.clearance >= page.personal_shows_at;
                let (text, russian) = match (&page.redacted, reads_personal) {
                    (Some(redacted), false) => (&redacted.text, &redacted.russian),
                    _ => (&page.text, &page.russian),
                };
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
                doc.add_text(f.text, text);
                if !russian.is_empty() {
                    doc.add_text(f.text_russian, russian);
                }
                doc.add_text(f.inventory, inventory_code(&page.ref_code));
                doc.add_text(f.pipeline, &page.pipeline);
                doc.add_text(f.version, if page.current { CURRENT } else { SUPERSEDED });
                if let Some(previous) = &page.previous {
                    doc.add_text(f.previous, previous.as_str());
                }
                let facts = &page.facts;
                for case_number in &facts.case_numbers {
                    doc.add_text(f.case_number, case_number.trim().to_lowercase());
                }
                for name in facts.names.iter().filter(|_| reads_personal) {
                    doc.add_text(f.names, name_key(name));
                }
                for &day in &facts.dates {
                    doc.add_u64(f.dates, day);
                }
                if let Some(&day) = facts.dates.first() {
                    doc.add_u64(f.record_date, day);
                }
                for &amount in &facts.amounts {
                    doc.add_f64(f.amounts, amount);
                }
                let document_type = page.document_type.as_deref().unwrap_or("unstated");
                let mut facets = vec![
                    ("document_type", document_type),
                    ("pipeline", page.pipeline.as_str()),
                    ("language", page.language.as_str()),
                    ("access", page.access.as_str()),
                ];
                let fond = page.ref_code.fond_code();
                facets.push(("fond", &fond));
                if let Some(court) = &facts.court {
                    facets.push(("court", court));
                }
                for currency in &facts.currencies {
                    facets.push(("currency", currency));
                }
                for (name, value) in facets.into_iter().filter(|(_, v)| !v.is_empty()) {
                    doc.add_facet(f.facets, Facet::from_path([name, value]));
                }
                writer.add_document(doc).map_err(engine("add a page"))?;
            }
            Ok(())
        })
    }

    /// Sees what other processes committed since the last look.
    pub fn reload(&self) -> Result<(), IndexError> {
        for view in &self.views {
            view.reader.reload().map_err(engine("reload the reader"))?;
        }
        Ok(())
    }

    /// Makes every write so far durable and visible to searches.
    pub fn commit(&self) -> Result<(), IndexError> {
        for view in &self.views {
            view.with_writer(|writer| writer.commit().map(drop).map_err(engine("commit")))?;
        }
        self.reload()
    }

    fn exact(
        &self,
        field: Field,
        value: &str,
        limit: usize,
    ) -> Result<Vec<TantivyDocument>, IndexError> {
        let searcher = self.everything().reader.searcher();
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

    /// Whether a version indexed (and committed) names `record_id` as the one it
    /// replaces.
    pub fn is_replaced(&self, record_id: &RecordId) -> Result<bool, IndexError> {
        Ok(!self
            .exact(self.fields.previous, record_id.as_str(), 1)?
            .is_empty())
    }

    /// Records and sheets whose master has this digest, in every version.
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
        let request = SearchRequest {
            query: query.to_owned(),
            limit,
            ..SearchRequest::default()
        };
        Ok(self.search_with(&request)?.hits)
    }

    /// The text part of a request, or `None` when it has no words.
    fn text_query(&self, view: &View, query: &str) -> Result<Option<Box<dyn Query>>, IndexError> {
        if query.trim().is_empty() {
            return Ok(None);
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(&view.index, vec![f.text, f.text_russian, f.title]);
        parser.set_conjunction_by_default();
        // A query that is not tantivy's syntax throughout (an unclosed quote or
        // parenthesis, a stray `:`) is searched for what of it can be read: a person
        // typing words never gets an error for them.
        Ok(Some(match parser.parse_query(query) {
            Ok(parsed) => parsed,
            Err(_) => parser.parse_query_lenient(query).0,
        }))
    }

    fn filters(&self, request: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let term = |term: Term| -> Box<dyn Query> {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        let facet = |name: &str, value: &str| {
            term(Term::from_facet(f.facets, &Facet::from_path([name, value])))
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !request.all_versions {
            must.push((Occur::Must, term(Term::from_field_text(f.version, CURRENT))));
        }
        let facets = [
            ("fond", &request.fond),
            ("document_type", &request.document_type),
            ("pipeline", &request.pipeline),
            ("language", &request.language),
            ("court", &request.court),
            ("currency", &request.currency),
        ];
        for (name, value) in facets {
            if let Some(value) = value {
                must.push((Occur::Must, facet(name, value)));
            }
        }
        if let Some(inventory) = &request.inventory {
            must.push((
                Occur::Must,
                term(Term::from_field_text(f.inventory, inventory)),
            ));
        }
        if let Some(case_number) = &request.case_number {
            let key = case_number.trim().to_lowercase();
            must.push((
                Occur::Must,
                term(Term::from_field_text(f.case_number, &key)),
            ));
        }
        if let Some(name) = &request.name {
            for word in name_key(name).split(' ').filter(|w| !w.is_empty()) {
                must.push((Occur::Must, term(Term::from_field_text(f.names, word))));
            }
        }
        // The view holds the levels up to its clearance: only a choice of some of them
        // needs a filter.
        let clearance = request.clearance();
        let every_level = AccessLevel::ALL
            .iter()
            .all(|level| (*level <= clearance) == request.access.contains(level));
        if !request.access.is_empty() && !every_level {
            let any: Vec<(Occur, Box<dyn Query>)> = request
                .access
                .iter()
                .map(|level| (Occur::Should, facet("access", level.as_str())))
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let bound = |value: Option<Term>| value.map_or(Bound::Unbounded, Bound::Included);
        if request.dates_from.is_some() || request.dates_to.is_some() {
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(request.dates_from.map(|d| Term::from_field_u64(f.dates, d))),
                    bound(request.dates_to.map(|d| Term::from_field_u64(f.dates, d))),
                )),
            ));
        }
        if request.amount_from.is_some() || request.amount_to.is_some() {
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(
                        request
                            .amount_from
                            .map(|a| Term::from_field_f64(f.amounts, a)),
                    ),
                    bound(
                        request
                            .amount_to
                            .map(|a| Term::from_field_f64(f.amounts, a)),
                    ),
                )),
            ));
        }
        must
    }

    /// Searches with filters: page-level hits with snippets, the total, and facet
    /// counts over every matching page.
    pub fn search_with(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        let f = self.fields;
        let view = self.view(request.clearance());
        let searcher = view.reader.searcher();
        let text = self.text_query(view, &request.query)?;
        let mut clauses = self.filters(request);
        clauses.push((
            Occur::Must,
            text.as_ref()
                .map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |q| q.box_clone()),
        ));
        let query = BooleanQuery::new(clauses);
        let mut facet_counts = FacetCollector::for_field("facets");
        for name in FACETS {
            facet_counts.add_facet(Facet::from_path([*name]));
        }
        // No more than there are pages: the collector sets aside room for as many.
        let wanted = request
            .offset
            .saturating_add(request.limit.max(1))
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX))
            .max(1);
        let facet_counts = request.facets.then_some(facet_counts);
        // A query the parser took may still ask what the schema cannot answer
        // (`record_id:*` needs a fast field): the query's fault, not the index's.
        let searched = |error: tantivy::TantivyError| match error {
            tantivy::TantivyError::SchemaError(_) | tantivy::TantivyError::InvalidArgument(_) => {
                IndexError::Query {
                    query: request.query.clone(),
                    source: Box::new(error),
                }
            }
            other => engine("search")(other),
        };
        let (top, total, counted) = match request.sort {
            Sort::Relevance => collect(
                &searcher,
                &query,
                TopDocs::with_limit(wanted).order_by_score(),
                facet_counts,
            )
            .map_err(searched)?,
            Sort::Newest | Sort::Oldest => {
                let order = if request.sort == Sort::Newest {
                    tantivy::Order::Desc
                } else {
                    tantivy::Order::Asc
                };
                let by_date =
                    TopDocs::with_limit(wanted).order_by_fast_field::<u64>("record_date", order);
                let (top, total, counted) =
                    collect(&searcher, &query, by_date, facet_counts).map_err(searched)?;
                (
                    top.into_iter().map(|(_, at)| (0.0, at)).collect(),
                    total,
                    counted,
                )
            }
        };
        let mut facets = std::collections::BTreeMap::new();
        for name in FACETS.iter().filter(|_| counted.is_some()) {
            let counted = counted.as_ref().expect("facets were counted");
            let mut values: Vec<(String, u64)> = counted
                .get(Facet::from_path([*name]))
                .filter_map(|(facet, count)| {
                    let value = facet.to_path().get(1).map(|v| (*v).to_owned())?;
                    Some((value, count))
                })
                .collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            if !values.is_empty() {
                facets.insert((*name).to_owned(), values);
            }
        }
        let passages = |field| -> Result<Option<Passages>, IndexError> {
            text.as_ref()
                .map(|text| Passages::new(&searcher, &**text, field, SNIPPET_BYTES))
                .transpose()
                .map_err(engine("make snippets"))
        };
        let mut exact = passages(f.text)?;
        let mut stemmed = passages(f.text_russian)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top.into_iter().skip(request.offset) {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine("read a page"))?;
            let (Some(record_id), Some(ref_code), Some(sheet)) = (
                self.record_id(&doc),
                Self::text_of(&doc, f.ref_code).and_then(|c| c.parse().ok()),
                self.sheet(&doc),
            ) else {
                continue;
            };
            let page_text = Self::text_of(&doc, f.text).unwrap_or_default();
            let passage = exact
                .as_mut()
                .and_then(|exact| exact.best(page_text))
                .or_else(|| stemmed.as_mut().and_then(|stemmed| stemmed.best(page_text)));
            let (snippet, highlights) = match passage {
                Some(passage) => {
                    let chars = |byte: usize| passage.text[..byte].chars().count();
                    let highlights = passage
                        .highlights
                        .iter()
                        .map(|r| (chars(r.start), chars(r.end)))
                        .collect();
                    (passage.text.to_owned(), highlights)
                }
                // Matched by its title, a name or a filter alone: the page's beginning.
                None => (opening(page_text, SNIPPET_BYTES).to_owned(), Vec::new()),
            };
            hits.push(Hit {
                record_id,
                ref_code,
                sheet,
                score,
                snippet,
                highlights,
            });
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }
}

/// The words of `text` that fit in `max_bytes` (at least its first word).
fn opening(text: &str, max_bytes: usize) -> &str {
    let text = text.trim_start();
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(space) => text[..space].trim_end(),
        None => text.split_whitespace().next().unwrap_or_default(),
    }
}

/// The top documents, the number of matches, and the facet counts when asked for.
fn collect<C: tantivy::collector::Collector>(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    top: C,
    facets: Option<FacetCollector>,
) -> tantivy::Result<(C::Fruit, usize, Option<tantivy::collector::FacetCounts>)> {
    match facets {
        Some(facets) => {
            let (top, total, counted) = searcher.search(query, &(top, Count, facets))?;
            Ok((top, total, Some(counted)))
        }
        None => {
            let (top, total) = searcher.search(query, &(top, Count))?;
            Ok((top, total, None))
        }
    }
}

/// `TJ-CSA/F-12/O-3` of a reference code.
fn inventory_code(code: &RefCode) -> String {
    format!("{}/{}", code.fond_code(), code.inventory())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
