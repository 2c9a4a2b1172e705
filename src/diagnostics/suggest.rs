//! "Did you mean" for misspelt field names and values.

/// The candidate closest to `given`, if it is close enough to be a typo
/// rather than a different word.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted = given.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&wanted, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let fields = ["alternateEmail", "admin", "address"];
        assert_eq!(
            did_you_mean("alternatEmail", fields),
            Some("alternateEmail")
        );
        assert_eq!(did_you_mean("adress", fields), Some("address"));
        assert_eq!(did_you_mean("zebra", fields), None);
    }
}
