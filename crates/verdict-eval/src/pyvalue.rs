//! Python values for EvalPlus test inputs: parsed as Python's `json.loads` parses them,
//! and written back as Python source.
//!
//! EvalPlus files cannot go through `serde_json::Value` without loss: HumanEval+ and MBPP+
//! inputs hold integers far beyond 64 bits (thousands of them), one MBPP+ row holds bare
//! `Infinity` / `-Infinity` tokens (Mbpp/404), and after [`crate::mbpp_inputs`] the
//! inputs hold tuples, sets and complex numbers. [`PyValue`] keeps integers as their
//! decimal text and has those Python types.
//!
//! [`parse_json`] follows Python's `json.loads` (strict mode): `NaN`, `Infinity` and
//! `-Infinity` are accepted, numbers with a fraction or exponent are floats (correctly
//! rounded, overflowing to infinity like `float()`), other numbers are exact integers,
//! a repeated object key keeps its first position and last value. One difference: a
//! lone UTF-16 surrogate escape (`"\ud800"`) is an error here, since a Rust string
//! cannot hold it; no benchmark file has one.

use std::fmt::Write as _;

/// Nesting deeper than this is refused (Python's own limit is about 1000 frames).
const MAX_DEPTH: usize = 512;

/// A Python value as EvalPlus test inputs use them.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None` (JSON `null`).
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An exact integer, as decimal text with an optional leading `-`.
    Int(String),
    /// A float (JSON numbers with a fraction or exponent, `NaN`, `Infinity`).
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<PyValue>),
    /// A tuple (only produced by the MBPP+ input deserialization).
    Tuple(Vec<PyValue>),
    /// A set, in insertion order (only produced by the MBPP+ input deserialization).
    Set(Vec<PyValue>),
    /// A dict, in insertion order.
    Dict(Vec<(PyValue, PyValue)>),
    /// A complex number `(real, imag)` (only produced by the MBPP+ input deserialization).
    Complex(f64, f64),
}

/// Why a JSON text could not be read as Python's `json.loads` would read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct JsonError {
    /// Byte offset in the text where the problem was found.
    pub offset: usize,
    /// What was wrong, as a lowercase fragment.
    pub message: String,
}

impl PyValue {
    /// The value of `key` when `self` is a dict with string keys.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items
                .iter()
                .find(|(k, _)| matches!(k, PyValue::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string inside a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The numeric value of an `Int`, `Float` or `Bool` as `float()` would give it.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PyValue::Int(s) => s.parse().ok(),
            PyValue::Float(f) => Some(*f),
            PyValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    /// The elements of a `List` or `Tuple`.
    pub fn as_seq(&self) -> Option<&[PyValue]> {
        match self {
            PyValue::List(v) | PyValue::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            PyValue::None => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Str(_) => "str",
            PyValue::List(_) => "list",
            PyValue::Tuple(_) => "tuple",
            PyValue::Set(_) => "set",
            PyValue::Dict(_) => "dict",
            PyValue::Complex(..) => "complex",
        }
    }

    /// Python source text that evaluates to this value.
    ///
    /// Evaluate it with `eval(text, {"__builtins__": {}, "complex": complex,
    /// "float": float, "set": set})`: everything is a literal except `set()` (the empty
    /// set), `complex(re, im)` (exact, including signed zeros) and `float('nan')`.
    /// Infinities are written `1e999` / `-1e999`, which Python reads as infinite floats.
    pub fn to_python(&self) -> String {
        let mut out = String::new();
        self.write_python(&mut out);
        out
    }

    /// Appends [`PyValue::to_python`]'s text to `out`.
    pub fn write_python(&self, out: &mut String) {
        match self {
            PyValue::None => out.push_str("None"),
            PyValue::Bool(true) => out.push_str("True"),
            PyValue::Bool(false) => out.push_str("False"),
            PyValue::Int(s) => out.push_str(s),
            PyValue::Float(f) => write_float(*f, out),
            PyValue::Str(s) => write_str(s, out),
            PyValue::List(items) => write_items("[", items, "]", out),
            PyValue::Tuple(items) if items.len() == 1 => {
                out.push('(');
                items[0].write_python(out);
                out.push_str(",)");
            }
            PyValue::Tuple(items) => write_items("(", items, ")", out),
            PyValue::Set(items) if items.is_empty() => out.push_str("set()"),
            PyValue::Set(items) => write_items("{", items, "}", out),
            PyValue::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_python(out);
                    out.push_str(": ");
                    v.write_python(out);
                }
                out.push('}');
            }
            PyValue::Complex(re, im) => {
                out.push_str("complex(");
                write_float(*re, out);
                out.push_str(", ");
                write_float(*im, out);
                out.push(')');
            }
        }
    }
}

