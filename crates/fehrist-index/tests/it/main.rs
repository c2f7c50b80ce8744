//! The search index on disk, with the archive's own words.

use fehrist_index::{PageDoc, RecordFacts, SearchIndex, SearchRequest, Sort};
use fehrist_model::{AccessLevel, Digest, RecordId};

fn page(record: u8, code: &str, sheet: u32, language: &str, text: &str) -> PageDoc {
    PageDoc {
        record_id: RecordId::from_bytes(&[record; 16]).unwrap(),
        ref_code: code.parse().unwrap(),
        sheet,
        title: None,
        document_type: None,
        access: AccessLevel::Open,
        language: language.to_owned(),
        master: Digest::from_bytes(&[record * 16 + sheet as u8; 32]).unwrap(),
        text: text.to_owned(),
        russian: if language == "rus" {
            text.to_owned()
        } else {
            String::new()
        },
        pipeline: "default".to_owned(),
        facts: RecordFacts::default(),
        current: true,
        previous: None,
        personal_shows_at: AccessLevel::Restricted,
        redacted: None,
    }
}

fn fixture_index(dir: &std::path::Path) -> SearchIndex {
    let index = SearchIndex::open(dir).unwrap();
    let tajik = [
        page(
            1,
            "TJ-CSA/F-12/O-3/D-45",
            1,
            "tgk",
            "Бойгониҳо ин ҳуҷҷатҳоро бо эҳтиёт нигоҳ медоранд.",
        ),
        page(
            1,
            "TJ-CSA/F-12/O-3/D-45",
            2,
            "tgk",
            "Мактабҳои нав дар ноҳияҳои кӯҳистонӣ. Омӯзгорони ҷавон.",
        ),
    ];
    let russian = [page(
        2,
        "TJ-CSA/F-12/O-3/D-46",
        1,
        "rus",
        "Исполнительный лист выдан. Взыскать алименты с должника. Ёлка.",
    )];
    index.replace_record(&tajik[0].record_id, &tajik).unwrap();
    index
        .replace_record(&russian[0].record_id, &russian)
        .unwrap();
    index.commit().unwrap();
    index
}

fn found(index: &SearchIndex, query: &str) -> Vec<(String, u32)> {
    index
        .search(query, 10)
        .unwrap()
        .into_iter()
        .map(|hit| (hit.ref_code.to_string(), hit.sheet))
        .collect()
}

#[test]
fn tajik_words_are_found_in_any_case_and_composition() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture_index(dir.path());
    let d45_1 = vec![("TJ-CSA/F-12/O-3/D-45".to_owned(), 1)];
    let d45_2 = vec![("TJ-CSA/F-12/O-3/D-45".to_owned(), 2)];
    assert_eq!(found(&index, "бойгониҳо"), d45_1);
    assert_eq!(found(&index, "БОЙГОНИҲО"), d45_1);
    assert_eq!(found(&index, "ҳуҷҷатҳоро"), d45_1);
    assert_eq!(found(&index, "кӯҳистонӣ"), d45_2);
    // The same word typed with combining marks (у + U+0304, и + U+0304).
    assert_eq!(found(&index, "ку\u{0304}ҳистони\u{0304}"), d45_2);
    assert_eq!(found(&index, "омӯзгорони ҷавон"), d45_2);
    assert!(
        found(&index, "кухистони").is_empty(),
        "ӯ and ӣ are letters of their own"
    );
}

#[test]
fn russian_pages_are_stemmed_and_tajik_pages_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture_index(dir.path());
    let d46 = vec![("TJ-CSA/F-12/O-3/D-46".to_owned(), 1)];
    assert_eq!(found(&index, "исполнительного листа"), d46);
    assert_eq!(found(&index, "алиментов"), d46);
    assert_eq!(found(&index, "елка"), d46, "ё is folded to е");
    // A Russian stem of a Tajik word must not reach the Tajik page.
    assert!(found(&index, "мактабов").is_empty());
    assert!(found(&index, "мактаб").is_empty());
}

