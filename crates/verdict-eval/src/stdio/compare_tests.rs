use super::*;

const TRAILING: CompareMode = CompareMode::TrailingWhitespace;

fn tokens(abs_tol: f64, rel_tol: f64) -> CompareMode {
    CompareMode::Tokens { abs_tol, rel_tol }
}

fn err(mode: CompareMode, expected: &str, actual: &str) -> Mismatch {
    compare(&mode, expected.as_bytes(), actual.as_bytes()).expect_err("a mismatch")
}

#[test]
fn exact_is_byte_equal() {
    assert!(compare(&CompareMode::Exact, b"1 2\n", b"1 2\n").is_ok());
    assert!(compare(&CompareMode::Exact, b"", b"").is_ok());
    let m = err(CompareMode::Exact, "a\nbcd\n", "a\nbxd\n");
    assert_eq!(
        (m.kind.clone(), m.line, m.column),
        (MismatchKind::Differs, 2, Some(2))
    );
    assert_eq!((m.expected.as_str(), m.actual.as_str()), ("bcd\n", "bxd\n"));
    assert_eq!(
        m.to_string(),
        r#"line 2, column 2: expected "bcd\n", got "bxd\n""#
    );
    let m = err(CompareMode::Exact, "3\n", "3");
    assert_eq!(
        (m.kind.clone(), m.line, m.column),
        (MismatchKind::MissingOutput, 1, Some(2))
    );
    assert_eq!(
        m.to_string(),
        r#"line 1, column 2: output ended, expected "3\n""#
    );
    let m = err(CompareMode::Exact, "3\n", "3\r\n");
    assert_eq!(m.kind, MismatchKind::Differs);
    assert_eq!(m.actual, "3\r\n");
    let m = err(CompareMode::Exact, "", "x");
    assert_eq!((m.kind, m.line), (MismatchKind::ExtraOutput, 1));
}

#[test]
fn trailing_whitespace_ignores_line_ends_and_final_blank_lines() {
    for actual in [
        "1 2\n3\n",
        "1 2   \n3",
        "1 2\r\n3\r\n",
        "1 2\t\n3\n\n\n  \n",
    ] {
        assert!(
            compare(&TRAILING, b"1 2\n3\n", actual.as_bytes()).is_ok(),
            "{actual:?}"
        );
    }
    // Only whitespace is the same as nothing.
    assert!(compare(&TRAILING, b"", b" \n\n\t").is_ok());
    assert!(compare(&TRAILING, b"\n", b"").is_ok());
    // Leading whitespace and inner blank lines count.
    let m = err(TRAILING, "a\nb", " a\nb");
    assert_eq!((m.line, m.column), (1, Some(1)));
    let m = err(TRAILING, "a\n\nb", "a\nb");
    assert_eq!(
        (m.kind, m.line, m.expected.as_str(), m.actual.as_str()),
        (MismatchKind::Differs, 2, "", "b")
    );
}

#[test]
fn trailing_whitespace_reports_missing_and_extra_lines() {
    let m = err(TRAILING, "1\n2\n3\n", "1\n2\n");
    assert_eq!(
        (m.kind.clone(), m.line, m.expected.as_str()),
        (MismatchKind::MissingOutput, 3, "3")
    );
    assert_eq!(
        m.to_string(),
        r#"line 3, column 1: output ended, expected "3""#
    );
    let m = err(TRAILING, "", "oops\n");
    assert_eq!(
        (m.kind.clone(), m.line, m.actual.as_str()),
        (MismatchKind::ExtraOutput, 1, "oops")
    );
    assert_eq!(
        m.to_string(),
        r#"line 1, column 1: unexpected output "oops""#
    );
}

#[test]
fn long_lines_are_clipped_around_the_difference() {
    let expected = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
    let actual = format!("{}Y{}", "a".repeat(1000), "b".repeat(1000));
    let m = err(TRAILING, &expected, &actual);
    assert_eq!(m.column, Some(1001));
    assert!(m.expected.starts_with('…') && m.expected.ends_with('…'));
    assert!(m.expected.contains("aaaX") && m.actual.contains("aaaY"));
    assert!(m.expected.len() < 100, "{}", m.expected);
    // Multi-byte characters are not split.
    let m = err(TRAILING, &"é".repeat(200), &format!("{}!", "é".repeat(199)));
    assert!(
        !m.expected.contains('\u{fffd}') && !m.actual.contains('\u{fffd}'),
        "{m:?}"
    );
}

#[test]
fn invalid_utf8_is_compared_as_bytes_and_shown_lossily() {
    assert!(compare(&TRAILING, b"\xff\xfe\n", b"\xff\xfe").is_ok());
    let m = compare(&TRAILING, b"ok \xff", b"ok \xfe").unwrap_err();
    assert_eq!((m.column, m.expected.as_str()), (Some(4), "ok \u{fffd}"));
    assert!(compare(&tokens(0.0, 0.0), b"\xff 1", b"\xff 1.0").is_ok());
}

