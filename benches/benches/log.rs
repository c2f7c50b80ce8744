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
use fehrist_seal::evidence::{EvidenceBundle, EvidenceVerifier};
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
    let store = Store::open_or_create(&format!("file://{}", dir.path().join("store").display()))
        .expect("a local store");
    let index = SearchIndex::open(&dir.path().join("index")).expect("an index");
    let mut registry = Registry::new(store.clone(), index);
    let key = StationKey::from_seed("bench.example/log", [1; 32]).expect("a key");
    registry.publish_key(&key).await.expect("publish");
    registry.set_log_key(key);

    // A real record first (the golden manifest, signed as ingest signs it), so its leaf
    // is 0 and its inclusion proof in the final log has full depth.
    let station = StationKey::from_seed("bench-station", [2; 32]).expect("a key");
    registry.publish_key(&station).await.expect("publish");
    let manifest = include_str!("../../crates/fehrist-seal/tests/golden/manifest-v1.json");
    let golden: RecordId = "7014b76803dcbf5c5dbc7f588035da16".parse().expect("an id");
    let signature = fehrist_seal::sign_manifest_bytes(manifest.as_bytes(), &station);
    store
        .put_manifest(&golden, Bytes::from_static(manifest.as_bytes()))
        .await
        .expect("manifest");
    mark_signed(
        &store,
        &golden,
        manifest.as_bytes(),
        serde_json::to_vec(&signature).expect("json"),
    )
    .await;
    registry.sequence().await.expect("sequence");

    // Signed records waiting for the log, made before each batch so only sequencing
    // (tiles, checkpoint swap, leaf indexes, pending marks) is timed.
    let mut sequencing = std::time::Duration::ZERO;
    let ids: Vec<RecordId> = (1..=leaves)
        .map(|n| RecordId::from_bytes(&u128::from(n).to_be_bytes()).expect("16 bytes"))
        .collect();
    for chunk in ids.chunks(batch as usize) {
        for id in chunk {
            mark_signed(
                &store,
                id,
                format!("{{\"record_id\":\"{id}\"}}").as_bytes(),
                b"{}".to_vec(),
            )
            .await;
        }
        // The setup's writes reach the disk first, so they are not timed with the batch.
        std::process::Command::new("sync").status().expect("sync");
        let started = Instant::now();
        let done = registry.sequence().await.expect("sequence");
        sequencing += started.elapsed();
        assert_eq!(done.appended, chunk.len());
    }
    println!(
        "sequence: {leaves} leaves in batches of {batch} on the local store: {:.2} s, {:.0} leaves/s",
        sequencing.as_secs_f64(),
        leaves as f64 / sequencing.as_secs_f64()
    );

    let bundle = registry.evidence(&golden).await.expect("evidence");
    let rounds = 20_000u32;
    let cold = time(rounds, || {
        bundle.verify(None, &[]).expect("the bundle verifies");
    });
    let mut verifier = EvidenceVerifier::new(Vec::new());
    let warm = time(rounds, || {
        verifier.verify(&bundle, None).expect("the bundle verifies");
    });
    println!(
        "evidence: leaf {} of a {}-leaf log, {} proof hashes, {rounds} checks on one core:",
        bundle.log.leaf_index,
        bundle.log.tree_size,
        bundle.log.inclusion_proof.len()
    );
    println!(
        "  each bundle alone (manifest and checkpoint signatures): {:.0} bundles/s",
        f64::from(rounds) / cold
    );
    println!(
        "  bundles sharing a checkpoint (its signature checked once): {:.0} bundles/s",
        f64::from(rounds) / warm
    );
    profile(&bundle);
}

async fn mark_signed(store: &Store, id: &RecordId, manifest: &[u8], signature: Vec<u8>) {
    store
        .put_signature(id, Bytes::from(signature))
        .await
        .expect("signature");
    store
        .put_pending(id, Bytes::copy_from_slice(&log_entry(manifest)))
        .await
        .expect("pending");
}

/// Seconds for `rounds` calls.
fn time(rounds: u32, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..rounds {
        f();
    }
    started.elapsed().as_secs_f64()
}

/// Where one bundle check spends its time.
fn profile(bundle: &EvidenceBundle) {
    let rounds = 20_000u32;
    let station: fehrist_seal::VerifierKey = bundle.station_key.parse().expect("key");
    let log_key: fehrist_seal::VerifierKey = bundle.log.log_key.parse().expect("key");
    let steps: [(&str, &dyn Fn()); 4] = [
        ("parse a verifier key", &|| {
            let _: fehrist_seal::VerifierKey = bundle.station_key.parse().expect("key");
        }),
        ("check the manifest signature", &|| {
            fehrist_seal::verify_manifest(bundle.manifest.as_bytes(), &bundle.signature, &station)
                .expect("verifies");
        }),
        ("check the checkpoint signature", &|| {
            fehrist_seal::log::open_checkpoint(bundle.log.checkpoint.as_bytes(), &log_key)
                .expect("opens");
        }),
        ("parse the manifest", &|| {
            let _: fehrist_model::Manifest =
                serde_json::from_str(&bundle.manifest).expect("parses");
        }),
    ];
    for (what, step) in steps {
        println!(
            "  {what}: {:.1} µs",
            time(rounds, step) * 1e6 / f64::from(rounds)
        );
    }
}
