//! The MBPP+ input deserialization of EvalPlus 0.3.1, as a pure value transformation.
//!
//! JSON has no tuples, sets or complex numbers, so the MBPP+ file stores such arguments as
//! lists and strings, and EvalPlus rebuilds them when it loads the file:
//! `evalplus/data/mbpp.py`, `get_mbpp_plus` calls `mbpp_deserialize_inputs(task_id, inputs)`
//! on both `base_input` and `plus_input` of every task, and the rebuilt inputs are what
//! both the canonical solution (to compute expected outputs) and the candidate receive.
//! [`deserialize_inputs`] does the same to [`PyValue`]s. `inputs` is the list of argument
//! lists; `N` is the number after `Mbpp/` in the task id. Per task number:
//!
//! | tasks | transformation of each argument list `inp` |
//! |---|---|
//! | 2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809 | every argument becomes `tuple(arg)` |
//! | 63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780 | every argument is iterated and each element becomes `tuple(elem)` (argument stays a list) |
//! | 75, 413, 444, 753 | `[[tuple(x) for x in inp[0]], inp[1]]` (arguments after the second are dropped) |
//! | 106, 750 | `[inp[0], tuple(inp[1])]` |
//! | 115 | `[[set(x) if x is a non-empty list else {} for x in inp[0]]]` — note `{}` is an empty **dict**, so every element that is not a non-empty list (dicts, strings, `None`, `[]`) becomes `{}` |
//! | 124 | `(float(inp[0]), complex(inp[1]))` — the argument list itself becomes a tuple; both are strings such as `"-0.002"` and `"(-0-1j)"` |
//! | 250, 405, 446, 617, 720, 763, 808 | `[tuple(inp[0]), inp[1]]` |
//! | 259, 401, 445 | as the 63 group, then every argument becomes `tuple(arg)`: a tuple of tuples |
//! | 278 | `[tuple(x) if x is a list else x for x in inp[0]]` wrapped as one argument, then that argument becomes a tuple: `[tuple(...)]` |
//! | 307 | `[tuple(inp[0]), inp[1], inp[2]]` |
//! | 722 | `[{k: tuple(v) for k, v in inp[0].items()}] + inp[1:]` |
//! | 252 | `[complex(inp[0])]` (the argument is an int or a string such as `"(1+2j)"`) |
//! | 580, 615, 791 | the whole argument list, recursively, has every list turned into a tuple (lists inside dicts are left alone) |
//! | any other | unchanged |
//!
//! `tuple(x)` / iterating `x` follow Python: a list, tuple or set gives its elements, a
//! string its characters, a dict its keys; anything else is an error (where Python would
//! raise `TypeError` while loading). `complex(s)` follows CPython's string syntax
//! (`"1j"`, `"-3j"`, `"(-0-1e-16j)"`, `"0.5"`, `"inf"`…). Sets keep insertion order and
//! duplicates; Python collapses duplicates when it evaluates the literal.

use crate::pyvalue::PyValue;

/// Why an MBPP+ input could not be rebuilt (Python would have raised while loading).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input {index}: {message}")]
pub struct InputError {
    /// 0-based index of the argument list in `base_input` / `plus_input`.
    pub index: usize,
    /// What was wrong, as a lowercase fragment.
    pub message: String,
}

const TUPLE_ARGS: &[u32] = &[
    2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726,
    740, 744, 809,
];
const TUPLE_ELEMS: &[u32] = &[
    63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780,
];
const FIRST_ELEMS_TUPLE: &[u32] = &[75, 413, 444, 753];
const FIRST_TUPLE: &[u32] = &[250, 405, 446, 617, 720, 763, 808];
const TUPLE_OF_TUPLES: &[u32] = &[259, 401, 445];
const ALL_LISTS_TUPLES: &[u32] = &[580, 615, 791];

/// The task number `N` of an MBPP task id (`"Mbpp/N"` or `"N"`).
pub fn task_number(task_id: &str) -> Option<u32> {
    task_id.rsplit('/').next()?.parse().ok()
}

