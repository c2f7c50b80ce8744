//! Printable HTML pages for the fond passport and the KPI report (`fehrist passport
//! --html`, `fehrist report --html`): one self-contained file each (inline CSS, charts
//! as inline SVG), nothing fetched when viewed; and the escaping every page uses.

use fehrist_model::{ConfidenceBands, FondPassport, Kpis, Tally};

/// Text made safe inside HTML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',sans-serif;max-width:60em;margin:2em auto;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #999}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}\
td.n{text-align:right}svg text{font-size:12px;font-family:'DejaVu Sans',sans-serif}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// A horizontal bar chart of labelled values, as inline SVG.
pub fn bars(title: &str, values: &[(String, u64)]) -> String {
    const ROW: usize = 22;
    const LABEL: usize = 180;
    const WIDTH: usize = 420;
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * values.len().max(1) + 8;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        escape(title),
        escape(title),
        LABEL + WIDTH + 80,
        LABEL + WIDTH + 80,
    );
    for (i, (label, value)) in values.iter().enumerate() {
        let y = i * ROW + 4;
        let length = (*value as f64 / max as f64 * WIDTH as f64).round() as usize;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"#3a6ea5\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            LABEL - 6,
            y + 14,
            escape(label),
            length.max(1),
            ROW - 6,
            LABEL + length + 6,
            y + 14,
        ));
    }
    svg.push_str("</svg></figure>\n");
    svg
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table><tr>");
    for h in head {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr>");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let numeric = !cell.is_empty()
                && cell
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '%');
            html.push_str(&format!(
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                escape(cell)
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>\n");
    html
}

fn confidence_bars(bands: &ConfidenceBands) -> Vec<(String, u64)> {
    vec![
        ("below 60".to_owned(), bands.below_60),
        ("60–79".to_owned(), bands.from_60_to_79),
        ("80–89".to_owned(), bands.from_80_to_89),
        ("90 and above".to_owned(), bands.from_90),
    ]
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(String::new, |s| format!("{:.1}%", s * 100.0))
}

/// The printable passport of one fond.
pub fn passport_page(passport: &FondPassport) -> String {
    let mut body = format!(
        "<h1>Digital passport of fond {}</h1>\n",
        escape(&passport.fond)
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |label: &str, value: String| rows.push(vec![label.to_owned(), value]);
    if let Some(title) = &passport.title {
        row("Title", title.clone());
    }
    if let Some(creator) = &passport.creator {
        row("Creator", creator.clone());
    }
    if let Some(span) = &passport.date_span {
        row("Dates", format!("{} – {}", span.start, span.end));
    }
    if let Some(condition) = passport.physical_condition {
        row(
            "Physical condition",
            serde_json::to_value(condition)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        );
    }
    row("Inventories", passport.inventories.to_string());
    row("Files", passport.files.to_string());
    row("Sheets", passport.sheets.to_string());
    if let Some(mean) = passport.ocr_confidence.mean {
        row("Mean OCR confidence", format!("{mean:.1}"));
    }
    row("Computed", passport.computed_at.clone());
    body.push_str(&table(&["", ""], &rows));
    if let Some(declared) = &passport.declared {
        let progress = passport.progress.clone().unwrap_or_default();
        body.push_str("<h2>Digitization against the declared extent</h2>\n");
        body.push_str(&table(
            &["", "declared", "registered", "progress"],
            &[
                vec![
                    "files".to_owned(),
                    declared.files.map(|n| n.to_string()).unwrap_or_default(),
                    passport.files.to_string(),
                    percent(progress.files),
                ],
                vec![
                    "sheets".to_owned(),
                    declared.sheets.map(|n| n.to_string()).unwrap_or_default(),
                    passport.sheets.to_string(),
                    percent(progress.sheets),
                ],
            ],
        ));
    }
    let counts = |map: &std::collections::BTreeMap<String, u64>| -> Vec<(String, u64)> {
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    };
    body.push_str("<h2>Contents</h2>\n");
    body.push_str(&bars("Sheets per language", &counts(&passport.languages)));
    body.push_str(&bars(
        "Files per access level",
        &counts(&passport.access_levels),
    ));
    body.push_str(&bars(
        "Files per document type",
        &counts(&passport.document_types),
    ));
    body.push_str(&bars(
        "Sheets by OCR confidence",
        &confidence_bars(&passport.ocr_confidence),
    ));
    page(&format!("Fond {}", passport.fond), &body)
}

fn tally_rows(tallies: &[Tally]) -> Vec<Vec<String>> {
    tallies
        .iter()
        .map(|t| {
            vec![
                t.key.clone(),
                t.records.to_string(),
                t.pages.to_string(),
                t.quarantined.to_string(),
            ]
        })
        .collect()
}

/// The KPI report with its charts.
pub fn report_page(kpis: &Kpis) -> String {
    let mut body = String::from("<h1>Digitization KPIs</h1>\n");
    body.push_str(&table(
        &[
            "records",
            "pages",
            "inputs quarantined",
            "mean OCR confidence",
            "computed",
        ],
        &[vec![
            kpis.records.to_string(),
            kpis.pages.to_string(),
            kpis.quarantined.to_string(),
            kpis.ocr_confidence
                .mean
                .map(|m| format!("{m:.1}"))
                .unwrap_or_default(),
            kpis.computed_at.clone(),
        ]],
    ));
    let head = ["", "records", "pages", "quarantined"];
    let sections = [
        ("Per day", &kpis.per_day),
        ("Per archive", &kpis.per_archive),
        ("Per pipeline", &kpis.per_pipeline),
        ("Per station", &kpis.per_station),
    ];
    for (title, tallies) in sections {
        body.push_str(&format!("<h2>{title}</h2>\n"));
        let pages: Vec<(String, u64)> = tallies.iter().map(|t| (t.key.clone(), t.pages)).collect();
        body.push_str(&bars(
            &format!("Pages digitized, {}", title.to_lowercase()),
            &pages,
        ));
        body.push_str(&table(&head, &tally_rows(tallies)));
    }
    body.push_str("<h2>OCR confidence</h2>\n");
    body.push_str(&bars(
        "Sheets by OCR confidence",
        &confidence_bars(&kpis.ocr_confidence),
    ));
    if !kpis.quarantine_reasons.is_empty() {
        body.push_str("<h2>Quarantined inputs by reason</h2>\n");
        let reasons: Vec<(String, u64)> = kpis
            .quarantine_reasons
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        body.push_str(&bars("Inputs quarantined", &reasons));
    }
    if !kpis.backlog.is_empty() {
        body.push_str("<h2>Backlog against declared extents</h2>\n");
        let rows: Vec<Vec<String>> = kpis
            .backlog
            .iter()
            .map(|b| {
                vec![
                    b.fond.clone(),
                    b.declared.sheets.map(|n| n.to_string()).unwrap_or_default(),
                    b.sheets.to_string(),
                    b.sheets_remaining
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    percent(b.progress.sheets),
                ]
            })
            .collect();
        body.push_str(&table(
            &[
                "fond",
                "declared sheets",
                "registered",
                "remaining",
                "progress",
            ],
            &rows,
        ));
    }
    page("Digitization KPIs", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_bars_scale_to_the_largest() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let svg = bars(
            "Pages <per day>",
            &[("2026-11-20".into(), 10), ("2026-11-21".into(), 5)],
        );
        assert!(svg.contains("Pages &lt;per day&gt;"));
        assert!(svg.contains("width=\"420\""), "{svg}");
        assert!(svg.contains("width=\"210\""), "{svg}");
    }
}
