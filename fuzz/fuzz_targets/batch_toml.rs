//! Any text as batch.toml: settings or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = fehrist_pipeline::BatchSettings::parse(text);
});