/// Rebuilds the inputs of MBPP+ task number `task` exactly as EvalPlus 0.3.1's
/// `mbpp_deserialize_inputs` does (see the module docs for the table).
pub fn deserialize_inputs(task: u32, inputs: &[PyValue]) -> Result<Vec<PyValue>, InputError> {
    inputs
        .iter()
        .enumerate()
        .map(|(index, inp)| {
            deserialize_one(task, inp).map_err(|message| InputError { index, message })
        })
        .collect()
}

fn deserialize_one(task: u32, inp: &PyValue) -> Result<PyValue, String> {
    let args = || iter(inp);
    let arg = |i: usize| -> Result<PyValue, String> {
        args()?
            .get(i)
            .cloned()
            .ok_or_else(|| format!("argument {i} missing"))
    };
    let t = |ids: &[u32]| ids.contains(&task);
    Ok(if t(TUPLE_ARGS) {
        PyValue::List(args()?.iter().map(tuple).collect::<Result<_, _>>()?)
    } else if t(TUPLE_ELEMS) {
        PyValue::List(tuple_elems(inp)?)
    } else if t(FIRST_ELEMS_TUPLE) {
        let first = iter(&arg(0)?)?
            .iter()
            .map(tuple)
            .collect::<Result<_, _>>()?;
        PyValue::List(vec![PyValue::List(first), arg(1)?])
    } else if task == 106 || task == 750 {
        PyValue::List(vec![arg(0)?, tuple(&arg(1)?)?])
    } else if task == 115 {
        let items = iter(&arg(0)?)?
            .into_iter()
            .map(|item| match item {
                PyValue::List(v) if !v.is_empty() => PyValue::Set(v),
                _ => PyValue::Dict(Vec::new()),
            })
            .collect();
        PyValue::List(vec![PyValue::List(items)])
    } else if task == 124 {
        PyValue::Tuple(vec![PyValue::Float(float(&arg(0)?)?), complex(&arg(1)?)?])
    } else if t(FIRST_TUPLE) {
        PyValue::List(vec![tuple(&arg(0)?)?, arg(1)?])
    } else if t(TUPLE_OF_TUPLES) {
        let lists = tuple_elems(inp)?;
        PyValue::List(lists.iter().map(tuple).collect::<Result<_, _>>()?)
    } else if task == 278 {
        let inner = iter(&arg(0)?)?
            .into_iter()
            .map(|item| match item {
                PyValue::List(v) => PyValue::Tuple(v),
                other => other,
            })
            .collect();
        PyValue::List(vec![PyValue::Tuple(inner)])
    } else if task == 307 {
        PyValue::List(vec![tuple(&arg(0)?)?, arg(1)?, arg(2)?])
    } else if task == 722 {
        let PyValue::Dict(items) = arg(0)? else {
            return Err("argument 0 is not a dict".into());
        };
        let dict = items
            .iter()
            .map(|(k, v)| Ok((k.clone(), tuple(v)?)))
            .collect::<Result<_, String>>()?;
        let mut out = vec![PyValue::Dict(dict)];
        out.extend(args()?.into_iter().skip(1));
        PyValue::List(out)
    } else if task == 252 {
        PyValue::List(vec![complex(&arg(0)?)?])
    } else if t(ALL_LISTS_TUPLES) {
        lists_to_tuples(inp)
    } else {
        inp.clone()
    })
}

/// `[[tuple(lst) for lst in lst_lst] for lst_lst in inp]`.
fn tuple_elems(inp: &PyValue) -> Result<Vec<PyValue>, String> {
    iter(inp)?
        .iter()
        .map(|lst_lst| {
            Ok(PyValue::List(
                iter(lst_lst)?.iter().map(tuple).collect::<Result<_, _>>()?,
            ))
        })
        .collect()
}

fn lists_to_tuples(v: &PyValue) -> PyValue {
    match v {
        PyValue::List(items) => PyValue::Tuple(items.iter().map(lists_to_tuples).collect()),
        other => other.clone(),
    }
}

