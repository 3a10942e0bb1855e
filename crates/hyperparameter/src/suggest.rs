//! Close matches for a misspelled key: the one edit distance every "did you mean" of the
//! core uses.

/// The candidate closest to `key` by edit distance, if close enough to be a likely typo
/// (within a third of the key's length, and at least 2 edits).
pub(crate) fn closest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    candidates
        .map(|candidate| (distance(key, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, candidate)| (*d, candidate.len()))
        .map(|(_, candidate)| candidate)
}

/// The declared key `key` is a likely misspelling of: the same key with `-` and `_`
/// swapped (`train.batch-size` for `train.batch_size`), else the closest one at an edit
/// distance of at most 2 that is smaller than the length of the key's last segment (so
/// some of the name survives the typo: `greet.nmae` is close to `greet.name`, while
/// `train.lr` is not a misspelling of `train.wd`, nor `t.a` of `t.b`). This is the rule a
/// run's strict-key check refuses by.
pub fn close_key<'a>(key: &str, declared: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = key.replace('-', "_");
    let length = key.rsplit('.').next().unwrap_or(key).chars().count();
    declared
        .into_iter()
        .filter(|candidate| *candidate != key)
        .map(|candidate| {
            let d = if candidate.replace('-', "_") == folded {
                0
            } else {
                distance(key, candidate)
            };
            (d, candidate)
        })
        .filter(|(d, _)| *d <= 2 && *d < length)
        .min_by_key(|(d, candidate)| (*d, candidate.len(), *candidate))
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_keys_are_two_edits_or_a_swapped_dash() {
        let declared = ["greet.name", "train.batch_size", "model.dim"];
        assert_eq!(close_key("greet.nmae", declared), Some("greet.name"));
        assert_eq!(
            close_key("train.batch-size", declared),
            Some("train.batch_size")
        );
        assert_eq!(close_key("model.dims", declared), Some("model.dim"));
        assert_eq!(close_key("run.name", declared), None);
        assert_eq!(close_key("greet.name", declared), None);
        assert_eq!(close_key("b", ["a"]), None);
        assert_eq!(close_key("t.a", ["t.n"]), None);
        assert_eq!(close_key("train.lr", ["train.wd"]), None);
        assert_eq!(close_key("model.dmi", declared), Some("model.dim"));
        assert_eq!(close_key("abc", ["abd"]), Some("abd"));
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
