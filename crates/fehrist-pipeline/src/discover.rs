//! Finding the records in a batch folder.
//!
//! A file (storage unit) is a folder `F-n/O-n/D-n/` of scans, or a path named by a row
//! of `inventory.csv`. Its scans are ordered by the number in their names (`2.png`
//! before `10.png`), which is the sheet order. Everything else in the folder is
//! reported, never skipped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fehrist_model::{AccessLevel, DateSpan, RefCode};

use crate::{InputError, InputProblem, PipelineError};

/// Files a batch folder may hold beside its scans.
pub const SIDECARS: &[&str] = &["batch.toml", "inventory.csv", "passport.toml"];
const SCAN_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff", "pdf"];

/// One row of `inventory.csv`: what the archivists already know about a file.
///
/// ```text
/// ref_code,title,dates,document_type,languages,access,creator,path
/// F-12/O-3/D-45,Opening of new schools,1968/1969,decision,tgk+rus+eng,open,,
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryEntry {
    pub title: Option<String>,
    pub dates: Option<DateSpan>,
    pub document_type: Option<String>,
    pub creator: Option<String>,
    pub languages: Option<String>,
    pub access: Option<AccessLevel>,
    /// A folder or file (relative to the batch) holding the scans, when they are
    /// not laid out as `F-n/O-n/D-n/`.
    pub path: Option<String>,
}

/// A scanned file of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanFile {
    pub path: PathBuf,
    /// Relative to the batch folder, `/`-separated.
    pub relative: String,
}

/// A file (storage unit) found in the batch, with its scans in sheet order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRecord {
    pub ref_code: RefCode,
    pub scans: Vec<ScanFile>,
    pub entry: InventoryEntry,
}

/// What discovery found: records to ingest and inputs it could not use.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The batch folder the paths are relative to.
    pub root: PathBuf,
    pub records: Vec<PlannedRecord>,
    pub problems: Vec<InputProblem>,
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Sheet order: the first number in the file name, then the name.
fn sheet_order(name: &str) -> (u64, String) {
    let digits: String = name
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.parse().unwrap_or(u64::MAX), name.to_owned())
}