#[test]
fn russian_words_on_a_tajik_page_are_stemmed_and_its_tajik_words_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut mixed = page(
        5,
        "TJ-CSA/F-12/O-3/D-60",
        1,
        "tgk",
        "Қарори суд дар бораи взыскании алиментов дар мактабҳо",
    );
    mixed.russian = "взыскании алиментов".to_owned();
    let id = mixed.record_id.clone();
    index.replace_record(&id, &[mixed]).unwrap();
    index.commit().unwrap();
    let d60 = vec![("TJ-CSA/F-12/O-3/D-60".to_owned(), 1)];
    assert_eq!(found(&index, "взыскание"), d60, "Russian word stemmed");
    assert_eq!(found(&index, "алименты"), d60);
    assert!(
        found(&index, "мактабов").is_empty(),
        "Tajik word not stemmed"
    );
}

#[test]
fn hits_carry_a_highlighted_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture_index(dir.path());
    let hits = index.search("эҳтиёт", 10).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert!(hit.score > 0.0);
    let (from, to) = hit.highlights[0];
    let highlighted: String = hit.snippet.chars().skip(from).take(to - from).collect();
    assert_eq!(highlighted, "эҳтиёт");
    // The stemmed field also highlights.
    let hits = index.search("алиментов", 10).unwrap();
    assert!(!hits[0].highlights.is_empty(), "{hits:?}");
}

#[test]
fn reindexing_a_record_replaces_it_and_lookups_work() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture_index(dir.path());
    let again = [page(
        2,
        "TJ-CSA/F-12/O-3/D-46",
        1,
        "rus",
        "Исполнительный лист выдан.",
    )];
    index.replace_record(&again[0].record_id, &again).unwrap();
    index.commit().unwrap();
    assert_eq!(index.search("лист", 10).unwrap().len(), 1);
    assert!(index.search("алименты", 10).unwrap().is_empty());

    let record = RecordId::from_bytes(&[1; 16]).unwrap();
    assert!(index.contains_record(&record).unwrap());
    assert!(
        !index
            .contains_record(&RecordId::from_bytes(&[9; 16]).unwrap())
            .unwrap()
    );
    let master = Digest::from_bytes(&[18; 32]).unwrap();
    assert_eq!(
        index.sheets_with_master(&master).unwrap(),
        vec![(record.clone(), 2)]
    );
    let code = "TJ-CSA/F-12/O-3/D-45/L-2".parse().unwrap();
    assert_eq!(index.records_with_ref_code(&code).unwrap(), vec![record]);

    // Reopening from disk sees the committed state.
    drop(index);
    let reopened = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(found(&reopened, "бойгониҳо").len(), 1);
}

#[test]
fn a_malformed_query_is_searched_for_what_can_be_read_of_it() {
    let index = SearchIndex::in_memory().unwrap();
    let school = page(3, "TJ-CSA/F-12/O-3/D-45", 1, "tgk", "Мактабҳои нав");
    index
        .replace_record(&school.record_id.clone(), &[school])
        .unwrap();
    index.commit().unwrap();
    for query in ["\"мактабҳои нав", "мактабҳои (нав", "нав)"] {
        let hits = index.search(query, 10).unwrap();
        assert_eq!(hits.len(), 1, "{query}");
    }
    // Parsed, but not answerable by the schema: the query's fault, said so.
    for query in ["record_id:*", "text:*"] {
        let error = index.search(query, 10).unwrap_err();
        assert!(
            matches!(error, fehrist_index::IndexError::Query { .. }),
            "{query}: {error:?}"
        );
    }
}

