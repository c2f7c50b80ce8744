//! Any text either fails to parse as a reference code or round-trips exactly.
#![no_main]

use fehrist_model::RefCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(code) = text.parse::<RefCode>() {
        let printed = code.to_string();
        let again: RefCode = printed.parse().expect("a printed code parses");
        assert_eq!(again, code);
        assert_eq!(again.to_string(), printed);
    }
});