/// Every regular file under `dir`. Anything else (a symbolic link, a named pipe, a
/// socket, a device) is a problem and is never opened: a link may lead to the station
/// key, a pipe would hang the ingest.
fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    refused: &mut Vec<(PathBuf, InputError)>,
) -> Result<(), PipelineError> {
    let read_error = |source| PipelineError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .collect::<Result<_, _>>()
        .map_err(read_error)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(read_error)?;
        if kind.is_dir() {
            walk(&path, files, refused)?;
        } else if let Some(kind) = crate::batch_file::kind_of(kind) {
            refused.push((path, InputError::NotRegular { kind }));
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn full_code(archive: &str, text: &str) -> Result<RefCode, fehrist_model::RefCodeError> {
    let text = text.trim();
    if text.starts_with("F-") {
        RefCode::from_archive_and_path(archive, text)
    } else {
        text.parse()
    }
}

fn read_inventory(
    root: &Path,
    archive: &str,
    problems: &mut Vec<InputProblem>,
) -> Result<BTreeMap<RefCode, InventoryEntry>, PipelineError> {
    let path = root.join("inventory.csv");
    match crate::batch_file::read(root, &path, crate::settings::SIDECAR_LIMIT) {
        Ok(Some(text)) => Ok(parse_inventory(&text, archive, problems)),
        Ok(None) => Ok(BTreeMap::new()),
        Err(source) => Err(PipelineError::Sidecar {
            path: path.display().to_string(),
            source: Box::new(source),
        }),
    }
}

/// The rows of an `inventory.csv`; a bad row is a problem naming its line, and the
/// rest are read.
pub fn parse_inventory(
    text: &[u8],
    archive: &str,
    problems: &mut Vec<InputProblem>,
) -> BTreeMap<RefCode, InventoryEntry> {
    let mut entries = BTreeMap::new();
    // A value is quoted in a problem only as a short escaped excerpt.
    let column = |column: &'static str, error: &dyn std::fmt::Display| InputError::InventoryField {
        column,
        reason: crate::excerpt(&error.to_string(), 120),
    };
    let problem = |line: u64, error: InputError| InputProblem {
        path: format!("inventory.csv:{line}"),
        record: None,
        error,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(source) => {
            problems.push(problem(1, InputError::InventoryRow { source }));
            return entries;
        }
    };
    const COLUMNS: &[&str] = &[
        "ref_code",
        "title",
        "dates",
        "document_type",
        "languages",
        "access",
        "creator",
        "path",
    ];
    for header in headers.iter().filter(|h| !COLUMNS.contains(h)) {
        problems.push(problem(
            1,
            InputError::InventoryColumn {
                column: crate::excerpt(header, 40),
            },
        ));
    }
    if !headers.iter().any(|h| h == "ref_code") {
        problems.push(problem(
            1,
            InputError::InventoryColumn {
                column: String::new(),
            },
        ));
        return entries;
    }
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(source) => {
                let line = source.position().map_or(0, |p| p.line());
                problems.push(problem(line, InputError::InventoryRow { source }));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        let field = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let code = match full_code(archive, &field("ref_code").unwrap_or_default()) {
            Ok(code) => code.file_code(),
            Err(e) => {
                problems.push(problem(line, column("ref_code", &e)));
                continue;
            }
        };
        let dates = match field("dates").map(|d| d.parse::<DateSpan>()).transpose() {
            Ok(dates) => dates,
            Err(e) => {
                problems.push(problem(line, column("dates", &e)));
                continue;
            }
        };
        let access = match field("access")
            .map(|a| a.parse::<AccessLevel>())
            .transpose()
        {
            Ok(access) => access,
            Err(e) => {
                problems.push(problem(line, column("access", &e)));
                continue;
            }
        };
        let entry = InventoryEntry {
            title: field("title"),
            dates,
            document_type: field("document_type"),
            creator: field("creator"),
            languages: field("languages"),
            access,
            path: field("path").map(|p| p.trim_matches('/').to_owned()),
        };
        // A path is matched against files found inside the batch folder; one that
        // climbs out of it (`..`) names nothing there and is refused as written.
        if entry
            .path
            .as_deref()
            .is_some_and(|p| p.split('/').any(|part| part == ".."))
        {
            problems.push(problem(line, column("path", &InputError::PathOutside)));
            continue;
        }
        if entries.insert(code.clone(), entry).is_some() {
            problems.push(problem(line, InputError::DuplicateRow { ref_code: code }));
        }
    }
    entries
}

/// Names that differ only in letter case would overwrite each other on a
/// case-insensitive disk and leave the sheet order to chance: every such file is a
/// problem, and its record is not ingested.
fn refuse_case_collisions(
    scans: &mut BTreeMap<RefCode, Vec<ScanFile>>,
    problems: &mut Vec<InputProblem>,
) {
    let mut by_folded: BTreeMap<String, Vec<(&RefCode, &str)>> = BTreeMap::new();
    for (code, files) in scans.iter() {
        for file in files {
            by_folded
                .entry(file.relative.to_lowercase())
                .or_default()
                .push((code, &file.relative));
        }
    }
    let mut refused = std::collections::BTreeSet::new();
    for group in by_folded.values().filter(|group| group.len() > 1) {
        for (n, (code, relative)) in group.iter().enumerate() {
            let other = group[if n == 0 { 1 } else { 0 }].1.to_owned();
            problems.push(InputProblem {
                path: (*relative).to_owned(),
                record: Some((*code).clone()),
                error: InputError::CaseCollision { other },
            });
            refused.insert((*code).clone());
        }
    }
    scans.retain(|code, _| !refused.contains(code));
}

/// Walks a batch folder and groups its scans into records.
pub fn discover(root: &Path, archive: &str) -> Result<Discovery, PipelineError> {
    let mut problems = Vec::new();
    // Every path is made from the canonical root, so a file opened later can be
    // checked to lie inside it.
    let canonical_root = std::fs::canonicalize(root).map_err(|source| PipelineError::Read {
        path: root.display().to_string(),
        source,
    })?;
    let inventory = read_inventory(&canonical_root, archive, &mut problems)?;
    let mut files = Vec::new();
    let mut refused = Vec::new();
    walk(&canonical_root, &mut files, &mut refused)?;
    for (path, error) in refused {
        problems.push(InputProblem {
            path: relative(&canonical_root, &path),
            record: None,
            error,
        });
    }

    let mut scans: BTreeMap<RefCode, Vec<ScanFile>> = BTreeMap::new();
    for path in files {
        let rel = relative(&canonical_root, &path);
        if SIDECARS.contains(&rel.as_str()) {
            continue;
        }
        let problem = |error| InputProblem {
            path: rel.clone(),
            record: None,
            error,
        };
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if !SCAN_EXTENSIONS.contains(&extension.as_str()) {
            problems.push(problem(InputError::NotAScan { extension }));
            continue;
        }
        // An inventory path claims its scans first; then the folder convention.
        let claimed = inventory.iter().find(|(_, entry)| {
            entry
                .path
                .as_deref()
                .is_some_and(|p| rel == p || rel.starts_with(&format!("{p}/")))
        });
        let code = match claimed {
            Some((code, _)) => code.clone(),
            None => {
                let parts: Vec<&str> = rel.split('/').collect();
                if parts.len() < 4 {
                    problems.push(problem(InputError::OutsideFileFolder));
                    continue;
                }
                let folder = parts[parts.len() - 4..parts.len() - 1].join("/");
                match RefCode::from_archive_and_path(archive, &folder) {
                    Ok(code) => code,
                    Err(e) => {
                        problems.push(problem(InputError::RefCode(e)));
                        continue;
                    }
                }
            }
        };
        scans.entry(code).or_default().push(ScanFile {
            path,
            relative: rel,
        });
    }

    for code in inventory.keys().filter(|code| !scans.contains_key(*code)) {
        problems.push(InputProblem {
            path: "inventory.csv".to_owned(),
            record: Some(code.clone()),
            error: InputError::NoScans,
        });
    }
    refuse_case_collisions(&mut scans, &mut problems);
    let records = scans
        .into_iter()
        .map(|(ref_code, mut scans)| {
            scans.sort_by_key(|s| {
                sheet_order(
                    s.path
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .as_deref()
                        .unwrap_or(""),
                )
            });
            let entry = inventory.get(&ref_code).cloned().unwrap_or_default();
            PlannedRecord {
                ref_code,
                scans,
                entry,
            }
        })
        .collect();
    Ok(Discovery {
        root: canonical_root,
        records,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str, content: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    #[test]
    fn groups_by_folder_and_inventory_and_reports_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "F-12/O-3/D-45/10.png",
            "F-12/O-3/D-45/2.png",
            "F-12/O-3/D-45/0001.png",
            "F-12/O-3/D-46/scan.TIF",
            "loose/writ-a.jpg",
            "loose/writ-b.jpg",
            "F-12/O-3/notes.docx",
            "F-12/X-3/D-1/0001.png",
            "stray.png",
            "batch.toml",
        ] {
            touch(root, rel, "");
        }
        touch(
            root,
            "inventory.csv",
            "ref_code,title,dates,access,path,colour\n\
             F-12/O-3/D-45,Schools,1968/1969,open,,\n\
             TJ-CSA/F-9/O-1/D-1,Writ,2023,restricted,loose,\n\
             F-12/O-3/D-99,Missing,,,,\n\
             F-12/O-3/D-47,Bad dates,1969/1968,,,\n",
        );
        let found = discover(root, "TJ-CSA").unwrap();
        let codes: Vec<String> = found
            .records
            .iter()
            .map(|r| r.ref_code.to_string())
            .collect();
        assert_eq!(
            codes,
            [
                "TJ-CSA/F-12/O-3/D-45",
                "TJ-CSA/F-12/O-3/D-46",
                "TJ-CSA/F-9/O-1/D-1"
            ]
        );
        let d45: Vec<&str> = found.records[0]
            .scans
            .iter()
            .map(|s| s.relative.as_str())
            .collect();
        assert_eq!(
            d45,
            [
                "F-12/O-3/D-45/0001.png",
                "F-12/O-3/D-45/2.png",
                "F-12/O-3/D-45/10.png"
            ]
        );
        assert_eq!(found.records[0].entry.title.as_deref(), Some("Schools"));
        assert_eq!(found.records[2].entry.access, Some(AccessLevel::Restricted));
        assert_eq!(found.records[2].scans.len(), 2);

        let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
        let expect = [
            "inventory.csv:1: unknown column \"colour\"",
            "inventory.csv:5: column dates: date span \"1969/1968\" ends before it starts",
            "F-12/O-3/notes.docx: not a scan",
            "F-12/X-3/D-1/0001.png: reference code",
            "stray.png: not inside an F-n/O-n/D-n folder",
            "inventory.csv (TJ-CSA/F-12/O-3/D-99): listed but no scans were found",
        ];
        for expected in expect {
            assert!(
                problems.iter().any(|p| p.starts_with(expected)),
                "{expected:?} not in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    }

    #[test]
    fn sheet_order_is_numeric() {
        let mut names = vec!["10.png", "scan-2.png", "1.png", "cover.png"];
        names.sort_by_key(|n| sheet_order(n));
        assert_eq!(names, ["1.png", "scan-2.png", "10.png", "cover.png"]);
    }
}
