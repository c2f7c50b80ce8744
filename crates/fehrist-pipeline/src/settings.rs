//! Batch settings: built-in pipeline defaults, then `batch.toml`, then command-line flags.

use std::path::Path;

use fehrist_extract::Extractor;
use fehrist_model::{AccessLevel, field_names};
use fehrist_schema::Schema;
use serde::Deserialize;

use crate::PipelineError;

/// Largest `batch.toml` or `inventory.csv` read.
pub(crate) const SIDECAR_LIMIT: u64 = 64 * 1024 * 1024;

/// A TOML error as its message and line, without the quoted source line that the
/// parser's own display adds: the file may not be what its name says.
fn toml_problem(path: &str, text: &str, error: &toml::de::Error) -> PipelineError {
    let line = error
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    let message = crate::excerpt(error.message().trim(), 200);
    PipelineError::BatchToml {
        path: path.to_owned(),
        reason: match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        },
    }
}

/// The keys `batch.toml` may set; flags use the same type to override them.
///
/// ```toml
/// archive = "TJ-CSA"
/// pipeline = "default"
/// access = "open"
/// languages = "tgk+rus+eng"
/// operator = "n.karimova"
/// station = "scan-2"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSettings {
    pub archive: Option<String>,
    pub pipeline: Option<String>,
    pub access: Option<AccessLevel>,
    pub languages: Option<String>,
    pub operator: Option<String>,
    pub station: Option<String>,
}

impl BatchSettings {
    /// Reads `batch.toml` from a batch folder; a missing file is no settings. It is read
    /// only as a regular file of the folder (no link, pipe or device) of at most 64 MiB.
    pub fn read(batch: &Path) -> Result<Self, PipelineError> {
        let path = batch.join("batch.toml");
        let shown = path.display().to_string();
        let root = std::fs::canonicalize(batch).map_err(|source| PipelineError::Read {
            path: batch.display().to_string(),
            source,
        })?;
        let bytes = crate::batch_file::read(&root, &path, SIDECAR_LIMIT).map_err(|source| {
            PipelineError::Sidecar {
                path: shown.clone(),
                source: Box::new(source),
            }
        })?;
        let Some(bytes) = bytes else {
            return Ok(Self::default());
        };
        let text = String::from_utf8(bytes).map_err(|_| PipelineError::BatchToml {
            path: shown.clone(),
            reason: "not UTF-8 text".to_owned(),
        })?;
        Self::parse(&text).map_err(|error| toml_problem(&shown, &text, &error))
    }

    /// Settings from the text of a `batch.toml`; unknown keys are refused.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// These settings with every key `over` sets replaced.
    pub fn overridden_by(self, over: &BatchSettings) -> BatchSettings {
        BatchSettings {
            archive: over.archive.clone().or(self.archive),
            pipeline: over.pipeline.clone().or(self.pipeline),
            access: over.access.or(self.access),
            languages: over.languages.clone().or(self.languages),
            operator: over.operator.clone().or(self.operator),
            station: over.station.clone().or(self.station),
        }
    }
}

/// A pipeline definition from `pipelines/NAME.toml`: one archive category.
///
/// ```toml
/// name = "executive-documents"
/// version = "1"
/// description = "Executive documents (writs of execution)"
/// languages = "tgk+rus+uzb_cyrl"
/// access = "restricted"
/// schema = "executive-document"
/// extractors = ["executive_document"]
/// retention = "P10Y"
///
/// [personal_data]
/// fields = ["claimant", "debtor"]
/// shows_at = "restricted"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineDefinition {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Tesseract languages in priority order.
    pub languages: String,
    /// The access level of its records unless a batch or inventory row says otherwise;
    /// `restricted` where records carry personal data.
    pub access: AccessLevel,
    /// The schema the record's `fields` must match: `record` or `executive-document`.
    pub schema: String,
    /// The extraction rules run over the record's text.
    pub extractors: Vec<Extractor>,
    /// How long records are kept: `permanent`, or an ISO 8601 period of years (`P75Y`).
    pub retention: String,
    /// Which fields hold personal data and who reads it: every pipeline says so.
    pub personal_data: PersonalDataRule,
}

/// A pipeline's personal data: the fields that hold it (every word of their values is
/// hidden on the pages too) and the lowest clearance that reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataRule {
    pub fields: Vec<String>,
    pub shows_at: AccessLevel,
}

/// Every `pipelines/*.toml`, built in by `build.rs`: name and text.
const SHIPPED_PIPELINES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/pipelines.rs"));

