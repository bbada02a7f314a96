//! EvoEval 0.1.0's comparison (`evoeval/eval_test/__init__.py`,
//! `unsafe_execute`), done outside the sandbox like EvalPlus's.
//!
//! `is_equal(exp, out)` first classes both values by `get_type`: `None`,
//! `bool`, `int`, `str`, then "float" (a `float`, a `list` or `tuple` all
//! of whose elements are `float`, the empty ones included, or a float
//! numpy array), `tuple`, `list`, `dict`, `set`, `type`, else unknown. The
//! classes must be equal. Then ints, bools, `None`, strings, sets and types
//! compare by `==`; floats by `np.allclose(exp, out, equal_nan=True,
//! atol=1e-6)` (rtol 1e-5, numpy's broadcasting: `[]` is close to `[1.0]`,
//! a scalar to every element of a list, and shapes that do not broadcast
//! raise, i.e. fail); lists and tuples element by element after equal
//! lengths; dicts key by key; the rest by `==`. No sticky tolerance and
//! no `atol` of the dataset.
//!
//! On a task with a special oracle the oracle replaces `is_equal`; the
//! oracles that read the call's arguments get them as the candidate's call
//! left them (EvoEval does not copy the inputs), sent back by the job.

use super::{Out, py_eq};
use crate::dataset::SpecialOracle;

/// EvoEval's `get_type` classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Float,
    Bool,
    Int,
    Str,
    Null,
    Tuple,
    List,
    Dict,
    Set,
    Type,
    Unknown,
}

/// Whether `output` passes given the arguments after the call `args` (when
/// the oracle asked for them) and the expected value `exp`.
pub(super) fn check(
    oracle: Option<SpecialOracle>,
    args: Option<&Out>,
    out: &Out,
    exp: &Out,
) -> Result<(), String> {
    let args = || match args.and_then(builtin) {
        Some(Out::List(items)) => Ok(items.as_slice()),
        _ => Err("the call's arguments were not sent back".to_string()),
    };
    match oracle {
        None => is_equal(exp, out),
        Some(SpecialOracle::EvoPalindrome) => palindrome(args()?, out, exp),
        Some(SpecialOracle::EvoIntervalZero) => interval_zero(args()?, out, exp),
        Some(SpecialOracle::EvoMaze) => maze(args()?, out, exp),
        Some(SpecialOracle::EvoPath) => path(args()?, out, exp),
        Some(SpecialOracle::EvoProduct) => product(args()?, out, exp),
        Some(SpecialOracle::EvoSparsePoly) => sparse_poly(args()?, out),
        Some(other) => Err(format!("{other:?} is not an EvoEval oracle")),
    }
}

/// The builtin value `isinstance` sees in `value`: a subclass instance's
/// base value; `None` for a value of no builtin type (numpy scalars other
/// than `float64` and `str_`, `Fraction`, `Decimal`, an array).
fn builtin(value: &Out) -> Option<&Out> {
    match value {
        Out::Sub(name, base) => {
            let numpy_builtin = name == "numpy.float64" || name == "numpy.str_";
            let exact = name == "fractions.Fraction" || name == "decimal.Decimal";
            if exact || (name.starts_with("numpy.") && !numpy_builtin) {
                None
            } else {
                builtin(base)
            }
        }
        Out::Ratio(..) | Out::Single(_) => None,
        other => Some(other),
    }
}

/// `isinstance(value, float)`.
fn is_float(value: &Out) -> bool {
    matches!(builtin(value), Some(Out::Float(_)))
}

