//! The Content Search API 2.0 answer: the words of a record that match a query, as
//! highlighting annotations on their boxes.

use serde_json::{Value, json};

/// The Content Search API's JSON-LD context.
pub const SEARCH_CONTEXT: &str = "http://iiif.io/api/search/2/context.json";

/// A word of a sheet that matches the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The canvas of its sheet.
    pub canvas: String,
    /// Left, top, right, bottom in the sheet's pixels.
    pub bbox: [u32; 4],
    pub text: String,
}

/// The answer to the search request at `id`.
pub fn search_answer(id: &str, hits: &[SearchHit]) -> Value {
    let items: Vec<Value> = hits
        .iter()
        .enumerate()
        .map(|(n, hit)| {
            let [left, top, right, bottom] = hit.bbox;
            json!({
                "id": format!("{id}#hit-{}", n + 1),
                "type": "Annotation",
                "motivation": "highlighting",
                "body": {"type": "TextualBody", "value": hit.text, "format": "text/plain"},
                "target": format!(
                    "{}#xywh={left},{top},{},{}",
                    hit.canvas,
                    right.saturating_sub(left),
                    bottom.saturating_sub(top)
                ),
            })
        })
        .collect();
    json!({
        "@context": SEARCH_CONTEXT,
        "id": id,
        "type": "AnnotationPage",
        "items": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_target_their_boxes_on_the_canvas() {
        let answer = search_answer(
            "http://h/iiif/3/abc/search?q=алимент",
            &[SearchHit {
                canvas: "http://h/iiif/3/abc/canvas/2".into(),
                bbox: [100, 200, 180, 230],
                text: "алименты".into(),
            }],
        );
        assert_eq!(answer["type"], "AnnotationPage");
        let hit = &answer["items"][0];
        assert_eq!(hit["motivation"], "highlighting");
        assert_eq!(
            hit["target"],
            "http://h/iiif/3/abc/canvas/2#xywh=100,200,80,30"
        );
        assert_eq!(hit["body"]["value"], "алименты");
        assert_eq!(search_answer("x", &[])["items"], json!([]));
    }
}
