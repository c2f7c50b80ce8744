//! Builds every `pipelines/*.toml` into the binary, so that adding an archive category
//! is adding a file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("../../pipelines");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the pipelines folder")
        .map(|entry| entry.expect("a pipelines entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut code = String::from("&[\n");
    for path in files {
        let name = path.file_stem().expect("a file name").to_string_lossy();
        let path = path.canonicalize().expect("a pipeline file");
        println!("cargo::rerun-if-changed={}", path.display());
        writeln!(code, "    ({name:?}, include_str!({:?})),", path.display()).expect("a string");
    }
    code.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("pipelines.rs");
    std::fs::write(out, code).expect("the generated pipeline list");
}
