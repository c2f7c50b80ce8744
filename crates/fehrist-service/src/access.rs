//! The clearance rule: what a caller may read of a record. Records above its clearance
//! do not exist for it (the index holds one view per clearance); a record's personal
//! data (its pipeline's fields that name persons, and every place on the pages where
//! their words stand) is hidden below the clearance that reads it, `restricted` unless
//! the manifest says otherwise.

use fehrist_model::{AccessLevel, FieldValue, Manifest, PERSONAL_FIELDS, PersonalData, REDACTED};

use crate::Caller;

/// Access levels a caller may see, lowest first.
pub fn visible_levels(caller: &Caller) -> Vec<AccessLevel> {
    AccessLevel::ALL
        .into_iter()
        .filter(|level| caller.may_see(*level))
        .collect()
}

/// Whether the caller reads the record's personal data.
pub fn reads_personal_data(manifest: &Manifest, caller: &Caller) -> bool {
    caller.may_see(PersonalData::shows_at(manifest))
}

/// The manifest as the caller may read it: below the clearance that reads personal
/// data, every personal field's value is replaced (a list item by item) and its place
/// in the text left out. Where it stands on the pages (`personal_data`) is kept: it
/// says what is hidden, not what it says.
pub fn readable_manifest(manifest: &Manifest, caller: &Caller) -> Manifest {
    let mut readable = manifest.clone();
    if reads_personal_data(manifest, caller) {
        return readable;
    }
    let personal = |name: &str| {
        let name = name.split('/').next().unwrap_or(name);
        match &manifest.personal_data {
            Some(data) => data.fields.iter().any(|f| f == name),
            None => PERSONAL_FIELDS.contains(&name),
        }
    };
    for (name, value) in readable.fields.iter_mut() {
        if !personal(name) {
            continue;
        }
        *value = match value {
            FieldValue::Text(_) => FieldValue::Text(REDACTED.to_owned()),
            FieldValue::Texts(items) => FieldValue::Texts(vec![REDACTED.to_owned(); items.len()]),
            FieldValue::Amounts(items) => FieldValue::Texts(vec![REDACTED.to_owned(); items.len()]),
        };
    }
    for source in readable.field_sources.iter_mut() {
        if personal(&source.field) {
            source.span = None;
        }
    }
    readable
}

#[cfg(test)]
mod tests {
    use super::*;
    use fehrist_model::Role;

    #[test]
    fn personal_fields_are_redacted_below_restricted() {
        let mut manifest: Manifest = serde_json::from_str(include_str!(
            "../../fehrist-seal/tests/golden/manifest-v1-fields.json"
        ))
        .unwrap();
        manifest
            .fields
            .insert("debtor".into(), FieldValue::Text("Назаров Фаррух".into()));
        manifest.fields.insert(
            "persons".into(),
            FieldValue::Texts(vec!["Каримов А.".into(), "Раҷабов Ҷ.".into()]),
        );
        let caller = |clearance| Caller {
            clearance,
            ..Caller::local("reader", "MoJ", Role::Reader, "host")
        };
        let internal = readable_manifest(&manifest, &caller(AccessLevel::Internal));
        assert_eq!(internal.fields["debtor"], FieldValue::Text(REDACTED.into()));
        assert_eq!(
            internal.fields["persons"],
            FieldValue::Texts(vec![REDACTED.into(), REDACTED.into()])
        );
        assert_eq!(
            internal.fields["case_number"],
            manifest.fields["case_number"]
        );
        let restricted = readable_manifest(&manifest, &caller(AccessLevel::Restricted));
        assert_eq!(restricted, manifest);
        assert_eq!(
            visible_levels(&caller(AccessLevel::Internal)),
            [AccessLevel::Open, AccessLevel::Internal]
        );
    }
}
