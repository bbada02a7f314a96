//! EvalPlus's per-input comparison, done outside the sandbox.
//!
//! The worker sends back every return value of the candidate encoded with its
//! Python type (plain JSON for `None`, `bool`, `int`, `float`, `str`, `list`;
//! tagged objects for the rest, see the worker's `encode`). This module
//! decodes them into [`Out`] and applies the rules of EvalPlus 0.3.1's
//! `unsafe_execute` (`evalplus/eval/__init__.py`) in the same order: Python
//! `==`, the special oracles, the sticky `atol = 1e-6` for float outputs, and
//! `np.allclose(out, exp, rtol=1e-07, atol=atol)`. No code of the candidate
//! runs here: an object whose `__eq__` always returns `True` arrives as an
//! opaque value that equals nothing.
//!
//! EvoEval's comparison, `is_equal` and its oracles, is the other
//! [`Comparison`] a [`Comparator`] applies (`compare_evoeval.rs`).

use crate::benchmarks::Comparison;
use crate::dataset::SpecialOracle;
use base64::Engine as _;

use crate::pyvalue::{self, PyValue, json_float};

/// A Python value returned by a candidate or a reference solution.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// `None`.
    None,
    /// `bool`.
    Bool(bool),
    /// `int`, as decimal text.
    Int(String),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `list`.
    List(Vec<Out>),
    /// `tuple`.
    Tuple(Vec<Out>),
    /// `set`.
    Set(Vec<Out>),
    /// `frozenset`.
    FrozenSet(Vec<Out>),
    /// `dict`, in insertion order.
    Dict(Vec<(Out, Out)>),
    /// `complex`.
    Complex(f64, f64),
    /// An instance of a subclass of a builtin (e.g. `numpy.float64`): equal
    /// as its base value, but a different `type()`.
    Sub(String, Box<Out>),
    /// Anything else, known only by type name and `repr`; equal to nothing.
    Opaque(String, String),
    /// An `int` wider than 1100 bits, as Python's `hex()` (sent so because
    /// decimal conversion is quadratic; no float can equal one).
    BigInt(String),
    /// A large output without floats, as the SHA-256 of its canonical
    /// encoding and that encoding's length: equal outputs have equal digests.
    Digest(String, u64),
    /// A long `list` of numbers, as their values and the positions of the
    /// elements that are `int` (the rest are `float`); sent packed.
    Numbers(Vec<f64>, Vec<usize>),
    /// A rational number that is not an integer, as numerator and
    /// denominator (decimal text, lowest terms, denominator above 1): what a
    /// `Fraction` or `Decimal` stands for (inside [`Out::Sub`]).
    Ratio(String, String),
    /// A numpy array of exactly one element, that element. Its `==` is
    /// elementwise, and EvalPlus takes the truth of the result: an array of
    /// one element has the truth of that element's `==` (inside
    /// [`Out::Sub`]; arrays of any other size have none and are opaque).
    Single(Box<Out>),
}

/// Decodes the worker's encoding of one value.
pub fn decode(value: &PyValue) -> Result<Out, String> {
    Ok(match value {
        PyValue::None => Out::None,
        PyValue::Bool(b) => Out::Bool(*b),
        PyValue::Int(i) => Out::Int(i.clone()),
        PyValue::Float(f) => Out::Float(*f),
        PyValue::Str(s) => Out::Str(s.clone()),
        PyValue::List(items) => Out::List(decode_all(items)?),
        PyValue::Dict(pairs) if pairs.len() == 1 => {
            let (PyValue::Str(tag), body) = &pairs[0] else {
                return Err("bad tag".into());
            };
            decode_tagged(tag, body)?
        }
        other => {
            return Err(format!(
                "unexpected encoded value of type {}",
                other.type_name()
            ));
        }
    })
}

fn decode_all(items: &[PyValue]) -> Result<Vec<Out>, String> {
    items.iter().map(decode).collect()
}

