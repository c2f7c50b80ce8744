//! The digital passport of a fond (action-plan item 9) and the digitization KPIs
//! (item 24), both computed from the registry's manifests: figures come from what was
//! registered, never from a spreadsheet. Pure: manifests, quarantine entries, what the
//! archive declared and the time are passed in.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Manifest, QuarantineEntry, RecordId};

/// What an archive declares about a fond it holds (`fonds.toml`), against which
/// digitization progress is measured.
///
/// ```toml
/// ["TJ-CSA/F-12"]
/// title = "Ministry of Education of the Tajik SSR"
/// creator = "Вазорати маорифи РСС Тоҷикистон"
/// physical_condition = "fair"
/// inventories = 4
/// files = 1200
/// sheets = 48000
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FondDeclaration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// `good`, `fair`, `poor` or `damaged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_condition: Option<PhysicalCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventories: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhysicalCondition {
    Good,
    Fair,
    Poor,
    Damaged,
}

/// Sheets by their mean OCR confidence, and the mean over all OCRed sheets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceBands {
    pub below_60: u64,
    pub from_60_to_79: u64,
    pub from_80_to_89: u64,
    pub from_90: u64,
    /// Rounded to one decimal; `null` when no sheet was OCRed.
    pub mean: Option<f64>,
}

impl ConfidenceBands {
    fn of<'a>(manifests: impl IntoIterator<Item = &'a Manifest>) -> Self {
        let mut bands = ConfidenceBands::default();
        let (mut sum, mut count) = (0u64, 0u64);
        for page in manifests
            .into_iter()
            .flat_map(|m| &m.pages)
            .filter(|p| p.text_source.is_none() && p.is_read())
        {
            match page.mean_confidence {
                0..=59 => bands.below_60 += 1,
                60..=79 => bands.from_60_to_79 += 1,
                80..=89 => bands.from_80_to_89 += 1,
                _ => bands.from_90 += 1,
            }
            sum += u64::from(page.mean_confidence);
            count += 1;
        }
        bands.mean = (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0);
        bands
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    pub start: String,
    pub end: String,
}

/// Digitized share of a declared extent, 0–1 (rounded to 4 decimals).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredExtent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventories: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets: Option<u64>,
}

/// `schemas/fond-passport.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FondPassport {
    pub passport_version: u32,
    /// `TJ-CSA/F-12`.
    pub fond: String,
    pub computed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_condition: Option<PhysicalCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_span: Option<DateRange>,
    pub inventories: u64,
    pub files: u64,
    pub sheets: u64,
    /// Sheets per recognized language.
    pub languages: BTreeMap<String, u64>,
    /// Files per access level.
    pub access_levels: BTreeMap<String, u64>,
    /// Files per document type (`unstated` when the inventory gave none).
    pub document_types: BTreeMap<String, u64>,
    pub ocr_confidence: ConfidenceBands,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<DeclaredExtent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

pub const FOND_PASSPORT_VERSION: u32 = 1;

/// The newest version of every record: those no other manifest names as `previous`.
pub fn current_versions(manifests: &[Manifest]) -> Vec<&Manifest> {
    let replaced: BTreeSet<&RecordId> = manifests
        .iter()
        .filter_map(|m| m.previous.as_ref())
        .collect();
    manifests
        .iter()
        .filter(|m| !replaced.contains(&m.record_id))
        .collect()
}

fn share(done: u64, declared: Option<u64>) -> Option<f64> {
    let declared = declared.filter(|&d| d > 0)?;
    Some((done as f64 / declared as f64 * 10_000.0).round() / 10_000.0)
}

