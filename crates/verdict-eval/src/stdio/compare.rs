//! Comparing a program's standard output with the expected output.
//!
//! Every mode works on bytes (an output need not be UTF-8) in one linear pass, and stops
//! at the first difference, which it reports as a [`Mismatch`]: where (1-based line,
//! column or token) and a short excerpt of both sides. Excerpts are decoded lossily and
//! clipped to [`EXCERPT_BYTES`] around the difference.
//!
//! - [`CompareMode::Exact`][]: byte-equal.
//! - [`CompareMode::TrailingWhitespace`] (the default): lines are split on `\n`; the
//!   trailing ASCII whitespace of every line (which includes the `\r` of `\r\n`) and the
//!   trailing empty lines of the output are ignored.
//! - [`CompareMode::Tokens`][]: both outputs are split on ASCII whitespace; tokens must be
//!   as many, and pairwise equal as strings or both finite numbers within the tolerance
//!   (`|a - e| <= abs_tol` or `|a - e| <= rel_tol * |e|`, `e` the expected value, as
//!   testlib's `doubleCompare` does). `nan`, `inf` and numbers that overflow to infinity
//!   compare as strings. With both tolerances 0 numbers still compare by value, so `1.0`
//!   matches `1`; integers wider than 53 bits lose precision as floats, so problems whose
//!   answers are big integers should use the default mode.
//! - [`CompareMode::Checker`][]: decided by running the problem's checker (see
//!   [`Checker`](super::Checker) and [`checker_verdict`]); [`compare`] never accepts in this
//!   mode.

use std::fmt;

use super::CompareMode;

/// The longest excerpt kept of either side, in bytes (before lossy decoding).
pub const EXCERPT_BYTES: usize = 80;

/// Bytes of context kept before the first differing byte of a clipped line.
const EXCERPT_LEAD: usize = 20;

/// What kind of difference a [`Mismatch`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum MismatchKind {
    /// The line or token differs.
    Differs,
    /// Both tokens are finite numbers, further apart than the tolerance allows.
    OutsideTolerance {
        /// `|actual - expected|`.
        difference: f64,
    },
    /// The output ended where the expected output goes on.
    MissingOutput,
    /// The output goes on where the expected output ended.
    ExtraOutput,
    /// The checker rejected the output (see [`checker_verdict`]).
    Checker,
    /// The mode is [`CompareMode::Checker`], which [`compare`] cannot decide.
    CheckerNotRun,
}

/// Why an output was not accepted, and where.
///
/// Line and column numbers are 1-based; `line` counts lines of the expected output and
/// `actual_line` those of the output (they differ only in token mode). For
/// [`MismatchKind::Checker`] there is no position (`line == 0`) and `actual` holds the
/// checker's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// What differs.
    pub kind: MismatchKind,
    /// 1-based line of the expected output where the difference is (0: none).
    pub line: usize,
    /// 1-based line of the output where the difference is (0: none).
    pub actual_line: usize,
    /// 1-based byte column in the line (line modes).
    pub column: Option<usize>,
    /// 1-based index of the token over the whole output (token mode).
    pub token: Option<usize>,
    /// An excerpt of the expected output at the difference (empty when it ended).
    pub expected: String,
    /// An excerpt of the output at the difference (empty when it ended), or the
    /// checker's message.
    pub actual: String,
}