impl PipelineDefinition {
    /// A pipeline shipped with Fehrist, by name.
    pub fn shipped(name: &str) -> Result<Self, PipelineError> {
        let (_, text) = SHIPPED_PIPELINES
            .iter()
            .find(|(shipped, _)| *shipped == name)
            .ok_or_else(|| PipelineError::UnknownPipeline {
                name: name.to_owned(),
                known: SHIPPED_PIPELINES
                    .iter()
                    .map(|(n, _)| (*n).to_owned())
                    .collect(),
            })?;
        let path = format!("pipelines/{name}.toml");
        let definition: Self =
            toml::from_str(text).map_err(|error| toml_problem(&path, text, &error))?;
        let invalid = |reason: String| PipelineError::PipelineDefinition {
            path: path.clone(),
            reason,
        };
        if definition.name != name {
            return Err(invalid(format!("its name is {:?}", definition.name)));
        }
        if Schema::named(&definition.schema)
            .is_none_or(|schema| ![Schema::Record, Schema::ExecutiveDocument].contains(&schema))
        {
            return Err(invalid(format!(
                "schema {:?} is not a record schema (record, executive-document)",
                definition.schema
            )));
        }
        let years = definition
            .retention
            .strip_prefix('P')
            .and_then(|p| p.strip_suffix('Y'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if definition.retention != "permanent" && !years {
            return Err(invalid(format!(
                "retention {:?} should be \"permanent\" or years as P<n>Y",
                definition.retention
            )));
        }
        let known = [
            field_names::CLAIMANT,
            field_names::DEBTOR,
            field_names::PERSONS,
        ];
        if let Some(field) = definition
            .personal_data
            .fields
            .iter()
            .find(|f| !known.contains(&f.as_str()))
        {
            return Err(invalid(format!(
                "personal_data names {field:?}, which is not a field of persons ({})",
                known.join(", ")
            )));
        }
        Ok(definition)
    }

    /// The names of every shipped pipeline.
    pub fn shipped_names() -> Vec<&'static str> {
        SHIPPED_PIPELINES.iter().map(|(name, _)| *name).collect()
    }

    /// The schema the record's fields are checked against.
    pub fn fields_schema(&self) -> Schema {
        Schema::named(&self.schema).unwrap_or(Schema::Record)
    }
}

/// Everything an ingest needs to know, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub archive: String,
    pub pipeline: PipelineDefinition,
    pub access: AccessLevel,
    pub languages: String,
    pub operator: String,
    pub station: String,
}

impl Settings {
    /// Resolves settings; `fallback_archive`, `operator` and `station` apply where
    /// neither `batch.toml` nor a flag says otherwise.
    pub fn resolve(
        given: BatchSettings,
        fallback_archive: &str,
        operator: &str,
        station: &str,
    ) -> Result<Self, PipelineError> {
        let pipeline = PipelineDefinition::shipped(given.pipeline.as_deref().unwrap_or("default"))?;
        Ok(Settings {
            archive: given.archive.unwrap_or_else(|| fallback_archive.to_owned()),
            access: given.access.unwrap_or(pipeline.access),
            languages: given
                .languages
                .unwrap_or_else(|| pipeline.languages.clone()),
            operator: given.operator.unwrap_or_else(|| operator.to_owned()),
            station: given.station.unwrap_or_else(|| station.to_owned()),
            pipeline,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_batch_toml_which_overrides_defaults() {
        let file: BatchSettings =
            toml::from_str("archive = \"TJ-KHUJAND\"\naccess = \"internal\"\nstation = \"scan-2\"")
                .unwrap();
        let flags = BatchSettings {
            access: Some(AccessLevel::Restricted),
            ..BatchSettings::default()
        };
        let settings =
            Settings::resolve(file.overridden_by(&flags), "TJ-CSA", "op", "host").unwrap();
        assert_eq!(settings.archive, "TJ-KHUJAND");
        assert_eq!(settings.access, AccessLevel::Restricted);
        assert_eq!(settings.station, "scan-2");
        assert_eq!(settings.operator, "op");
        assert_eq!(settings.languages, "tgk+rus+uzb_cyrl+eng");
        assert_eq!(settings.pipeline.name, "default");
    }

    #[test]
    fn unknown_keys_and_pipelines_are_refused() {
        assert!(toml::from_str::<BatchSettings>("archiv = \"TJ-CSA\"").is_err());
        assert!(toml::from_str::<BatchSettings>("access = \"public\"").is_err());
        let error = Settings::resolve(
            BatchSettings {
                pipeline: Some("surveying".to_owned()),
                ..BatchSettings::default()
            },
            "TJ-CSA",
            "op",
            "host",
        )
        .unwrap_err();
        assert!(error.to_string().contains("surveying"), "{error}");
    }

    #[test]
    fn every_shipped_pipeline_is_well_formed() {
        let names = PipelineDefinition::shipped_names();
        for category in [
            "civil-registry",
            "notary",
            "labour-social",
            "land-property",
            "education-science",
            "health",
            "permits-registrations",
            "intellectual-property",
            "executive-documents",
            "default",
        ] {
            assert!(names.contains(&category), "{category} not in {names:?}");
        }
        for name in names {
            let pipeline = PipelineDefinition::shipped(name).unwrap();
            assert!(!pipeline.extractors.is_empty(), "{name}");
            assert!(pipeline.languages.starts_with("tgk+rus"), "{name}");
        }
        let writs = PipelineDefinition::shipped("executive-documents").unwrap();
        assert_eq!(writs.fields_schema(), Schema::ExecutiveDocument);
        assert_eq!(writs.extractors, [Extractor::ExecutiveDocument]);
        // Personal data is restricted.
        for name in ["civil-registry", "notary", "health", "executive-documents"] {
            let pipeline = PipelineDefinition::shipped(name).unwrap();
            assert_eq!(pipeline.access, AccessLevel::Restricted, "{name}");
        }
    }
}
