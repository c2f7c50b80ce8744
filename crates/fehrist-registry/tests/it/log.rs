//! The transparency log as the registry keeps it: evidence, tampering, consistency,
//! and recovery from an append interrupted at each step.

use bytes::Bytes;
use fehrist_model::RecordId;
use fehrist_registry::{Problem, Registry, RegistryError};
use fehrist_seal::StationKey;
use fehrist_seal::evidence::EvidenceError;
use fehrist_seal::log::log_entry;

use crate::{Fixture, fixture, flip_byte, new_record};

async fn logged_fixture() -> Fixture {
    let mut f = fixture().await;
    let log_key = StationKey::from_seed("archive.example/log", [8; 32]).unwrap();
    f.registry.publish_key(&log_key).await.unwrap();
    f.registry.set_log_key(log_key);
    f
}

async fn register(f: &Fixture, n: u8) -> RecordId {
    let master = format!("master {n}");
    let record = new_record(
        &format!("TJ-CSA/F-1/O-1/D-{n}"),
        &[(master.as_bytes(), "матн")],
    );
    let id = record.manifest.record_id.clone();
    f.registry.register(&f.key, record).await.unwrap();
    id
}

#[tokio::test]
async fn evidence_verifies_offline_and_names_what_is_wrong() {
    let f = logged_fixture().await;
    let a = register(&f, 1).await;
    let b = register(&f, 2).await;
    assert!(matches!(
        f.registry.evidence(&a).await,
        Err(RegistryError::NotSequenced { .. })
    ));
    let sequenced = f.registry.sequence().await.unwrap();
    assert_eq!(
        (sequenced.appended, sequenced.recovered, sequenced.size),
        (2, 0, 2)
    );
    assert_eq!(
        f.registry.sequence().await.unwrap().appended,
        0,
        "nothing is appended twice"
    );

    let bundle = f.registry.evidence(&b).await.unwrap();
    // The bundle travels as JSON; checking it needs nothing but the bundle itself.
    let json = serde_json::to_string(&bundle).unwrap();
    let bundle: fehrist_seal::evidence::EvidenceBundle = serde_json::from_str(&json).unwrap();
    let report = bundle.verify(Some(b"master 2"), &[]).unwrap();
    // Within a batch, leaves go in record-id order.
    let leaf = u64::from(b > a);
    assert_eq!(
        (report.record_id, report.leaf_index, report.tree_size),
        (b.clone(), leaf, 2)
    );
    assert_eq!(report.sheets, vec![1]);
    assert!(matches!(
        bundle.verify(Some(b"master 1"), &[]),
        Err(EvidenceError::FileNotInRecord(_))
    ));

    let mut forged = bundle.clone();
    forged.manifest = forged
        .manifest
        .replace("\"operator\":\"tester\"", "\"operator\":\"someone\"");
    assert!(matches!(
        forged.verify(None, &[]),
        Err(EvidenceError::ManifestSignature(_))
    ));
    let mut forged = bundle.clone();
    forged.log.leaf_index = 1 - leaf;
    assert!(matches!(
        forged.verify(None, &[]),
        Err(EvidenceError::Inclusion { .. })
    ));
    let mut forged = bundle.clone();
    forged.log.checkpoint = forged.log.checkpoint.replacen("\n2\n", "\n3\n", 1);
    assert!(matches!(
        forged.verify(None, &[]),
        Err(EvidenceError::Checkpoint(_))
    ));
    // Pinned keys: the auditor's own copy of the keys must match the bundle's.
    let stranger = StationKey::from_seed("station-1", [99; 32]).unwrap();
    assert!(matches!(
        bundle.verify(None, &[stranger.verifier()]),
        Err(EvidenceError::Untrusted(_))
    ));
    let log_key: fehrist_seal::VerifierKey = bundle.log.log_key.parse().unwrap();
    assert!(
        bundle
            .verify(None, &[f.key.verifier(), log_key])
            .unwrap()
            .keys_pinned
    );
}