/// EvoEval's `get_type`.
fn class(value: &Out) -> Class {
    let Some(base) = builtin(value) else {
        return match value {
            Out::Sub(name, single) if name == "numpy.ndarray" => match &**single {
                Out::Single(element) if matches!(**element, Out::Float(_)) => Class::Float,
                _ => Class::Unknown,
            },
            _ => Class::Unknown,
        };
    };
    match base {
        Out::None => Class::Null,
        Out::Bool(_) => Class::Bool,
        Out::Int(_) | Out::BigInt(_) => Class::Int,
        Out::Str(_) => Class::Str,
        Out::Float(_) => Class::Float,
        Out::List(items) | Out::Tuple(items) if items.iter().all(is_float) => Class::Float,
        Out::Numbers(_, ints) if ints.is_empty() => Class::Float,
        Out::Tuple(_) => Class::Tuple,
        Out::List(_) | Out::Numbers(..) => Class::List,
        Out::Dict(_) => Class::Dict,
        Out::Set(_) => Class::Set,
        Out::Opaque(name, _) if name == "builtins.type" => Class::Type,
        _ => Class::Unknown,
    }
}

/// EvoEval's `is_equal(x, y)`, called as `is_equal(exp, out)`.
fn is_equal(x: &Out, y: &Out) -> Result<(), String> {
    if matches!(x, Out::Digest(..)) || matches!(y, Out::Digest(..)) {
        // Large outputs without floats arrive as digests of an encoding
        // that keeps every type: equal digests, equal values.
        return if py_eq(x, y) {
            Ok(())
        } else {
            Err("value mismatch".into())
        };
    }
    let (cx, cy) = (class(x), class(y));
    if cx != cy {
        return Err(format!("type mismatch: {cx:?} vs {cy:?}"));
    }
    match cx {
        Class::Float => allclose(x, y),
        Class::List | Class::Tuple => {
            let (xs, ys) = (items(x), items(y));
            if xs.len() != ys.len() {
                return Err(format!("length mismatch: {} vs {}", xs.len(), ys.len()));
            }
            xs.iter().zip(&ys).try_for_each(|(a, b)| is_equal(a, b))
        }
        Class::Dict => {
            let (Some(Out::Dict(xs)), Some(Out::Dict(ys))) = (builtin(x), builtin(y)) else {
                return Err("not a dict".into());
            };
            if xs.len() != ys.len() {
                return Err(format!("length mismatch: {} vs {}", xs.len(), ys.len()));
            }
            for (key, value) in xs {
                let Some((_, other)) = ys.iter().find(|(k, _)| py_eq(key, k)) else {
                    return Err(format!("key {} missing", key.to_python()));
                };
                is_equal(value, other)?;
            }
            Ok(())
        }
        Class::Type => match (x, y) {
            (Out::Opaque(_, a), Out::Opaque(_, b)) if a == b => Ok(()),
            _ => Err("type value mismatch".into()),
        },
        _ if py_eq(x, y) => Ok(()),
        _ => Err(format!(
            "value mismatch: {} vs {}",
            x.to_python(),
            y.to_python()
        )),
    }
}

/// The elements of a list or tuple (packed numbers unpacked).
fn items(value: &Out) -> Vec<Out> {
    match builtin(value) {
        Some(Out::List(items) | Out::Tuple(items)) => items.clone(),
        Some(Out::Numbers(values, ints)) => Out::number_items(values, ints),
        _ => Vec::new(),
    }
}

/// A float-class value as numpy sees it: its numbers, and whether it is a
/// scalar.
fn numbers(value: &Out) -> (Vec<f64>, bool) {
    match builtin(value) {
        Some(Out::Float(f)) => (vec![*f], true),
        Some(Out::Numbers(values, _)) => (values.clone(), false),
        Some(Out::List(items) | Out::Tuple(items)) => {
            (items.iter().filter_map(Out::as_real).collect(), false)
        }
        _ => match value {
            Out::Sub(_, single) => match &**single {
                Out::Single(element) => (element.as_real().into_iter().collect(), false),
                _ => (Vec::new(), false),
            },
            _ => (Vec::new(), false),
        },
    }
}