/// Computes the passport of `fond` (`TJ-CSA/F-12`) from every manifest in the
/// registry (other fonds' and older versions are left out).
pub fn fond_passport(
    fond: &str,
    manifests: &[Manifest],
    declared: Option<&FondDeclaration>,
    computed_at: &str,
) -> FondPassport {
    let records: Vec<&Manifest> = current_versions(manifests)
        .into_iter()
        .filter(|m| m.passport.ref_code.fond_code() == fond)
        .collect();
    let inventories: BTreeSet<&str> = records
        .iter()
        .map(|m| m.passport.ref_code.inventory())
        .collect();
    let files: BTreeSet<String> = records
        .iter()
        .map(|m| m.passport.ref_code.file_code().to_string())
        .collect();
    let sheets: u64 = records
        .iter()
        .map(|m| u64::from(m.passport.extent.sheets))
        .sum();
    let mut languages = BTreeMap::new();
    for page in records.iter().flat_map(|m| &m.pages) {
        let language = if page.language.is_empty() {
            "unknown"
        } else {
            &page.language
        };
        *languages.entry(language.to_owned()).or_insert(0) += 1;
    }
    let mut access_levels = BTreeMap::new();
    let mut document_types = BTreeMap::new();
    for m in &records {
        *access_levels.entry(m.access.to_string()).or_insert(0) += 1;
        let kind = m.passport.document_type.as_deref().unwrap_or("unstated");
        *document_types.entry(kind.to_owned()).or_insert(0) += 1;
    }
    let start = records
        .iter()
        .filter_map(|m| m.passport.dates.as_ref())
        .map(|d| d.start().to_owned())
        .min();
    let end = records
        .iter()
        .filter_map(|m| m.passport.dates.as_ref())
        .map(|d| d.end().to_owned())
        .max();
    let (files, inventories) = (files.len() as u64, inventories.len() as u64);
    FondPassport {
        passport_version: FOND_PASSPORT_VERSION,
        fond: fond.to_owned(),
        computed_at: computed_at.to_owned(),
        title: declared.and_then(|d| d.title.clone()),
        creator: declared
            .and_then(|d| d.creator.clone())
            .or_else(|| records.iter().find_map(|m| m.passport.creator.clone())),
        physical_condition: declared.and_then(|d| d.physical_condition),
        date_span: start.zip(end).map(|(start, end)| DateRange { start, end }),
        inventories,
        files,
        sheets,
        languages,
        access_levels,
        document_types,
        ocr_confidence: ConfidenceBands::of(records.iter().copied()),
        declared: declared.map(|d| DeclaredExtent {
            inventories: d.inventories,
            files: d.files,
            sheets: d.sheets,
        }),
        progress: declared.map(|d| Progress {
            files: share(files, d.files),
            sheets: share(sheets, d.sheets),
        }),
    }
}

/// Records and pages under one key (a day, an archive, a pipeline, a station).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub key: String,
    pub records: u64,
    pub pages: u64,
    /// Inputs refused and quarantined.
    pub quarantined: u64,
}

/// Digitization of one declared fond: what is registered against what was declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backlog {
    pub fond: String,
    pub files: u64,
    pub sheets: u64,
    pub declared: DeclaredExtent,
    /// Declared sheets not yet registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets_remaining: Option<u64>,
    pub progress: Progress,
}

/// The digitization KPIs (`fehrist report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpis {
    pub report_version: u32,
    pub computed_at: String,
    pub records: u64,
    pub pages: u64,
    /// Inputs refused and quarantined.
    pub quarantined: u64,
    /// Sheets of current records that could not be read (registered with their master
    /// and no text; each is also in the quarantine).
    pub unread_sheets: u64,
    pub per_day: Vec<Tally>,
    pub per_archive: Vec<Tally>,
    pub per_pipeline: Vec<Tally>,
    pub per_station: Vec<Tally>,
    /// Quarantine entries per reason, first words of the reason.
    pub quarantine_reasons: BTreeMap<String, u64>,
    pub ocr_confidence: ConfidenceBands,
    pub backlog: Vec<Backlog>,
}

pub const KPI_REPORT_VERSION: u32 = 1;

fn tally(
    records: &[&Manifest],
    quarantine: &[QuarantineEntry],
    record_key: impl Fn(&Manifest) -> String,
    quarantine_key: impl Fn(&QuarantineEntry) -> Option<String>,
) -> Vec<Tally> {
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for m in records {
        let key = record_key(m);
        let t = tallies.entry(key.clone()).or_insert_with(|| Tally {
            key,
            ..Tally::default()
        });
        t.records += 1;
        t.pages += m.pages.len() as u64;
    }
    for entry in quarantine {
        if let Some(key) = quarantine_key(entry) {
            let t = tallies.entry(key.clone()).or_insert_with(|| Tally {
                key,
                ..Tally::default()
            });
            t.quarantined += 1;
        }
    }
    tallies.into_values().collect()
}

