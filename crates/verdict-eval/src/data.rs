//! Official benchmark files: where they come from, where verdict finds them, and
//! `verdict data fetch NAME`, which downloads one into the cache and checks its SHA-256.
//!
//! A problems file is looked for, in order, in the data directory given by `--data-dir`
//! or `$VERDICT_DATA_DIR` (a local mirror laid out as [`Benchmark::data_path`] says:
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

use verdict_exec::Language;

use crate::dataset::Benchmark;

/// The environment variable naming a local data directory.
pub const DATA_DIR_ENV: &str = "VERDICT_DATA_DIR";

/// Downloads larger than this are refused (the largest official file is about 3 MB).
const MAX_DOWNLOAD_BYTES: u64 = 256 << 20;

/// One official problems file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFile {
    /// The benchmark it holds.
    pub benchmark: Benchmark,
    /// Where it is published.
    pub url: &'static str,
    /// SHA-256 (lowercase hex) of the file as stored (decompressed if [`DataFile::gunzip`]).
    pub sha256: &'static str,
    /// Whether the download is gzip to be decompressed before storing.
    pub gunzip: bool,
}

impl DataFile {
    /// Where the file sits inside a data or cache directory.
    pub fn rel_path(&self) -> &'static str {
        self.benchmark.data_path()
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

/// The official files, one per benchmark (checksums as listed in the shared data's
/// SOURCES.md). MultiPL-E's HumanEval files come from DeepSeek-Coder's
/// pinned copy of MultiPL-E's rows (byte-identical to Qwen2.5-Coder's).
pub const FILES: [DataFile; 14] = [
    DataFile {
        benchmark: Benchmark::HumanEval,
        url: "https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
        sha256: "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::Mbpp,
        url: "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl",
        sha256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::HumanEvalPlus,
        url: "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
        sha256: "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MbppPlus,
        url: "https://github.com/evalplus/mbppplus_release/releases/download/v0.1.0/MbppPlus.jsonl.gz",
        sha256: "a855b9de667baea8e2f8aa61f898767a7336872208a85222b35622545e819fe9",
        gunzip: true,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Cpp),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-cpp.jsonl",
        sha256: "8717eabdf202137158c84506144b0fb1e73d5ecccbe5363ec79009ca014df629",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Java),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-java.jsonl",
        sha256: "b21b015763452ec4f9f4e0e6425148ec331ace4da1232c8b4d441186185f6265",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::JavaScript),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-js.jsonl",
        sha256: "634e2eee8d6e22de07c121b972207683dd96be76256bf44bdfc1a3386b739287",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::TypeScript),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-ts.jsonl",
        sha256: "4b1af1050c9f226335d54a8c80553c39454a525cace3e67bdcfcc9092ba02637",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Rust),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-rs.jsonl",
        sha256: "e33f562838e973b7e6b8d76dbc1fb84b076d7426629b4cdc624f12678778d2fa",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Go),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-go.jsonl",
        sha256: "7f5dfe3ff001049b1221e9d21a8119b5cbc38eb87c97fefc5d57fa7adc1df888",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Bash),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-sh.jsonl",
        sha256: "2f702106e9ce4aa7385de568d9248d6c57c90382d782b162cb9e072fbd01ccf8",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Ruby),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-rb.jsonl",
        sha256: "4204395b835019e32d55513325a0fad01c6d382fd1eb97b516f0458d00058302",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Php),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-php.jsonl",
        sha256: "bebd86875b1d8e65a8b7e692ed7bdf64612b44aa388825ea4dab40c7047c786b",
        gunzip: false,
    },
    DataFile {
        benchmark: Benchmark::MultiplE(Language::Perl),
        url: "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-pl.jsonl",
        sha256: "949048bff3eaea7ae47cd5759042c088a7c227d53c74fe95a80728fd5aefbf77",
        gunzip: false,
    },
];

/// The official file of `benchmark`.
pub fn data_file(benchmark: Benchmark) -> &'static DataFile {
    FILES
        .iter()
        .find(|f| f.benchmark == benchmark)
        .expect("every benchmark has a data file")
}

/// Why a data file could not be found or fetched.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Neither `$XDG_CACHE_HOME` nor `$HOME` is set.
    #[error("no cache directory: set XDG_CACHE_HOME or HOME, or pass --data-dir")]
    NoCacheDir,
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
        .map(|d| d.join(rel))
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
        let file = data_file(benchmark);
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
