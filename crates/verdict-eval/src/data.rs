//! Official benchmark files: where they come from, where verdict finds them, and
//! `verdict data fetch NAME`, which downloads one into the cache and checks its SHA-256.
//!
//! A problems file is looked for, in order, in the data directory given by `--data-dir`
//! or `$VERDICT_DATA_DIR` (a local mirror laid out as each benchmark's [`DataFile::path`] says:
//! `humaneval/HumanEval.jsonl.gz`, `mbpp/mbpp.jsonl`, …), then in the cache,
//! `$XDG_CACHE_HOME/verdict/data` or `~/.cache/verdict/data`, with the same layout.
//!
//! The checksum is of the file as stored. The MBPP+ v0.1.0 release asset is gzipped, but
//! EvalPlus (and this cache) keep it decompressed as `MbppPlus-v0.1.0.jsonl`, so its entry
//! is decompressed while downloading and the checksum is of the decompressed bytes. The
//! others are stored exactly as downloaded.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::dataset::Benchmark;

/// The environment variable naming a local data directory.
pub const DATA_DIR_ENV: &str = "VERDICT_DATA_DIR";

/// Downloads larger than this are refused (the largest official file is about 3 MB).
const MAX_DOWNLOAD_BYTES: u64 = 256 << 20;

pub use crate::benchmarks::DataFile;

impl DataFile {
    /// Where the file sits inside a data or cache directory.
    pub fn rel_path(&self) -> &'static str {
        self.path
    }

    /// The last segment of the URL (what a mirror serves under its base URL).
    pub fn asset_name(&self) -> &'static str {
        self.url.rsplit('/').next().unwrap_or(self.url)
    }

    /// The download URL, or `base/asset` when a mirror base URL is given.
    pub fn url_from(&self, base: Option<&str>) -> String {
        match base {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), self.asset_name()),
            None => self.url.to_string(),
        }
    }
}

/// Every official file, with its benchmark (the registry's, in display order).
pub fn files() -> impl Iterator<Item = (Benchmark, &'static DataFile)> {
    Benchmark::all().filter_map(|b| Some((b, b.data_file()?)))
}

