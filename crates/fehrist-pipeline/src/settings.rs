//! Batch settings: built-in pipeline defaults, then `batch.toml`, then command-line flags.

use std::path::Path;

use fehrist_model::AccessLevel;
use serde::Deserialize;

use crate::PipelineError;

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
    /// Reads `batch.toml` from a batch folder; a missing file is no settings.
    pub fn read(batch: &Path) -> Result<Self, PipelineError> {
        let path = batch.join("batch.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text).map_err(|source| PipelineError::BatchToml {
                path: path.display().to_string(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(PipelineError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
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

/// A pipeline definition from `pipelines/NAME.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineDefinition {
    pub name: String,
    pub version: String,
    pub languages: String,
    pub access: AccessLevel,
}

const SHIPPED_PIPELINES: &[(&str, &str)] =
    &[("default", include_str!("../../../pipelines/default.toml"))];

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
        toml::from_str(text).map_err(|source| PipelineError::BatchToml {
            path: format!("pipelines/{name}.toml"),
            source,
        })
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
        assert_eq!(settings.languages, "tgk+rus+eng");
        assert_eq!(settings.pipeline.name, "default");
    }

    #[test]
    fn unknown_keys_and_pipelines_are_refused() {
        assert!(toml::from_str::<BatchSettings>("archiv = \"TJ-CSA\"").is_err());
        assert!(toml::from_str::<BatchSettings>("access = \"public\"").is_err());
        let error = Settings::resolve(
            BatchSettings {
                pipeline: Some("notary".to_owned()),
                ..BatchSettings::default()
            },
            "TJ-CSA",
            "op",
            "host",
        )
        .unwrap_err();
        assert!(error.to_string().contains("notary"), "{error}");
    }
}
