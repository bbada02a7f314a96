//! JSON values in Python's `marshal` format, for handing a job to the
//! process that runs it.
//!
//! The job's process is a fork of the warm worker; every Python-level call it
//! makes before the job's code writes to pages it shares with the worker,
//! each copied on first write. `marshal.loads` is one C call building the
//! objects directly, about half the page faults and a third of the time of
//! `json.loads` on the same job. Only the type codes every Python 3 reads are
//! written (no references, no short forms), so the bytes load on any
//! version.

use serde_json::Value;

const NONE: u8 = b'N';
const FALSE: u8 = b'F';
const TRUE: u8 = b'T';
const INT: u8 = b'i';
const LONG: u8 = b'l';
const BINARY_FLOAT: u8 = b'g';
const UNICODE: u8 = b'u';
const LIST: u8 = b'[';
const DICT: u8 = b'{';
const DICT_END: u8 = b'0';

/// Appends `value` to `out` in marshal format.
pub fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(NONE),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(number) => {
            if let Some(n) = number.as_i64() {
                write_int(i128::from(n), out);
            } else if let Some(n) = number.as_u64() {
                write_int(i128::from(n), out);
            } else {
                out.push(BINARY_FLOAT);
                out.extend_from_slice(&number.as_f64().unwrap_or(f64::NAN).to_le_bytes());
            }
        }
        Value::String(text) => write_str(text, out),
        Value::Array(items) => {
            out.push(LIST);
            write_len(items.len(), out);
            for item in items {
                write(item, out);
            }
        }
        Value::Object(map) => {
            out.push(DICT);
            for (key, item) in map {
                write_str(key, out);
                write(item, out);
            }
            out.push(DICT_END);
        }
    }
}

fn write_len(len: usize, out: &mut Vec<u8>) {
    // marshal sizes are signed 32-bit; jobs are far below 2 GiB.
    out.extend_from_slice(&(len.min(i32::MAX as usize) as i32).to_le_bytes());
}

fn write_str(text: &str, out: &mut Vec<u8>) {
    out.push(UNICODE);
    write_len(text.len(), out);
    out.extend_from_slice(text.as_bytes());
}

/// An integer: 32-bit where it fits, else marshal's long form (a signed count
/// of 15-bit digits, least significant first, each in 16 bits).
fn write_int(n: i128, out: &mut Vec<u8>) {
    if let Ok(small) = i32::try_from(n) {
        out.push(INT);
        out.extend_from_slice(&small.to_le_bytes());
        return;
    }
    let mut magnitude = n.unsigned_abs();
    let mut digits = Vec::new();
    while magnitude > 0 {
        digits.push((magnitude & 0x7fff) as u16);
        magnitude >>= 15;
    }
    out.push(LONG);
    let count = digits.len() as i32;
    out.extend_from_slice(&(if n < 0 { -count } else { count }).to_le_bytes());
    for digit in digits {
        out.extend_from_slice(&digit.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use serde_json::json;

    /// Loads `bytes` with the real Python's `marshal.loads` (the one the
    /// worker runs) and returns the result as JSON text.
    fn python_loads(bytes: &[u8]) -> String {
        let mut child = Command::new("/usr/bin/python3")
            .args([
                "-c",
                "import sys, marshal, json; print(json.dumps(marshal.loads(sys.stdin.buffer.read())))",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("running /usr/bin/python3");
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "python could not load the bytes");
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn python_loads_what_is_written() {
        let value = json!({
            "code": "print('héllo')\n\u{1F600}",
            "none": null,
            "flags": [true, false],
            "small": [0, 1, -1, 2147483647, -2147483648],
            "big": [2147483648u64, -2147483649i64, u64::MAX, i64::MIN, 1u64 << 45],
            "float": [0.5, -1.25e300, 3.0],
            "nested": {"empty": {}, "list": [[], [{"a": "b"}]]},
            "": "",
        });
        let mut bytes = Vec::new();
        super::write(&value, &mut bytes);
        let loaded: serde_json::Value = serde_json::from_str(&python_loads(&bytes)).unwrap();
        assert_eq!(loaded, value);
    }
}
