//! Registering, re-registering, crash recovery and tamper detection on a local store.

mod log;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use fehrist_index::SearchIndex;
use fehrist_model::{
    AccessLevel, BlobRef, DescriptionLevel, Extent, MANIFEST_VERSION, Manifest, OcrInfo, Page,
    Passport, PipelineInfo, RecordId, Source,
};
use fehrist_registry::{NewRecord, Problem, Registered, Registry};
use fehrist_seal::{SealedManifest, StationKey, record_id, sha256};
use fehrist_store::Store;

#[derive(Debug)]
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub store_dir: PathBuf,
    pub registry: Registry,
    pub key: StationKey,
}

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let store = Store::open_or_create(&format!("file://{}", store_dir.display())).unwrap();
    let index = SearchIndex::open(&dir.path().join("index")).unwrap();
    let key = StationKey::from_seed("station-1", [5; 32]).unwrap();
    let mut registry = Registry::new(store, index);
    registry.trust(key.verifier());
    registry.publish_key(&key).await.unwrap();
    Fixture {
        dir,
        store_dir,
        registry,
        key,
    }
}

fn blob(bytes: &[u8], media_type: &str) -> (BlobRef, (fehrist_model::Digest, Bytes)) {
    let digest = sha256(bytes);
    let reference = BlobRef {
        sha256: digest.clone(),
        size: bytes.len() as u64,
        media_type: media_type.to_owned(),
    };
    (reference, (digest, Bytes::copy_from_slice(bytes)))
}

pub fn new_record(code: &str, pages: &[(&[u8], &str)]) -> NewRecord {
    let ref_code: fehrist_model::RefCode = code.parse().unwrap();
    let mut blobs = Vec::new();
    let mut manifest_pages = Vec::new();
    for (i, (master, text)) in pages.iter().enumerate() {
        let (master, m) = blob(master, "image/png");
        let (text_ref, t) = blob(text.as_bytes(), "text/plain; charset=utf-8");
        let (words, w) = blob(
            format!("{{\"words\":[],\"page\":{i}}}").as_bytes(),
            "application/json",
        );
        blobs.extend([m, t, w]);
        manifest_pages.push(Page {
            sheet: i as u32 + 1,
            source: Source {
                path: format!("{}/{:04}.png", code, i + 1),
                page: 1,
            },
            master,
            text: text_ref,
            alto: None,
            words,
            width: 100,
            height: 100,
            language: "tgk".to_owned(),
            mean_confidence: 90,
            binarization: None,
            preprocessing: None,
            text_source: None,
            unread: None,
        });
    }
    let id = record_id(
        &ref_code,
        manifest_pages
            .iter()
            .map(|p| (&p.master.sha256, p.source.page)),
    );
    NewRecord {
        manifest: Manifest {
            manifest_version: MANIFEST_VERSION,
            record_id: id,
            previous: None,
            edit: None,
            passport: Passport {
                ref_code,
                title: Some("Test file".to_owned()),
                dates: None,
                level: DescriptionLevel::File,
                extent: Extent {
                    sheets: pages.len() as u32,
                },
                creator: None,
                document_type: None,
            },
            access: AccessLevel::Open,
            pipeline: PipelineInfo {
                name: "default".to_owned(),
                version: "1".to_owned(),
            },
            ocr: OcrInfo {
                engine: "fake".to_owned(),
                version: "0".to_owned(),
                languages: "tgk".to_owned(),
                page_segmentation: None,
            },
            station: "station-1".to_owned(),
            operator: "tester".to_owned(),
            registered_at: "2026-11-21T10:00:00Z".to_owned(),
            pages: manifest_pages,
            fields: Default::default(),
            field_sources: Vec::new(),
            personal_data: None,
        },
        blobs,
        texts: pages.iter().map(|(_, text)| (*text).to_owned()).collect(),
    }
}

pub fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x20;
    std::fs::write(path, bytes).unwrap();
}