fn decode_tagged(tag: &str, body: &PyValue) -> Result<Out, String> {
    let items = || {
        body.as_seq()
            .ok_or_else(|| format!("tag {tag} needs a list"))
    };
    Ok(match tag {
        "$t" => Out::Tuple(decode_all(items()?)?),
        "$set" => Out::Set(decode_all(items()?)?),
        "$fs" => Out::FrozenSet(decode_all(items()?)?),
        "$d" => {
            let mut pairs = Vec::new();
            for pair in items()? {
                match pair.as_seq() {
                    Some([k, v]) => pairs.push((decode(k)?, decode(v)?)),
                    _ => return Err("dict entries must be pairs".into()),
                }
            }
            Out::Dict(pairs)
        }
        "$c" => match items()? {
            [re, im] => Out::Complex(
                re.as_f64().unwrap_or(f64::NAN),
                im.as_f64().unwrap_or(f64::NAN),
            ),
            _ => return Err("complex needs two parts".into()),
        },
        "$sub" => match items()? {
            [PyValue::Str(name), base] => Out::Sub(name.clone(), Box::new(decode(base)?)),
            _ => return Err("subclass needs a name and a value".into()),
        },
        "$nl" => match items()? {
            [PyValue::Str(packed), PyValue::List(int_positions)] => {
                unpack_numbers(packed, int_positions)?
            }
            _ => return Err("packed numbers need base64 text and int positions".into()),
        },
        "$hex" => match body {
            PyValue::Str(hex) => Out::BigInt(hex.clone()),
            _ => return Err("big int needs hex text".into()),
        },
        "$sha256" => match items()? {
            [PyValue::Str(digest), len] => {
                Out::Digest(digest.clone(), len.as_f64().unwrap_or(0.0) as u64)
            }
            _ => return Err("digest needs a hash and a length".into()),
        },
        "$q" => match items()? {
            [PyValue::Int(numerator), PyValue::Int(denominator)] => {
                Out::Ratio(numerator.clone(), denominator.clone())
            }
            _ => return Err("a ratio needs two ints".into()),
        },
        "$a1" => Out::Single(Box::new(decode(body)?)),
        "$o" => match items()? {
            [PyValue::Str(name), PyValue::Str(repr)] => Out::Opaque(name.clone(), repr.clone()),
            _ => return Err("opaque needs a name and a repr".into()),
        },
        other => return Err(format!("unknown tag {other}")),
    })
}

/// Lists at least this long, of floats and ints below 2^53, travel packed.
const PACK_NUMBERS_FROM: usize = 256;

fn is_packable(item: &Out) -> bool {
    match item {
        Out::Float(_) => true,
        Out::Int(i) => i.parse::<i64>().is_ok_and(|v| v.unsigned_abs() < 1 << 53),
        _ => false,
    }
}

/// Decodes `{"$nl": [packed little-endian doubles, positions of ints]}`.
fn unpack_numbers(packed: &str, int_positions: &[PyValue]) -> Result<Out, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(packed)
        .map_err(|e| format!("packed numbers: {e}"))?;
    if bytes.len() % 8 != 0 {
        return Err("packed numbers: length is not a multiple of 8".into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let mut ints = Vec::with_capacity(int_positions.len());
    for position in int_positions {
        let index = position
            .as_f64()
            .ok_or("packed numbers: bad int position")? as usize;
        if index >= values.len() {
            return Err("packed numbers: int position out of range".into());
        }
        ints.push(index);
    }
    ints.sort_unstable();
    Ok(Out::Numbers(values, ints))
}

impl Out {
    /// The elements of a [`Out::Numbers`] as ordinary values.
    pub(crate) fn number_items(values: &[f64], ints: &[usize]) -> Vec<Out> {
        let mut items: Vec<Out> = values.iter().map(|&v| Out::Float(v)).collect();
        for &i in ints {
            items[i] = Out::Int(format!("{}", values[i] as i64));
        }
        items
    }
}

/// Parses one encoded value from its JSON text (Python's `json.dumps`).
pub fn parse_out(text: &str) -> Result<Out, String> {
    let value = pyvalue::parse_json(text).map_err(|e| e.to_string())?;
    decode(&value)
}

impl Out {
    /// The value with subclass wrappers removed, for `==`.
    fn base(&self) -> &Out {
        match self {
            Out::Sub(_, base) => base.base(),
            other => other,
        }
    }

    /// A key standing for `type(self)`.
    pub(crate) fn type_key(&self) -> String {
        match self {
            Out::None => "NoneType".into(),
            Out::Bool(_) => "bool".into(),
            Out::Int(_) => "int".into(),
            Out::Float(_) => "float".into(),
            Out::Str(_) => "str".into(),
            Out::List(_) => "list".into(),
            Out::Tuple(_) => "tuple".into(),
            Out::Set(_) => "set".into(),
            Out::FrozenSet(_) => "frozenset".into(),
            Out::Dict(_) => "dict".into(),
            Out::Complex(..) => "complex".into(),
            Out::Sub(name, _) | Out::Opaque(name, _) => name.clone(),
            Out::BigInt(_) => "int".into(),
            Out::Digest(..) => "digest".into(),
            Out::Numbers(..) => "list".into(),
            Out::Ratio(..) => "ratio".into(),
            Out::Single(_) => "array".into(),
        }
    }

    /// The value as a real number, when Python would treat it as one.
    pub(crate) fn as_real(&self) -> Option<f64> {
        match self.base() {
            Out::Bool(b) => Some(f64::from(u8::from(*b))),
            Out::Int(i) => i.parse::<f64>().ok(),
            Out::Float(f) => Some(*f),
            Out::Ratio(n, d) => Some(n.parse::<f64>().ok()? / d.parse::<f64>().ok()?),
            _ => None,
        }
    }

    fn is_none(&self) -> bool {
        matches!(self.base(), Out::None)
    }

    /// `isinstance(self, float)`.
    fn is_float_instance(&self) -> bool {
        matches!(self.base(), Out::Float(_))
    }
}

/// Python's `a == b` for builtin values.
pub fn py_eq(a: &Out, b: &Out) -> bool {
    use Out::*;
    match (a.base(), b.base()) {
        (Opaque(..), _) | (_, Opaque(..)) => false,
        (Single(x), other) | (other, Single(x)) => match only_element(other) {
            Some(element) => py_eq(x, element),
            Option::None => false,
        },
        (BigInt(x), BigInt(y)) => x == y,
        (Digest(x, n), Digest(y, m)) => x == y && n == m,
        (BigInt(_) | Digest(..), _) | (_, BigInt(_) | Digest(..)) => false,
        (Numbers(x, _), Numbers(y, _)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p == q)
        }
        (Numbers(values, ints), List(items)) | (List(items), Numbers(values, ints)) => {
            values.len() == items.len()
                && Out::number_items(values, ints)
                    .iter()
                    .zip(items)
                    .all(|(p, q)| py_eq(p, q))
        }
        (None, None) => true,
        (Str(x), Str(y)) => x == y,
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Set(x) | FrozenSet(x), Set(y) | FrozenSet(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| py_eq(p, q)))
        }
        (Dict(x), Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| py_eq(k, k2) && py_eq(v, v2)))
        }
        (Complex(r1, i1), Complex(r2, i2)) => r1 == r2 && i1 == i2,
        (Complex(r, i), other) | (other, Complex(r, i)) => {
            *i == 0.0 && numeric_eq(&Float(*r), other)
        }
        (x, y) => numeric_eq(x, y),
    }
}