fn write_items(open: &str, items: &[PyValue], close: &str, out: &mut String) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_python(out);
    }
    out.push_str(close);
}

fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("float('nan')");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "1e999" } else { "-1e999" });
    } else {
        // Rust's `{:?}` is the shortest text that round-trips, always with a `.` or `e`,
        // so Python reads it back as the same float.
        let _ = write!(out, "{f:?}");
    }
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses one JSON text as Python's `json.loads` would (see the module docs).
pub fn parse_json(text: &str) -> Result<PyValue, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.err("extra data after the value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> JsonError {
        JsonError {
            offset: self.pos,
            message: message.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<PyValue, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match self.s.get(self.pos) {
            None => Err(self.err("expected a value, found the end")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(PyValue::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for (word, v) in [
                    ("null", PyValue::None),
                    ("true", PyValue::Bool(true)),
                    ("false", PyValue::Bool(false)),
                    ("NaN", PyValue::Float(f64::NAN)),
                    ("Infinity", PyValue::Float(f64::INFINITY)),
                ] {
                    if self.eat(word) {
                        return Ok(v);
                    }
                }
                Err(self.err("expected a value"))
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<PyValue, JsonError> {
        self.pos += 1;
        let mut items: Vec<(PyValue, PyValue)> = Vec::new();
        self.skip_ws();
        if self.eat("}") {
            return Ok(PyValue::Dict(items));
        }
        loop {
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = PyValue::Str(self.string()?);
            self.skip_ws();
            if !self.eat(":") {
                return Err(self.err("expected `:`"));
            }
            self.skip_ws();
            let value = self.value(depth + 1)?;
            match items.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => items.push((key, value)),
            }
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(PyValue::Dict(items));
            }
            return Err(self.err("expected `,` or `}`"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<PyValue, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat("]") {
            return Ok(PyValue::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                return Ok(PyValue::List(items));
            }
            return Err(self.err("expected `,` or `]`"));
        }
    }

    fn number(&mut self) -> Result<PyValue, JsonError> {
        let start = self.pos;
        if self.eat("-Infinity") {
            return Ok(PyValue::Float(f64::NEG_INFINITY));
        }
        self.eat("-");
        let digits = self.digits();
        if digits == 0 {
            return Err(self.err("expected digits"));
        }
        // JSON (and Python's scanner) reads "012" as 0 followed by extra data.
        if digits > 1 && self.s[self.pos - digits] == b'0' {
            self.pos = self.pos - digits + 1;
        }
        let mut is_float = false;
        if self.s.get(self.pos) == Some(&b'.')
            && self.s.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.s.get(self.pos) {
            let save = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.s.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = save;
            } else {
                is_float = true;
            }
        }
        let text = &self.text[start..self.pos];
        if is_float {
            text.parse::<f64>()
                .map(PyValue::Float)
                .map_err(|_| self.err("bad float"))
        } else {
            Ok(PyValue::Int(text.to_string()))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(u32::from_str_radix(hex, 16).expect("checked hex digits"))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Outputs carry strings of megabytes (packed numbers, long
            // text): find the run's end with memchr, then check it for
            // control characters in one pass the compiler vectorizes.
            let rest = &self.s[self.pos..];
            let run = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
            let controls = rest[..run]
                .iter()
                .fold(0u8, |any, &b| any | u8::from(b < 0x20));
            let run = match controls {
                0 => run,
                _ => rest.iter().position(|&b| b < 0x20).unwrap_or(run),
            };
            out.push_str(&self.text[self.pos..self.pos + run]);
            self.pos += run;
            match self.s.get(self.pos) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(&b) = self.s.get(self.pos) else {
            return Err(self.err("unterminated string"));
        };
        self.pos += 1;
        let ch = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&hi) && self.eat("\\u") {
                    let lo = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&lo) {
                        return Err(self.err("lone utf-16 surrogate"));
                    }
                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or_else(|| self.err("lone utf-16 surrogate"))?
            }
            _ => return Err(self.err("invalid escape")),
        };
        out.push(ch);
        Ok(())
    }
}

impl PyValue {
    /// The value as JSON in the worker's input encoding: plain JSON for
    /// `None`, bools, ints, floats (`NaN`/`Infinity` as Python's `json`
    /// writes them), strings and lists; tagged objects for tuples (`$t`),
    /// sets (`$set`), dicts (`$d`, as `[key, value]` pairs) and complex
    /// numbers (`$c`). Python reads it back with `json.loads` and a hook.
    pub fn to_tagged_json(&self) -> String {
        let mut out = String::new();
        self.write_tagged_json(&mut out);
        out
    }

    fn write_tagged_json(&self, out: &mut String) {
        let seq = |tag: Option<&str>, items: &[PyValue], out: &mut String| {
            if let Some(tag) = tag {
                let _ = write!(out, "{{\"{tag}\":");
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                item.write_tagged_json(out);
            }
            out.push(']');
            if tag.is_some() {
                out.push('}');
            }
        };
        match self {
            PyValue::None => out.push_str("null"),
            PyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            PyValue::Int(i) => out.push_str(i),
            PyValue::Float(f) => out.push_str(&json_float(*f)),
            PyValue::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            PyValue::List(items) => seq(None, items, out),
            PyValue::Tuple(items) => seq(Some("$t"), items, out),
            PyValue::Set(items) => seq(Some("$set"), items, out),
            PyValue::Dict(pairs) => {
                out.push_str("{\"$d\":[");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    k.write_tagged_json(out);
                    out.push(',');
                    v.write_tagged_json(out);
                    out.push(']');
                }
                out.push_str("]}");
            }
            PyValue::Complex(re, im) => {
                let _ = write!(out, "{{\"$c\":[{},{}]}}", json_float(*re), json_float(*im));
            }
        }
    }
}

/// A float as JSON that Python's `json.loads` reads back exactly (and as a
/// float: always with a fraction or an exponent).
pub fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        let text = format!("{f:?}");
        if text.contains(['.', 'e', 'E']) {
            text
        } else {
            format!("{text}.0")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> PyValue {
        PyValue::Int(s.to_string())
    }

    #[test]
    fn parses_python_json_extensions() {
        let v = parse_json(
            r#"[[-Infinity, Infinity], NaN, 123456789012345678901234567890, -0, 1.5e3, 1e999]"#,
        )
        .unwrap();
        let PyValue::List(items) = v else { panic!() };
        assert_eq!(
            items[0],
            PyValue::List(vec![
                PyValue::Float(f64::NEG_INFINITY),
                PyValue::Float(f64::INFINITY)
            ])
        );
        assert!(matches!(items[1], PyValue::Float(f) if f.is_nan()));
        assert_eq!(items[2], int("123456789012345678901234567890"));
        assert_eq!(items[3], int("-0"));
        assert_eq!(items[4], PyValue::Float(1500.0));
        assert_eq!(items[5], PyValue::Float(f64::INFINITY));
    }

    #[test]
    fn strings_and_objects() {
        let v = parse_json(r#" {"a": "x\n\u00e9\ud83d\ude00\"", "b": [], "a": 2} "#).unwrap();
        assert_eq!(
            v,
            PyValue::Dict(vec![
                (PyValue::Str("a".into()), int("2")),
                (PyValue::Str("b".into()), PyValue::List(vec![])),
            ])
        );
        let s = parse_json(r#""x\n\u00e9\ud83d\ude00\"""#).unwrap();
        assert_eq!(s, PyValue::Str("x\né😀\"".into()));
        // Long runs between escapes, and a control character deep in one.
        let long = "ab".repeat(100_000);
        let text = format!("\"{long}\\\\{long}\\u00e9{long}\"");
        let want = format!("{long}\\{long}é{long}");
        assert_eq!(parse_json(&text).unwrap(), PyValue::Str(want));
        let bad = format!("\"{long}\\n{long}\u{1}{long}\"");
        let error = parse_json(&bad).unwrap_err();
        assert_eq!(error.message, "control character in string");
        assert_eq!(error.offset, 1 + 200_000 + 2 + 200_000);
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "",
            "[1,]",
            "{'a': 1}",
            "\"a\tb\"",
            "[1] x",
            "01",
            "\"\\ud800\"",
            "tru",
        ] {
            assert!(parse_json(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "[".repeat(600) + &"]".repeat(600);
        assert_eq!(parse_json(&deep).unwrap_err().message, "nesting too deep");
    }

    #[test]
    fn writes_python_source() {
        let v = PyValue::List(vec![
            PyValue::Tuple(vec![int("1")]),
            PyValue::Tuple(vec![]),
            PyValue::Set(vec![]),
            PyValue::Set(vec![PyValue::Str("a\"\\\u{0}".into())]),
            PyValue::Dict(vec![(PyValue::Str("k".into()), PyValue::None)]),
            PyValue::Complex(-0.0, -1.0),
            PyValue::Float(1e-7),
            PyValue::Float(f64::NEG_INFINITY),
            PyValue::Float(3.0),
            PyValue::Bool(true),
        ]);
        assert_eq!(
            v.to_python(),
            r#"[(1,), (), set(), {"a\"\\\x00"}, {"k": None}, complex(-0.0, -1.0), 1e-7, -1e999, 3.0, True]"#
        );
    }
}
