//! Any bytes as a signed checkpoint note: opened only if the fixed key signed it (it
//! never did here), refused otherwise; never a panic.
#![no_main]

use std::sync::OnceLock;

use fehrist_seal::{StationKey, VerifierKey};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static VerifierKey {
    static KEY: OnceLock<VerifierKey> = OnceLock::new();
    KEY.get_or_init(|| {
        StationKey::from_seed("fuzz.example/fehrist-log", [7; 32])
            .expect("a valid key")
            .verifier()
    })
}

fuzz_target!(|data: &[u8]| {
    assert!(fehrist_seal::log::open_checkpoint(data, key()).is_err());
});
