//! The html form of `pim report`: one self-contained page (inline CSS and SVG, no network,
//! readable without script), from 390 px phones to print; every catalog string is escaped.

use super::thousands;
use crate::quality::{ChannelQuality, Grade, QualityReport};
use std::fmt::Write as _;

/// Escapes `&`, `<`, `>`, `"` and `'`: enough for text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Red (0 %) through amber to green (100 %).
fn heat(percent: f64) -> String {
    let hue = (percent.clamp(0.0, 100.0) * 1.2).round();
    format!("hsl({hue},62%,42%)")
}

fn grade_colour(grade: Grade) -> &'static str {
    match grade {
        Grade::A => "#1a7f37",
        Grade::B => "#4c9a2a",
        Grade::C => "#bf8700",
        Grade::D => "#d4622b",
        Grade::E => "#cf222e",
    }
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}
h2{font-size:1.15rem;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1rem;margin:.4em 0}
p.lead{color:var(--muted);margin:.2em 0 1em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.n,th.n{text-align:right}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:16px}
figure{margin:0;padding:12px;border:1px solid var(--line);border-radius:8px;min-width:0}
figcaption{font-weight:600;margin-bottom:6px}
svg{display:block;width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
svg text.in{fill:#fff;font-weight:600}
.grade{display:inline-block;min-width:1.6em;text-align:center;border-radius:4px;color:#fff;font-weight:700}
details{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:0 12px}
summary{cursor:pointer;padding:8px 0;font-weight:600}
.search{margin:8px 0;width:100%;max-width:420px;padding:6px 8px;font:inherit;border:1px solid var(--line);border-radius:6px}
.note{color:var(--muted);font-size:.9em}
svg#history text{font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0 0;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:6px;min-width:0;overflow-wrap:anywhere}
.swatch{display:inline-block;width:18px;height:4px;border-radius:2px;flex:none}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}
td code{white-space:nowrap}
@media (max-width:600px){body{font-size:14px}main{padding:10px}th,td{padding:3px 5px}.grid{grid-template-columns:1fr}.wide{display:none}}
@media print{.search{display:none}details{break-inside:avoid}figure{break-inside:avoid}body{font-size:11pt}main{max-width:none}}
"#;

/// The worst-items filter: hides rows that do not contain the text; the page reads the same
/// without it.
const SCRIPT: &str = r#"
(function(){var q=document.getElementById('q');if(!q)return;q.hidden=false;
q.addEventListener('input',function(){var t=q.value.toLowerCase();
document.querySelectorAll('tr[data-row]').forEach(function(r){r.hidden=t!==''&&r.textContent.toLowerCase().indexOf(t)<0;});
if(t!==''){document.querySelectorAll('details.worst').forEach(function(d){d.open=true;});}});
window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});})();
"#;

/// `pim report --format html`.
pub fn quality(report: &QualityReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("Catalog quality: {}", esc(&report.project));
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">{} products, {} items, {} channel{}. Made by <code>pim report</code>.</p>",
        thousands(report.products),
        thousands(report.items),
        report.channels.len(),
        if report.channels.len() == 1 { "" } else { "s" }
    );
    if report.unreadable_files > 0 {
        let _ = writeln!(
            out,
            "<p><strong>{} file(s) could not be read as products</strong>; see <code>pim validate</code>.</p>",
            report.unreadable_files
        );
    }
    summary_table(&mut out, &report.channels);
    heat_map(&mut out, &report.channels);
    if let Some(history) = &report.history {
        history_chart(&mut out, history);
    }
    family_bars(&mut out, &report.channels);
    missing_chart(&mut out, &report.channels);
    worst_items(&mut out, &report.channels);
    grades_legend(&mut out);
    let _ = write!(
        out,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

fn summary_table(out: &mut String, channels: &[ChannelQuality]) {
    out.push_str("<h2>Channels</h2>\n<div class=\"scroll\"><table id=\"summary\">\n<thead><tr><th>channel</th><th class=\"n\">items</th><th class=\"n\">ready</th><th class=\"n\">incomplete</th><th class=\"n\">invalid</th><th class=\"n\">filtered out</th><th class=\"n\">complete</th><th>grades A–E</th></tr></thead>\n<tbody>\n");
    for c in channels {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}%</td><td>{}</td></tr>",
            esc(&c.label),
            thousands(c.items),
            thousands(c.ready),
            thousands(c.incomplete),
            thousands(c.invalid),
            thousands(c.filtered_out),
            c.completeness,
            grade_strip(c)
        );
    }
    out.push_str("</tbody></table></div>\n");
}

