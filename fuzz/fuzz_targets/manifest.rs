//! Any bytes as a stored manifest: a manifest whose canonical bytes parse back to it,
//! or an error; never a panic.
#![no_main]

use fehrist_model::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(manifest) = serde_json::from_slice::<Manifest>(data) {
        if let Ok(bytes) = fehrist_seal::canonical_json("manifest", &manifest) {
            let again: Manifest = serde_json::from_slice(&bytes).expect("canonical bytes parse");
            assert_eq!(again, manifest);
        }
    }
});
