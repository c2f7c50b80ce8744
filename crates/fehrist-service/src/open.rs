//! Where a machine keeps a registry (the store, the index and the keys beside it), and
//! opening it: the one way the command line and the server open a registry.

use std::path::PathBuf;

use fehrist_index::SearchIndex;
use fehrist_registry::{Registry, RegistryError, load_or_create_station_key};
use fehrist_seal::StationKey;
use fehrist_store::{Store, StoreError};

use crate::ServiceError;

/// Whether opening may create the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// The registry must exist: a store that never had a record or key is an error
    /// naming its URL, and nothing is created.
    Existing,
    /// An ingest: the store, index and keys are made if missing.
    Create,
}

/// The store URL and the local folders beside it.
#[derive(Debug, Clone)]
pub struct Paths {
    pub store: String,
    pub index: PathBuf,
    pub station_key: PathBuf,
    /// The registry's key, which signs transparency-log checkpoints.
    pub registry_key: PathBuf,
}

impl Paths {
    /// A `file://` store at `DIR/store` keeps its index at `DIR/index` and the keys in
    /// `DIR/keys/`; any other store keeps them under `./var/`.
    pub fn for_store(store: &str) -> Self {
        let local = store
            .strip_prefix("file://")
            .or((!store.contains("://")).then_some(store))
            .map(PathBuf::from);
        let base = local
            .and_then(|path| path.parent().map(PathBuf::from))
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("./var"));
        Paths {
            store: store.to_owned(),
            index: base.join("index"),
            station_key: base.join("keys").join("station.key"),
            registry_key: base.join("keys").join("registry.key"),
        }
    }

    /// Opens the store and index, trusting the keys this machine holds; the registry
    /// key, if here, makes this machine the log's sequencer. An index written by
    /// another version of Fehrist is rebuilt from the store here (`notice` hears it).
    pub async fn open(
        &self,
        opening: Opening,
        notice: &dyn Fn(&str),
    ) -> Result<Registry, ServiceError> {
        let unreachable = |error: &StoreError| ServiceError::StoreUnreachable {
            url: self.store.clone(),
            reason: error.brief(),
        };
        let store = match opening {
            Opening::Create => Store::open_or_create(&self.store),
            Opening::Existing => Store::open(&self.store),
        };
        let store = match store {
            Ok(store) => store,
            Err(StoreError::NoFolder { .. }) => {
                return Err(ServiceError::NoRegistry {
                    url: self.store.clone(),
                });
            }
            Err(error) => return Err(unreachable(&error)),
        };
        // Every registry has published a key: the first ingest publishes its station's.
        if opening == Opening::Existing && self.store != "memory://" {
            let keys = store.list_keys().await.map_err(|e| unreachable(&e))?;
            if keys.is_empty() {
                return Err(ServiceError::NoRegistry {
                    url: self.store.clone(),
                });
            }
        }
        let index = SearchIndex::open(&self.index).map_err(RegistryError::from)?;
        let mut registry = Registry::new(store, index);
        if self.station_key.exists() {
            let (key, _) = load_or_create_station_key(&self.station_key, "unused")?;
            registry.trust(key.verifier());
        }
        if self.registry_key.exists() {
            let (key, _) = load_or_create_station_key(&self.registry_key, "unused")?;
            registry.set_log_key(key);
        }
        for retired in self.retired_keys() {
            let (key, _) = load_or_create_station_key(&retired, "unused")?;
            registry.trust(key.verifier());
        }
        if registry.index_was_emptied() {
            notice("the search index was made by another version; rebuilding it");
            let (indexed, failed) = registry.reindex().await?;
            notice(&format!(
                "{indexed} record(s) indexed again{}",
                if failed.is_empty() {
                    String::new()
                } else {
                    format!(", {} could not be read (see fixity)", failed.len())
                }
            ));
        }
        Ok(registry)
    }

    /// Keys this machine used before a rotation (`keys/*.retired`), still trusted for
    /// what they signed.
    pub fn retired_keys(&self) -> Vec<PathBuf> {
        let Some(dir) = self.station_key.parent() else {
            return Vec::new();
        };
        let mut retired: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "retired"))
            .collect();
        retired.sort();
        retired
    }

    /// The station key, made on first use under `name`, and published in the store.
    /// Returns whether it was made now.
    pub async fn station_key(
        &self,
        registry: &Registry,
        name: &str,
    ) -> Result<(StationKey, bool), ServiceError> {
        let (key, created) = load_or_create_station_key(&self.station_key, name)?;
        registry.publish_key(&key).await?;
        Ok((key, created))
    }

    /// Makes this machine the log's sequencer if it is not yet: a registry key named
    /// after the log's origin (`HOST/fehrist-log`), made on first use and published.
    /// Returns a line to tell the user when a key was made.
    pub async fn ensure_registry_key(
        &self,
        registry: &mut Registry,
    ) -> Result<Option<String>, ServiceError> {
        if self.registry_key.exists() {
            return Ok(None);
        }
        let origin = format!("{}/fehrist-log", hostname());
        let (key, _) = load_or_create_station_key(&self.registry_key, &origin)?;
        registry.publish_key(&key).await?;
        let note = format!(
            "new registry key {} ({}) in {}",
            key.id(),
            key.name(),
            self.registry_key.display()
        );
        registry.set_log_key(key);
        Ok(Some(note))
    }
}

/// This machine's name, the default station name.
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| {
            name.trim()
                .replace(|c: char| c.is_whitespace() || c == '+', "-")
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "station".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_keys_live_beside_a_file_store() {
        let paths = Paths::for_store("file://./var/store");
        assert_eq!(paths.index, PathBuf::from("./var/index"));
        assert_eq!(paths.station_key, PathBuf::from("./var/keys/station.key"));
        assert_eq!(paths.registry_key, PathBuf::from("./var/keys/registry.key"));
        let paths = Paths::for_store("/srv/fehrist/store");
        assert_eq!(paths.index, PathBuf::from("/srv/fehrist/index"));
        let paths = Paths::for_store("memory://");
        assert_eq!(paths.index, PathBuf::from("./var/index"));
        let paths = Paths::for_store("file://store");
        assert_eq!(paths.index, PathBuf::from("./var/index"));
    }
}