fn sample() -> NewRecord {
    new_record(
        "TJ-CSA/F-12/O-3/D-45",
        &[
            (b"master one", "Бойгониҳо нигоҳ медоранд"),
            (b"master two", "Мактаби нав"),
        ],
    )
}

#[tokio::test]
async fn registers_once_and_finds_by_text_code_and_file() {
    let f = fixture().await;
    let record = sample();
    let id = record.manifest.record_id.clone();
    assert_eq!(
        f.registry.register(&f.key, record.clone()).await.unwrap(),
        Registered::New
    );
    assert_eq!(
        f.registry.register(&f.key, record).await.unwrap(),
        Registered::AlreadyRegistered
    );
    f.registry.commit_index().unwrap();

    let hits = f.registry.search("бойгониҳо", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].record_id.clone(), hits[0].sheet), (id.clone(), 1));
    let code = "TJ-CSA/F-12/O-3/D-45".parse().unwrap();
    let found = f.registry.records_with_ref_code(&code).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].manifest.record_id, id);

    let check = f.registry.verify_file(b"master two").await.unwrap();
    assert_eq!(check.matches.len(), 1);
    assert_eq!(check.matches[0].1, vec![2]);
    assert!(
        check.matches[0].0.is_intact(),
        "{:?}",
        check.matches[0].0.problems
    );
    assert!(
        f.registry
            .verify_file(b"never scanned")
            .await
            .unwrap()
            .matches
            .is_empty()
    );

    let check = f.registry.verify_record(&id).await.unwrap();
    assert!(check.is_intact(), "{:?}", check.problems);
    // Manifest, signature and three blobs for each of the two pages.
    assert_eq!(check.objects_checked, 8);
    assert_eq!(check.signature.unwrap().key_id, *f.key.id());
}

/// A serving process asks for every manifest again and again: records registered
/// since the last call are in the next one, and each is there once.
#[tokio::test]
async fn manifests_include_records_registered_since_the_last_call() {
    let f = fixture().await;
    assert!(f.registry.manifests().await.unwrap().is_empty());
    let first = sample();
    f.registry.register(&f.key, first.clone()).await.unwrap();
    let ids = |manifests: Vec<Manifest>| -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = manifests.into_iter().map(|m| m.record_id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(f.registry.manifests().await.unwrap()),
        std::slice::from_ref(&first.manifest.record_id)
    );
    let second = new_record("TJ-CSA/F-12/O-3/D-46", &[(b"another master", "матн")]);
    f.registry.register(&f.key, second.clone()).await.unwrap();
    let mut expected = vec![first.manifest.record_id, second.manifest.record_id];
    expected.sort();
    assert_eq!(ids(f.registry.manifests().await.unwrap()), expected);
    assert_eq!(ids(f.registry.manifests().await.unwrap()), expected);
}

#[tokio::test]
async fn a_flipped_byte_in_any_blob_or_the_manifest_names_the_object() {
    let f = fixture().await;
    let record = sample();
    let id = record.manifest.record_id.clone();
    f.registry.register(&f.key, record.clone()).await.unwrap();
    let hex_path = |digest: &fehrist_model::Digest| {
        let hex = digest.as_str();
        f.store_dir
            .join("blobs/sha256")
            .join(&hex[..2])
            .join(&hex[2..4])
            .join(hex)
    };
    for (sheet, role, blob) in record.manifest.blobs() {
        let path = hex_path(&blob.sha256);
        flip_byte(&path, 0);
        let check = f.registry.verify_record(&id).await.unwrap();
        assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
        let Problem::Altered {
            path: named, what, ..
        } = &check.problems[0]
        else {
            panic!("{:?}", check.problems)
        };
        assert!(named.ends_with(blob.sha256.as_str()));
        assert_eq!(what, &format!("sheet {sheet} {}", role.as_str()));
        flip_byte(&path, 0);
        assert!(f.registry.verify_record(&id).await.unwrap().is_intact());
    }
    let manifest = f
        .store_dir
        .join("records")
        .join(id.as_str())
        .join("manifest.json");
    let length = std::fs::metadata(&manifest).unwrap().len() as usize;
    for at in [0, length / 3, length - 2] {
        flip_byte(&manifest, at);
        let check = f.registry.verify_record(&id).await.unwrap();
        assert!(
            check.problems.iter().any(
                |p| matches!(p, Problem::Signature { path, .. } if path.ends_with("manifest.json"))
            ),
            "byte {at}: {:?}",
            check.problems
        );
        flip_byte(&manifest, at);
    }
    std::fs::remove_file(hex_path(&record.manifest.pages[1].text.sha256)).unwrap();
    let check = f.registry.verify_record(&id).await.unwrap();
    assert!(
        matches!(&check.problems[..], [Problem::Missing { .. }]),
        "{:?}",
        check.problems
    );
}