/// `np.allclose(a, b, equal_nan=True, atol=1e-6)`, broadcasting as numpy
/// does for scalars and one-dimensional arrays.
fn allclose(a: &Out, b: &Out) -> Result<(), String> {
    let ((xs, x_scalar), (ys, y_scalar)) = (numbers(a), numbers(b));
    let pairs: Vec<(f64, f64)> = if x_scalar || xs.len() == 1 && !y_scalar {
        ys.iter().map(|&y| (xs[0], y)).collect()
    } else if y_scalar || ys.len() == 1 {
        xs.iter().map(|&x| (x, ys[0])).collect()
    } else if xs.len() == ys.len() {
        xs.iter().copied().zip(ys.iter().copied()).collect()
    } else {
        return Err(format!(
            "shapes ({},) and ({},) do not broadcast",
            xs.len(),
            ys.len()
        ));
    };
    if pairs.iter().all(|&(x, y)| isclose(x, y)) {
        Ok(())
    } else {
        Err(format!(
            "float value mismatch: {} vs {}",
            a.to_python(),
            b.to_python()
        ))
    }
}

/// numpy's `isclose(x, y, rtol=1e-5, atol=1e-6, equal_nan=True)`.
fn isclose(x: f64, y: f64) -> bool {
    if x.is_nan() || y.is_nan() {
        return x.is_nan() && y.is_nan();
    }
    if x.is_infinite() || y.is_infinite() {
        return x == y;
    }
    (x - y).abs() <= 1e-6 + 1e-5 * y.abs()
}

fn within(value: f64, bound: f64) -> Result<(), String> {
    if value.abs() <= bound {
        Ok(())
    } else {
        Err(format!("abs(poly) = {} > {bound}", value.abs()))
    }
}

/// `assert` in words.
fn require(holds: bool, what: &str) -> Result<(), String> {
    if holds {
        Ok(())
    } else {
        Err(format!("the oracle's check failed: {what}"))
    }
}

fn arg(args: &[Out], index: usize) -> Result<&Out, String> {
    args.get(index)
        .ok_or_else(|| format!("missing argument {index}"))
}

/// Python's truth of a value.
fn truthy(value: &Out) -> bool {
    match value.base() {
        Out::None => false,
        Out::Bool(b) => *b,
        Out::Int(i) => i != "0",
        Out::Float(f) => *f != 0.0,
        Out::Str(s) => !s.is_empty(),
        Out::List(x) | Out::Tuple(x) | Out::Set(x) | Out::FrozenSet(x) => !x.is_empty(),
        Out::Dict(x) => !x.is_empty(),
        Out::Numbers(x, _) => !x.is_empty(),
        _ => true,
    }
}

/// What `for item in value` yields, or an error where Python raises.
fn iterate(value: &Out) -> Result<Vec<Out>, String> {
    match value.base() {
        Out::List(x) | Out::Tuple(x) | Out::Set(x) | Out::FrozenSet(x) => Ok(x.clone()),
        Out::Numbers(values, ints) => Ok(Out::number_items(values, ints)),
        Out::Dict(pairs) => Ok(pairs.iter().map(|(k, _)| k.clone()).collect()),
        Out::Str(s) => Ok(s.chars().map(|c| Out::Str(c.to_string())).collect()),
        other => Err(format!("'{}' object is not iterable", other.type_key())),
    }
}

/// `value[index]` on a list, tuple or str, negative indices from the end.
fn index(value: &Out, at: i64) -> Result<Out, String> {
    let items = match value.base() {
        Out::List(x) | Out::Tuple(x) => x.clone(),
        Out::Numbers(values, ints) => Out::number_items(values, ints),
        Out::Str(s) => s.chars().map(|c| Out::Str(c.to_string())).collect(),
        other => {
            return Err(format!(
                "'{}' object is not subscriptable",
                other.type_key()
            ));
        }
    };
    let position = if at < 0 { at + items.len() as i64 } else { at };
    usize::try_from(position)
        .ok()
        .and_then(|p| items.get(p).cloned())
        .ok_or_else(|| "index out of range".to_string())
}

