//! A record's sheets as the caller may read them: text, ALTO and image, with the
//! record's personal data hidden from a caller below the clearance that reads it
//! (the words replaced by `[redacted]`, their boxes filled black in the image).

use bytes::Bytes;
use fehrist_model::{Manifest, Page, PersonalData, REDACTED, SheetText, redact_text};
use fehrist_registry::{Registry, RegistryError};

use crate::access::reads_personal_data;
use crate::{Caller, ServiceError};

/// What the caller may not read of the record: `None` when it reads everything.
pub(crate) async fn hidden_from(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
) -> Result<Option<PersonalData>, ServiceError> {
    if reads_personal_data(manifest, caller) {
        return Ok(None);
    }
    if let Some(recorded) = &manifest.personal_data {
        return Ok(Some(recorded.clone()));
    }
    // Written before personal data was recorded: found now from its fields.
    if !fehrist_model::PERSONAL_FIELDS
        .iter()
        .any(|f| manifest.fields.contains_key(*f))
    {
        return Ok(None);
    }
    let texts = registry.page_texts(manifest).await?;
    let words = registry.page_words(manifest).await?;
    let sheets = SheetText::of_manifest(manifest, &texts, &words);
    Ok(PersonalData::of(manifest, &sheets))
}

pub(crate) fn page(manifest: &Manifest, sheet: u32) -> Result<&Page, ServiceError> {
    manifest
        .pages
        .iter()
        .find(|p| p.sheet == sheet)
        .ok_or_else(|| ServiceError::NotRegistered {
            name: format!("{} sheet {sheet}", manifest.passport.ref_code),
        })
}

/// A sheet's recognized text as the caller may read it.
pub async fn page_text(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
) -> Result<String, ServiceError> {
    let page = page(manifest, sheet)?;
    let bytes = registry
        .store()
        .get_blob(&page.text.sha256)
        .await
        .map_err(RegistryError::from)?;
    let text = String::from_utf8_lossy(&bytes);
    let hidden = hidden_from(registry, caller, manifest).await?;
    Ok(redact_text(
        &text,
        hidden.as_ref().and_then(|h| h.sheet(sheet)),
    ))
}

/// A sheet's ALTO as the caller may read it; `None` for a record registered before
/// ALTO was kept.
pub async fn page_alto(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
) -> Result<Option<String>, ServiceError> {
    let page = page(manifest, sheet)?;
    let Some(alto) = &page.alto else {
        return Ok(None);
    };
    let bytes = registry
        .store()
        .get_blob(&alto.sha256)
        .await
        .map_err(RegistryError::from)?;
    let xml = String::from_utf8_lossy(&bytes);
    let hidden = hidden_from(registry, caller, manifest).await?;
    let boxes = hidden
        .as_ref()
        .and_then(|h| h.sheet(sheet))
        .map(|s| s.boxes.as_slice())
        .unwrap_or_default();
    Ok(Some(fehrist_ocr::redacted_alto(&xml, boxes, REDACTED)))
}

/// A sheet's scan as an image a browser shows, with its media type: a PNG or JPEG
/// master as stored, a TIFF or PDF page drawn as PNG; for a caller who may not read
/// the personal data on it, drawn as grey PNG with those words filled black.
pub async fn page_image(
    registry: &Registry,
    caller: &Caller,
    manifest: &Manifest,
    sheet: u32,
) -> Result<(Bytes, String), ServiceError> {
    let page = page(manifest, sheet)?;
    let bytes = registry
        .store()
        .get_blob(&page.master.sha256)
        .await
        .map_err(RegistryError::from)?;
    let hidden = hidden_from(registry, caller, manifest).await?;
    let masked = hidden.as_ref().and_then(|h| h.sheet(sheet)).cloned();
    let number = page.source.page;
    let drawn = match (masked, page.master.media_type.as_str()) {
        (None, "image/png" | "image/jpeg") => {
            return Ok((bytes, page.master.media_type.clone()));
        }
        (None, _) => {
            tokio::task::spawn_blocking(move || fehrist_ocr::page_png(&bytes, number)).await
        }
        (Some(hidden), _) => {
            tokio::task::spawn_blocking(move || {
                fehrist_ocr::masked_page_png(&bytes, number, &hidden.boxes, hidden.whole_image)
            })
            .await
        }
    };
    let png =
        drawn.map_err(|e| ServiceError::Invalid(format!("drawing the page failed: {e}")))??;
    Ok((Bytes::from(png), "image/png".to_owned()))
}
