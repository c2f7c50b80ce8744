//! Golden files for the formats that must not drift, the seal round trip, and the
//! transparency log.

mod log;

use std::path::PathBuf;

use fehrist_model::{
    AccessLevel, BlobRef, DescriptionLevel, Extent, MANIFEST_VERSION, Manifest, ManifestSignature,
    OcrInfo, Page, Passport, PipelineInfo, Source,
};
use fehrist_seal::{SealedManifest, StationKey, record_id, sha256, verify_manifest};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with a committed golden file; `FEHRIST_BLESS=1` rewrites it after a
/// deliberate format change (which also needs a new format version).
fn check_golden(name: &str, actual: &[u8]) {
    let path = golden(name);
    if std::env::var_os("FEHRIST_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        String::from_utf8_lossy(actual),
        String::from_utf8_lossy(&expected),
        "{name} drifted"
    );
}

fn blob(content: &[u8], media_type: &str) -> BlobRef {
    BlobRef {
        sha256: sha256(content),
        size: content.len() as u64,
        media_type: media_type.to_owned(),
    }
}

fn example_manifest() -> Manifest {
    let ref_code = "TJ-CSA/F-12/O-3/D-45".parse().unwrap();
    let master = blob(b"master page one", "image/png");
    let record_id = record_id(&ref_code, [(&master.sha256, 1)]);
    Manifest {
        manifest_version: MANIFEST_VERSION,
        record_id,
        previous: None,
        edit: None,
        passport: Passport {
            ref_code,
            title: Some("Кушодани мактабҳои нав".to_owned()),
            dates: Some("1968/1969".parse().unwrap()),
            level: DescriptionLevel::File,
            extent: Extent { sheets: 1 },
            creator: Some("Вазорати маориф".to_owned()),
            document_type: Some("decision".to_owned()),
        },
        access: AccessLevel::Open,
        pipeline: PipelineInfo {
            name: "default".to_owned(),
            version: "1".to_owned(),
        },
        ocr: OcrInfo {
            engine: "tesseract".to_owned(),
            version: "5.3.0".to_owned(),
            languages: "tgk+rus+eng".to_owned(),
            page_segmentation: None,
        },
        station: "station-1".to_owned(),
        operator: "operator".to_owned(),
        registered_at: "2026-11-21T10:00:00Z".to_owned(),
        pages: vec![Page {
            sheet: 1,
            source: Source {
                path: "F-12/O-3/D-45/0001.png".to_owned(),
                page: 1,
            },
            master,
            text: blob("Бойгониҳо".as_bytes(), "text/plain; charset=utf-8"),
            words: blob(b"{\"words\":[]}", "application/json"),
            alto: None,
            width: 2480,
            height: 3508,
            language: "tgk".to_owned(),
            mean_confidence: 93,
            binarization: None,
            preprocessing: None,
            text_source: None,
            unread: None,
        }],
        fields: Default::default(),
        field_sources: Vec::new(),
        personal_data: None,
    }
}

#[test]
fn manifest_v1_canonical_bytes_and_signature_are_stable() {
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let sealed = SealedManifest::seal(&example_manifest(), &key).unwrap();
    check_golden("manifest-v1.json", &sealed.bytes);
    let mut signature = serde_json::to_vec(&sealed.signature).unwrap();
    signature.push(b'\n');
    check_golden("manifest-v1.sig", &signature);
    let parsed: Manifest =
        serde_json::from_slice(&std::fs::read(golden("manifest-v1.json")).unwrap()).unwrap();
    assert_eq!(parsed, example_manifest());
}

#[test]
fn manifest_v1_with_recorded_ocr_decisions_is_stable() {
    // The optional fields added within v1: absent above, present here.
    let mut manifest = example_manifest();
    manifest.ocr.page_segmentation = Some("auto_osd".to_owned());
    manifest.pages[0].binarization = Some("sauvola".to_owned());
    manifest.pages[0].alto = Some(blob(b"<alto/>", "application/xml"));
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let sealed = SealedManifest::seal(&manifest, &key).unwrap();
    check_golden("manifest-v1-ocr-decisions.json", &sealed.bytes);
    let parsed: Manifest = serde_json::from_slice(&sealed.bytes).unwrap();
    assert_eq!(parsed, manifest);
}

