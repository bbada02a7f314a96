//! `verdict compare A B`: two results files of the same tasks side by side
//! (see `verdict_eval::verifiers`).

use std::path::Path;

use anyhow::{Result, bail};
use verdict_eval::verifiers::{Outcomes, Report, Settings, Verdict, compare as compare_sides};

use crate::cli::CompareArgs;
use crate::exit;

pub fn compare(args: CompareArgs) -> Result<i32> {
    if args.ks.contains(&0) {
        bail!("-k values must be at least 1");
    }
    let side = |path: &Path, base: bool| {
        Outcomes::read(path, if base { Verdict::Base } else { Verdict::Passed })
    };
    let a = side(&args.a, args.a_base)?;
    let b = side(&args.b, args.b_base)?;
    let settings = Settings {
        ks: args.ks.clone(),
        resamples: args.resamples,
        seed: args.seed,
    };
    let report = compare_sides(&a, &b, &settings);
    if report.tasks == 0 {
        bail!(
            "`{}` and `{}` have no task in common",
            args.a.display(),
            args.b.display()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text(args.top));
    }
    Ok(exit::OK)
}

/// The verifier report of one run of a plus benchmark: its base tests (A)
/// against its base and plus tests (B).
pub fn base_against_plus(results: &Path, ks: Vec<u64>) -> Result<Report> {
    let a = Outcomes::read(results, Verdict::Base)?;
    let b = Outcomes::read(results, Verdict::Passed)?;
    Ok(compare_sides(
        &a,
        &b,
        &Settings {
            ks,
            resamples: 1000,
            seed: 0,
        },
    ))
}
