//! Transparency-log throughput: leaves sequenced per second in batches on the local
//! store, and evidence bundles verified per second on one core.
//!
//!     cargo bench -p fehrist-benches --bench log [-- LEAVES BATCH]

use std::time::Instant;

use bytes::Bytes;
use fehrist_index::SearchIndex;
use fehrist_model::RecordId;
use fehrist_registry::Registry;
use fehrist_seal::StationKey;
use fehrist_seal::log::log_entry;
use fehrist_store::Store;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let leaves = args.first().copied().unwrap_or(20_000);
    let batch = args.get(1).copied().unwrap_or(1_000);

    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(&format!("file://{}", dir.path().join("store").display()))
        .expect("a local store");
    let index = SearchIndex::open(&dir.path().join("index")).expect("an index");
    let mut registry = Registry::new(store.clone(), index);
    let key = StationKey::from_seed("bench.example/log", [1; 32]).expect("a key");
    registry.publish_key(&key).await.expect("publish");
    registry.set_log_key(key);

    // Signed records waiting for the log, made up front so only sequencing is timed.
    let ids: Vec<RecordId> = (0..leaves)
        .map(|n| RecordId::from_bytes(&(u128::from(n) + 1).to_be_bytes()).expect("16 bytes"))
        .collect();
    let mut sequencing = std::time::Duration::ZERO;
    for chunk in ids.chunks(batch as usize) {
        for id in chunk {
            let manifest = format!("{{\"record_id\":\"{id}\"}}");
            store
                .put_signature(id, Bytes::from_static(b"{}"))
                .await
                .expect("signature");
            store
                .put_pending(id, Bytes::copy_from_slice(&log_entry(manifest.as_bytes())))
                .await
                .expect("pending");
        }
        let started = Instant::now();
        let done = registry.sequence().await.expect("sequence");
        sequencing += started.elapsed();
        assert_eq!(done.appended, chunk.len());
    }
    let size = registry
        .current_checkpoint()
        .await
        .expect("checkpoint")
        .expect("a log")
        .checkpoint
        .size;
    println!(
        "sequence: {leaves} leaves in batches of {batch} on the local store: {:.2} s, {:.0} leaves/s (log size {size})",
        sequencing.as_secs_f64(),
        leaves as f64 / sequencing.as_secs_f64()
    );

    // Evidence needs a real record: manifest and signature as ingest stores them.
    let station = StationKey::from_seed("bench-station", [2; 32]).expect("a key");
    registry.publish_key(&station).await.expect("publish");
    let manifest = golden_manifest();
    let id: RecordId = "0123456789abcdef0123456789abcdef".parse().expect("an id");
    let signature = fehrist_seal::sign_manifest_bytes(manifest.as_bytes(), &station);
    store
        .put_manifest(&id, Bytes::from(manifest.clone()))
        .await
        .expect("manifest");
    store
        .put_pending(&id, Bytes::copy_from_slice(&log_entry(manifest.as_bytes())))
        .await
        .expect("pending");
    let signature = serde_json::to_vec(&signature).expect("a signature serializes");
    store
        .put_signature(&id, Bytes::from(signature))
        .await
        .expect("signature");
    registry.sequence().await.expect("sequence");
    let bundle = registry.evidence(&id).await.expect("evidence");
    let rounds = 20_000;
    let started = Instant::now();
    for _ in 0..rounds {
        bundle.verify(None, &[]).expect("the bundle verifies");
    }
    let elapsed = started.elapsed();
    println!(
        "evidence: {rounds} bundles verified on one core (leaf of a {}-leaf log, {} proof hashes): {:.2} s, {:.0} bundles/s",
        bundle.log.tree_size,
        bundle.log.inclusion_proof.len(),
        elapsed.as_secs_f64(),
        f64::from(rounds) / elapsed.as_secs_f64()
    );
}

/// The golden v1 manifest, under the id the benchmark registers it as.
fn golden_manifest() -> String {
    let manifest = include_str!("../../crates/fehrist-seal/tests/golden/manifest-v1.json");
    manifest.replace(
        "7014b76803dcbf5c5dbc7f588035da16",
        "0123456789abcdef0123456789abcdef",
    )
}