/// Two writs and a school file: what each filter and facet must let through.
#[test]
fn filters_facets_names_and_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let writ = |record: u8, code: &str, access, facts: RecordFacts| PageDoc {
        document_type: Some("writ".to_owned()),
        access,
        pipeline: "executive-documents".to_owned(),
        facts,
        ..page(
            record,
            code,
            1,
            "rus",
            "Исполнительный лист о взыскании алиментов",
        )
    };
    let first = writ(
        1,
        "TJ-CSA/F-40/O-1/D-1",
        AccessLevel::Restricted,
        RecordFacts {
            court: Some("Суд района Сино".to_owned()),
            currencies: vec!["TJS".to_owned()],
            case_numbers: vec!["2-345/2024".to_owned()],
            names: vec!["Раҷабов Ҷамшед".to_owned()],
            dates: vec![20240312],
            amounts: vec![1500.0],
        },
    );
    let second = writ(
        2,
        "TJ-CSA/F-40/O-2/D-1",
        AccessLevel::Internal,
        RecordFacts {
            court: Some("Худжандский городской суд".to_owned()),
            currencies: vec!["USD".to_owned(), "TJS".to_owned()],
            case_numbers: vec!["3-17/2023".to_owned()],
            names: vec!["Каримова Зарина".to_owned()],
            dates: vec![20230105],
            amounts: vec![700_928_176.5, 20.0],
        },
    );
    index
        .replace_record(&first.record_id.clone(), &[first])
        .unwrap();
    index
        .replace_record(&second.record_id.clone(), &[second])
        .unwrap();
    let school = page(3, "TJ-CSA/F-12/O-3/D-45", 1, "tgk", "Мактабҳои нав");
    index
        .replace_record(&school.record_id.clone(), &[school])
        .unwrap();
    index.commit().unwrap();

    let codes = |request: SearchRequest| -> Vec<String> {
        let mut found: Vec<String> = index
            .search_with(&SearchRequest {
                limit: 10,
                ..request
            })
            .unwrap()
            .hits
            .iter()
            .map(|h| h.ref_code.to_string())
            .collect();
        found.sort();
        found
    };
    let (d1, d2) = ("TJ-CSA/F-40/O-1/D-1", "TJ-CSA/F-40/O-2/D-1");
    // Russian spelling finds the Tajik one, and the other way round.
    let by_name = |name: &str| SearchRequest {
        name: Some(name.to_owned()),
        ..SearchRequest::default()
    };
    assert_eq!(codes(by_name("Раджабов")), [d1]);
    assert_eq!(codes(by_name("раджабов джамшед")), [d1]);
    assert_eq!(codes(by_name("Каримова")), [d2]);
    assert!(codes(by_name("Каримов")).is_empty());
    assert_eq!(
        codes(SearchRequest {
            case_number: Some("2-345/2024".into()),
            ..SearchRequest::default()
        }),
        [d1]
    );
    assert_eq!(
        codes(SearchRequest {
            currency: Some("USD".into()),
            ..SearchRequest::default()
        }),
        [d2]
    );
    assert_eq!(
        codes(SearchRequest {
            dates_from: Some(20240101),
            ..SearchRequest::default()
        }),
        [d1]
    );
    assert_eq!(
        codes(SearchRequest {
            amount_from: Some(1_000_000.0),
            ..SearchRequest::default()
        }),
        [d2]
    );
    assert_eq!(
        codes(SearchRequest {
            query: "алиментов".into(),
            inventory: Some("TJ-CSA/F-40/O-2".into()),
            ..SearchRequest::default()
        }),
        [d2]
    );
    // Clearance: only open and internal pages, and only they are counted.
    let open_internal = SearchRequest {
        access: vec![AccessLevel::Open, AccessLevel::Internal],
        facets: true,
        limit: 10,
        ..SearchRequest::default()
    };
    let results = index.search_with(&open_internal).unwrap();
    assert_eq!(results.total, 2);
    assert_eq!(
        results.facets["court"],
        [("Худжандский городской суд".to_owned(), 1)]
    );
    assert_eq!(
        results.facets["currency"],
        [("TJS".to_owned(), 1), ("USD".to_owned(), 1)]
    );
    assert_eq!(
        results.facets["document_type"],
        [("unstated".to_owned(), 1), ("writ".to_owned(), 1)]
    );
    assert!(
        !results.facets["access"]
            .iter()
            .any(|(v, _)| v == "restricted")
    );
    // Paging past the end, however far, is an empty page, not an allocation failure.
    let far = index
        .search_with(&SearchRequest {
            offset: usize::MAX - 5,
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!((far.total, far.hits.len()), (3, 0));
    // A clearance (every level up to one) and any other choice of levels.
    let school_code = "TJ-CSA/F-12/O-3/D-45";
    let at_levels = |access: &[AccessLevel]| {
        codes(SearchRequest {
            access: access.to_vec(),
            ..SearchRequest::default()
        })
    };
    use AccessLevel::{Internal, Open, Restricted, Secret};
    assert_eq!(at_levels(&[Open]), [school_code]);
    assert_eq!(
        at_levels(&[Open, Internal, Restricted]),
        [school_code, d1, d2]
    );
    assert_eq!(at_levels(&[Internal]), [d2]);
    assert_eq!(at_levels(&[Restricted, Open]), [school_code, d1]);
    assert_eq!(at_levels(&[Internal, Restricted]), [d1, d2]);
    assert!(at_levels(&[Secret]).is_empty());
    // By date: 2024 before 2023, and back; the school file has no date and comes last.
    let by_date = |sort| -> Vec<String> {
        index
            .search_with(&SearchRequest {
                sort,
                limit: 10,
                ..SearchRequest::default()
            })
            .unwrap()
            .hits
            .iter()
            .map(|h| h.ref_code.to_string())
            .collect()
    };
    assert_eq!(by_date(Sort::Newest), [d1, d2, "TJ-CSA/F-12/O-3/D-45"]);
    assert_eq!(by_date(Sort::Oldest)[..2], [d2, d1]);
    // Pages of results.
    let all = SearchRequest {
        limit: 2,
        ..SearchRequest::default()
    };
    let first_page = index.search_with(&all).unwrap();
    let second_page = index
        .search_with(&SearchRequest { offset: 2, ..all })
        .unwrap();
    assert_eq!((first_page.total, first_page.hits.len()), (3, 2));
    assert_eq!(second_page.hits.len(), 1);
    assert!(
        !first_page
            .hits
            .iter()
            .any(|h| h.ref_code == second_page.hits[0].ref_code)
    );
}

#[test]
fn days_are_read_only_as_written_yyyy_mm_dd() {
    use fehrist_index::day_number;
    assert_eq!(day_number("2024-03-12"), Some(20240312));
    for bad in [
        "12.03.2024",
        "2024-3-12",
        "2024-03-1x",
        "20240312",
        "2024–03–12",
        "",
    ] {
        assert_eq!(day_number(bad), None, "{bad:?}");
    }
}

#[test]
fn a_replaced_version_is_found_only_when_every_version_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let code = "TJ-CSA/F-60/O-1/D-1";
    let first = page(1, code, 1, "tgk", "Қарори суд дар бораи алимент");
    let mut edited = page(2, code, 1, "tgk", "Қарори суд дар бораи алимент");
    edited.previous = Some(first.record_id.clone());
    let replaced = PageDoc {
        current: false,
        ..first.clone()
    };
    index
        .replace_record(&first.record_id, std::slice::from_ref(&first))
        .unwrap();
    index.commit().unwrap();
    assert!(!index.is_replaced(&first.record_id).unwrap());
    index
        .replace_record(&edited.record_id, &[edited.clone()])
        .unwrap();
    index.replace_record(&first.record_id, &[replaced]).unwrap();
    index.commit().unwrap();
    assert!(index.is_replaced(&first.record_id).unwrap());
    let request = SearchRequest {
        query: "алимент".to_owned(),
        limit: 10,
        facets: true,
        ..SearchRequest::default()
    };
    let current = index.search_with(&request).unwrap();
    assert_eq!(current.total, 1);
    assert_eq!(current.hits[0].record_id, edited.record_id);
    assert_eq!(current.facets["fond"], vec![("TJ-CSA/F-60".to_owned(), 1)]);
    let every = index
        .search_with(&SearchRequest {
            all_versions: true,
            ..request
        })
        .unwrap();
    assert_eq!(every.total, 2);
    // Lookups by reference code and master still see every version.
    assert_eq!(
        index
            .records_with_ref_code(&code.parse().unwrap())
            .unwrap()
            .len(),
        2
    );
    assert_eq!(index.sheets_with_master(&first.master).unwrap().len(), 1);
}

