//! Just enough of Python's pickle format to read one pickled `str`, which is how
//! LiveCodeBench stores its private tests (`pickle.dumps(json.dumps(tests))`, compressed).
//!
//! Accepted opcodes: `PROTO`, `FRAME`, the string opcodes of every protocol
//! (`SHORT_BINUNICODE`, `BINUNICODE`, `BINUNICODE8`, and protocol 0's `UNICODE`), the
//! memo stores that follow them (`MEMOIZE`, `BINPUT`, `LONG_BINPUT`, `PUT`), and `STOP`.
//! Anything else is an error: nothing here ever builds an object other than a string.

/// Why a pickle could not be read as one string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickleError {
    /// An opcode outside the supported subset.
    #[error(
        "unsupported pickle opcode 0x{opcode:02x} at byte {offset} (only a pickled str is supported)"
    )]
    Unsupported {
        /// The opcode.
        opcode: u8,
        /// Its offset.
        offset: usize,
    },
    /// The data ended early.
    #[error("pickle truncated at byte {0}")]
    Truncated(usize),
    /// A string is not valid UTF-8.
    #[error("pickled string at byte {0} is not valid utf-8")]
    Utf8(usize),
    /// The pickle holds no string, or more than one.
    #[error("pickle does not hold exactly one str")]
    NotOneString,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or(PickleError::Truncated(self.data.len()))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn len(&mut self, width: usize) -> Result<usize, PickleError> {
        let mut le = [0u8; 8];
        le[..width].copy_from_slice(self.take(width)?);
        usize::try_from(u64::from_le_bytes(le)).map_err(|_| PickleError::Truncated(self.pos))
    }

    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.data[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleError::Truncated(self.data.len()))?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }
}

/// Reads a pickle holding one `str` and returns the string.
pub fn unpickle_str(data: &[u8]) -> Result<String, PickleError> {
    let mut r = Reader { data, pos: 0 };
    let mut value: Option<String> = None;
    loop {
        let offset = r.pos;
        let opcode = r.take(1)?[0];
        let text = match opcode {
            b'.' => break,
            0x80 => {
                r.take(1)?;
                continue;
            }
            0x95 => {
                r.len(8)?;
                continue;
            }
            0x94 => continue,
            b'q' => {
                r.take(1)?;
                continue;
            }
            b'r' => {
                r.take(4)?;
                continue;
            }
            b'p' => {
                r.line()?;
                continue;
            }
            0x8c => {
                let n = r.len(1)?;
                utf8(r.take(n)?, offset)?
            }
            b'X' => {
                let n = r.len(4)?;
                utf8(r.take(n)?, offset)?
            }
            0x8d => {
                let n = r.len(8)?;
                utf8(r.take(n)?, offset)?
            }
            b'V' => raw_unicode_escape(r.line()?, offset)?,
            _ => return Err(PickleError::Unsupported { opcode, offset }),
        };
        if value.replace(text).is_some() {
            return Err(PickleError::NotOneString);
        }
    }
    value.ok_or(PickleError::NotOneString)
}

fn utf8(bytes: &[u8], offset: usize) -> Result<String, PickleError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| PickleError::Utf8(offset))
}

/// Decodes Python's `raw-unicode-escape`: bytes are Latin-1 except `\uXXXX` and
/// `\UXXXXXXXX`.
fn raw_unicode_escape(bytes: &[u8], offset: usize) -> Result<String, PickleError> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let width = match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            (b, _) => {
                out.push(char::from(b));
                i += 1;
                continue;
            }
        };
        let hex = bytes
            .get(i + 2..i + 2 + width)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            .ok_or(PickleError::Utf8(offset))?;
        out.push(hex);
        i += 2 + width;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_protocol() {
        // pickle.dumps("héllo\n☃", protocol=p) for p = 0, 2, 4, 5.
        let p0 = b"Vh\xe9llo\\u000a\\u2603\np0\n.";
        let p2 = b"\x80\x02X\x0a\x00\x00\x00h\xc3\xa9llo\n\xe2\x98\x83q\x00.";
        let p4 =
            b"\x80\x04\x95\x0e\x00\x00\x00\x00\x00\x00\x00\x8c\x0ah\xc3\xa9llo\n\xe2\x98\x83\x94.";
        for data in [&p0[..], &p2[..], &p4[..]] {
            assert_eq!(unpickle_str(data).unwrap(), "héllo\n☃", "{data:?}");
        }
        let long = [b"\x80\x05\x8d\x03\x00\x00\x00\x00\x00\x00\x00abc\x94.".as_slice()];
        assert_eq!(unpickle_str(long[0]).unwrap(), "abc");
    }

    #[test]
    fn rejects_everything_else() {
        // pickle.dumps([1]): EMPTY_LIST is not a string opcode.
        let list = b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00]\x94K\x01a.";
        assert_eq!(
            unpickle_str(list),
            Err(PickleError::Unsupported {
                opcode: b']',
                offset: 11
            })
        );
        assert_eq!(
            unpickle_str(b"\x80\x04\x8c\x05ab"),
            Err(PickleError::Truncated(6))
        );
        assert_eq!(unpickle_str(b"\x80\x04."), Err(PickleError::NotOneString));
        assert_eq!(
            unpickle_str(b"\x8c\x01a\x8c\x01b."),
            Err(PickleError::NotOneString)
        );
        assert_eq!(
            unpickle_str(b"X\x01\x00\x00\x00\xff."),
            Err(PickleError::Utf8(0))
        );
    }
}