/// `==` between bools, ints and floats: exact, as Python compares them.
fn numeric_eq(a: &Out, b: &Out) -> bool {
    use Out::*;
    let int_text = |v: &Out| match v {
        Bool(b) => Some(if *b { "1".to_string() } else { "0".to_string() }),
        Int(i) => Some(i.clone()),
        _ => Option::None,
    };
    match (a, b) {
        (Ratio(n, d), Ratio(m, e)) => n == m && d == e,
        (Ratio(n, d), Float(f)) | (Float(f), Ratio(n, d)) => ratio_equals_float(n, d, *f),
        (Ratio(..), _) | (_, Ratio(..)) => false,
        (Float(x), Float(y)) => x == y,
        (Float(f), other) | (other, Float(f)) => match int_text(other) {
            Some(i) => float_equals_int(*f, &i),
            Option::None => false,
        },
        _ => match (int_text(a), int_text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

fn float_equals_int(f: f64, int: &str) -> bool {
    if !f.is_finite() || f.fract() != 0.0 {
        return false;
    }
    if f == 0.0 {
        return int == "0";
    }
    format!("{f:.0}") == int
}

/// Whether `numerator / denominator` (lowest terms, denominator above 1)
/// is exactly `f`: a float that is not an integer is an odd integer over a
/// power of two.
fn ratio_equals_float(numerator: &str, denominator: &str, f: f64) -> bool {
    if !f.is_finite() || f.fract() == 0.0 {
        return false;
    }
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut mantissa = bits & ((1 << 52) - 1);
    let mut exponent = if biased == 0 {
        -1074
    } else {
        mantissa |= 1 << 52;
        biased - 1075
    };
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exponent += i64::from(zeros);
    let sign = if f < 0.0 { "-" } else { "" };
    format!("{sign}{mantissa}") == numerator && power_of_two_text(-exponent as u32) == denominator
}

/// 2^k in decimal.
fn power_of_two_text(k: u32) -> String {
    // Little-endian base-10^9 limbs.
    let mut limbs: Vec<u64> = vec![1];
    for _ in 0..k {
        let mut carry = 0;
        for limb in &mut limbs {
            let doubled = *limb * 2 + carry;
            *limb = doubled % 1_000_000_000;
            carry = doubled / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut text = limbs.last().unwrap().to_string();
    for limb in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{limb:09}"));
    }
    text
}

/// What numpy broadcasts a one-element array against: the value itself,
/// or the only element of a (nested) list or tuple of one. None where the
/// comparison has more or fewer than one element.
fn only_element(value: &Out) -> Option<&Out> {
    match value.base() {
        Out::List(items) | Out::Tuple(items) if items.len() == 1 => only_element(&items[0]),
        Out::List(_) | Out::Tuple(_) | Out::Numbers(..) | Out::Digest(..) => Option::None,
        _ => Some(value),
    }
}

/// EvalPlus's `is_floats(exp)`.
fn is_floats(exp: &Out) -> bool {
    match exp.base() {
        Out::Float(_) => true,
        Out::List(items) | Out::Tuple(items) => {
            !items.is_empty() && items.iter().all(Out::is_float_instance)
        }
        Out::Numbers(values, ints) => !values.is_empty() && ints.is_empty(),
        _ => false,
    }
}

/// `np.allclose(out, exp, rtol=1e-07, atol=atol)`, where an input numpy
/// cannot turn into equal-shaped numeric arrays counts as not close (numpy
/// raises there, which EvalPlus counts as a failure).
fn allclose(out: &Out, exp: &Out, atol: f64) -> bool {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    if !flatten(out, &mut xs)
        || !flatten(exp, &mut ys)
        || xs.len() != ys.len()
        || shape(out) != shape(exp)
    {
        return false;
    }
    xs.iter().zip(&ys).all(|(&a, &b)| isclose(a, b, atol))
}

fn isclose(a: f64, b: f64, atol: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return false;
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= atol + 1e-7 * b.abs()
}

fn flatten(v: &Out, into: &mut Vec<f64>) -> bool {
    match v.base() {
        Out::Numbers(values, _) => {
            into.extend_from_slice(values);
            true
        }
        Out::List(items) | Out::Tuple(items) => items.iter().all(|i| flatten(i, into)),
        other => match other.as_real() {
            Some(x) => {
                into.push(x);
                true
            }
            None => false,
        },
    }
}

fn shape(v: &Out) -> Vec<usize> {
    match v.base() {
        Out::Numbers(values, _) => vec![values.len()],
        Out::List(items) | Out::Tuple(items) => {
            let mut s = vec![items.len()];
            if let Some(first) = items.first() {
                s.extend(shape(first));
            }
            s
        }
        _ => Vec::new(),
    }
}

#[path = "compare_evoeval.rs"]
mod evoeval;

/// The state EvalPlus keeps across the inputs of one input list: `atol`,
/// which becomes 1e-6 for good once a float output is expected.
#[derive(Debug, Clone, Copy)]
pub struct Comparator {
    atol: f64,
    oracle: Option<SpecialOracle>,
    comparison: Comparison,
}

impl Comparator {
    /// An EvalPlus comparator for one input list of a task with this `atol`
    /// and oracle.
    pub fn new(atol: f64, oracle: Option<SpecialOracle>) -> Comparator {
        Comparator::with(Comparison::EvalPlus, atol, oracle)
    }

    /// A comparator applying `comparison` (EvoEval's ignores `atol`).
    pub fn with(comparison: Comparison, atol: f64, oracle: Option<SpecialOracle>) -> Comparator {
        Comparator {
            atol,
            oracle,
            comparison,
        }
    }

    /// Whether `out` passes for input `inp` (its argument list) with expected
    /// value `exp`; `Err` says why not, in words.
    pub fn check(&mut self, inp: &[PyValue], out: &Out, exp: &Out) -> Result<(), String> {
        self.check_call(inp, None, out, exp)
    }

    /// [`Comparator::check`], with the arguments as the call left them
    /// (`args`, sent back by the job when the oracle reads them).
    pub fn check_call(
        &mut self,
        inp: &[PyValue],
        args: Option<&Out>,
        out: &Out,
        exp: &Out,
    ) -> Result<(), String> {
        match self.comparison {
            Comparison::EvalPlus => self.check_evalplus(inp, out, exp),
            // HumanEval/32 as verdict judges it on HumanEval+: EvalPlus's
            // oracle with the row's atol (EvoEval's own line always raises).
            Comparison::EvoEval if self.oracle == Some(SpecialOracle::FindZero) => {
                self.check_evalplus(inp, out, exp)
            }
            Comparison::EvoEval => evoeval::check(self.oracle, args, out, exp),
        }
    }

    fn check_evalplus(&mut self, inp: &[PyValue], out: &Out, exp: &Out) -> Result<(), String> {
        let mut exact = py_eq(out, exp);
        match self.oracle {
            None => {}
            Some(SpecialOracle::AlwaysPass) => exact = true,
            Some(SpecialOracle::ExactOrZero) => exact = exact || py_eq(out, &Out::Int("0".into())),
            Some(SpecialOracle::SurfaceArea) if !exact => {
                let reference = surface_area(inp)?;
                let value = out.as_real().ok_or("output is not a number")?;
                exact = (value - reference).abs() <= self.atol;
            }
            Some(SpecialOracle::DigitDistance) if !exact => {
                exact = py_eq(out, &Out::Int(digit_distance(inp)?.to_string()));
            }
            Some(SpecialOracle::SurfaceArea | SpecialOracle::DigitDistance) => {}
            Some(SpecialOracle::SetEq) => exact = set_of(out)? == set_of(exp)?,
            Some(SpecialOracle::NotNone) => {
                exact = match out.base() {
                    Out::Bool(_) => py_eq(out, exp),
                    _ => py_eq(exp, &Out::Bool(!out.is_none())),
                }
            }
            Some(
                SpecialOracle::EvoPalindrome
                | SpecialOracle::EvoIntervalZero
                | SpecialOracle::EvoMaze
                | SpecialOracle::EvoPath
                | SpecialOracle::EvoProduct
                | SpecialOracle::EvoSparsePoly,
            ) => return Err("an EvoEval oracle under EvalPlus's comparison".into()),
            Some(SpecialOracle::FindZero) => {
                let value = poly(inp, out)?;
                return if value.abs() <= self.atol {
                    Ok(())
                } else {
                    Err(format!(
                        "abs(poly(xs, out)) = {} > atol {}",
                        value.abs(),
                        self.atol
                    ))
                };
            }
        }
        if self.atol == 0.0 && is_floats(exp) {
            self.atol = 1e-6;
        }
        if !exact && self.atol != 0.0 {
            if out.type_key() != exp.type_key() {
                return Err(format!("type {} is not {}", out.type_key(), exp.type_key()));
            }
            if !allclose(out, exp, self.atol) {
                return Err(format!("not close (atol {})", self.atol));
            }
            return Ok(());
        }
        if exact {
            Ok(())
        } else {
            Err("output differs".into())
        }
    }
}

/// `set(x)` for the set-compared MBPP+ tasks, as a list of distinct
/// elements; errors where Python raises (not iterable, unhashable).
fn set_of(value: &Out) -> Result<SetView, String> {
    let items: Vec<Out> = match value.base() {
        Out::List(x) | Out::Tuple(x) | Out::Set(x) | Out::FrozenSet(x) => x.clone(),
        Out::Numbers(values, ints) => Out::number_items(values, ints),
        Out::Dict(pairs) => pairs.iter().map(|(k, _)| k.clone()).collect(),
        Out::Str(s) => s.chars().map(|c| Out::Str(c.to_string())).collect(),
        other => return Err(format!("'{}' object is not iterable", other.type_key())),
    };
    let mut distinct: Vec<Out> = Vec::new();
    for item in items {
        if matches!(item.base(), Out::List(_) | Out::Dict(_) | Out::Set(_)) {
            return Err(format!("unhashable type: '{}'", item.type_key()));
        }
        if !distinct.iter().any(|d| py_eq(d, &item)) {
            distinct.push(item);
        }
    }
    Ok(SetView(distinct))
}

struct SetView(Vec<Out>);

impl PartialEq for SetView {
    fn eq(&self, other: &SetView) -> bool {
        self.0.len() == other.0.len() && self.0.iter().all(|x| other.0.iter().any(|y| py_eq(x, y)))
    }
}

fn real_arg(inp: &[PyValue], index: usize) -> Result<f64, String> {
    inp.get(index)
        .and_then(|v| match v {
            PyValue::Bool(b) => Some(f64::from(u8::from(*b))),
            PyValue::Int(i) => i.parse().ok(),
            PyValue::Float(f) => Some(*f),
            _ => None,
        })
        .ok_or_else(|| format!("input argument {index} is not a number"))
}

/// `_surface_Area(base_edge, height)` of `evalplus/eval/_special_oracle.py`.
fn surface_area(inp: &[PyValue]) -> Result<f64, String> {
    let (edge, height) = (real_arg(inp, 0)?, real_arg(inp, 1)?);
    let slant = ((edge / 2.0).powi(2) + height.powi(2)).sqrt();
    let total = edge.powi(2) + 4.0 * (edge * slant) / 2.0;
    Ok(round_half_even(total))
}

fn round_half_even(x: f64) -> f64 {
    let rounded = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        rounded
    }
}

/// `_digit_distance_nums(num1, num2)` of `evalplus/eval/_special_oracle.py`.
fn digit_distance(inp: &[PyValue]) -> Result<u64, String> {
    let text = |i: usize| match inp.get(i) {
        Some(PyValue::Int(s)) => Ok(s.clone()),
        Some(PyValue::Bool(b)) => Ok(if *b { "True".into() } else { "False".into() }),
        _ => Err(format!("input argument {i} is not an int")),
    };
    let (a, b) = (text(0)?, text(1)?);
    let width = a.len().max(b.len());
    let (a, b) = (zfill(&a, width), zfill(&b, width));
    let mut total = 0u64;
    for (x, y) in a.chars().zip(b.chars()) {
        let (Some(x), Some(y)) = (x.to_digit(10), y.to_digit(10)) else {
            return Err(format!("invalid literal for int() with base 10: '{x}'"));
        };
        total += u64::from(x.abs_diff(y));
    }
    Ok(total)
}

/// Python's `str.zfill`.
fn zfill(s: &str, width: usize) -> String {
    if s.len() >= width {
        return s.to_string();
    }
    let pad = "0".repeat(width - s.len());
    match s.strip_prefix(['-', '+']) {
        Some(rest) => format!("{}{pad}{rest}", &s[..1]),
        None => format!("{pad}{s}"),
    }
}

/// `_poly(xs, x)` of `evalplus/eval/_special_oracle.py`:
/// `sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])`.
fn poly(inp: &[PyValue], out: &Out) -> Result<f64, String> {
    let coefficients = inp
        .first()
        .and_then(PyValue::as_seq)
        .ok_or("input is not a list of coefficients")?;
    let x = out
        .as_real()
        .ok_or_else(|| format!("must be real number, not {}", out.type_key()))?;
    let mut sum = 0.0f64;
    for (i, coefficient) in coefficients.iter().enumerate() {
        let power = x.powf(i as f64);
        if power.is_infinite() && x.is_finite() {
            return Err("math range error".into());
        }
        let c = match coefficient {
            PyValue::Int(s) => s
                .parse::<f64>()
                .map_err(|_| "coefficient is not a number")?,
            PyValue::Float(f) => *f,
            PyValue::Bool(b) => f64::from(u8::from(*b)),
            _ => return Err("coefficient is not a number".into()),
        };
        sum += c * power;
    }
    Ok(sum)
}

impl Out {
    /// A short Python-like rendering for failure reports.
    pub fn to_python(&self) -> String {
        let mut text = String::new();
        self.write_python(&mut text);
        if text.len() > 500 {
            let mut cut = 500;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("...");
        }
        text
    }

    fn write_python(&self, out: &mut String) {
        let join = |items: &[Out], out: &mut String| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                item.write_python(out);
                if out.len() > 600 {
                    out.push_str("...");
                    break;
                }
            }
        };
        match self {
            Out::None => out.push_str("None"),
            Out::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Out::Int(i) => out.push_str(i),
            Out::Float(f) => out.push_str(&pyvalue::PyValue::Float(*f).to_python()),
            Out::Str(s) => out.push_str(&pyvalue::PyValue::Str(s.clone()).to_python()),
            Out::List(items) => {
                out.push('[');
                join(items, out);
                out.push(']');
            }
            Out::Tuple(items) => {
                out.push('(');
                join(items, out);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Out::Set(items) | Out::FrozenSet(items) => {
                out.push('{');
                join(items, out);
                out.push('}');
            }
            Out::Dict(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_python(out);
                    out.push_str(": ");
                    v.write_python(out);
                }
                out.push('}');
            }
            Out::Complex(re, im) => out.push_str(&format!("({re}{im:+}j)")),
            Out::Sub(name, base) => {
                out.push_str(name);
                out.push('(');
                base.write_python(out);
                out.push(')');
            }
            Out::Opaque(_, repr) => out.push_str(repr),
            Out::Ratio(n, d) => out.push_str(&format!("{n}/{d}")),
            Out::Single(element) => {
                out.push('[');
                element.write_python(out);
                out.push(']');
            }
            Out::BigInt(hex) => out.push_str(&format!("<int {hex}>")),
            Out::Digest(digest, len) => out.push_str(&format!(
                "<large value, {len} bytes encoded, sha256 {digest}>"
            )),
            Out::Numbers(values, ints) => {
                let shown = values.len().min(20);
                let head = Out::number_items(
                    &values[..shown],
                    &ints
                        .iter()
                        .copied()
                        .filter(|&i| i < shown)
                        .collect::<Vec<_>>(),
                );
                out.push('[');
                join(&head, out);
                if values.len() > shown {
                    out.push_str(&format!(", ... ({} numbers)", values.len()));
                }
                out.push(']');
            }
        }
    }
}

impl Out {
    /// The worker's encoding of this value (see [`decode`]), as JSON text.
    pub fn to_json_text(&self) -> String {
        let mut text = String::new();
        self.write_json(&mut text);
        text
    }

    fn write_json(&self, out: &mut String) {
        let list = |tag: Option<&str>, items: &[Out], out: &mut String| {
            if let Some(tag) = tag {
                out.push_str(&format!("{{\"{tag}\": "));
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                item.write_json(out);
            }
            out.push(']');
            if tag.is_some() {
                out.push('}');
            }
        };
        match self {
            Out::None => out.push_str("null"),
            Out::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Out::Int(i) => out.push_str(i),
            Out::Float(f) => out.push_str(&json_float(*f)),
            Out::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Out::List(items)
                if items.len() >= PACK_NUMBERS_FROM && items.iter().all(is_packable) =>
            {
                let mut bytes = Vec::with_capacity(items.len() * 8);
                let mut ints = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    let value = match item {
                        Out::Float(f) => *f,
                        Out::Int(i) => {
                            ints.push(index.to_string());
                            i.parse::<f64>().unwrap_or(f64::NAN)
                        }
                        _ => f64::NAN,
                    };
                    bytes.extend_from_slice(&value.to_le_bytes());
                }
                let packed = base64::engine::general_purpose::STANDARD.encode(bytes);
                out.push_str(&format!(
                    "{{\"$nl\": [\"{packed}\", [{}]]}}",
                    ints.join(", ")
                ));
            }
            Out::List(items) => list(None, items, out),
            Out::Tuple(items) => list(Some("$t"), items, out),
            Out::Set(items) => list(Some("$set"), items, out),
            Out::FrozenSet(items) => list(Some("$fs"), items, out),
            Out::Dict(pairs) => {
                out.push_str("{\"$d\": [");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push('[');
                    k.write_json(out);
                    out.push_str(", ");
                    v.write_json(out);
                    out.push(']');
                }
                out.push_str("]}");
            }
            Out::Complex(re, im) => out.push_str(&format!(
                "{{\"$c\": [{}, {}]}}",
                json_float(*re),
                json_float(*im)
            )),
            Out::Sub(name, base) => {
                out.push_str(&format!(
                    "{{\"$sub\": [{}, ",
                    serde_json::to_string(name).unwrap_or_default()
                ));
                base.write_json(out);
                out.push_str("]}");
            }
            Out::Opaque(name, repr) => out.push_str(&format!(
                "{{\"$o\": [{}, {}]}}",
                serde_json::to_string(name).unwrap_or_default(),
                serde_json::to_string(repr).unwrap_or_default()
            )),
            Out::BigInt(hex) => out.push_str(&format!("{{\"$hex\": \"{hex}\"}}")),
            Out::Ratio(n, d) => out.push_str(&format!("{{\"$q\": [{n}, {d}]}}")),
            Out::Single(element) => {
                out.push_str("{\"$a1\": ");
                element.write_json(out);
                out.push('}');
            }
            Out::Digest(digest, len) => {
                out.push_str(&format!("{{\"$sha256\": [\"{digest}\", {len}]}}"))
            }
            Out::Numbers(values, ints) => {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                let packed = base64::engine::general_purpose::STANDARD.encode(bytes);
                let ints: Vec<String> = ints.iter().map(usize::to_string).collect();
                out.push_str(&format!(
                    "{{\"$nl\": [\"{packed}\", [{}]]}}",
                    ints.join(", ")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(text: &str) -> Out {
        parse_out(text).unwrap()
    }

    #[test]
    fn python_equality_across_numeric_types() {
        assert!(py_eq(&out("1"), &out("1.0")));
        assert!(py_eq(&out("true"), &out("1")));
        assert!(py_eq(&out("100000000000000000000"), &out("1e20")));
        assert!(!py_eq(&out("100000000000000000001"), &out("1e20")));
        assert!(!py_eq(&out("NaN"), &out("NaN")));
        assert!(py_eq(&out("0"), &out("-0.0")));
    }

    #[test]
    fn containers_keep_their_types() {
        assert!(!py_eq(&out("[1, 2]"), &out(r#"{"$t": [1, 2]}"#)));
        assert!(py_eq(
            &out(r#"{"$set": [1, 2]}"#),
            &out(r#"{"$fs": [2, 1]}"#)
        ));
        assert!(py_eq(
            &out(r#"{"$d": [["a", 1], ["b", 2]]}"#),
            &out(r#"{"$d": [["b", 2], ["a", 1.0]]}"#)
        ));
        assert!(!py_eq(
            &out(r#"{"$o": ["x.Always", "<x>"]}"#),
            &out(r#"{"$o": ["x.Always", "<x>"]}"#)
        ));
    }

    #[test]
    fn float_outputs_get_a_sticky_tolerance() {
        let mut c = Comparator::new(0.0, None);
        assert!(
            c.check(&[], &out("0.30000000000000004"), &out("0.3"))
                .is_ok()
        );
        // atol stays 1e-6 for later inputs, even for non-float expectations.
        assert!(c.check(&[], &out("[1.0000001, 2]"), &out("[1, 2]")).is_ok());
        let mut fresh = Comparator::new(0.0, None);
        assert!(
            fresh
                .check(&[], &out("[1.0000001, 2]"), &out("[1, 2]"))
                .is_err()
        );
    }

    #[test]
    fn tolerance_requires_the_same_type() {
        let mut c = Comparator::new(1e-6, None);
        assert!(
            c.check(&[], &out(r#"{"$t": [1.0]}"#), &out("[1.0000001]"))
                .is_err()
        );
        assert!(
            c.check(
                &[],
                &out(r#"{"$sub": ["numpy.float64", 1.0000001]}"#),
                &out("1.0")
            )
            .is_err()
        );
        assert!(
            c.check(
                &[],
                &out(r#"{"$sub": ["numpy.float64", 1.0]}"#),
                &out("1.0")
            )
            .is_ok()
        );
    }

    #[test]
    fn fractions_and_decimals_equal_what_python_says_they_equal() {
        let fraction = |n: &str, d: &str| {
            Out::Sub(
                "fractions.Fraction".into(),
                Box::new(Out::Ratio(n.into(), d.into())),
            )
        };
        // Fraction(1, 2) == 0.5; Fraction(-3, 8) == -0.375
        assert!(py_eq(&fraction("1", "2"), &out("0.5")));
        assert!(py_eq(&out("-0.375"), &fraction("-3", "8")));
        // Fraction(1, 10) != 0.1, Fraction(1, 3) != 1/3
        assert!(!py_eq(&fraction("1", "10"), &out("0.1")));
        assert!(!py_eq(&fraction("1", "3"), &out("0.3333333333333333")));
        assert!(!py_eq(&fraction("1", "2"), &out("1")));
        assert!(py_eq(&fraction("1", "2"), &fraction("1", "2")));
        assert!(py_eq(&fraction("1", "2"), &out(r#"{"$c": [0.5, 0.0]}"#)));
        // 0.1 == 3602879701896397 / 2**55, exactly
        assert!(py_eq(
            &fraction("3602879701896397", "36028797018963968"),
            &out("0.1")
        ));
        // The smallest subnormal, 2**-1074.
        assert!(py_eq(
            &fraction("1", &power_of_two_text(1074)),
            &Out::Float(f64::from_bits(1))
        ));
        // Decimal(3) == 3 == 3.0; Decimal('Infinity') == inf; the type differs.
        let decimal = out(r#"{"$sub": ["decimal.Decimal", 3]}"#);
        assert!(py_eq(&decimal, &out("3.0")));
        assert!(py_eq(
            &out(r#"{"$sub": ["decimal.Decimal", Infinity]}"#),
            &out("Infinity")
        ));
        let mut c = Comparator::new(0.0, None);
        assert!(
            c.check(&[], &fraction("1", "3"), &out("0.3333333"))
                .is_err()
        );
        assert!(c.check(&[], &decimal, &out("3.0")).is_ok());
        let text = fraction("7", "4").to_json_text();
        assert_eq!(parse_out(&text).unwrap(), fraction("7", "4"));
    }

    #[test]
    fn a_numpy_array_has_the_truth_of_its_only_element() {
        let single = out(r#"{"$sub": ["numpy.ndarray", {"$a1": 5}]}"#);
        assert!(py_eq(&single, &out("5")));
        assert!(py_eq(&single, &out("[5.0]")));
        assert!(py_eq(&single, &out(r#"{"$t": [[5]]}"#)));
        assert!(!py_eq(&single, &out("[5, 5]")));
        assert!(!py_eq(&single, &out("[]")));
        assert!(!py_eq(&single, &out("6")));
        assert!(!py_eq(&single, &out("null")));
        // In a tuple, each element's `==` is taken for its truth too.
        assert!(py_eq(
            &out(r#"{"$t": [{"$sub": ["numpy.ndarray", {"$a1": 2}]}, 3]}"#),
            &out(r#"{"$t": [2, 3]}"#)
        ));
        let text = single.to_json_text();
        assert_eq!(parse_out(&text).unwrap(), single);
    }

    #[test]
    fn packed_number_lists_compare_like_lists() {
        let numbers = |values: &[f64], ints: Vec<usize>| Out::Numbers(values.to_vec(), ints);
        let packed = numbers(&[1.0, 2.5, 3.0], vec![0]);
        assert!(py_eq(&packed, &out("[1, 2.5, 3.0]")));
        assert!(py_eq(&packed, &numbers(&[1.0, 2.5, 3.0], vec![])));
        assert!(!py_eq(&packed, &out("[1, 2.5]")));
        assert!(!py_eq(
            &numbers(&[f64::NAN], vec![]),
            &numbers(&[f64::NAN], vec![])
        ));
        let mut c = Comparator::new(0.0, None);
        assert!(
            c.check(
                &[],
                &numbers(&[0.1 + 0.2, 1.0], vec![]),
                &numbers(&[0.3, 1.0], vec![])
            )
            .is_ok()
        );
        let text = packed.to_json_text();
        assert_eq!(parse_out(&text).unwrap(), packed);
    }

    #[test]
    fn special_oracles() {
        let inp = |t: &str| match pyvalue::parse_json(t).unwrap() {
            PyValue::List(v) => v,
            _ => unreachable!(),
        };
        let mut set_eq = Comparator::new(0.0, Some(SpecialOracle::SetEq));
        assert!(set_eq.check(&[], &out("[3, 1, 1]"), &out("[1, 3]")).is_ok());
        let mut zero = Comparator::new(1e-6, Some(SpecialOracle::FindZero));
        assert!(
            zero.check(&inp("[[-6, 11, -6, 1]]"), &out("1.0"), &out("2.0"))
                .is_ok()
        );
        assert!(
            zero.check(&inp("[[-6, 11, -6, 1]]"), &out("1.5"), &out("1.0"))
                .is_err()
        );
        let mut digits = Comparator::new(0.0, Some(SpecialOracle::DigitDistance));
        assert!(
            digits
                .check(&inp("[123, 256]"), &out("7"), &out("0"))
                .is_ok()
        );
        let mut not_none = Comparator::new(0.0, Some(SpecialOracle::NotNone));
        assert!(
            not_none
                .check(&[], &out(r#""match""#), &out("true"))
                .is_ok()
        );
        assert!(not_none.check(&[], &out("null"), &out("true")).is_err());
    }
}