#[test]
fn tokens_ignore_all_whitespace_layout() {
    let mode = tokens(0.0, 0.0);
    assert!(compare(&mode, b"1 2 3\n", b"1\n2\t\t3").is_ok());
    assert!(compare(&mode, b"", b" \n \r\n").is_ok());
    assert!(compare(&mode, b"yes", b"yes\x0b").is_ok());
    let m = err(mode, "1 2\n3 4\n", "1 2 3 5\n");
    assert_eq!((m.token, m.line, m.actual_line), (Some(4), 2, 1));
    assert_eq!(
        m.to_string(),
        r#"token 4 (expected line 2, output line 1): expected "4", got "5" (difference 1e0 is over the tolerance)"#
    );
    let m = err(mode, "a b c", "a b");
    assert_eq!(
        (m.kind.clone(), m.token, m.expected.as_str()),
        (MismatchKind::MissingOutput, Some(3), "c")
    );
    let m = err(mode, "a b", "a b\n\nc");
    assert_eq!(
        (m.kind.clone(), m.token, m.actual_line),
        (MismatchKind::ExtraOutput, Some(3), 3)
    );
    let m = err(mode, "yes", "YES");
    assert_eq!(
        m.to_string(),
        r#"token 1 (line 1): expected "yes", got "YES""#
    );
}

#[test]
fn tokens_apply_the_tolerance_to_finite_numbers() {
    let mode = tokens(1e-6, 1e-6);
    assert!(compare(&mode, b"3.14159265", b"3.1415930").is_ok());
    assert!(compare(&mode, b"1000000", b"1000000.9").is_ok()); // relative
    assert!(compare(&mode, b"1e-9", b"0").is_ok()); // absolute
    assert!(compare(&mode, b"-0", b"0.0000").is_ok());
    let m = err(mode, "2.5", "2.5001");
    assert!(
        matches!(m.kind, MismatchKind::OutsideTolerance { difference } if (difference - 1e-4).abs() < 1e-9)
    );
    // Zero tolerance still compares numbers by value.
    assert!(compare(&tokens(0.0, 0.0), b"1", b"1.000").is_ok());
    assert!(compare(&tokens(0.0, 0.0), b"0.1", b"0.1000001").is_err());
}

#[test]
fn tokens_compare_non_finite_numbers_as_strings() {
    let mode = tokens(1e9, 1e9);
    assert!(compare(&mode, b"nan inf -inf", b"nan inf -inf").is_ok());
    for (e, a) in [
        ("nan", "NaN"),
        ("inf", "1e400"),
        ("inf", "infinity"),
        ("1", "nan"),
        ("inf", "5"),
    ] {
        let m = err(mode, e, a);
        assert_eq!(m.kind, MismatchKind::Differs, "{e} vs {a}");
    }
}

#[test]
fn huge_outputs_compare_in_linear_time() {
    let line = "0.5 ".repeat(250_000) + "\n";
    let big = line.repeat(20); // 20 MB
    let start = std::time::Instant::now();
    for mode in [CompareMode::Exact, TRAILING, tokens(1e-6, 1e-6)] {
        assert!(compare(&mode, big.as_bytes(), big.as_bytes()).is_ok());
    }
    let mut other = big.clone().into_bytes();
    *other.last_mut().unwrap() = b'x';
    let m = compare(&TRAILING, big.as_bytes(), &other).unwrap_err();
    assert_eq!(m.line, 20);
    assert!(m.expected.len() <= 2 * EXCERPT_BYTES);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn checker_mode_is_never_accepted_here() {
    let m = compare(&CompareMode::Checker, b"1", b"1").unwrap_err();
    assert_eq!(m.kind, MismatchKind::CheckerNotRun);
}

#[test]
fn checker_exit_codes() {
    assert!(checker_verdict(0, b"looks fine", b"").is_ok());
    let m = checker_verdict(1, b"  wrong: 3 and 4 are adjacent\n", b"").unwrap_err();
    assert_eq!(m.kind, MismatchKind::Checker);
    assert_eq!(m.to_string(), "checker: wrong: 3 and 4 are adjacent");
    let m = checker_verdict(2, b"out", b"Traceback ...").unwrap_err();
    assert_eq!(m.actual, "out\nTraceback ...");
    let m = checker_verdict(3, b"", b"").unwrap_err();
    assert_eq!(m.actual, "rejected (exit code 3)");
    let m = checker_verdict(1, "é".repeat(2000).as_bytes(), b"").unwrap_err();
    assert!(m.actual.len() <= 1024 + '…'.len_utf8());
}