/// A score depends only on the pages the caller may read: hidden pages full of the
/// query's word, or none at all, give the same scores to the same visible pages.
#[test]
fn scores_do_not_depend_on_pages_the_caller_cannot_see() {
    let visible = [
        page(
            1,
            "TJ-CSA/F-80/O-1/D-1",
            1,
            "tgk",
            "Қарори суд дар бораи алимент",
        ),
        page(
            2,
            "TJ-CSA/F-80/O-1/D-2",
            1,
            "tgk",
            "Суд ва қарор дар бораи замин замин",
        ),
    ];
    let index_with = |hidden_text: Option<&str>| {
        let index = SearchIndex::in_memory().unwrap();
        for doc in &visible {
            index
                .replace_record(&doc.record_id, std::slice::from_ref(doc))
                .unwrap();
        }
        for record in (10..15u8).filter(|_| hidden_text.is_some()) {
            let hidden = PageDoc {
                access: AccessLevel::Secret,
                ..page(
                    record,
                    "TJ-CSA/F-81/O-1/D-1",
                    1,
                    "tgk",
                    hidden_text.unwrap(),
                )
            };
            index
                .replace_record(&hidden.record_id.clone(), &[hidden])
                .unwrap();
        }
        index.commit().unwrap();
        index
    };
    let scores = |index: &SearchIndex, clearance: AccessLevel| -> Vec<f32> {
        let found = index
            .search_with(&SearchRequest {
                query: "суд".into(),
                clearance: Some(clearance),
                limit: 50,
                ..SearchRequest::default()
            })
            .unwrap();
        visible
            .iter()
            .map(|doc| {
                found
                    .hits
                    .iter()
                    .find(|h| h.record_id == doc.record_id)
                    .expect("a visible page is found")
                    .score
            })
            .collect()
    };
    let without = scores(&index_with(None), AccessLevel::Internal);
    let crowded = index_with(Some("суд суд суд суд суд суд суд суд"));
    assert_eq!(scores(&crowded, AccessLevel::Internal), without);
    let unrelated = index_with(Some("замин бе ягон калимаи ҷустуҷӯ"));
    assert_eq!(scores(&unrelated, AccessLevel::Internal), without);
    // Scored over every page (as one index for all clearances would), the hidden
    // pages move the visible pages' scores.
    assert_ne!(scores(&crowded, AccessLevel::Secret), without);
}