/// An index as Python accepts it: an `int` (or `bool`).
fn int_of(value: &Out) -> Result<i64, String> {
    match value.base() {
        Out::Int(i) => i.parse().map_err(|_| "index too large".to_string()),
        Out::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!(
            "indices must be integers, not {}",
            other.type_key()
        )),
    }
}

fn real_of(value: &Out) -> Result<f64, String> {
    value
        .as_real()
        .ok_or_else(|| format!("'{}' is not a real number", value.type_key()))
}

/// `_poly(xs, x)`: `sum([coeff * math.pow(x, i) for i, coeff in
/// enumerate(xs)])`.
fn poly_at(coefficients: &[Out], x: &Out) -> Result<f64, String> {
    let x = real_of(x)?;
    let mut sum = 0.0f64;
    for (i, coefficient) in coefficients.iter().enumerate() {
        let power = x.powf(i as f64);
        if power.is_infinite() && x.is_finite() {
            return Err("math range error".into());
        }
        sum += real_of(coefficient)? * power;
    }
    Ok(sum)
}

/// `_check_insensitive_palindrome(out, string, exp)`.
fn palindrome(args: &[Out], out: &Out, exp: &Out) -> Result<(), String> {
    let text = |value: &Out| match builtin(value) {
        Some(Out::Str(s)) => Ok(s.clone()),
        _ => Err(format!("'{}' is not a str", value.type_key())),
    };
    let (candidate, wanted, start) = (text(out)?, text(exp)?, text(arg(args, 0)?)?);
    require(
        candidate.chars().count() == wanted.chars().count(),
        "len(out) == len(exp)",
    )?;
    require(candidate.starts_with(&start), "out.startswith(string)")?;
    let reversed: String = candidate.chars().rev().collect();
    require(
        candidate.to_lowercase() == reversed.to_lowercase(),
        "out.lower() == out[::-1].lower()",
    )
}

/// `_check_difficult_poly(xs, interval, out, exp)`.
fn interval_zero(args: &[Out], out: &Out, exp: &Out) -> Result<(), String> {
    if matches!(exp.base(), Out::None) {
        return require(matches!(out, Out::None), "out is None");
    }
    let bounds = iterate(arg(args, 1)?)?;
    let [start, end] = bounds.as_slice() else {
        return Err("the interval is not a pair".into());
    };
    let x = real_of(out)?;
    require(
        real_of(start)? <= x && x <= real_of(end)?,
        "start <= out <= end",
    )?;
    let value = poly_at(&iterate(arg(args, 0)?)?, out)?;
    within(value, 2e-2)
}

/// `_check_maze(maze, start, end, out, exp)`.
fn maze(args: &[Out], out: &Out, exp: &Out) -> Result<(), String> {
    if !truthy(exp) {
        return require(py_eq(out, &Out::List(Vec::new())), "out == []");
    }
    let (grid, start, end) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
    let mut position: Option<(i64, i64)> = None;
    for step in iterate(out)? {
        let (dr, dc) = match builtin(&step) {
            Some(Out::Str(s)) if s == "right" => (0, 1),
            Some(Out::Str(s)) if s == "left" => (0, -1),
            Some(Out::Str(s)) if s == "up" => (-1, 0),
            Some(Out::Str(s)) if s == "down" => (1, 0),
            _ => return Err(format!("KeyError: {}", step.to_python())),
        };
        let (row, column) = match position {
            Some(at) => at,
            None => (int_of(&index(start, 0)?)?, int_of(&index(start, 1)?)?),
        };
        let next = (row + dr, column + dc);
        let cell = index(&index(grid, next.0)?, next.1)?;
        require(!py_eq(&cell, &Out::Int("1".into())), "no wall on the path")?;
        position = Some(next);
    }
    let reached = match position {
        None => start.clone(),
        Some((row, column)) => Out::Tuple(vec![
            Out::Int(row.to_string()),
            Out::Int(column.to_string()),
        ]),
    };
    require(py_eq(&reached, end), "the path ends at end")
}