/// What a quarantine reason is about, without the file's own details: the words
/// before the first colon, quote or number.
fn reason_kind(reason: &str) -> String {
    let cut = reason
        .find(|c: char| c == ':' || c == '"' || c == '(' || c.is_ascii_digit())
        .unwrap_or(reason.len());
    let kind = reason[..cut].trim();
    if kind.is_empty() {
        reason.trim().to_owned()
    } else {
        kind.to_owned()
    }
}

/// Computes the KPIs from every manifest, every quarantine entry and the declared fonds.
pub fn kpis(
    manifests: &[Manifest],
    quarantine: &[QuarantineEntry],
    declared: &BTreeMap<String, FondDeclaration>,
    computed_at: &str,
) -> Kpis {
    let records = current_versions(manifests);
    let day = |time: &str| time.get(..10).unwrap_or(time).to_owned();
    let archive_of_entry = |e: &QuarantineEntry| {
        e.record
            .as_deref()
            .and_then(|code| code.split('/').next())
            .map(str::to_owned)
    };
    let backlog = declared
        .iter()
        .map(|(fond, declaration)| {
            let passport = fond_passport(fond, manifests, Some(declaration), computed_at);
            Backlog {
                fond: fond.clone(),
                files: passport.files,
                sheets: passport.sheets,
                sheets_remaining: declaration
                    .sheets
                    .map(|d| d.saturating_sub(passport.sheets)),
                declared: passport.declared.unwrap_or_default(),
                progress: passport.progress.unwrap_or_default(),
            }
        })
        .collect();
    // Entries of sheets registered unread are counted with the records, not as refusals.
    let quarantine: Vec<QuarantineEntry> = quarantine
        .iter()
        .filter(|entry| entry.refused())
        .cloned()
        .collect();
    let quarantine = &quarantine[..];
    let mut quarantine_reasons = BTreeMap::new();
    for entry in quarantine {
        *quarantine_reasons
            .entry(reason_kind(&entry.reason))
            .or_insert(0) += 1;
    }
    Kpis {
        report_version: KPI_REPORT_VERSION,
        computed_at: computed_at.to_owned(),
        records: records.len() as u64,
        pages: records.iter().map(|m| m.pages.len() as u64).sum(),
        quarantined: quarantine.len() as u64,
        unread_sheets: records
            .iter()
            .flat_map(|m| &m.pages)
            .filter(|page| !page.is_read())
            .count() as u64,
        per_day: tally(
            &records,
            quarantine,
            |m| day(&m.registered_at),
            |e| Some(day(&e.at)),
        ),
        per_archive: tally(
            &records,
            quarantine,
            |m| m.passport.ref_code.archive().to_owned(),
            archive_of_entry,
        ),
        per_pipeline: tally(&records, quarantine, |m| m.pipeline.name.clone(), |_| None),
        per_station: tally(
            &records,
            quarantine,
            |m| m.station.clone(),
            |e| Some(e.station.clone()),
        ),
        quarantine_reasons,
        ocr_confidence: ConfidenceBands::of(records.iter().copied()),
        backlog,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessLevel, RecordId};

    /// A manifest from the golden file, re-coded and re-dated.
    fn manifest(code: &str, id: u8, sheets: u32, confidence: u8, day: &str) -> Manifest {
        let mut m: Manifest = serde_json::from_str(include_str!(
            "../../fehrist-seal/tests/golden/manifest-v1.json"
        ))
        .unwrap();
        m.passport.ref_code = code.parse().unwrap();
        m.record_id = RecordId::from_bytes(&[id; 16]).unwrap();
        m.passport.extent.sheets = sheets;
        let page = m.pages[0].clone();
        m.pages = (1..=sheets)
            .map(|sheet| {
                let mut page = page.clone();
                page.sheet = sheet;
                page.mean_confidence = confidence;
                page
            })
            .collect();
        m.registered_at = format!("{day}T10:00:00Z");
        m
    }

    #[test]
    fn a_fond_passport_counts_current_records_of_that_fond_only() {
        let mut rescan = manifest("TJ-CSA/F-12/O-3/D-45", 3, 3, 95, "2026-11-21");
        rescan.previous = Some(RecordId::from_bytes(&[1; 16]).unwrap());
        rescan.access = AccessLevel::Restricted;
        let manifests = vec![
            manifest("TJ-CSA/F-12/O-3/D-45", 1, 2, 50, "2026-11-20"),
            manifest("TJ-CSA/F-12/O-4/D-1", 2, 1, 85, "2026-11-20"),
            rescan,
            manifest("TJ-CSA/F-13/O-1/D-1", 4, 7, 99, "2026-11-21"),
        ];
        let declared = FondDeclaration {
            files: Some(4),
            sheets: Some(16),
            physical_condition: Some(PhysicalCondition::Fair),
            ..FondDeclaration::default()
        };
        let passport = fond_passport("TJ-CSA/F-12", &manifests, Some(&declared), "now");
        assert_eq!(
            (passport.inventories, passport.files, passport.sheets),
            (2, 2, 4)
        );
        assert_eq!(passport.access_levels["restricted"], 1);
        assert_eq!(passport.access_levels["open"], 1);
        assert_eq!(passport.languages["tgk"], 4);
        assert_eq!(
            passport.ocr_confidence,
            ConfidenceBands {
                below_60: 0,
                from_60_to_79: 0,
                from_80_to_89: 1,
                from_90: 3,
                mean: Some(92.5),
            }
        );
        assert_eq!(passport.progress.as_ref().unwrap().files, Some(0.5));
        assert_eq!(passport.progress.as_ref().unwrap().sheets, Some(0.25));
        assert_eq!(
            passport.date_span,
            Some(DateRange {
                start: "1968".into(),
                end: "1969".into()
            })
        );

        let refused = QuarantineEntry {
            path: "F-12/O-3/D-46/0001.png".into(),
            record: Some("TJ-CSA/F-12/O-3/D-46".into()),
            reason: "not a PNG, JPEG, TIFF or PDF file".into(),
            sheet: None,
            sha256: None,
            size: Some(3),
            station: "scan-2".into(),
            operator: "op".into(),
            at: "2026-11-21T11:00:00Z".into(),
        };
        // The last sheet of F-13's file could not be read: registered, not refused.
        let mut manifests = manifests;
        let unread = manifests[3].pages.last_mut().unwrap();
        unread.unread = Some("page 7: 1 image(s) on the page could not be decoded".into());
        unread.mean_confidence = 0;
        let unread = QuarantineEntry {
            path: "F-13/O-1/D-1/scan.pdf".into(),
            record: Some("TJ-CSA/F-13/O-1/D-1".into()),
            reason: "sheet 7 registered unread (page 7 of the file): page 7: …".into(),
            sheet: Some(7),
            ..refused.clone()
        };
        let quarantine = vec![refused, unread];
        let fonds = BTreeMap::from([("TJ-CSA/F-12".to_owned(), declared)]);
        let kpis = kpis(&manifests, &quarantine, &fonds, "now");
        assert_eq!(
            (
                kpis.records,
                kpis.pages,
                kpis.quarantined,
                kpis.unread_sheets
            ),
            (3, 11, 1, 1)
        );
        // An unread sheet has no confidence to count: 3 + 6 sheets were read.
        assert_eq!(
            (kpis.ocr_confidence.from_90, kpis.ocr_confidence.below_60),
            (9, 0)
        );
        let days: Vec<(&str, u64, u64, u64)> = kpis
            .per_day
            .iter()
            .map(|t| (t.key.as_str(), t.records, t.pages, t.quarantined))
            .collect();
        assert_eq!(days, [("2026-11-20", 1, 1, 0), ("2026-11-21", 2, 10, 1)]);
        assert_eq!(kpis.per_station.len(), 2, "{:?}", kpis.per_station);
        assert_eq!(kpis.backlog[0].sheets_remaining, Some(12));
        assert_eq!(
            kpis.quarantine_reasons["not a PNG, JPEG, TIFF or PDF file"],
            1
        );
    }
}
