//! Keeping the head and tail of a stream of unbounded length in bounded
//! memory.

/// The first and last bytes of a stream, and how much was seen in all.
#[derive(Debug)]
pub struct Capture {
    head: Vec<u8>,
    tail: Vec<u8>,
    tail_start: usize,
    half: usize,
    total: u64,
}

/// The marker put between head and tail when output was cut.
pub const CUT_MARKER: &str = "\n[... output cut by verdict ...]\n";

impl Capture {
    /// A capture keeping `keep` bytes: half from the start, half from the end.
    pub fn new(keep: usize) -> Capture {
        let half = (keep / 2).max(1);
        Capture {
            head: Vec::new(),
            tail: Vec::new(),
            tail_start: 0,
            half,
            total: 0,
        }
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        let room = self.half.saturating_sub(self.head.len());
        let take = room.min(data.len());
        self.head.extend_from_slice(&data[..take]);
        data = &data[take..];
        if data.len() >= self.half {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - self.half..]);
            self.tail_start = 0;
            return;
        }
        for &byte in data {
            if self.tail.len() < self.half {
                self.tail.push(byte);
            } else {
                self.tail[self.tail_start] = byte;
                self.tail_start = (self.tail_start + 1) % self.half;
            }
        }
    }

    /// Bytes seen in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The kept text (lossy UTF-8) and whether anything was cut.
    pub fn finish(self) -> (String, bool) {
        let kept = (self.head.len() + self.tail.len()) as u64;
        let mut bytes = self.head;
        let cut = self.total > kept;
        if cut {
            bytes.extend_from_slice(CUT_MARKER.as_bytes());
        }
        bytes.extend_from_slice(&self.tail[self.tail_start..]);
        bytes.extend_from_slice(&self.tail[..self.tail_start]);
        (String::from_utf8_lossy(&bytes).into_owned(), cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut c = Capture::new(10);
        c.push(b"hello");
        c.push(b"!");
        assert_eq!(c.finish(), ("hello!".to_string(), false));
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let mut c = Capture::new(8);
        for chunk in [&b"abc"[..], b"defgh", b"ijklmnop", b"qrs", b"tuvwxyz"] {
            c.push(chunk);
        }
        let (text, cut) = c.finish();
        assert!(cut);
        assert_eq!(text, format!("abcd{CUT_MARKER}wxyz"));
    }

    #[test]
    fn byte_at_a_time_matches_one_push() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut a = Capture::new(64);
        let mut b = Capture::new(64);
        a.push(&data);
        for byte in &data {
            b.push(std::slice::from_ref(byte));
        }
        assert_eq!(a.finish(), b.finish());
    }
}
