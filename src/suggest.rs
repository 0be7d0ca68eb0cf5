//! "Did you mean ...?": the closest known name to a misspelt one, for every such hint in pim.

/// The candidate closest to `word`, when it is close enough to be what the user meant.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` for a message, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        let names = ["marketplace", "google", "meta", "shopify", "webshop", "api"];
        assert_eq!(closest("markeplace", names), Some("marketplace"));
        assert_eq!(closest("webshp", names), Some("webshop"));
        assert_eq!(closest("gtn", ["gtin", "name", "images"]), Some("gtin"));
        assert_eq!(closest("imgae", ["gtin", "name", "images"]), Some("images"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(did_you_mean("zzz", names), "");
        assert_eq!(did_you_mean("Google", names), "; did you mean `google`?");
    }
}