impl Mismatch {
    fn at_line(kind: MismatchKind, line: usize, column: usize) -> Mismatch {
        Mismatch {
            kind,
            line,
            actual_line: line,
            column: Some(column),
            token: None,
            expected: String::new(),
            actual: String::new(),
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            MismatchKind::Checker => return write!(f, "checker: {}", self.actual),
            MismatchKind::CheckerNotRun => {
                return f.write_str("the problem's checker has not been run");
            }
            _ => {}
        }
        match self.token {
            Some(token) if self.line == self.actual_line => {
                write!(f, "token {token} (line {})", self.line)?
            }
            Some(token) => write!(
                f,
                "token {token} (expected line {}, output line {})",
                self.line, self.actual_line
            )?,
            None => write!(f, "line {}", self.line)?,
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        match &self.kind {
            MismatchKind::MissingOutput => {
                write!(f, ": output ended, expected {:?}", self.expected)
            }
            MismatchKind::ExtraOutput => write!(f, ": unexpected output {:?}", self.actual),
            MismatchKind::OutsideTolerance { difference } => write!(
                f,
                ": expected {:?}, got {:?} (difference {difference:e} is over the tolerance)",
                self.expected, self.actual
            ),
            _ => write!(f, ": expected {:?}, got {:?}", self.expected, self.actual),
        }
    }
}

/// Compares `actual` with `expected` under `mode`: `Ok` if accepted.
///
/// For [`CompareMode::Checker`] this returns [`MismatchKind::CheckerNotRun`]: the caller
/// must run the checker instead.
pub fn compare(mode: &CompareMode, expected: &[u8], actual: &[u8]) -> Result<(), Mismatch> {
    match *mode {
        CompareMode::Exact => exact(expected, actual),
        CompareMode::TrailingWhitespace => trailing_whitespace(expected, actual),
        CompareMode::Tokens { abs_tol, rel_tol } => tokens(expected, actual, abs_tol, rel_tol),
        CompareMode::Checker => Err(Mismatch {
            kind: MismatchKind::CheckerNotRun,
            line: 0,
            actual_line: 0,
            column: None,
            token: None,
            expected: String::new(),
            actual: String::new(),
        }),
    }
}

/// Interprets a checker that exited with `exit_code`: 0 accepts, anything else is a wrong
/// answer whose message is the checker's stdout and stderr (trimmed, clipped to 1 KiB).
///
/// A checker that did not exit (killed by a signal or a limit) says nothing about the
/// answer: that is the judge's failure, for the caller to report as such.
pub fn checker_verdict(exit_code: i32, stdout: &[u8], stderr: &[u8]) -> Result<(), Mismatch> {
    if exit_code == 0 {
        return Ok(());
    }
    let mut message = String::from_utf8_lossy(stdout.trim_ascii()).into_owned();
    let stderr = String::from_utf8_lossy(stderr.trim_ascii());
    if !stderr.is_empty() {
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&stderr);
    }
    if message.is_empty() {
        message = format!("rejected (exit code {exit_code})");
    }
    const MAX: usize = 1024;
    if message.len() > MAX {
        let mut end = MAX;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    Err(Mismatch {
        kind: MismatchKind::Checker,
        line: 0,
        actual_line: 0,
        column: None,
        token: None,
        expected: String::new(),
        actual: message,
    })
}

/// An excerpt of `line` around byte `at`: the whole line if short, else a window that
/// starts a little before `at`, with `…` marking what was cut.
fn excerpt(line: &[u8], at: usize) -> String {
    if line.len() <= EXCERPT_BYTES {
        return String::from_utf8_lossy(line).into_owned();
    }
    let mut start = at.saturating_sub(EXCERPT_LEAD).min(line.len());
    let mut end = (start + EXCERPT_BYTES).min(line.len());
    // Keep UTF-8 characters whole where the text is UTF-8.
    while start > 0 && start < line.len() && is_continuation(line[start]) {
        start -= 1;
    }
    while end < line.len() && is_continuation(line[end]) {
        end += 1;
    }
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    text.push_str(&String::from_utf8_lossy(&line[start..end]));
    if end < line.len() {
        text.push('…');
    }
    text
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xc0 == 0x80
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Byte-equal comparison. Excerpts show the line with its `\n`, so a missing final
/// newline is visible.
fn exact(expected: &[u8], actual: &[u8]) -> Result<(), Mismatch> {
    let at = common_prefix(expected, actual);
    if at == expected.len() && at == actual.len() {
        return Ok(());
    }
    let line_start = expected[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + expected[..at].iter().filter(|&&b| b == b'\n').count();
    let line_of = |text: &[u8]| {
        let end = text[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| line_start + i + 1);
        excerpt(&text[line_start..end], at - line_start)
    };
    let kind = if at == actual.len() {
        MismatchKind::MissingOutput
    } else if at == expected.len() {
        MismatchKind::ExtraOutput
    } else {
        MismatchKind::Differs
    };
    let mut mismatch = Mismatch::at_line(kind, line, at - line_start + 1);
    mismatch.expected = line_of(expected);
    mismatch.actual = line_of(actual);
    Err(mismatch)
}

/// The lines of `text` that count in trailing-whitespace mode: each without its trailing
/// whitespace, and without the trailing empty lines.
fn trimmed_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = text.trim_ascii_end();
    // An empty output has no lines; otherwise `split` yields one line per `\n` + 1.
    let lines = if body.is_empty() { None } else { Some(body) };
    lines
        .into_iter()
        .flat_map(|body| body.split(|&b| b == b'\n'))
        .map(<[u8]>::trim_ascii_end)
}

fn trailing_whitespace(expected: &[u8], actual: &[u8]) -> Result<(), Mismatch> {
    let mut want = trimmed_lines(expected);
    let mut got = trimmed_lines(actual);
    let mut line = 0;
    loop {
        line += 1;
        let (kind, e, a) = match (want.next(), got.next()) {
            (None, None) => return Ok(()),
            (Some(e), Some(a)) if e == a => continue,
            (Some(e), Some(a)) => (MismatchKind::Differs, e, a),
            (Some(e), None) => (MismatchKind::MissingOutput, e, &[][..]),
            (None, Some(a)) => (MismatchKind::ExtraOutput, &[][..], a),
        };
        let at = common_prefix(e, a);
        let mut mismatch = Mismatch::at_line(kind, line, at + 1);
        mismatch.expected = excerpt(e, at);
        mismatch.actual = excerpt(a, at);
        return Err(mismatch);
    }
}

/// The whitespace-separated tokens of a text, each with its 1-based line.
struct Tokens<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a [u8]) -> Self {
        Tokens {
            text,
            pos: 0,
            line: 1,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (&'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(&b) = self.text.get(self.pos) {
            if !b.is_ascii_whitespace() && b != 0x0b {
                break;
            }
            self.line += usize::from(b == b'\n');
            self.pos += 1;
        }
        if self.pos == self.text.len() {
            return None;
        }
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|&b| !b.is_ascii_whitespace() && b != 0x0b)
        {
            self.pos += 1;
        }
        Some((&self.text[start..self.pos], self.line))
    }
}