/// `_check_path(maze, start, end, out, exp)`, with its check of the start
/// cell as written (`maze[start[0]][start[0]]`).
fn path(args: &[Out], out: &Out, exp: &Out) -> Result<(), String> {
    if !truthy(exp) {
        return require(py_eq(out, &Out::List(Vec::new())), "out == []");
    }
    let (grid, start, end) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
    require(py_eq(&index(out, 0)?, start), "out[0] == start")?;
    require(py_eq(&index(out, -1)?, end), "out[-1] == end")?;
    let first = int_of(&index(start, 0)?)?;
    let open = |cell: Out| !py_eq(&cell, &Out::Int("0".into()));
    require(
        open(index(&index(grid, first)?, first)?),
        "the start is open",
    )?;
    let cells = iterate(out)?;
    let pair = |cell: &Out| -> Result<(Out, Out), String> {
        match iterate(cell)?.as_slice() {
            [x, y] => Ok((x.clone(), y.clone())),
            _ => Err("a cell is not a pair".into()),
        }
    };
    for window in cells.windows(2) {
        let (px, py) = pair(&window[0])?;
        let (cx, cy) = pair(&window[1])?;
        let cell = index(&index(grid, int_of(&cx)?)?, int_of(&cy)?)?;
        require(open(cell), "no wall on the path")?;
        let steps = (real_of(&cx)? - real_of(&px)?).abs() + (real_of(&cy)? - real_of(&py)?).abs();
        require(steps == 1.0, "adjacent cells")?;
    }
    Ok(())
}

/// `_check_product(arr, target, out, exp)`.
fn product(args: &[Out], out: &Out, exp: &Out) -> Result<(), String> {
    let no_magic = Out::Str("No magic today".into());
    if py_eq(exp, &no_magic) {
        return require(py_eq(exp, out), "out == exp");
    }
    let Some(Out::Tuple(pair)) = builtin(out) else {
        return Err(format!("'{}' is not a tuple", out.type_key()));
    };
    let [i, j] = pair.as_slice() else {
        return Err("the tuple is not a pair".into());
    };
    let (array, target) = (arg(args, 0)?, arg(args, 1)?);
    let length = iterate(array)?.len() as f64;
    let (ri, rj) = (real_of(i)?, real_of(j)?);
    require(0.0 <= ri && ri < rj && rj < length, "0 <= i < j < len(arr)")?;
    let (a, b) = (index(array, int_of(i)?)?, index(array, int_of(j)?)?);
    let whole = |v: &Out| match v.base() {
        Out::Int(text) => text.parse::<i128>().ok(),
        Out::Bool(flag) => Some(i128::from(*flag)),
        _ => None,
    };
    let made = match (whole(&a), whole(&b)) {
        (Some(x), Some(y)) => match x.checked_mul(y) {
            Some(p) => Out::Int(p.to_string()),
            None => return Err("product too large to check".into()),
        },
        _ => Out::Float(real_of(&a)? * real_of(&b)?),
    };
    require(py_eq(&made, target), "arr[i] * arr[j] == target")
}