/// Below the clearance that reads personal data, a page is indexed as redacted: its
/// hidden words find nothing, snippets show `[redacted]`, and names are not indexed.
#[test]
fn personal_data_is_not_found_below_the_clearance_that_reads_it() {
    let index = SearchIndex::in_memory().unwrap();
    let writ = PageDoc {
        access: AccessLevel::Internal,
        facts: RecordFacts {
            names: vec!["Назаров Фаррух".to_owned()],
            ..RecordFacts::default()
        },
        redacted: Some(fehrist_index::RedactedPage {
            text: "Должник: [redacted] [redacted], суди ноҳияи Сино".to_owned(),
            russian: String::new(),
        }),
        ..page(
            3,
            "TJ-CSA/F-82/O-1/D-1",
            1,
            "tgk",
            "Должник: Назаров Фаррух, суди ноҳияи Сино",
        )
    };
    index
        .replace_record(&writ.record_id.clone(), &[writ])
        .unwrap();
    index.commit().unwrap();
    let found = |query: &str, name: Option<&str>, clearance| {
        index
            .search_with(&SearchRequest {
                query: query.into(),
                name: name.map(str::to_owned),
                clearance: Some(clearance),
                limit: 10,
                ..SearchRequest::default()
            })
            .unwrap()
    };
    use AccessLevel::{Internal, Restricted};
    assert_eq!(found("Назаров", None, Internal).total, 0);
    assert_eq!(found("names:назаров", None, Internal).total, 0);
    assert_eq!(found("", Some("Назаров"), Internal).total, 0);
    let snippet = &found("Сино", None, Internal).hits[0].snippet;
    assert!(
        snippet.contains("[redacted]") && !snippet.contains("Назаров"),
        "{snippet}"
    );
    assert_eq!(found("Назаров", None, Restricted).total, 1);
    assert_eq!(found("", Some("Назаров"), Restricted).total, 1);
    assert!(
        found("Сино", None, Restricted).hits[0]
            .snippet
            .contains("Назаров")
    );
}