/// A token as a finite number, or `None` (not a number, or `nan` / infinite).
fn finite_number(token: &[u8]) -> Option<f64> {
    let value: f64 = std::str::from_utf8(token).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

/// Whether two unequal tokens are numbers within the tolerance; `Err` with the
/// difference when both are numbers but too far apart.
fn within_tolerance(e: &[u8], a: &[u8], abs_tol: f64, rel_tol: f64) -> Result<bool, f64> {
    let (Some(e), Some(a)) = (finite_number(e), finite_number(a)) else {
        return Ok(false);
    };
    let difference = (a - e).abs();
    if difference <= abs_tol || difference <= rel_tol * e.abs() {
        Ok(true)
    } else {
        Err(difference)
    }
}

fn tokens(expected: &[u8], actual: &[u8], abs_tol: f64, rel_tol: f64) -> Result<(), Mismatch> {
    let mut want = Tokens::new(expected);
    let mut got = Tokens::new(actual);
    let mut index = 0;
    loop {
        index += 1;
        let (kind, e, a) = match (want.next(), got.next()) {
            (None, None) => return Ok(()),
            (Some(e), Some(a)) if e.0 == a.0 => continue,
            (Some(e), Some(a)) => match within_tolerance(e.0, a.0, abs_tol, rel_tol) {
                Ok(true) => continue,
                Ok(false) => (MismatchKind::Differs, Some(e), Some(a)),
                Err(difference) => (
                    MismatchKind::OutsideTolerance { difference },
                    Some(e),
                    Some(a),
                ),
            },
            (e @ Some(_), None) => (MismatchKind::MissingOutput, e, None),
            (None, a @ Some(_)) => (MismatchKind::ExtraOutput, None, a),
        };
        let (expected_token, line) = e.unwrap_or((&[], want.line));
        let (actual_token, actual_line) = a.unwrap_or((&[], got.line));
        return Err(Mismatch {
            kind,
            line,
            actual_line,
            column: None,
            token: Some(index),
            expected: excerpt(expected_token, 0),
            actual: excerpt(actual_token, 0),
        });
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
