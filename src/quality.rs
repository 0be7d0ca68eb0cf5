//! `pim report`'s numbers: per channel (and locale), what the evaluation `validate --channel`
//! runs finds, aggregated: items in the channel, complete, incomplete, invalid, ready, filtered
//! out; completeness per family; the attributes most often missing; a grade A–E per item;
//! the worst items first.

use crate::catalog::{Checked, Project};
use crate::channel::{self, Evaluator, Item, Verdict};
use crate::config::ChannelSpec;
use crate::validate::{self, CheckOptions};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What `pim report` is asked for.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The channels to report on (names, or labels such as `webshop (de-DE)`); every
    /// channel when empty.
    pub channels: Vec<String>,
    /// How many of the worst items to list per channel (the rest are counted).
    pub worst: usize,
    /// How many of the most missing attributes to list per channel.
    pub missing: usize,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            channels: Vec::new(),
            worst: 20,
            missing: 10,
        }
    }
}

/// The catalog's quality per channel. Its JSON keys are stable (README, "pim report").
#[derive(Clone, Debug, Serialize)]
pub struct QualityReport {
    /// The project's name in pim.toml.
    pub project: String,
    /// Product files, products read, and their sellable items.
    pub files: usize,
    pub products: usize,
    pub items: usize,
    /// Product files that could not be read as a product (every channel counts them invalid
    /// in `pim export`; they have no items here).
    pub unreadable_files: usize,
    /// One entry per channel and locale, by channel name (as `validate --channel all`).
    pub channels: Vec<ChannelQuality>,
    /// With `--history N`: completeness per commit, oldest first.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::History>,
}

/// One channel (one locale of a channel with `locales`).
#[derive(Clone, Debug, Serialize)]
pub struct ChannelQuality {
    /// The name in pim.toml.
    pub channel: String,
    pub locale: String,
    /// `webshop (de-DE)` for one locale of a channel with `locales`, else the name.
    pub label: String,
    /// Items the channel's filter takes: `complete + incomplete`.
    pub items: usize,
    /// Items with every required attribute.
    pub complete: usize,
    /// Items lacking a required attribute: what `validate --channel` reports as `incomplete`.
    pub incomplete: usize,
    /// Items with errors (complete or not): `pim export` leaves them out.
    pub invalid: usize,
    /// Items `pim export` puts in the feed: complete and without errors.
    pub ready: usize,
    /// Items of the catalog the channel's filter does not take.
    pub filtered_out: usize,
    /// `complete / items` in percent, one decimal (100 for a channel without items).
    pub completeness: f64,
    /// Items per grade, A to E.
    pub grades: Grades,
    /// Per family (`(none)` for products without one), by name.
    pub families: Vec<FamilyQuality>,
    /// The attributes most often missing, with how many items lack each.
    pub missing: Vec<MissingCount>,
    /// How many attributes are missing somewhere but not listed in `missing`.
    pub missing_more: usize,
    /// The worst items first: grade, then score, then SKU.
    pub worst: Vec<WorstItem>,
    /// Items graded below A that are not listed in `worst`.
    pub worst_more: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Grades {
    #[serde(rename = "A")]
    pub a: usize,
    #[serde(rename = "B")]
    pub b: usize,
    #[serde(rename = "C")]
    pub c: usize,
    #[serde(rename = "D")]
    pub d: usize,
    #[serde(rename = "E")]
    pub e: usize,
}

impl Grades {
    fn add(&mut self, grade: Grade) {
        match grade {
            Grade::A => self.a += 1,
            Grade::B => self.b += 1,
            Grade::C => self.c += 1,
            Grade::D => self.d += 1,
            Grade::E => self.e += 1,
        }
    }

