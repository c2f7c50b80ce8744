//! The station's signing key on local disk.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use fehrist_seal::StationKey;

use crate::RegistryError;

/// Loads the station key from `path`, or makes one named `name` if the file does not
/// exist yet: 32 bytes from the operating system's random source, written in
/// signed-note signer form to a new file of mode 0600.
pub fn load_or_create_station_key(
    path: &Path,
    name: &str,
) -> Result<(StationKey, bool), RegistryError> {
    let io_error = |source| RegistryError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path)
                .map_err(io_error)?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(RegistryError::KeyFileOpen {
                    path: path.display().to_string(),
                    mode: mode & 0o777,
                });
            }
            let key = StationKey::from_signer_string(&text).map_err(|source| {
                RegistryError::KeyFileFormat {
                    path: path.display().to_string(),
                    source,
                }
            })?;
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| io_error(std::io::Error::other(e)))?;
            let key = StationKey::from_seed(name, seed).map_err(|source| {
                RegistryError::KeyFileFormat {
                    path: path.display().to_string(),
                    source,
                }
            })?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_error)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io_error)?;
            file.write_all(format!("{}\n", key.to_signer_string()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io_error)?;
            Ok((key, true))
        }
        Err(e) => Err(io_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_once_then_loads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/station.key");
        let (created, new) = load_or_create_station_key(&path, "station-1").unwrap();
        assert!(new);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let (loaded, new) = load_or_create_station_key(&path, "ignored").unwrap();
        assert!(!new);
        assert_eq!(loaded.verifier(), created.verifier());
        assert_eq!(loaded.name(), "station-1");
    }

    #[test]
    fn refuses_a_key_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("station.key");
        load_or_create_station_key(&path, "station-1").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_or_create_station_key(&path, "station-1").unwrap_err();
        assert!(error.to_string().contains("0644"), "{error}");
    }
}