#[tokio::test]
async fn a_swapped_published_key_is_caught_by_the_local_key() {
    let f = fixture().await;
    let record = sample();
    let id = record.manifest.record_id.clone();
    f.registry.register(&f.key, record).await.unwrap();
    let impostor = StationKey::from_seed("station-1", [6; 32]).unwrap();
    let key_file = f.store_dir.join("keys").join(f.key.id().as_str());
    // Keep the id so the signature still names it; only the key material changes.
    let forged =
        impostor
            .verifier()
            .to_string()
            .replacen(impostor.id().as_str(), f.key.id().as_str(), 1);
    std::fs::write(&key_file, forged).unwrap();
    let check = f.registry.verify_record(&id).await.unwrap();
    assert!(!check.is_intact());
}

#[tokio::test]
async fn an_unregistered_id_is_not_found() {
    let f = fixture().await;
    let id = RecordId::from_bytes(&[3; 16]).unwrap();
    assert!(f.registry.verify_record(&id).await.is_err());
    assert!(f.registry.load(&id).await.is_err());
}

#[tokio::test]
async fn a_manifest_stored_before_a_crash_is_signed_as_stored_on_retry() {
    let f = fixture().await;
    let record = sample();
    let id = record.manifest.record_id.clone();
    // A first run stored blobs and a manifest (with another timestamp), then died.
    let mut earlier = record.manifest.clone();
    earlier.registered_at = "2026-11-20T09:00:00Z".to_owned();
    for (digest, bytes) in &record.blobs {
        f.registry
            .store()
            .put_blob(digest, bytes.clone())
            .await
            .unwrap();
    }
    let sealed = SealedManifest::seal(&earlier, &f.key).unwrap();
    f.registry
        .store()
        .put_manifest(&id, Bytes::from(sealed.bytes))
        .await
        .unwrap();
    assert!(!f.registry.is_registered(&id).await.unwrap());

    assert_eq!(
        f.registry.register(&f.key, record).await.unwrap(),
        Registered::New
    );
    f.registry.commit_index().unwrap();
    let stored = f.registry.load(&id).await.unwrap();
    assert_eq!(stored.manifest.registered_at, "2026-11-20T09:00:00Z");
    assert!(f.registry.verify_record(&id).await.unwrap().is_intact());
    assert_eq!(f.registry.search("мактаби", 10).unwrap().len(), 1);
}

#[tokio::test]
async fn reindex_rebuilds_a_lost_index_from_the_store() {
    let f = fixture().await;
    let record = sample();
    f.registry.register(&f.key, record).await.unwrap();
    // Not committed: the index lost it. The store still has everything.
    let dir = tempfile::tempdir().unwrap();
    let fresh = Registry::new(
        Store::open_or_create(&format!("file://{}", f.store_dir.display())).unwrap(),
        SearchIndex::open(dir.path()).unwrap(),
    );
    assert!(fresh.search("бойгониҳо", 10).unwrap().is_empty());
    let (indexed, failed) = fresh.reindex().await.unwrap();
    assert_eq!((indexed, failed.len()), (1, 0));
    assert_eq!(fresh.search("бойгониҳо", 10).unwrap().len(), 1);
}
