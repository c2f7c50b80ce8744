//! `fehrist passport` and `fehrist report`: what the registry holds, computed from its
//! manifests, as text, JSON (checked against its schema) or a printable HTML page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use fehrist_model::{FondDeclaration, Role};
use fehrist_schema::Schema;
use fehrist_service::{ServiceError, now_rfc3339};

use crate::output::{print, print_json};
use crate::station::{OpenRegistry as _, Paths};
use crate::{Answer, default_archive, shown};
use fehrist_server::html;

/// The archive's own list of fonds with their declared extent (`fonds.toml`).
pub(crate) fn read_declarations(
    path: Option<&Path>,
) -> anyhow::Result<BTreeMap<String, FondDeclaration>> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", shown(path)))?;
    let declarations: BTreeMap<String, FondDeclaration> =
        toml::from_str(&text).with_context(|| shown(path))?;
    for fond in declarations.keys() {
        let parts: Vec<&str> = fond.split('/').collect();
        anyhow::ensure!(
            parts.len() == 2 && parts[1].starts_with("F-"),
            "{}: [{fond}] should name a fond as ARCHIVE/F-n",
            shown(path)
        );
    }
    Ok(declarations)
}

fn write_page(path: &Path, html: &str) -> anyhow::Result<()> {
    std::fs::write(path, html).with_context(|| format!("writing {}", shown(path)))?;
    eprintln!("fehrist: wrote {}", shown(path));
    Ok(())
}

#[derive(Debug, Args)]
pub struct PassportArgs {
    /// The fond: TJ-CSA/F-12 (or F-12 in the default archive).
    pub fond: String,
    /// The archive's fonds.toml, with each fond's declared extent, title and condition.
    #[arg(long, value_name = "FILE")]
    fonds: Option<PathBuf>,
    /// Also write the passport as a printable HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub async fn passport(paths: &Paths, args: PassportArgs, json: bool) -> anyhow::Result<Answer> {
    let fond = if args.fond.starts_with("F-") {
        format!("{}/{}", default_archive(), args.fond)
    } else {
        args.fond.clone()
    };
    let declarations = read_declarations(args.fonds.as_deref())?;
    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(Role::Reader);
    let passport = match fehrist_service::fond_passport(
        &registry,
        &caller,
        &fond,
        declarations.get(&fond),
        &now_rfc3339(),
    )
    .await
    {
        Err(ServiceError::NotRegistered { .. }) => {
            eprintln!("fehrist: fond {fond} has no registered file");
            return Ok(Answer::No);
        }
        other => other?,
    };
    let document = serde_json::to_value(&passport)?;
    fehrist_schema::validate(Schema::FondPassport, &document).context("the computed passport")?;
    if let Some(path) = &args.html {
        write_page(path, &html::passport_page(&passport))?;
    }
    if json {
        print_json(&document)?;
    } else {
        let mut text = format!(
            "fond         {}\ninventories  {}\nfiles        {}\nsheets       {}\n",
            passport.fond, passport.inventories, passport.files, passport.sheets
        );
        if let Some(span) = &passport.date_span {
            text.push_str(&format!("dates        {} – {}\n", span.start, span.end));
        }
        let counts = |map: &BTreeMap<String, u64>| {
            map.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.push_str(&format!(
            "languages    {} (sheets)\naccess       {} (files)\ntypes        {} (files)\n",
            counts(&passport.languages),
            counts(&passport.access_levels),
            counts(&passport.document_types),
        ));
        let bands = &passport.ocr_confidence;
        text.push_str(&format!(
            "confidence   mean {}; sheets <60: {}, 60–79: {}, 80–89: {}, ≥90: {}\n",
            bands.mean.map_or("-".to_owned(), |m| format!("{m:.1}")),
            bands.below_60,
            bands.from_60_to_79,
            bands.from_80_to_89,
            bands.from_90
        ));
        if let (Some(declared), Some(progress)) = (&passport.declared, &passport.progress) {
            let share = |s: Option<f64>| s.map_or("-".to_owned(), |s| format!("{:.1}%", s * 100.0));
            text.push_str(&format!(
                "declared     {} files, {} sheets: {} and {} digitized\n",
                declared.files.map_or("-".to_owned(), |n| n.to_string()),
                declared.sheets.map_or("-".to_owned(), |n| n.to_string()),
                share(progress.files),
                share(progress.sheets),
            ));
        }
        print(&text)?;
    }
    Ok(Answer::Yes)
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The archive's fonds.toml, for the backlog against declared extents.
    #[arg(long, value_name = "FILE")]
    fonds: Option<PathBuf>,
    /// Also write the report as an HTML page with charts.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub async fn report(paths: &Paths, args: ReportArgs, json: bool) -> anyhow::Result<Answer> {
    let declarations = read_declarations(args.fonds.as_deref())?;
    let registry = paths.open_registry().await?;
    let caller = crate::audit::caller(Role::Admin);
    let kpis = fehrist_service::report(&registry, &caller, &declarations, &now_rfc3339()).await?;
    if let Some(path) = &args.html {
        write_page(path, &html::report_page(&kpis))?;
    }
    if json {
        print_json(&serde_json::to_value(&kpis)?)?;
        return Ok(Answer::Yes);
    }
    let mut text = format!(
        "records {}  pages {}  unread sheets {}  inputs quarantined {}  mean OCR confidence {}\n",
        kpis.records,
        kpis.pages,
        kpis.unread_sheets,
        kpis.quarantined,
        kpis.ocr_confidence
            .mean
            .map_or("-".to_owned(), |m| format!("{m:.1}"))
    );
    let sections = [
        ("day", &kpis.per_day),
        ("archive", &kpis.per_archive),
        ("pipeline", &kpis.per_pipeline),
        ("station", &kpis.per_station),
    ];
    for (name, tallies) in sections {
        text.push_str(&format!(
            "\n{name:<24} {:>8} {:>8} {:>12}\n",
            "records", "pages", "quarantined"
        ));
        for t in tallies {
            text.push_str(&format!(
                "{:<24} {:>8} {:>8} {:>12}\n",
                t.key, t.records, t.pages, t.quarantined
            ));
        }
    }
    if !kpis.backlog.is_empty() {
        text.push_str(&format!(
            "\n{:<24} {:>10} {:>10} {:>10} {:>9}\n",
            "fond", "declared", "sheets", "remaining", "progress"
        ));
        for b in &kpis.backlog {
            text.push_str(&format!(
                "{:<24} {:>10} {:>10} {:>10} {:>9}\n",
                b.fond,
                b.declared.sheets.map_or("-".to_owned(), |n| n.to_string()),
                b.sheets,
                b.sheets_remaining.map_or("-".to_owned(), |n| n.to_string()),
                b.progress
                    .sheets
                    .map_or("-".to_owned(), |s| format!("{:.1}%", s * 100.0)),
            ));
        }
    }
    print(&text)?;
    Ok(Answer::Yes)
}