#[tokio::test]
async fn verify_checks_the_log_and_catches_altered_tiles_and_checkpoints() {
    let f = logged_fixture().await;
    let a = register(&f, 1).await;
    let pending = f.registry.verify_record(&a).await.unwrap();
    assert!(pending.is_intact() && pending.log.is_none());
    let b = register(&f, 2).await;
    f.registry.sequence().await.unwrap();
    let check = f.registry.verify_record(&a).await.unwrap();
    assert!(check.is_intact(), "{:?}", check.problems);
    assert_eq!(check.log, Some((u64::from(a > b), 2)));

    for object in ["log/tile/0/000.p/2", "log/checkpoint"] {
        let path = f.store_dir.join(object);
        let at = if object.ends_with("checkpoint") {
            30
        } else {
            3
        };
        flip_byte(&path, at);
        let check = f.registry.verify_record(&a).await.unwrap();
        assert!(
            matches!(&check.problems[..], [Problem::Log { .. }]),
            "{object}: {:?}",
            check.problems
        );
        flip_byte(&path, at);
        assert!(f.registry.verify_record(&a).await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn the_log_only_grows_and_a_rewritten_history_is_caught() {
    let f = logged_fixture().await;
    for n in 1..=2 {
        register(&f, n).await;
    }
    f.registry.sequence().await.unwrap();
    let old = f.registry.current_checkpoint().await.unwrap().unwrap().note;
    for n in 3..=7 {
        register(&f, n).await;
        f.registry.sequence().await.unwrap();
    }
    let consistency = f.registry.prove_consistency(&old).await.unwrap();
    assert_eq!((consistency.old_size, consistency.size), (2, 7));
    let now = f.registry.current_checkpoint().await.unwrap().unwrap().note;
    assert_eq!(f.registry.prove_consistency(&now).await.unwrap().size, 7);

    // Another log under the same key and origin, with a different history.
    let g = logged_fixture().await;
    for n in [1, 9, 3, 4, 5, 6, 7] {
        register(&g, n).await;
        g.registry.sequence().await.unwrap();
    }
    assert!(matches!(
        g.registry.prove_consistency(&old).await,
        Err(RegistryError::Inconsistent {
            old_size: 2,
            size: 7
        })
    ));
    // A log cut back below an auditor's checkpoint is caught too.
    assert!(matches!(
        logged_fixture()
            .await
            .registry
            .prove_consistency(&now)
            .await,
        Err(RegistryError::Inconsistent { .. })
    ));
}

#[tokio::test]
async fn an_append_interrupted_at_any_step_recovers_without_loss_or_duplicates() {
    let f = logged_fixture().await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(register(&f, n).await);
    }
    f.registry.sequence().await.unwrap();

    // Stopped after staging tiles, before the checkpoint swap: the staged tiles no
    // checkpoint covers are dropped by the next append, never published.
    ids.push(register(&f, 4).await);
    let staged = f.store_dir.join("log/staged/4/tile");
    std::fs::create_dir_all(staged.join("0/000.p")).unwrap();
    std::fs::create_dir_all(staged.join("entries/000.p")).unwrap();
    std::fs::write(staged.join("0/000.p/4"), [7u8; 128]).unwrap();
    std::fs::write(staged.join("entries/000.p/4"), b"junk").unwrap();
    let sequenced = f.registry.sequence().await.unwrap();
    assert_eq!((sequenced.appended, sequenced.size), (1, 4));

    // Stopped after the swap, before leaf indexes were written and marks removed.
    let last = ids[3].clone();
    let entry = log_entry(&f.registry.store().get_manifest(&last).await.unwrap());
    std::fs::remove_file(f.store_dir.join("records").join(last.as_str()).join("leaf")).unwrap();
    std::fs::write(f.store_dir.join("log/sequenced"), "3\n").unwrap();
    f.registry
        .store()
        .put_pending(&last, Bytes::copy_from_slice(&entry))
        .await
        .unwrap();
    let sequenced = f.registry.sequence().await.unwrap();
    assert_eq!(
        (sequenced.appended, sequenced.recovered, sequenced.size),
        (0, 1, 4)
    );
    assert_eq!(f.registry.store().leaf_index(&last).await.unwrap(), Some(3));

    // A leaf-index note lost in a crash (it is written without waiting for the disk)
    // is found again in the log's entries.
    let first = ids[0].clone();
    std::fs::remove_file(
        f.store_dir
            .join("records")
            .join(first.as_str())
            .join("leaf"),
    )
    .unwrap();
    let check = f.registry.verify_record(&first).await.unwrap();
    assert!(check.is_intact() && check.log.is_some(), "{:?}", check);
    assert!(
        f.store_dir
            .join("records")
            .join(first.as_str())
            .join("leaf")
            .exists()
    );

    // Marked for the log but never committed (stopped before the signature): skipped.
    let uncommitted = RecordId::from_bytes(&[42; 16]).unwrap();
    f.registry
        .store()
        .put_pending(&uncommitted, Bytes::from_static(&[1; 32]))
        .await
        .unwrap();
    assert_eq!(f.registry.sequence().await.unwrap().appended, 0);

    // Every record is in the log exactly once, at its own leaf.
    let mut leaves = Vec::new();
    for id in &ids {
        let check = f.registry.verify_record(id).await.unwrap();
        assert!(check.is_intact(), "{:?}", check.problems);
        leaves.push(check.log.unwrap().0);
        f.registry
            .evidence(id)
            .await
            .unwrap()
            .verify(None, &[])
            .unwrap();
    }
    leaves.sort();
    assert_eq!(leaves, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn without_a_log_key_nothing_is_sequenced() {
    let f = fixture().await;
    register(&f, 1).await;
    assert!(matches!(
        f.registry.sequence().await,
        Err(RegistryError::NoLogKey)
    ));
    let _: &Registry = &f.registry;
}

fn event(n: u32, action: &str) -> fehrist_model::AuditEvent {
    fehrist_model::AuditEvent {
        event_version: fehrist_model::AUDIT_EVENT_VERSION,
        time: format!("2026-11-21T10:00:{:02}Z", n % 60),
        actor: "n.karimova".to_owned(),
        agency: "Ministry of Justice".to_owned(),
        role: "reader".to_owned(),
        action: action.to_owned(),
        target: format!("query {n}"),
        outcome: fehrist_model::AuditOutcome::Success,
        client: "cli@test".to_owned(),
        count: None,
    }
}

#[tokio::test]
async fn audit_events_are_logged_and_an_altered_or_deleted_one_is_caught() {
    let f = logged_fixture().await;
    for n in 0..300 {
        assert_eq!(
            f.registry.record_event(&event(n, "search")).await.unwrap(),
            u64::from(n)
        );
    }
    let trail = f.registry.audit_trail().await.unwrap();
    assert!(trail.problems.is_empty(), "{:?}", trail.problems);
    assert_eq!((trail.size, trail.events.len()), (300, 300));
    assert_eq!(trail.events[299].1, event(299, "search"));
    // The record log is untouched by audit events.
    assert!(f.registry.current_checkpoint().await.unwrap().is_none());

    // Alter one event inside the entry bundle: same length, other content.
    let bundle = f.store_dir.join("audit/tile/entries/000");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(8).position(|w| w == b"query 17").unwrap();
    bytes[at + 6] = b'8';
    std::fs::write(&bundle, &bytes).unwrap();
    let trail = f.registry.audit_trail().await.unwrap();
    assert_eq!(
        trail.problems,
        vec!["event 17: altered or removed (it no longer matches the signed checkpoint)"]
    );

    // Delete the last event's entry bundle: the trail says it cannot be read.
    std::fs::remove_file(f.store_dir.join("audit/tile/entries/001.p/44")).unwrap();
    let trail = f.registry.audit_trail().await.unwrap();
    assert!(
        trail
            .problems
            .iter()
            .any(|p| p.starts_with("event 256: cannot be read")),
        "{:?}",
        trail.problems
    );
}