/// Python's `iter(x)` drained: elements, characters or dict keys.
fn iter(v: &PyValue) -> Result<Vec<PyValue>, String> {
    match v {
        PyValue::List(items) | PyValue::Tuple(items) | PyValue::Set(items) => Ok(items.clone()),
        PyValue::Str(s) => Ok(s.chars().map(|c| PyValue::Str(c.to_string())).collect()),
        PyValue::Dict(items) => Ok(items.iter().map(|(k, _)| k.clone()).collect()),
        other => Err(format!("'{}' object is not iterable", other.type_name())),
    }
}

fn tuple(v: &PyValue) -> Result<PyValue, String> {
    iter(v).map(PyValue::Tuple)
}

/// Python's `float(x)` for the argument kinds MBPP+ stores.
fn float(v: &PyValue) -> Result<f64, String> {
    match v {
        PyValue::Str(s) => parse_float_str(s.trim())
            .ok_or_else(|| format!("could not convert string to float: {s:?}")),
        other => other.as_f64().ok_or_else(|| {
            format!(
                "float() argument must be a string or a real number, not '{}'",
                other.type_name()
            )
        }),
    }
}

fn parse_float_str(s: &str) -> Option<f64> {
    match float_prefix(s) {
        Some((f, len)) if len == s.len() => Some(f),
        _ => None,
    }
}

/// The longest prefix of `s` that is a Python float literal (as `PyOS_string_to_double`
/// reads it), with its value and length.
fn float_prefix(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    if let Some(b'+' | b'-') = b.first() {
        i += 1;
    }
    let rest = s[i..].to_ascii_lowercase();
    for word in ["infinity", "inf", "nan"] {
        if rest.starts_with(word) {
            let end = i + word.len();
            return s[..end].parse().ok().map(|f| (f, end));
        }
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut mantissa = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        mantissa += i - frac_start;
    }
    if mantissa == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        let mut j = i + 1;
        if let Some(b'+' | b'-') = b.get(j) {
            j += 1;
        }
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    s[..i].parse().ok().map(|f| (f, i))
}

/// Python's `complex(x)`.
fn complex(v: &PyValue) -> Result<PyValue, String> {
    match v {
        PyValue::Complex(..) => Ok(v.clone()),
        PyValue::Str(s) => parse_complex(s)
            .map(|(re, im)| PyValue::Complex(re, im))
            .ok_or_else(|| format!("complex() arg is a malformed string: {s:?}")),
        other => other
            .as_f64()
            .map(|re| PyValue::Complex(re, 0.0))
            .ok_or_else(|| {
                format!(
                    "complex() first argument must be a string or a number, not '{}'",
                    other.type_name()
                )
            }),
    }
}

