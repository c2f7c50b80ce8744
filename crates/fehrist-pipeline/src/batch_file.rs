//! Reading a file of a batch folder without trusting what the folder holds.
//!
//! A batch comes from a scanning station's operator, a contractor's delivery or a
//! network share, so a name in it may be a symbolic link to the station key, a named
//! pipe that never ends, or a device. Every file of a batch (scans, `inventory.csv`,
//! `batch.toml`) is opened here: never through a link (`O_NOFOLLOW`), never blocking on
//! a pipe (`O_NONBLOCK`), and kept only when the open file itself, checked after
//! opening, is a regular file inside the batch folder, so nothing can be swapped in
//! between a check and the read.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::InputError;

/// What a name that is not a regular file is, in words.
pub(crate) fn kind_of(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        None
    } else if file_type.is_symlink() {
        Some("a symbolic link")
    } else if file_type.is_dir() {
        Some("a folder")
    } else if file_type.is_fifo() {
        Some("a named pipe")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_block_device() || file_type.is_char_device() {
        Some("a device")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` for reading if it is a regular file inside `root` (canonical).
///
/// `Ok(None)` when nothing of that name exists, so an optional sidecar can be absent.
pub(crate) fn open(root: &Path, path: &Path) -> Result<Option<File>, InputError> {
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // O_NOFOLLOW answers ELOOP for a link in the last component.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(InputError::NotRegular {
                kind: "a symbolic link",
            });
        }
        Err(source) => return Err(InputError::Read { source }),
    };
    let meta = file
        .metadata()
        .map_err(|source| InputError::Read { source })?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(InputError::NotRegular { kind });
    }
    // The file as opened, not as named: a folder of the path swapped for a link after
    // the walk would show here.
    let opened = std::fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&file)
    ))
    .map_err(|source| InputError::Read { source })?;
    if !opened.starts_with(root) {
        return Err(InputError::OpenedOutside);
    }
    Ok(Some(file))
}

/// Reads a regular file inside `root` whole, refusing one over `limit` bytes before
/// reading it. `Ok(None)` when it does not exist.
pub(crate) fn read(root: &Path, path: &Path, limit: u64) -> Result<Option<Vec<u8>>, InputError> {
    let Some(file) = open(root, path)? else {
        return Ok(None);
    };
    let size = file
        .metadata()
        .map_err(|source| InputError::Read { source })?
        .len();
    if size > limit {
        return Err(InputError::FileTooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while it is read stops at the limit too.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Read { source })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::FileTooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(Some(bytes))
}

/// A bounded, printable excerpt of text that came from an input: control characters
/// (terminal escapes among them) escaped, at most `max` characters, so an error never
/// carries a whole line of whatever file it was about.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        (dir, root)
    }

    #[test]
    fn reads_a_regular_file_and_reports_a_missing_one() {
        let (_dir, root) = root();
        std::fs::write(root.join("a.csv"), b"ref_code\n").unwrap();
        assert_eq!(
            read(&root, &root.join("a.csv"), 100).unwrap().as_deref(),
            Some(&b"ref_code\n"[..])
        );
        assert!(read(&root, &root.join("b.csv"), 100).unwrap().is_none());
    }

    #[test]
    fn refuses_links_pipes_folders_and_files_over_the_limit() {
        let (_dir, root) = root();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("station.key"), b"PRIVATE+KEY").unwrap();
        std::fs::write(root.join("inside.csv"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("station.key"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("inside.csv"), root.join("in")).unwrap();
        let fifo = root.join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        std::fs::create_dir(root.join("folder")).unwrap();
        let refused = |name: &str| read(&root, &root.join(name), 100).unwrap_err().to_string();
        assert!(
            refused("out").contains("a symbolic link"),
            "{}",
            refused("out")
        );
        assert!(refused("in").contains("a symbolic link"));
        // Opened without blocking, then refused: no writer is waited for.
        assert!(refused("pipe").contains("a named pipe"));
        assert!(refused("folder").contains("a folder"));
        std::fs::write(root.join("big"), vec![0u8; 101]).unwrap();
        assert!(refused("big").contains("over the 100-byte limit"));
    }

    #[test]
    fn a_file_outside_the_root_is_refused_after_opening() {
        let (_dir, root) = root();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("x"), b"x").unwrap();
        let error = read(&root, &other.path().join("x"), 100).unwrap_err();
        assert!(matches!(error, InputError::OpenedOutside), "{error}");
    }

    #[test]
    fn excerpts_are_bounded_and_escaped() {
        assert_eq!(excerpt("abc", 5), "abc");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("a\u{1b}[31mb", 10), "a\\u{1b}[31mb");
    }
}