    /// Each grade with its count, A first.
    pub fn each(&self) -> [(Grade, usize); 5] {
        [
            (Grade::A, self.a),
            (Grade::B, self.b),
            (Grade::C, self.c),
            (Grade::D, self.d),
            (Grade::E, self.e),
        ]
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FamilyQuality {
    pub family: String,
    pub items: usize,
    pub complete: usize,
    /// `complete / items` in percent, one decimal.
    pub completeness: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MissingCount {
    pub attribute: String,
    pub items: usize,
}

/// An item graded below A, and what it lacks.
#[derive(Clone, Debug, Serialize)]
pub struct WorstItem {
    pub sku: String,
    pub file: String,
    pub family: Option<String>,
    pub grade: Grade,
    /// 0–100: see [`score`].
    pub score: u32,
    /// Required attributes filled, in percent (as `validate --channel` computes it).
    pub required: u32,
    /// Optional attributes of its family filled, in percent.
    pub optional: u32,
    pub images: usize,
    pub invalid: bool,
    /// The required attributes it lacks.
    pub missing: Vec<String>,
}

/// An item's grade in a channel; the scale is in the README ("Grades").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    E,
}

impl Grade {
    pub fn letter(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::E => "E",
        }
    }
}

/// An item's score, 0–100: 60 × required filled + 25 × optional filled + 15 × images (none:
/// 0, one: ½, two or more: 1), fractions of one.
pub fn score(required: u32, optional: u32, images: usize) -> u32 {
    let images = match images {
        0 => 0,
        1 => 50,
        _ => 100,
    };
    (60 * required.min(100) + 25 * optional.min(100) + 15 * images) / 100
}

/// The grade: E for an item with errors; A needs every required attribute and a score of 90;
/// then B from 75, C from 60, D from 40, else E.
pub fn grade(score: u32, complete: bool, invalid: bool) -> Grade {
    if invalid {
        return Grade::E;
    }
    match score {
        90.. if complete => Grade::A,
        75.. => Grade::B,
        60.. => Grade::C,
        40.. => Grade::D,
        _ => Grade::E,
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    (part as f64 * 1000.0 / whole as f64).floor() / 10.0
}

/// Evaluates the catalog for the channels (as `validate --channel` does) and aggregates.
pub fn report(project: &Project, options: &ReportOptions) -> Result<QualityReport> {
    let channels = project
        .config
        .select_channels(&options.channels, options.channels.is_empty())?;
    let env = channel::filter_environment();
    let evaluator = Evaluator::new(&env, project, &channels)?.counting_filled();
    let validation = validate::validate_catalog(
        project,
        CheckOptions {
            keep_value: false,
            evaluator: Some(&evaluator),
        },
    )?;
    Ok(aggregate(
        project, &channels, &evaluator, validation, options,
    ))
}

/// The report of a validation run with `evaluator` (built for `channels`, counting filled
/// attributes): the same numbers whether the files were checked now or earlier.
pub fn aggregate(
    project: &Project,
    channels: &[&ChannelSpec],
    evaluator: &Evaluator<'_>,
    mut validation: validate::Validation,
    options: &ReportOptions,
) -> QualityReport {
    let evaluated = channel::take_items(&mut validation.checked, channels.len());
    let blocking = channel::blocking_errors(&validation.diagnostics);
    let checked = &validation.checked;
    let channels: Vec<ChannelQuality> = channels
        .iter()
        .enumerate()
        .zip(&evaluated)
        .map(|((index, spec), items)| {
            let context = Context {
                evaluator,
                index,
                checked,
                blocking: &blocking,
                options,
            };
            channel_quality(spec, items, &context)
        })
        .collect();
    let products: Vec<_> = checked.iter().filter_map(|c| c.facts.as_ref()).collect();
    QualityReport {
        project: project.config.project.name.clone(),
        files: checked.len(),
        products: products.len(),
        items: products.iter().map(|f| f.items).sum(),
        unreadable_files: checked.iter().filter(|c| c.facts.is_none()).count(),
        channels,
        history: None,
    }
}

struct Context<'a, 'e> {
    evaluator: &'a Evaluator<'e>,
    /// The channel's place in the evaluator.
    index: usize,
    checked: &'a [Checked],
    blocking: &'a channel::Blocking,
    options: &'a ReportOptions,
}

fn channel_quality(spec: &ChannelSpec, items: &[Item], cx: &Context<'_, '_>) -> ChannelQuality {
    let mut q = ChannelQuality {
        channel: spec.name.clone(),
        locale: spec.locale.clone(),
        label: spec.label.clone(),
        items: 0,
        complete: 0,
        incomplete: 0,
        invalid: 0,
        ready: 0,
        filtered_out: 0,
        completeness: 100.0,
        grades: Grades::default(),
        families: Vec::new(),
        missing: Vec::new(),
        missing_more: 0,
        worst: Vec::new(),
        worst_more: 0,
    };
    let mut families: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut missing: HashMap<&str, usize> = HashMap::new();
    let mut graded: Vec<WorstItem> = Vec::new();
    for item in items {
        let verdict = channel::verdict(item, cx.checked, cx.blocking);
        if verdict == Verdict::Filtered {
            q.filtered_out += 1;
            continue;
        }
        q.items += 1;
        let complete = item.missing.is_empty();
        let invalid = verdict == Verdict::Invalid;
        if complete {
            q.complete += 1;
        } else {
            q.incomplete += 1;
        }
        if invalid {
            q.invalid += 1;
        }
        if verdict == Verdict::Exported {
            q.ready += 1;
        }
        for attribute in &item.missing {
            *missing.entry(attribute.as_str()).or_default() += 1;
        }
        let family = item.family.as_deref().map(str::to_owned);
        let entry = families
            .entry(family.clone().unwrap_or_else(|| "(none)".to_owned()))
            .or_default();
        entry.0 += 1;
        entry.1 += usize::from(complete);
        let required = cx.evaluator.required(cx.index, family.as_deref());
        let required_filled = required.len().saturating_sub(item.missing.len());
        let optional_total = cx
            .evaluator
            .declared(family.as_deref())
            .saturating_sub(required.len());
        let optional_filled = item.filled.saturating_sub(required_filled);
        let optional = (optional_filled.min(optional_total) * 100)
            .checked_div(optional_total)
            .map_or(100, |p| u32::try_from(p).unwrap_or(100));
        let score = score(item.percent, optional, item.images);
        let grade = grade(score, complete, invalid);
        q.grades.add(grade);
        if grade != Grade::A {
            graded.push(WorstItem {
                sku: item.sku.to_string(),
                file: cx
                    .checked
                    .get(item.file_index)
                    .map(|c| c.file.rel.clone())
                    .unwrap_or_default(),
                family,
                grade,
                score,
                required: item.percent,
                optional,
                images: item.images,
                invalid,
                missing: item.missing.clone(),
            });
        }
    }
    q.completeness = percent(q.complete, q.items);
    q.families = families
        .into_iter()
        .map(|(family, (items, complete))| FamilyQuality {
            family,
            items,
            complete,
            completeness: percent(complete, items),
        })
        .collect();
    let mut missing: Vec<MissingCount> = missing
        .into_iter()
        .map(|(attribute, items)| MissingCount {
            attribute: attribute.to_owned(),
            items,
        })
        .collect();
    missing.sort_by(|a, b| b.items.cmp(&a.items).then(a.attribute.cmp(&b.attribute)));
    q.missing_more = missing.len().saturating_sub(cx.options.missing);
    missing.truncate(cx.options.missing);
    q.missing = missing;
    graded.sort_by(|a, b| {
        b.grade
            .cmp(&a.grade)
            .then(a.score.cmp(&b.score))
            .then(a.sku.cmp(&b.sku))
    });
    q.worst_more = graded.len().saturating_sub(cx.options.worst);
    graded.truncate(cx.options.worst);
    q.worst = graded;
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_weighs_required_optional_and_images() {
        assert_eq!(score(100, 100, 2), 100);
        assert_eq!(score(100, 100, 1), 92);
        assert_eq!(score(100, 0, 0), 60);
        assert_eq!(score(0, 100, 5), 40);
        assert_eq!(score(50, 50, 1), 50);
    }

    #[test]
    fn grade_scale() {
        assert_eq!(grade(100, true, false), Grade::A);
        assert_eq!(grade(95, false, false), Grade::B);
        assert_eq!(grade(100, true, true), Grade::E);
        assert_eq!(grade(89, true, false), Grade::B);
        assert_eq!(grade(74, true, false), Grade::C);
        assert_eq!(grade(59, true, false), Grade::D);
        assert_eq!(grade(39, true, false), Grade::E);
    }

    #[test]
    fn percent_has_one_decimal_and_never_rounds_up_to_complete() {
        assert!((percent(1, 3) - 33.3).abs() < 1e-9);
        assert!((percent(999, 1000) - 99.9).abs() < 1e-9);
        assert!((percent(0, 0) - 100.0).abs() < 1e-9);
    }
}
