//! The use cases end to end over a real store and index on disk, with an OCR engine
//! that reads a fixed text: no Tesseract needed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use fehrist_model::{AccessLevel, FieldValue, Role, VersionOrigin};
use fehrist_service::{
    BatchSettings, Caller, Concurrency, EditRequest, FixedText, IngestRequest, NoProgress, Opening,
    Paths, ServiceError, wire::IngestOutcome,
};

fn batch(dir: &Path) -> std::path::PathBuf {
    let batch = dir.join("batch");
    let file = batch.join("F-70/O-1/D-1");
    std::fs::create_dir_all(&file).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/batch/F-12/O-3/D-45/0001.png");
    std::fs::copy(fixture, file.join("0001.png")).unwrap();
    std::fs::write(
        batch.join("batch.toml"),
        "archive = \"TJ-CSA\"\naccess = \"open\"\nlanguages = \"tgk\"\noperator = \"scanner\"\nstation = \"scan-station\"\n",
    )
    .unwrap();
    batch
}

fn archivist(actor: &str) -> Caller {
    Caller::local(actor, "MoJ", Role::Archivist, "desk")
}

const NOW: &str = "2026-12-02T10:00:00Z";

#[tokio::test]
async fn a_file_edited_twice_counts_once_and_keeps_its_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::for_store(&format!("file://{}", dir.path().join("store").display()));
    let quiet = |_: &str| {};

    // Before any ingest there is no registry, and asking makes none.
    let missing = paths.open(Opening::Existing, &quiet).await.unwrap_err();
    assert!(
        matches!(missing, ServiceError::NoRegistry { .. }),
        "{missing}"
    );
    assert!(missing.to_string().contains("/store"), "{missing}");
    for made in ["store", "index", "keys"] {
        assert!(!dir.path().join(made).exists(), "{made} was made");
    }

    // An ingest ends registered, logged and audited.
    let request = IngestRequest {
        folder: batch(dir.path()),
        flags: BatchSettings::default(),
        archive: "TJ-CSA".to_owned(),
        station: "host".to_owned(),
        concurrency: Concurrency::with_workers(1),
        engine: Arc::new(FixedText::new("Қарори алимент", "tgk")),
    };
    let ingested = fehrist_service::ingest(
        &paths,
        &archivist("scanner"),
        request,
        &NoProgress,
        &quiet,
        &|| NOW.to_owned(),
    )
    .await
    .unwrap();
    assert_eq!(ingested.registered, 1, "{ingested:?}");
    assert_eq!(ingested.records[0].outcome, IngestOutcome::Registered);
    assert_eq!((ingested.logged, ingested.log_size), (1, 1));
    let registry = paths.open(Opening::Existing, &quiet).await.unwrap();
    let trail = registry.audit_trail().await.unwrap();
    assert_eq!(trail.events.len(), 1);
    assert_eq!(trail.events[0].1.action, "ingest");
    let first = ingested.records[0].record_id.clone().unwrap();

    // Two corrections by an editor at another desk; a third that changes nothing.
    let (key, _) = paths.station_key(&registry, "edit-desk").await.unwrap();
    let editor = archivist("n.karimova");
    let edit = |name: &str, value: &str| {
        let request = EditRequest {
            record: "TJ-CSA/F-70/O-1/D-1".to_owned(),
            archive: "TJ-CSA".to_owned(),
            set: vec![(name.to_owned(), FieldValue::Text(value.to_owned()))],
            reason: "read wrongly".to_owned(),
            ..EditRequest::default()
        };
        fehrist_service::edit(&registry, &key, &editor, request, "edit-desk", NOW)
    };
    let second = edit("court", "Суди ноҳияи Сино").await.unwrap();
    let third = edit("title", "Қарори суд").await.unwrap();
    assert_eq!((second.version, third.version), (2, 3));
    assert_eq!(third.previous, second.record_id);
    let unchanged = edit("court", "Суди ноҳияи Сино").await.unwrap_err();
    assert!(
        matches!(unchanged, ServiceError::NothingChanged),
        "{unchanged}"
    );

    // Search, totals and facets count the file once, as its current version.
    let reader = Caller {
        clearance: AccessLevel::Open,
        ..Caller::local("reader", "MoJ", Role::Reader, "desk")
    };
    let search = |all_versions: bool| {
        let request = fehrist_index::SearchRequest {
            query: "алимент".to_owned(),
            limit: 10,
            facets: true,
            all_versions,
            ..Default::default()
        };
        fehrist_service::search(&registry, &reader, request).unwrap()
    };
    let found = search(false);
    assert_eq!(found.total, 1);
    assert_eq!(found.hits[0].record_id, third.record_id);
    assert_eq!(found.facets["fond"][0].pages, 1);
    assert_eq!(search(true).total, 3);

    // The scan is one registered file: version 3 of 3, the current one.
    let scan = std::fs::read(dir.path().join("batch/F-70/O-1/D-1/0001.png")).unwrap();
    let verified = fehrist_service::verify_file(&registry, &reader, &scan)
        .await
        .unwrap();
    assert!(verified.unchanged, "{verified:?}");
    assert_eq!(verified.records.len(), 1);
    let file = &verified.records[0];
    assert_eq!((file.version, file.versions), (3, 3));
    assert_eq!(file.current, third.record_id);

    // Every version of the file re-checked, newest first, each saying which it is.
    let checked =
        fehrist_service::verify_record(&registry, &reader, "TJ-CSA/F-70/O-1/D-1", "TJ-CSA")
            .await
            .unwrap();
    assert!(checked.unchanged, "{checked:?}");
    let numbers: Vec<Option<usize>> = checked.records.iter().map(|r| r.version).collect();
    assert_eq!(numbers, [Some(3), Some(2), Some(1)]);
    assert!(
        checked
            .records
            .iter()
            .all(|r| r.current.as_ref() == Some(&third.record_id))
    );

    // Evidence is the auditors': of the file's current version.
    let refused = fehrist_service::evidence(&registry, &reader, "TJ-CSA/F-70/O-1/D-1", "TJ-CSA")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ServiceError::Forbidden(Role::Auditor)),
        "{refused}"
    );
    let auditor = Caller::local("auditor", "MoJ", Role::Auditor, "desk");
    let bundle = fehrist_service::evidence(&registry, &auditor, "TJ-CSA/F-70/O-1/D-1", "TJ-CSA")
        .await
        .unwrap();
    let bundled: fehrist_model::Manifest = serde_json::from_str(&bundle.manifest).unwrap();
    assert_eq!(bundled.record_id, third.record_id);

    // The current version keeps the scan's provenance and says who edited it.
    let current = registry.load(&third.record_id).await.unwrap();
    let shown = fehrist_service::show(&registry, &reader, &current)
        .await
        .unwrap();
    let manifest = &shown.manifest;
    assert_eq!(
        (manifest.station.as_str(), manifest.operator.as_str()),
        ("scan-station", "scanner")
    );
    let edit = manifest.edit.as_ref().unwrap();
    assert_eq!(
        (edit.editor.as_str(), edit.station.as_str()),
        ("n.karimova", "edit-desk")
    );
    assert_eq!(manifest.passport.title.as_deref(), Some("Қарори суд"));
    assert!(!manifest.fields.contains_key("title"));
    assert!(shown.current);
    let origins: Vec<VersionOrigin> = shown.versions.iter().map(|v| v.origin).collect();
    assert_eq!(
        origins,
        [
            VersionOrigin::Edited,
            VersionOrigin::Edited,
            VersionOrigin::Scanned
        ]
    );
    assert_eq!(shown.versions[2].record_id, first);

    // KPIs: one record of one station, whatever was edited where.
    let manifests = registry.manifests().await.unwrap();
    let kpis = fehrist_model::kpis(&manifests, &[], &BTreeMap::new(), NOW);
    assert_eq!((kpis.records, kpis.pages), (1, 1));
    assert_eq!(kpis.per_station.len(), 1);
    assert_eq!(kpis.per_station[0].key, "scan-station");
    let passport = fehrist_service::fond_passport(&registry, &reader, "TJ-CSA/F-70", None, NOW)
        .await
        .unwrap();
    assert_eq!(passport.files, 1);

    // The index rebuilt from the store counts the same.
    registry.reindex().await.unwrap();
    let again = search(false);
    assert_eq!(again.total, 1);
    assert_eq!(again.hits[0].record_id, third.record_id);
}

