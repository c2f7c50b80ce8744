//! Opening this machine's registry for a command: only an ingest (and making a key)
//! may create one; every other command on a registry that does not exist says so.

use fehrist_registry::Registry;
use fehrist_service::Opening;
pub use fehrist_service::{Paths, hostname};

fn notice(line: &str) {
    eprintln!("fehrist: {line}");
}

/// Opening an existing registry, as `paths.open_registry()`.
pub trait OpenRegistry {
    async fn open_registry(&self) -> anyhow::Result<Registry>;
}

impl OpenRegistry for Paths {
    async fn open_registry(&self) -> anyhow::Result<Registry> {
        Ok(self.open(Opening::Existing, &notice).await?)
    }
}

/// Opens the registry, making it if it does not exist yet.
pub async fn create_registry(paths: &Paths) -> anyhow::Result<Registry> {
    Ok(paths.open(Opening::Create, &notice).await?)
}