/// A stacked bar of the channel's grades (A left).
fn grade_strip(c: &ChannelQuality) -> String {
    let total: usize = c.grades.each().iter().map(|(_, n)| n).sum();
    if total == 0 {
        return "–".to_owned();
    }
    let mut svg = String::from(
        "<svg class=\"chart grades\" viewBox=\"0 0 160 14\" width=\"160\" height=\"14\" role=\"img\" aria-label=\"grades\" style=\"width:160px\">",
    );
    let mut x = 0.0;
    for (grade, n) in c.grades.each() {
        if n == 0 {
            continue;
        }
        let w = n as f64 * 160.0 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"mark\" x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"14\" fill=\"{}\"><title>{}: {n}</title></rect>",
            grade_colour(grade),
            grade.letter()
        );
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

/// Channel (rows) × locale (columns): the share of complete items.
fn heat_map(out: &mut String, channels: &[ChannelQuality]) {
    let mut names: Vec<&str> = channels.iter().map(|c| c.channel.as_str()).collect();
    names.dedup();
    let mut locales: Vec<&str> = channels.iter().map(|c| c.locale.as_str()).collect();
    locales.sort_unstable();
    locales.dedup();
    if names.is_empty() {
        return;
    }
    let (label_w, cell_w, cell_h, head) = (110.0, 72.0, 28.0, 22.0);
    let width = label_w + cell_w * locales.len() as f64;
    let height = head + cell_h * names.len() as f64;
    out.push_str("<h2>Completeness: channel × locale</h2>\n<figure>\n<figcaption>Share of the channel's items with every required attribute</figcaption>\n");
    let _ = write!(
        out,
        "<svg class=\"chart\" id=\"heatmap\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"completeness per channel and locale\" style=\"max-width:{}px\">",
        width * 1.25
    );
    for (i, locale) in locales.iter().enumerate() {
        let x = label_w + cell_w * i as f64 + cell_w / 2.0;
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"15\" text-anchor=\"middle\">{}</text>",
            esc(locale)
        );
    }
    for (row, name) in names.iter().enumerate() {
        let y = head + cell_h * row as f64;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + cell_h / 2.0 + 4.0,
            esc(&short(name, 16))
        );
        for (col, locale) in locales.iter().enumerate() {
            let x = label_w + cell_w * col as f64;
            match channels
                .iter()
                .find(|c| c.channel == *name && c.locale == *locale)
            {
                Some(c) => {
                    let _ = write!(
                        out,
                        "<rect class=\"mark\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\"><title>{}: {:.1}% of {} items complete</title></rect><text class=\"in\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.0}%</text>",
                        x + 1.0,
                        y + 1.0,
                        cell_w - 2.0,
                        cell_h - 2.0,
                        heat(c.completeness),
                        esc(&c.label),
                        c.completeness,
                        c.items,
                        x + cell_w / 2.0,
                        y + cell_h / 2.0 + 4.0,
                        c.completeness.floor()
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#eef1f4\"><title>not a locale of this channel</title></rect>",
                        x + 1.0,
                        y + 1.0,
                        cell_w - 2.0,
                        cell_h - 2.0
                    );
                }
            }
        }
    }
    out.push_str("</svg>\n</figure>\n");
}

/// Line colours for the history chart; past the eighth, lines are dashed.
const PALETTE: [&str; 8] = [
    "#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#d4622b", "#57606a",
];