/// `_check_poly(xs, out)`: `full_xs = [xs[0], xs[1]]`, then `0, xs[i]` for
/// each later coefficient.
fn sparse_poly(args: &[Out], out: &Out) -> Result<(), String> {
    let xs = iterate(arg(args, 0)?)?;
    if xs.len() < 2 {
        return Err("list index out of range".into());
    }
    let mut full = vec![xs[0].clone(), xs[1].clone()];
    for coefficient in &xs[2..] {
        full.push(Out::Int("0".into()));
        full.push(coefficient.clone());
    }
    within(poly_at(&full, out)?, 1e-6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::parse_out;

    fn out(text: &str) -> Out {
        parse_out(text).unwrap()
    }

    fn equal(exp: &str, got: &str) -> bool {
        check(None, None, &out(got), &out(exp)).is_ok()
    }

    #[test]
    fn types_must_match_first() {
        assert!(equal("[1, 2]", "[1, 2]"));
        assert!(!equal("[1, 2]", r#"{"$t": [1, 2]}"#));
        assert!(!equal("1", "1.0"));
        assert!(!equal("1", "true"));
        assert!(!equal("[1.0, 2]", "[1.0, 2.0]"));
        assert!(!equal(r#"{"$sub": ["numpy.int64", 3]}"#, "3"));
        assert!(equal("3", r#"{"$sub": ["__main__.MyInt", 3]}"#));
    }

    #[test]
    fn floats_are_close_by_numpy_rules() {
        assert!(equal("0.3", "0.30000000000000004"));
        assert!(equal("1000.0", "1000.005"));
        assert!(!equal("1000.0", "1000.02"));
        assert!(equal("NaN", "NaN"));
        assert!(equal("[1.0, 2.0]", r#"{"$t": [1.0, 2.0000001]}"#));
        // Empty sequences are "float": [] matches () and any one float.
        assert!(equal("[]", r#"{"$t": []}"#));
        assert!(equal("[]", "[1.5]"));
        assert!(!equal("[]", "[1.5, 2.5]"));
        assert!(equal("2.0", "[2.0, 2.0]"));
        assert!(!equal("[1.0, 2.0]", "[1.0, 2.0, 3.0]"));
    }

    #[test]
    fn containers_compare_element_by_element() {
        assert!(equal(
            r#"{"$d": [["a", [1, 2.5]]]}"#,
            r#"{"$d": [["a", [1, 2.5000001]]]}"#
        ));
        assert!(!equal(r#"{"$d": [["a", 1]]}"#, r#"{"$d": [["b", 1]]}"#));
        assert!(equal(r#"{"$set": [1, 2]}"#, r#"{"$set": [2, 1]}"#));
        assert!(!equal("[[1, 2]]", r#"[{"$t": [1, 2]}]"#));
    }

    #[test]
    fn oracles_read_the_returned_arguments() {
        let args = out(r#"["ab"]"#);
        let palindrome = |got: &str, exp: &str| {
            check(
                Some(SpecialOracle::EvoPalindrome),
                Some(&args),
                &out(got),
                &out(exp),
            )
        };
        assert!(palindrome(r#""abA""#, r#""aba""#).is_ok());
        assert!(palindrome(r#""aba""#, r#""abba""#).is_err());
        let grid = out(r#"[[[0, 0], [1, 0]], {"$t": [0, 0]}, {"$t": [1, 1]}]"#);
        let maze = |got: &str| {
            check(
                Some(SpecialOracle::EvoMaze),
                Some(&grid),
                &out(got),
                &out(r#"["right", "down"]"#),
            )
        };
        assert!(maze(r#"["right", "down"]"#).is_ok());
        assert!(maze(r#"["down", "right"]"#).is_err());
        let arr = out("[[2, 3, 4], 12]");
        let product = |got: &str| {
            check(
                Some(SpecialOracle::EvoProduct),
                Some(&arr),
                &out(got),
                &out(r#"{"$t": [1, 2]}"#),
            )
        };
        assert!(product(r#"{"$t": [1, 2]}"#).is_ok());
        assert!(product("[1, 2]").is_err());
        assert!(product(r#"{"$t": [0, 2]}"#).is_err());
        let xs = out("[[-1, 0, 1]]");
        let sparse = |got: &str| {
            check(
                Some(SpecialOracle::EvoSparsePoly),
                Some(&xs),
                &out(got),
                &out("0.0"),
            )
        };
        // -1 + 0*x + 0*x^2 + 1*x^3: a zero at 1.
        assert!(sparse("1.0").is_ok());
        assert!(sparse("-1.0").is_err());
        assert!(
            check(
                Some(SpecialOracle::EvoMaze),
                None,
                &out("[]"),
                &out(r#"["up"]"#)
            )
            .is_err()
        );
    }
}