/// Why a data file could not be found or fetched.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Neither `$XDG_CACHE_HOME` nor `$HOME` is set.
    #[error("no cache directory: set XDG_CACHE_HOME or HOME, or pass --data-dir")]
    NoCacheDir,
    /// The benchmark has no official file (its problems come from the user).
    #[error("{benchmark} has no official data file: give its problems file with --problems")]
    NoOfficialFile {
        /// The benchmark.
        benchmark: Benchmark,
    },
    /// The file is in none of the places looked at.
    #[error("no {benchmark} problems file: looked for {}; run `verdict data fetch {benchmark}` or pass --data-dir", .searched.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(" and "))]
    NotFound {
        /// The benchmark.
        benchmark: Benchmark,
        /// Every path looked at, in order.
        searched: Vec<PathBuf>,
    },
    /// The download failed (no network, refused connection, HTTP error…).
    #[error("downloading `{url}`: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The downloaded bytes are not the official file.
    #[error(
        "checksum mismatch for `{url}`: expected sha256 {expected}, got {actual}; the file was not kept"
    )]
    Checksum {
        /// The URL.
        url: String,
        /// The official checksum.
        expected: String,
        /// The checksum of what was received.
        actual: String,
    },
    /// A local file operation failed.
    #[error("{action} `{path}`")]
    Io {
        /// What was being done (`creating cache directory`, `writing`, …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// The cache directory for data files: `$XDG_CACHE_HOME/verdict/data`, else
/// `$HOME/.cache/verdict/data`.
pub fn default_cache_dir() -> Result<PathBuf, DataError> {
    let nonempty = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = nonempty("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| nonempty("HOME").map(|h| h.join(".cache")))
        .ok_or(DataError::NoCacheDir)?;
    Ok(base.join("verdict").join("data"))
}

/// Finds the problems file of `benchmark`: in `data_dir` (the `--data-dir` flag), else in
/// `$VERDICT_DATA_DIR`, else in the cache (see the module docs).
pub fn resolve(benchmark: Benchmark, data_dir: Option<&Path>) -> Result<PathBuf, DataError> {
    let env_dir = std::env::var_os(DATA_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let data_dir = data_dir.map(Path::to_path_buf).or(env_dir);
    let cache = default_cache_dir().ok();
    resolve_in(benchmark, data_dir.as_deref(), cache.as_deref())
}

/// [`resolve`] with the directories given explicitly.
pub fn resolve_in(
    benchmark: Benchmark,
    data_dir: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<PathBuf, DataError> {
    let rel = benchmark.data_path();
    let searched: Vec<PathBuf> = [data_dir, cache_dir]
        .into_iter()
        .flatten()
        .map(|d| d.join(&rel))
        .collect();
    if searched.is_empty() {
        return Err(DataError::NoCacheDir);
    }
    match searched.iter().find(|p| p.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(DataError::NotFound {
            benchmark,
            searched,
        }),
    }
}

/// SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What [`Fetcher::fetch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The cache already held the file with the right checksum.
    AlreadyPresent(PathBuf),
    /// The file was downloaded, checked and stored here.
    Downloaded(PathBuf),
}

/// Downloads official files into a cache directory.
#[derive(Debug, Clone)]
pub struct Fetcher {
    cache_dir: PathBuf,
    base_url: Option<String>,
    timeout: Duration,
}

impl Fetcher {
    /// A fetcher storing into `cache_dir` (see [`default_cache_dir`]).
    pub fn new(cache_dir: &Path) -> Fetcher {
        Fetcher {
            cache_dir: cache_dir.to_path_buf(),
            base_url: None,
            timeout: Duration::from_secs(60),
        }
    }

    /// Downloads `base/<asset name>` instead of the official URL (a mirror, or a test
    /// server).
    pub fn base_url(mut self, base: &str) -> Fetcher {
        self.base_url = Some(base.to_string());
        self
    }

    /// Connect and read timeout.
    pub fn timeout(mut self, timeout: Duration) -> Fetcher {
        self.timeout = timeout;
        self
    }

    /// Makes sure the cache holds `benchmark`'s official file, downloading it if it is
    /// absent or its checksum is wrong. The download goes to a temporary file beside the
    /// target and is renamed into place only once its checksum matches.
    pub fn fetch(&self, benchmark: Benchmark) -> Result<Fetched, DataError> {
        let file = benchmark
            .data_file()
            .ok_or(DataError::NoOfficialFile { benchmark })?;
        let target = self.cache_dir.join(file.rel_path());
        if sha256_file(&target).is_ok_and(|sum| sum == file.sha256) {
            return Ok(Fetched::AlreadyPresent(target));
        }
        let dir = target.parent().unwrap_or(&self.cache_dir);
        let io_err = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| DataError::Io {
                action,
                path,
                source,
            }
        };
        std::fs::create_dir_all(dir).map_err(io_err("creating cache directory", dir))?;
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .map_err(io_err("creating a temporary file in", dir))?;

        let url = file.url_from(self.base_url.as_deref());
        let download_err = |message: String| DataError::Download {
            url: url.clone(),
            message,
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(self.timeout)
            .timeout_read(self.timeout)
            .build();
        let response = agent.get(&url).call().map_err(|e| match e {
            ureq::Error::Status(code, r) => {
                download_err(format!("http status {code} {}", r.status_text()))
            }
            ureq::Error::Transport(t) => download_err(format!("{t} (is the network reachable?)")),
        })?;
        let body = response.into_reader().take(MAX_DOWNLOAD_BYTES + 1);
        let mut body: Box<dyn Read> = if file.gunzip {
            Box::new(flate2::read::GzDecoder::new(body))
        } else {
            Box::new(body)
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut total = 0u64;
        loop {
            let n = body
                .read(&mut buf)
                .map_err(|e| download_err(e.to_string()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_DOWNLOAD_BYTES {
                return Err(download_err(format!(
                    "larger than {MAX_DOWNLOAD_BYTES} bytes"
                )));
            }
            hasher.update(&buf[..n]);
            temp.write_all(&buf[..n])
                .map_err(io_err("writing", temp.path()))?;
        }
        let actual = hex(&hasher.finalize());
        if actual != file.sha256 {
            return Err(DataError::Checksum {
                url,
                expected: file.sha256.to_string(),
                actual,
            });
        }
        temp.as_file()
            .sync_all()
            .map_err(io_err("writing", temp.path()))?;
        temp.persist(&target).map_err(|e| DataError::Io {
            action: "storing",
            path: target.clone(),
            source: e.error,
        })?;
        Ok(Fetched::Downloaded(target))
    }
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