/// `pim report --history`: completeness per channel over the commits, oldest left; a line
/// and a point per channel, each point titled with its commit; a legend and the commits'
/// table below, in HTML so they wrap at any width.
fn history_chart(out: &mut String, history: &crate::history::History) {
    let commits = &history.history;
    out.push_str("<h2>Completeness over time</h2>\n");
    if let Some(note) = &history.history_note {
        let _ = writeln!(out, "<p class=\"note\">{}.</p>", esc(note));
    }
    let labels = history.labels();
    let values: Vec<f64> = commits
        .iter()
        .flat_map(|c| c.channels.iter().map(|p| p.completeness))
        .collect();
    if labels.is_empty() || values.is_empty() {
        out.push_str("<p>No numbers to draw: no commit of the catalog could be read.</p>\n");
        commit_table(out, history, &labels);
        return;
    }
    let (width, height) = (600.0, 250.0);
    let (left, right, top, bottom) = (48.0, 12.0, 12.0, 40.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);
    // The y axis starts at the lowest ten below the lowest value, so small moves show.
    let lowest = values.iter().copied().fold(100.0, f64::min);
    let lo = ((lowest / 10.0).floor() * 10.0).clamp(0.0, 90.0);
    let x = |i: usize| {
        if commits.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (commits.len() - 1) as f64
        }
    };
    let y = |v: f64| top + plot_h * (100.0 - v.clamp(lo, 100.0)) / (100.0 - lo);
    let _ = write!(
        out,
        "<figure>\n<figcaption>Share of each channel's items with every required attribute, at each of the last {} commit{} that touched the catalog (oldest left)</figcaption>\n\
         <svg class=\"chart\" id=\"history\" data-commits=\"{}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"completeness per channel over the commits\" style=\"max-width:760px\">",
        commits.len(),
        if commits.len() == 1 { "" } else { "s" },
        commits.len()
    );
    // Ticks on round numbers: 2 % apart over a range of 10, up to 20 % over 100.
    let step = match 100.0 - lo {
        r if r <= 10.0 => 2.0,
        r if r <= 20.0 => 5.0,
        r if r <= 50.0 => 10.0,
        _ => 20.0,
    };
    let mut v = lo;
    while v <= 100.0 {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d1d9e0\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.0}%</text>",
            width - right,
            left - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
        v += step;
    }
    // A tick per commit, so a commit without numbers still shows its place.
    for i in 0..commits.len() {
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#8c959f\"/>",
            top + plot_h,
            top + plot_h + 5.0,
            x = x(i)
        );
    }
    if let (Some(first), Some(last)) = (commits.first(), commits.last()) {
        let _ = write!(
            out,
            "<text x=\"{left}\" y=\"{}\">{}</text>",
            height - 12.0,
            esc(&format!(
                "{} {}",
                first.short,
                first.date.get(..10).unwrap_or(&first.date)
            ))
        );
        if commits.len() > 1 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                width - right,
                height - 12.0,
                esc(&format!(
                    "{} {}",
                    last.short,
                    last.date.get(..10).unwrap_or(&last.date)
                ))
            );
        }
    }
    for (n, label) in labels.iter().enumerate() {
        let colour = PALETTE.get(n % PALETTE.len()).copied().unwrap_or("#57606a");
        let dash = if n >= PALETTE.len() {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let series = history.series(label);
        // A line through consecutive commits that have the channel; a gap where one lacks it.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, point) in series.iter().enumerate() {
            match point {
                Some(p) => {
                    if let Some(run) = runs.last_mut() {
                        run.push((x(i), y(p.completeness)));
                    }
                }
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            let points: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                out,
                "<polyline class=\"mark line\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash} points=\"{}\"/>",
                points.join(" ")
            );
        }
        for (i, point) in series.iter().enumerate() {
            let (Some(p), Some(commit)) = (point, commits.get(i)) else {
                continue;
            };
            let _ = write!(
                out,
                "<circle class=\"mark point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {:.1}% ({} of {} items) at {} {}: {}</title></circle>",
                x(i),
                y(p.completeness),
                esc(label),
                p.completeness,
                p.complete,
                p.items,
                esc(&commit.short),
                esc(commit.date.get(..10).unwrap_or(&commit.date)),
                esc(&commit.subject)
            );
        }
    }
    out.push_str("</svg>\n<ul class=\"legend\">");
    for (n, label) in labels.iter().enumerate() {
        let colour = PALETTE.get(n % PALETTE.len()).copied().unwrap_or("#57606a");
        let last = history
            .series(label)
            .into_iter()
            .rev()
            .flatten()
            .next()
            .map(|p| format!(" {:.1}%", p.completeness))
            .unwrap_or_default();
        let swatch = if n >= PALETTE.len() {
            format!("repeating-linear-gradient(90deg,{colour} 0 6px,transparent 6px 9px)")
        } else {
            colour.to_owned()
        };
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{swatch}\"></span>{}<span class=\"note\">{last}</span></li>",
            esc(label)
        );
    }
    out.push_str("</ul>\n</figure>\n");
    commit_table(out, history, &labels);
}