/// CPython's `complex_from_string_inner`: `[ws] ['('] [ws] body [ws] [')'] [ws]`.
fn parse_complex(s: &str) -> Option<(f64, f64)> {
    let mut s = s.trim();
    if let Some(inner) = s.strip_prefix('(') {
        s = inner.strip_suffix(')')?.trim();
    }
    let is_j = |c: Option<u8>| matches!(c, Some(b'j' | b'J'));
    let (re, im, used) = match float_prefix(s) {
        Some((x, n)) => {
            let next = s.as_bytes().get(n).copied();
            match next {
                Some(b'+' | b'-') => {
                    let tail = &s[n..];
                    let (y, m) = match float_prefix(tail) {
                        Some(p) => p,
                        None => (if next == Some(b'-') { -1.0 } else { 1.0 }, 1),
                    };
                    if !is_j(tail.as_bytes().get(m).copied()) {
                        return None;
                    }
                    (x, y, n + m + 1)
                }
                c if is_j(c) => (0.0, x, n + 1),
                _ => (x, 0.0, n),
            }
        }
        None => {
            let (sign, n) = match s.as_bytes().first() {
                Some(b'-') => (-1.0, 1),
                Some(b'+') => (1.0, 1),
                _ => (1.0, 0),
            };
            if !is_j(s.as_bytes().get(n).copied()) {
                return None;
            }
            (0.0, sign, n + 1)
        }
    };
    (used == s.len()).then_some((re, im))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyvalue::parse_json;

    fn run(task: u32, json: &str) -> String {
        let PyValue::List(inputs) = parse_json(json).unwrap() else {
            panic!()
        };
        let out = deserialize_inputs(task, &inputs).unwrap();
        PyValue::List(out).to_python()
    }

    #[test]
    fn complex_strings_follow_cpython() {
        assert_eq!(parse_complex("1j"), Some((0.0, 1.0)));
        assert_eq!(parse_complex("-3j"), Some((0.0, -3.0)));
        assert_eq!(parse_complex("0.5"), Some((0.5, 0.0)));
        assert_eq!(parse_complex("(1+2j)"), Some((1.0, 2.0)));
        assert_eq!(parse_complex("(3-4j)"), Some((3.0, -4.0)));
        assert_eq!(parse_complex("1-j"), Some((1.0, -1.0)));
        assert_eq!(parse_complex("j"), Some((0.0, 1.0)));
        assert_eq!(parse_complex("-1e-100j"), Some((0.0, -1e-100)));
        let (re, im) = parse_complex("(-0-1e-16j)").unwrap();
        assert!(re == 0.0 && re.is_sign_negative());
        assert_eq!(im, -1e-16);
        for bad in ["", "1+2", "(1+2j", "1j2", "abc", "1e"] {
            assert_eq!(parse_complex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn transformations() {
        assert_eq!(run(2, "[[[3, 4], [5]]]"), "[[(3, 4), (5,)]]");
        assert_eq!(run(63, "[[[[1, 2], [3]]]]"), "[[[(1, 2), (3,)]]]");
        assert_eq!(run(75, "[[[[1, 2]], 6]]"), "[[[(1, 2)], 6]]");
        assert_eq!(run(106, "[[[1], [2, 3]]]"), "[[[1], (2, 3)]]");
        assert_eq!(
            run(115, r#"[[[[1, 2], [], {"a": {}}, "s", null]]]"#),
            "[[[{1, 2}, {}, {}, {}, {}]]]"
        );
        assert_eq!(
            run(124, r#"[["-0.002", "(-0-1j)"]]"#),
            "[(-0.002, complex(-0.0, -1.0))]"
        );
        assert_eq!(run(250, "[[[1, 2], 3]]"), "[[(1, 2), 3]]");
        assert_eq!(run(259, "[[[[1, 2]], [[3]]]]"), "[[((1, 2),), ((3,),)]]");
        assert_eq!(run(278, "[[[1, [2, 3], 4]]]"), "[[(1, (2, 3), 4)]]");
        assert_eq!(run(307, "[[[1], 2, 3]]"), "[[(1,), 2, 3]]");
        assert_eq!(
            run(722, r#"[[{"a": [1, 2]}, 6, 7]]"#),
            r#"[[{"a": (1, 2)}, 6, 7]]"#
        );
        assert_eq!(
            run(252, r#"[[1], ["(1+2j)"]]"#),
            "[[complex(1.0, 0.0)], [complex(1.0, 2.0)]]"
        );
        assert_eq!(
            run(580, r#"[[[1, [2]], {"k": [3]}]]"#),
            r#"[((1, (2,)), {"k": [3]})]"#
        );
        assert_eq!(run(3, "[[[1, 2]]]"), "[[[1, 2]]]");
        assert_eq!(run(2, r#"[["ab", {"k": 1}]]"#), r#"[[("a", "b"), ("k",)]]"#);
    }

    #[test]
    fn errors_name_the_input() {
        let PyValue::List(inputs) = parse_json("[[[1]], [5]]").unwrap() else {
            panic!()
        };
        let err = deserialize_inputs(2, &inputs).unwrap_err();
        assert_eq!(err.to_string(), "input 1: 'int' object is not iterable");
        assert_eq!(task_number("Mbpp/404"), Some(404));
        assert_eq!(task_number("12"), Some(12));
    }
}