#[test]
fn manifest_v1_with_fields_is_stable() {
    // Extracted fields were added within v1; their bytes must not drift either.
    use fehrist_model::{Amount, FieldOrigin, FieldSource, FieldValue, TextSpan};
    let mut manifest = example_manifest();
    manifest.pipeline.name = "executive-documents".to_owned();
    manifest.fields.insert(
        "case_number".to_owned(),
        FieldValue::Text("2-345/2024".to_owned()),
    );
    manifest.fields.insert(
        "amounts".to_owned(),
        FieldValue::Amounts(vec![Amount {
            value: "700928176.50".to_owned(),
            currency: "TJS".to_owned(),
        }]),
    );
    manifest.field_sources = vec![
        FieldSource {
            field: "case_number".to_owned(),
            span: Some(TextSpan {
                sheet: 1,
                start: 88,
                end: 98,
            }),
            confidence: 91,
            origin: FieldOrigin::Extracted,
            editor: None,
        },
        FieldSource {
            field: "amounts/0".to_owned(),
            span: None,
            confidence: 100,
            origin: FieldOrigin::Edited,
            editor: Some("n.karimova".to_owned()),
        },
    ];
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let sealed = SealedManifest::seal(&manifest, &key).unwrap();
    check_golden("manifest-v1-fields.json", &sealed.bytes);
    let parsed: Manifest = serde_json::from_slice(&sealed.bytes).unwrap();
    assert_eq!(parsed, manifest);
}

#[test]
fn manifest_v1_with_preprocessing_is_stable() {
    // Preprocessing and word lines were added within v1 as optional fields: manifests
    // without them keep their bytes (the goldens above), and these bytes must not drift.
    let mut manifest = example_manifest();
    manifest.ocr.page_segmentation = Some("auto".to_owned());
    manifest.pages[0].binarization = Some("sauvola".to_owned());
    manifest.pages[0].preprocessing = Some(fehrist_model::Preprocessing {
        dpi: 300,
        dpi_assumed: true,
        rotation: 90,
        skew: -1.25,
        despeckled: true,
        scale: None,
        language_found: None,
    });
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let sealed = SealedManifest::seal(&manifest, &key).unwrap();
    check_golden("manifest-v1-preprocessing.json", &sealed.bytes);
    let parsed: Manifest = serde_json::from_slice(&sealed.bytes).unwrap();
    assert_eq!(parsed, manifest);
}

#[test]
fn signature_verifies_and_any_flipped_byte_fails() {
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let sealed = SealedManifest::seal(&example_manifest(), &key).unwrap();
    verify_manifest(&sealed.bytes, &sealed.signature, &key.verifier()).unwrap();
    for i in 0..sealed.bytes.len() {
        let mut altered = sealed.bytes.clone();
        altered[i] ^= 0x01;
        assert!(
            verify_manifest(&altered, &sealed.signature, &key.verifier()).is_err(),
            "flipping byte {i} went unnoticed"
        );
    }
}

#[test]
fn another_key_is_refused_by_id_and_by_signature() {
    let key = StationKey::from_seed("station-1", [1; 32]).unwrap();
    let other = StationKey::from_seed("station-1", [2; 32]).unwrap();
    let sealed = SealedManifest::seal(&example_manifest(), &key).unwrap();
    let error = verify_manifest(&sealed.bytes, &sealed.signature, &other.verifier()).unwrap_err();
    assert!(error.to_string().contains("names key"), "{error}");
    let forged = ManifestSignature {
        key_id: other.id().clone(),
        ..sealed.signature.clone()
    };
    let error = verify_manifest(&sealed.bytes, &forged, &other.verifier()).unwrap_err();
    assert!(error.to_string().contains("does not verify"), "{error}");
}