/// The commits of the history, newest first, with each channel's completeness.
fn commit_table(out: &mut String, history: &crate::history::History, labels: &[&str]) {
    if history.history.is_empty() {
        return;
    }
    out.push_str("<details><summary>Commits</summary><div class=\"scroll\"><table id=\"commits\"><thead><tr><th>commit</th><th>date</th><th>subject</th>");
    for label in labels {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(label));
    }
    out.push_str("</tr></thead><tbody>\n");
    for commit in history.history.iter().rev() {
        let _ = write!(
            out,
            "<tr><td><code title=\"{}\">{}</code></td><td>{}</td><td>{}</td>",
            esc(&commit.commit),
            esc(&commit.short),
            esc(commit.date.get(..10).unwrap_or(&commit.date)),
            esc(&short(&commit.subject, 90))
        );
        if let Some(error) = &commit.error {
            let _ = write!(
                out,
                "<td colspan=\"{}\">no numbers: {}</td>",
                labels.len().max(1),
                esc(&short(error, 200))
            );
        } else {
            for label in labels {
                match commit.channels.iter().find(|c| c.label == *label) {
                    Some(p) => {
                        let _ = write!(out, "<td class=\"n\">{:.1}%</td>", p.completeness);
                    }
                    None => out.push_str("<td class=\"n\">–</td>"),
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div></details>\n");
}

/// `text` cut to `n` characters, with an ellipsis.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Horizontal bars: a label, a bar for `value / max`, and the value's text.
fn bars(out: &mut String, id: &str, rows: &[(String, f64, String, String)], max: f64) {
    let (label_w, bar_w, row_h, text_w) = (120.0, 130.0, 20.0, 50.0);
    let width = label_w + bar_w + text_w;
    let height = row_h * rows.len() as f64;
    let _ = write!(
        out,
        "<svg class=\"chart\" data-chart=\"{id}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{id}\">"
    );
    for (i, (label, value, text, colour)) in rows.iter().enumerate() {
        let y = row_h * i as f64;
        let w = if max > 0.0 {
            (value / max * bar_w).max(1.0)
        } else {
            1.0
        };
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"{label_w}\" y=\"{}\" width=\"{bar_w}\" height=\"{}\" fill=\"#eef1f4\"/><rect class=\"mark\" x=\"{label_w}\" y=\"{}\" width=\"{w:.2}\" height=\"{}\" fill=\"{colour}\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{}\">{}</text>",
            y + 14.0,
            esc(&short(label, 17)),
            y + 3.0,
            row_h - 6.0,
            y + 3.0,
            row_h - 6.0,
            esc(label),
            esc(text),
            label_w + bar_w + 4.0,
            y + 14.0,
            esc(text)
        );
    }
    out.push_str("</svg>");
}

/// Per channel, the share of complete items of each family.
fn family_bars(out: &mut String, channels: &[ChannelQuality]) {
    let with_items: Vec<&ChannelQuality> =
        channels.iter().filter(|c| !c.families.is_empty()).collect();
    if with_items.is_empty() {
        return;
    }
    out.push_str("<h2>Completeness per family</h2>\n<div class=\"grid\">\n");
    for c in with_items {
        let rows: Vec<(String, f64, String, String)> = c
            .families
            .iter()
            .map(|f| {
                (
                    f.family.clone(),
                    f.completeness,
                    format!("{:.0}%", f.completeness.floor()),
                    heat(f.completeness),
                )
            })
            .collect();
        let _ = write!(out, "<figure><figcaption>{}</figcaption>", esc(&c.label));
        bars(out, "families", &rows, 100.0);
        out.push_str("</figure>\n");
    }
    out.push_str("</div>\n");
}

/// Per channel, the attributes most often missing.
fn missing_chart(out: &mut String, channels: &[ChannelQuality]) {
    out.push_str("<h2>Most missing attributes</h2>\n");
    let with_missing: Vec<&ChannelQuality> =
        channels.iter().filter(|c| !c.missing.is_empty()).collect();
    if with_missing.is_empty() {
        out.push_str("<p>No item lacks a required attribute in any channel.</p>\n");
        return;
    }
    out.push_str("<div class=\"grid\">\n");
    for c in with_missing {
        let max = c.missing.iter().map(|m| m.items).max().unwrap_or(0) as f64;
        let rows: Vec<(String, f64, String, String)> = c
            .missing
            .iter()
            .map(|m| {
                (
                    m.attribute.clone(),
                    m.items as f64,
                    thousands(m.items),
                    "#cf222e".to_owned(),
                )
            })
            .collect();
        let _ = write!(
            out,
            "<figure><figcaption>{} <span class=\"note\">(items lacking each)</span></figcaption>",
            esc(&c.label)
        );
        bars(out, "missing", &rows, max);
        if c.missing_more > 0 {
            let _ = write!(
                out,
                "<p class=\"note\">and {} more attributes</p>",
                c.missing_more
            );
        }
        out.push_str("</figure>\n");
    }
    out.push_str("</div>\n");
}

fn worst_items(out: &mut String, channels: &[ChannelQuality]) {
    out.push_str("<h2>Worst items first</h2>\n<input id=\"q\" class=\"search\" type=\"search\" placeholder=\"Filter by SKU, family or attribute\" aria-label=\"filter the items\" hidden>\n");
    for (i, c) in channels.iter().enumerate() {
        let below = c.worst.len() + c.worst_more;
        let _ = writeln!(
            out,
            "<details class=\"worst\"{}><summary>{}: {} item{} below grade A</summary>",
            if i == 0 { " open" } else { "" },
            esc(&c.label),
            thousands(below),
            if below == 1 { "" } else { "s" }
        );
        if c.worst.is_empty() {
            out.push_str("<p>Every item has grade A.</p></details>\n");
            continue;
        }
        out.push_str("<div class=\"scroll\"><table><thead><tr><th>grade</th><th class=\"n\">score</th><th>SKU</th><th class=\"wide\">family</th><th>what it lacks</th></tr></thead><tbody>\n");
        for w in &c.worst {
            let lacks = if w.invalid {
                "has errors (see <code>pim validate</code>)".to_owned()
            } else if w.missing.is_empty() {
                format!(
                    "optional {}% filled · {} image{}",
                    w.optional,
                    w.images,
                    if w.images == 1 { "" } else { "s" }
                )
            } else {
                w.missing
                    .iter()
                    .map(|m| format!("<code>{}</code>", esc(m)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "<tr data-row><td><span class=\"grade\" style=\"background:{}\">{}</span></td><td class=\"n\">{}</td><td><code title=\"{}\">{}</code></td><td class=\"wide\">{}</td><td>{lacks}</td></tr>",
                grade_colour(w.grade),
                w.grade.letter(),
                w.score,
                esc(&w.file),
                esc(&w.sku),
                esc(w.family.as_deref().unwrap_or("")),
            );
        }
        out.push_str("</tbody></table></div>\n");
        if c.worst_more > 0 {
            let _ = write!(
                out,
                "<p class=\"note\">and {} more below grade A (<code>--worst N</code> lists more).</p>",
                thousands(c.worst_more)
            );
        }
        out.push_str("</details>\n");
    }
}

fn grades_legend(out: &mut String) {
    out.push_str("<h2>Grades</h2>\n<p class=\"note\">Score = 60 × required attributes filled + 25 × optional attributes of the family filled + 15 × images (none 0, one ½, two or more 1). ");
    for (grade, text) in [
        (
            Grade::A,
            "every required attribute and a score of 90 or more",
        ),
        (Grade::B, "75 or more"),
        (Grade::C, "60 or more"),
        (Grade::D, "40 or more"),
        (Grade::E, "below 40, or the item has errors"),
    ] {
        let _ = write!(
            out,
            "<span class=\"grade\" style=\"background:{}\">{}</span> {text}. ",
            grade_colour(grade),
            grade.letter()
        );
    }
    out.push_str("</p>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            esc("<a href='x'>&\u{1b}"),
            "&lt;a href=&#39;x&#39;&gt;&amp;\u{fffd}"
        );
    }
}