/// An archivist hides a name the rules did not find, as a new version, and shows it
/// again: below `restricted` the page's text and search follow each version.
#[tokio::test]
async fn an_archivist_redacts_a_name_and_shows_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::for_store(&format!("file://{}", dir.path().join("store").display()));
    let quiet = |_: &str| {};
    let request = IngestRequest {
        folder: batch(dir.path()),
        flags: BatchSettings::default(),
        archive: "TJ-CSA".to_owned(),
        station: "host".to_owned(),
        concurrency: Concurrency::with_workers(1),
        engine: Arc::new(FixedText::new("Қарори алимент: Назаров Фаррух", "tgk")),
    };
    fehrist_service::ingest(
        &paths,
        &archivist("scanner"),
        request,
        &NoProgress,
        &quiet,
        &|| NOW.to_owned(),
    )
    .await
    .unwrap();
    let registry = paths.open(Opening::Existing, &quiet).await.unwrap();
    let (key, _) = paths.station_key(&registry, "edit-desk").await.unwrap();
    let reader = |clearance| Caller {
        clearance,
        ..Caller::local("reader", "MoJ", Role::Reader, "desk")
    };
    let (open, restricted) = (reader(AccessLevel::Open), reader(AccessLevel::Restricted));
    let text = |caller: Caller| {
        let registry = &registry;
        async move {
            let named =
                fehrist_service::resolve(registry, &caller, "TJ-CSA/F-70/O-1/D-1", "TJ-CSA")
                    .await
                    .unwrap();
            let manifest = &named.records[0].manifest;
            fehrist_service::page_text(registry, &caller, manifest, 1)
                .await
                .unwrap()
        }
    };
    let found = |caller: &Caller, query: &str| {
        let request = fehrist_index::SearchRequest {
            query: query.to_owned(),
            limit: 10,
            ..Default::default()
        };
        fehrist_service::search(&registry, caller, request)
            .unwrap()
            .total
    };
    assert!(text(open.clone()).await.contains("Назаров Фаррух"));
    assert_eq!(found(&open, "Назаров"), 1);

    let change = |redact: &[&str], unredact: &[&str]| EditRequest {
        record: "TJ-CSA/F-70/O-1/D-1".to_owned(),
        archive: "TJ-CSA".to_owned(),
        redact: redact.iter().map(|w| (*w).to_owned()).collect(),
        unredact: unredact.iter().map(|w| (*w).to_owned()).collect(),
        reason: "a person named in the decision".to_owned(),
        ..EditRequest::default()
    };
    let hidden = fehrist_service::edit(
        &registry,
        &key,
        &archivist("n.karimova"),
        change(&["Назаров Фаррух"], &[]),
        "edit-desk",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(hidden.version, 2);
    assert_eq!(
        text(open.clone()).await,
        "Қарори алимент: [redacted] [redacted]"
    );
    assert_eq!(found(&open, "Назаров"), 0);
    assert!(text(restricted.clone()).await.contains("Назаров Фаррух"));
    assert_eq!(found(&restricted, "Назаров"), 1);
    // The same redaction again changes nothing.
    let again = fehrist_service::edit(
        &registry,
        &key,
        &archivist("n.karimova"),
        change(&["Назаров"], &[]),
        "edit-desk",
        NOW,
    )
    .await
    .unwrap_err();
    assert!(matches!(again, ServiceError::NothingChanged), "{again}");

    let shown = fehrist_service::edit(
        &registry,
        &key,
        &archivist("n.karimova"),
        change(&[], &["Фаррух"]),
        "edit-desk",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(shown.version, 3);
    assert_eq!(
        text(open.clone()).await,
        "Қарори алимент: [redacted] Фаррух"
    );
    assert_eq!(found(&open, "Фаррух"), 1);
    assert_eq!(found(&open, "Назаров"), 0);
}
