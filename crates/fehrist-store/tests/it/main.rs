//! One conformance suite, run against every backend the store opens.

use bytes::Bytes;
use fehrist_model::{Digest, KeyId, RecordId};
use fehrist_store::{Store, StoreError, Written};

fn digest(n: u8) -> Digest {
    Digest::from_bytes(&[n; 32]).unwrap()
}

fn record(n: u8) -> RecordId {
    RecordId::from_bytes(&[n; 16]).unwrap()
}

async fn conformance(store: Store) {
    // Blobs are create-only and idempotent.
    assert_eq!(
        store
            .put_blob(&digest(1), Bytes::from_static(b"one"))
            .await
            .unwrap(),
        Written::New
    );
    assert_eq!(
        store
            .put_blob(&digest(1), Bytes::from_static(b"one"))
            .await
            .unwrap(),
        Written::AlreadyThere
    );
    assert_eq!(
        store
            .put_blob(&digest(1), Bytes::from_static(b"other"))
            .await
            .unwrap(),
        Written::AlreadyThere
    );
    assert_eq!(
        store.get_blob(&digest(1)).await.unwrap(),
        Bytes::from_static(b"one")
    );
    assert!(
        matches!(store.get_blob(&digest(2)).await, Err(StoreError::Missing { path }) if path.starts_with("blobs/sha256/02/02/"))
    );
    store
        .put_blob(&digest(3), Bytes::from_static(b"three"))
        .await
        .unwrap();
    let mut blobs = store.list_blobs().await.unwrap();
    blobs.sort();
    assert_eq!(blobs, vec![digest(1), digest(3)]);

    // A record is registered only once its signature is stored.
    let id = record(7);
    assert!(!store.has_record(&id).await.unwrap());
    let (written, stored) = store
        .put_manifest(&id, Bytes::from_static(b"{\"a\":1}"))
        .await
        .unwrap();
    assert_eq!(
        (written, stored.as_ref()),
        (Written::New, b"{\"a\":1}".as_ref())
    );
    assert!(!store.has_record(&id).await.unwrap());
    // A second ingest of the same record keeps and returns the first manifest.
    let (written, stored) = store
        .put_manifest(&id, Bytes::from_static(b"{\"a\":2}"))
        .await
        .unwrap();
    assert_eq!(
        (written, stored.as_ref()),
        (Written::AlreadyThere, b"{\"a\":1}".as_ref())
    );
    assert_eq!(
        store
            .put_signature(&id, Bytes::from_static(b"sig"))
            .await
            .unwrap(),
        Written::New
    );
    assert_eq!(
        store
            .put_signature(&id, Bytes::from_static(b"sig2"))
            .await
            .unwrap(),
        Written::AlreadyThere
    );
    assert!(store.has_record(&id).await.unwrap());
    assert_eq!(
        store.get_signature(&id).await.unwrap(),
        Bytes::from_static(b"sig")
    );
    assert_eq!(
        store.get_manifest(&id).await.unwrap(),
        Bytes::from_static(b"{\"a\":1}")
    );
    store
        .put_manifest(&record(3), Bytes::from_static(b"{}"))
        .await
        .unwrap();
    assert_eq!(store.list_records().await.unwrap(), vec![record(3), id]);

    // Keys are published once; a different key under the same id is a conflict.
    let key_id: KeyId = "0a0b0c0d".parse().unwrap();
    store
        .put_key(&key_id, "station+0a0b0c0d+AAAA")
        .await
        .unwrap();
    store
        .put_key(&key_id, "station+0a0b0c0d+AAAA")
        .await
        .unwrap();
    assert!(matches!(
        store.put_key(&key_id, "station+0a0b0c0d+BBBB").await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_key(&key_id).await.unwrap(),
        "station+0a0b0c0d+AAAA"
    );
}

#[tokio::test]
async fn in_memory() {
    conformance(Store::open("memory://").unwrap()).await;
}

#[tokio::test]
async fn local_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().join("store").display());
    conformance(Store::open(&url).unwrap()).await;
    // The layout on disk is the documented one.
    assert!(
        dir.path()
            .join("store/records")
            .join(record(7).as_str())
            .join("manifest.json")
            .is_file()
    );
    let hex = digest(1).to_string();
    assert!(
        dir.path()
            .join("store/blobs/sha256")
            .join(&hex[..2])
            .join(&hex[2..4])
            .join(&hex)
            .is_file()
    );
}

#[test]
fn unknown_schemes_are_refused() {
    let error = Store::open("ftp://example/archive").unwrap_err();
    assert!(
        error.to_string().contains("scheme not supported"),
        "{error}"
    );
}
