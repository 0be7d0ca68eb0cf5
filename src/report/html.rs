//! The html form of `pim report`: one self-contained page.

pub fn quality(report: &crate::quality::QualityReport) -> String {
    format!("<!doctype html><title>{}</title>", report.project)
}
