//! A record's Presentation API 3.0 manifest: a canvas per sheet painted with its
//! image service, the passport as metadata, ALTO as each canvas's `seeAlso`, the PDF
//! as the manifest's `rendering`, the record page as its `homepage`, and the Content
//! Search service within it.

use serde_json::{Value, json};

/// The Presentation API's JSON-LD context.
pub const PRESENTATION_CONTEXT: &str = "http://iiif.io/api/presentation/3/context.json";
/// The ALTO schema a canvas's `seeAlso` names as its profile.
pub const ALTO_PROFILE: &str = "http://www.loc.gov/standards/alto/v4/alto.xsd";

/// A record as its manifest shows it.
#[derive(Debug, Clone)]
pub struct RecordManifest {
    /// The manifest's own URL.
    pub id: String,
    /// The reference code.
    pub label: String,
    /// The file's title.
    pub summary: Option<String>,
    /// The language the labels of `metadata` are written in (BCP 47).
    pub language: String,
    /// The passport and fields: (label, value).
    pub metadata: Vec<(String, String)>,
    /// The record's page in the registry.
    pub homepage: Link,
    /// The record's searchable PDF.
    pub pdf: Link,
    /// The Content Search 2.0 service within the record.
    pub search: String,
    pub canvases: Vec<Canvas>,
}

/// A labelled link.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub label: String,
}

/// One sheet.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// The canvas's URL (hits and annotations target it).
    pub id: String,
    pub label: String,
    pub width: u32,
    pub height: u32,
    /// The sheet's Image API base URL.
    pub image_service: String,
    /// The sheet's ALTO, when kept.
    pub alto: Option<String>,
}

fn text_of(language: &str, text: &str) -> Value {
    json!({ language: [text] })
}

/// The manifest of a record.
pub fn presentation_manifest(record: &RecordManifest) -> Value {
    let lang = record.language.as_str();
    let items: Vec<Value> = record
        .canvases
        .iter()
        .map(|canvas| {
            let service = json!([{
                "id": canvas.image_service,
                "type": "ImageService3",
                "profile": "level2",
            }]);
            let mut value = json!({
                "id": canvas.id,
                "type": "Canvas",
                "label": text_of("none", &canvas.label),
                "width": canvas.width,
                "height": canvas.height,
                "thumbnail": [{
                    "id": format!("{}/full/!200,200/0/default.jpg", canvas.image_service),
                    "type": "Image",
                    "format": "image/jpeg",
                    "service": service,
                }],
                "items": [{
                    "id": format!("{}/page", canvas.id),
                    "type": "AnnotationPage",
                    "items": [{
                        "id": format!("{}/page/image", canvas.id),
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas.id,
                        "body": {
                            "id": format!("{}/full/max/0/default.jpg", canvas.image_service),
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": canvas.width,
                            "height": canvas.height,
                            "service": service,
                        },
                    }],
                }],
            });
            if let Some(alto) = &canvas.alto {
                value["seeAlso"] = json!([{
                    "id": alto,
                    "type": "Dataset",
                    "label": text_of("en", "ALTO XML"),
                    "format": "application/xml",
                    "profile": ALTO_PROFILE,
                }]);
            }
            value
        })
        .collect();
    let mut manifest = json!({
        "@context": PRESENTATION_CONTEXT,
        "id": record.id,
        "type": "Manifest",
        "label": text_of("none", &record.label),
        "metadata": record.metadata.iter().map(|(label, value)| json!({
            "label": text_of(lang, label),
            "value": text_of("none", value),
        })).collect::<Vec<_>>(),
        "homepage": [{
            "id": record.homepage.id,
            "type": "Text",
            "label": text_of(lang, &record.homepage.label),
            "format": "text/html",
        }],
        "rendering": [{
            "id": record.pdf.id,
            "type": "Text",
            "label": text_of(lang, &record.pdf.label),
            "format": "application/pdf",
        }],
        "service": [{
            "id": record.search,
            "type": "SearchService2",
        }],
        "items": items,
    });
    if let Some(summary) = &record.summary {
        manifest["summary"] = text_of("none", summary);
    }
    manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RecordManifest {
        RecordManifest {
            id: "http://h/iiif/3/abc/manifest".into(),
            label: "TJ-CSA/F-50/O-1/D-1".into(),
            summary: Some("Иҷроия".into()),
            language: "ru".into(),
            metadata: vec![("Фонд".into(), "F-50".into())],
            homepage: Link {
                id: "http://h/ui/records/abc".into(),
                label: "Запись".into(),
            },
            pdf: Link {
                id: "http://h/api/v1/records/abc/pdf".into(),
                label: "PDF".into(),
            },
            search: "http://h/iiif/3/abc/search".into(),
            canvases: vec![Canvas {
                id: "http://h/iiif/3/abc/canvas/1".into(),
                label: "1".into(),
                width: 2480,
                height: 3508,
                image_service: "http://h/iiif/3/abc/1".into(),
                alto: Some("http://h/api/v1/records/abc/pages/1/alto".into()),
            }],
        }
    }

    #[test]
    fn a_canvas_per_sheet_painted_by_its_image_service() {
        let manifest = presentation_manifest(&record());
        assert_eq!(manifest["type"], "Manifest");
        assert_eq!(manifest["label"]["none"][0], "TJ-CSA/F-50/O-1/D-1");
        assert_eq!(manifest["metadata"][0]["label"]["ru"][0], "Фонд");
        let canvas = &manifest["items"][0];
        assert_eq!(canvas["width"], 2480);
        let painting = &canvas["items"][0]["items"][0];
        assert_eq!(painting["target"], canvas["id"]);
        assert_eq!(
            painting["body"]["service"][0]["id"],
            "http://h/iiif/3/abc/1"
        );
        assert_eq!(canvas["seeAlso"][0]["profile"], ALTO_PROFILE);
        assert_eq!(manifest["rendering"][0]["format"], "application/pdf");
        assert_eq!(manifest["service"][0]["type"], "SearchService2");
    }

    #[test]
    fn a_sheet_without_alto_has_no_see_also() {
        let mut record = record();
        record.canvases[0].alto = None;
        record.summary = None;
        let manifest = presentation_manifest(&record);
        assert!(manifest["items"][0].get("seeAlso").is_none());
        assert!(manifest.get("summary").is_none());
    }
}
