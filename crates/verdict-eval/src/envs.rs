//! Benchmark environments: pinned Python packages a benchmark's tasks
//! import (BigCodeBench's ~70 libraries), built once into a virtualenv of
//! the sandbox's interpreter and shown read-only in its slots.
//!
//! `verdict env build NAME` creates the virtualenv with the interpreter the
//! sandbox runs (`/usr/bin/python3`), installs the pins from the package
//! registry with pip, and writes a marker (`verdict-env.json`, with the
//! resolved `pip freeze`) last: a directory without it is an unfinished
//! build, removed by the next one. The directory is named by the
//! environment and a hash of its pins and interpreter, so changing a pin
//! builds a new one. Running never needs the registry.
//!
//! Environments live in `$VERDICT_ENV_DIR`, else `/var/cache/verdict/envs`
//! when verdict runs as root, else `~/.cache/verdict/envs`: the slots'
//! unprivileged users must be able to reach them (root's home is not
//! reachable).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The interpreter environments are built for: the sandbox's.
pub const PYTHON: &str = "/usr/bin/python3";

/// How long NLTK's downloader may take.
const NLTK_DOWNLOAD_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The marker written when a build finishes.
const MARKER: &str = "verdict-env.json";

/// A named set of pinned packages.
#[derive(Debug, PartialEq, Eq)]
pub struct EnvSpec {
    /// Its name (`verdict env build NAME`, `verdict eval --env NAME`).
    pub name: &'static str,
    /// What it is for.
    pub title: &'static str,
    /// The pins, in pip's requirements format (one `name==version` a line).
    pub requirements: &'static str,
    /// Environment variables the official evaluator sets before a
    /// candidate's imports (set in every slot, before the preloads).
    pub env: &'static [(&'static str, &'static str)],
    /// NLTK data packages the tasks use, installed into the environment's
    /// `nltk_data` (where NLTK looks under `sys.prefix`).
    pub nltk: &'static [&'static str],
}

/// BigCodeBench's evaluation environment on CPython 3.11: the official
/// `Requirements/requirements-eval.txt` with the pins that do not install
/// on 3.11 moved to the closest ones that do (docs/environments.md).
pub static BIGCODEBENCH: EnvSpec = EnvSpec {
    name: "bigcodebench",
    title: "BigCodeBench's libraries (requirements-eval.txt, pins moved for CPython 3.11)",
    requirements: include_str!("envs/bigcodebench.txt"),
    env: BIGCODEBENCH_VARS,
    nltk: &[
        "punkt",
        "stopwords",
        "vader_lexicon",
        "words",
        "averaged_perceptron_tagger",
    ],
};

/// The libraries most BigCodeBench tasks use (numpy, pandas, matplotlib at
/// the full environment's pins): small enough to build in CI, enough to
/// show the mechanism.
pub static BIGCODEBENCH_SMALL: EnvSpec = EnvSpec {
    name: "bigcodebench-small",
    title: "numpy, pandas and matplotlib at BigCodeBench's pins (tests, CI)",
    requirements: include_str!("envs/bigcodebench-small.txt"),
    env: BIGCODEBENCH_VARS,
    nltk: &[],
};

/// ClassEval's libraries (its requirements.txt, pins moved for CPython
/// 3.11, and what its tasks import that the file leaves out).
pub static CLASSEVAL: EnvSpec = EnvSpec {
    name: "classeval",
    title: "ClassEval's libraries (requirements.txt, pins moved for CPython 3.11)",
    requirements: include_str!("envs/classeval.txt"),
    env: &[],
    nltk: &["punkt", "averaged_perceptron_tagger", "wordnet"],
};

/// What BigCodeBench's `reliability_guard` sets before the candidate runs.
const BIGCODEBENCH_VARS: &[(&str, &str)] = &[
    ("TZ", "UTC"),
    ("OMP_NUM_THREADS", "1"),
    ("TF_CPP_MIN_LOG_LEVEL", "3"),
    ("TF_ENABLE_ONEDNN_OPTS", "0"),
];

/// Every environment, in display order.
pub static ENVS: &[&EnvSpec] = &[&BIGCODEBENCH, &BIGCODEBENCH_SMALL, &CLASSEVAL];

/// The environment called `name`.
pub fn find(name: &str) -> Option<&'static EnvSpec> {
    ENVS.iter().copied().find(|spec| spec.name == name)
}

/// Why an environment could not be built or used.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// No environment has this name.
    #[error("unknown environment `{0}` (known: {known})", known = ENVS.iter().map(|e| e.name).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    /// A file operation failed.
    #[error("{action} `{path}`")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A command failed.
    #[error("{step} failed: {reason}")]
    Command {
        /// What was being done (`creating the virtualenv`).
        step: String,
        /// The tool's own explanation.
        reason: String,
    },
    /// pip could not install a package.
    #[error("installing `{package}` failed: {reason}\n(pip's output: {log})")]
    Package {
        /// The package pip named.
        package: String,
        /// pip's reason.
        reason: String,
        /// Where pip's whole output was kept.
        log: PathBuf,
    },
    /// The environment is not built.
    #[error(
        "the `{name}` environment is not built (expected at `{}`); build it with `verdict env build {name}` (needs the package registry)",
        .path.display()
    )]
    Missing {
        /// Its name.
        name: String,
        /// Where it would be.
        path: PathBuf,
    },
    /// The slots' unprivileged users cannot reach the directory.
    #[error(
        "`{}` is not reachable by the sandbox's unprivileged users (a directory on its way is not searchable by others); set VERDICT_ENV_DIR to a directory they can reach, such as /var/cache/verdict/envs",
        .0.display()
    )]
    Unreachable(PathBuf),
}

impl EnvSpec {
    /// The pinned requirement lines (comments and blank lines left out).
    pub fn pins(&self) -> Vec<&'static str> {
        self.requirements
            .lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .filter(|line| !line.is_empty())
            .collect()
    }

    /// A hash of the pins and the interpreter: the build's identity.
    pub fn digest(&self, python_version: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(python_version.as_bytes());
        for pin in self.pins() {
            hasher.update(b"\n");
            hasher.update(pin.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Where this environment is (or would be) built.
    pub fn dir(&self) -> Result<PathBuf, EnvError> {
        Ok(root().join(format!("{}-{}", self.name, self.digest(&python_version()?))))
    }
}

/// The directory environments live in (see the module docs).
pub fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("VERDICT_ENV_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let home_cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    match home_cache {
        Some(cache) if !running_as_root() => cache.join("verdict/envs"),
        _ => PathBuf::from("/var/cache/verdict/envs"),
    }
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    })
}

/// The version of the sandbox's interpreter (`3.11.2`).
pub fn python_version() -> Result<String, EnvError> {
    let output = Command::new(PYTHON)
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .map_err(|source| EnvError::Io {
            action: "running",
            path: PYTHON.into(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A built environment, as its marker describes it.
#[derive(Debug, Clone)]
pub struct BuiltEnv {
    /// Its name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// When it was built (RFC 3339).
    pub built: String,
    /// The interpreter version it was built for.
    pub python: String,
    /// `pip freeze` after the build.
    pub freeze: Vec<String>,
    /// Where its NLTK data came from, or why it is missing (`None`: it
    /// needs none).
    pub nltk_data: Option<String>,
}

/// The built environment of `spec`, or why it cannot be used.
pub fn built(spec: &EnvSpec) -> Result<BuiltEnv, EnvError> {
    let dir = spec.dir()?;
    read_marker(&dir).ok_or_else(|| EnvError::Missing {
        name: spec.name.to_string(),
        path: dir.clone(),
    })
}

fn read_marker(dir: &Path) -> Option<BuiltEnv> {
    let text = fs::read_to_string(dir.join(MARKER)).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    Some(BuiltEnv {
        name: text_of("name")?,
        dir: dir.to_path_buf(),
        built: text_of("built").unwrap_or_default(),
        python: text_of("python").unwrap_or_default(),
        freeze: value
            .get("freeze")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        nltk_data: text_of("nltk_data"),
    })
}

/// Every built environment under [`root`], by directory name.
pub fn list() -> Vec<BuiltEnv> {
    let mut found: Vec<BuiltEnv> = fs::read_dir(root())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| read_marker(&entry.path()))
        .collect();
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// Builds `spec` (or returns the finished build), telling `progress` what
/// it is doing. pip's output goes to `build.log` in the directory. Its NLTK
/// data is copied from `nltk_source` (a directory laid out as
/// `nltk.download` leaves one) when given, else downloaded by NLTK's own
/// downloader, which needs its data server; without either the environment
/// is built without it, and says so. Given `nltk_source`, an environment
/// already built gets the data.
pub fn build(
    spec: &EnvSpec,
    nltk_source: Option<&Path>,
    progress: &dyn Fn(&str),
) -> Result<BuiltEnv, EnvError> {
    let dir = spec.dir()?;
    if let Some(env) = read_marker(&dir) {
        if let (Some(source), false) = (nltk_source, spec.nltk.is_empty()) {
            let note = install_nltk_data(spec, &dir, Some(source), progress)?;
            update_marker(&dir, &note)?;
            return read_marker(&dir).ok_or(EnvError::Missing {
                name: spec.name.to_string(),
                path: dir,
            });
        }
        return Ok(env);
    }
    let io_err = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| EnvError::Io {
            action,
            path,
            source,
        }
    };
    if dir.exists() {
        progress("removing an unfinished build");
        fs::remove_dir_all(&dir).map_err(io_err("removing", &dir))?;
    }
    let parent = dir.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(parent).map_err(io_err("creating", parent))?;
    progress(&format!(
        "creating a virtualenv of {PYTHON} at {}",
        dir.display()
    ));
    run(
        "creating the virtualenv",
        Command::new(PYTHON).arg("-m").arg("venv").arg(&dir),
    )?;
    let requirements = dir.join("requirements.txt");
    fs::write(&requirements, spec.pins().join("\n") + "\n")
        .map_err(io_err("writing", &requirements))?;
    let log = dir.join("build.log");
    progress(&format!(
        "installing {} pinned packages with pip (its output: {})",
        spec.pins().len(),
        log.display()
    ));
    let python = dir.join("bin/python3");
    let output = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--no-input",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "-r",
        ])
        .arg(&requirements)
        .stdin(Stdio::null())
        .output()
        .map_err(io_err("running", &python))?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    fs::write(&log, &text).map_err(io_err("writing", &log))?;
    if !output.status.success() {
        let (package, reason) = pip_failure(&text);
        return Err(EnvError::Package {
            package,
            reason,
            log,
        });
    }
    let nltk_note = if spec.nltk.is_empty() {
        None
    } else {
        Some(install_nltk_data(spec, &dir, nltk_source, progress)?)
    };
    progress("recording pip freeze");
    let freeze = Command::new(&python)
        .args(["-m", "pip", "freeze", "--all"])
        .output()
        .map_err(io_err("running", &python))?;
    let freeze: Vec<String> = String::from_utf8_lossy(&freeze.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let marker = json!({
        "name": spec.name,
        "built": chrono::Utc::now().to_rfc3339(),
        "python": python_version()?,
        "pins": spec.pins(),
        "freeze": freeze,
        "nltk_data": nltk_note,
    });
    let path = dir.join(MARKER);
    fs::write(
        &path,
        serde_json::to_string_pretty(&marker).unwrap_or_default() + "\n",
    )
    .map_err(io_err("writing", &path))?;
    read_marker(&dir).ok_or(EnvError::Missing {
        name: spec.name.to_string(),
        path: dir,
    })
}

/// Puts the NLTK data of `spec` into `<dir>/nltk_data`: a copy of
/// `source`, or NLTK's downloader. Returns what the marker records: where
/// it came from, or why it is missing (a failed download is not an error:
/// the tasks that need the data fail, as under an official harness that
/// cannot download it).
fn install_nltk_data(
    spec: &EnvSpec,
    dir: &Path,
    source: Option<&Path>,
    progress: &dyn Fn(&str),
) -> Result<String, EnvError> {
    let target = dir.join("nltk_data");
    if let Some(source) = source {
        progress(&format!("copying NLTK data from {}", source.display()));
        if !source.is_dir() {
            return Err(EnvError::Io {
                action: "reading the NLTK data directory",
                path: source.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotFound, "not a directory"),
            });
        }
        copy_tree(source, &target)?;
        return Ok(format!("copied from {}", source.display()));
    }
    progress(&format!(
        "downloading NLTK data ({}) with nltk.downloader",
        spec.nltk.join(", ")
    ));
    let python = dir.join("bin/python3");
    let log = dir.join("nltk.log");
    let log_file = fs::File::create(&log).map_err(|source| EnvError::Io {
        action: "creating",
        path: log.clone(),
        source,
    })?;
    let run_err = |source| EnvError::Io {
        action: "running",
        path: python.clone(),
        source,
    };
    let mut child = Command::new(&python)
        .args(["-m", "nltk.downloader", "-q", "-d"])
        .arg(&target)
        .args(spec.nltk)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(run_err)?)
        .stderr(log_file)
        .spawn()
        .map_err(run_err)?;
    // A network that drops packets would hold the download for ever.
    let deadline = std::time::Instant::now() + NLTK_DOWNLOAD_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(run_err)? {
            break Some(status);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut text = fs::read_to_string(&log).unwrap_or_default();
    if status.is_none() {
        text.push_str("\nno answer from NLTK's data server in time");
    }
    let output_ok = status.is_some_and(|s| s.success());
    let complete = spec.nltk.iter().all(|package| {
        ["corpora", "tokenizers", "sentiment", "taggers"]
            .iter()
            .any(|kind| target.join(kind).join(format!("{package}.zip")).exists())
    });
    if output_ok && complete {
        return Ok("downloaded by nltk.downloader".into());
    }
    let reason = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("the download failed")
        .trim()
        .to_string();
    progress(&format!(
        "warning: the NLTK data could not be downloaded ({reason}); tasks that need it will fail. \
         Give a prepared directory with `verdict env build {} --nltk-data DIR`",
        spec.name
    ));
    Ok(format!("missing: {reason}"))
}

/// Copies the directory tree `from` into `to` (created; files replaced).
fn copy_tree(from: &Path, to: &Path) -> Result<(), EnvError> {
    let io_err = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| EnvError::Io {
            action,
            path,
            source,
        }
    };
    fs::create_dir_all(to).map_err(io_err("creating", to))?;
    for entry in fs::read_dir(from).map_err(io_err("reading", from))? {
        let entry = entry.map_err(io_err("reading", from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(io_err("reading", &source))?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_file() {
            fs::copy(&source, &target).map_err(io_err("copying", &source))?;
        }
    }
    Ok(())
}

/// Records a new NLTK data note in a built environment's marker.
fn update_marker(dir: &Path, note: &str) -> Result<(), EnvError> {
    let path = dir.join(MARKER);
    let io_err = |source| EnvError::Io {
        action: "updating",
        path: path.clone(),
        source,
    };
    let text = fs::read_to_string(&path).map_err(io_err)?;
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|e| io_err(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    value["nltk_data"] = json!(note);
    fs::write(
        &path,
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n",
    )
    .map_err(io_err)
}

fn run(step: &str, command: &mut Command) -> Result<(), EnvError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| EnvError::Command {
            step: step.to_string(),
            reason: e.to_string(),
        })?;
    if output.status.success() {
        return Ok(());
    }
    let mut reason = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if reason.is_empty() {
        reason = String::from_utf8_lossy(&output.stdout).trim().to_string();
    }
    Err(EnvError::Command {
        step: step.to_string(),
        reason,
    })
}

/// The package pip's output blames and its reason: the `ERROR:` lines,
/// and the requirement they or the last `Collecting` line name.
pub fn pip_failure(output: &str) -> (String, String) {
    let errors: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("ERROR:") || l.trim_start().starts_with("error:"))
        .collect();
    let named = errors.iter().find_map(|line| {
        ["requirement ", "for "].iter().find_map(|marker| {
            let rest = &line[line.find(marker)? + marker.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(' && *c != ';')
                .collect();
            (!name.is_empty()).then_some(name)
        })
    });
    let collecting = output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Collecting "))
        .map(|rest| rest.split_whitespace().next().unwrap_or(rest).to_string());
    let package = named
        .or(collecting)
        .unwrap_or_else(|| "(unknown package)".to_string());
    let reason = if errors.is_empty() {
        output.lines().rev().take(5).collect::<Vec<_>>().join(" / ")
    } else {
        errors.join(" / ")
    };
    (package, reason)
}

/// Whether every directory on the way to `path` lets other users through.
pub fn reachable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.is_absolute()
        && path
            .ancestors()
            .all(|dir| fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// Which of `modules` fail to import in the environment: (module, the
/// error's last line). Run with the environment's interpreter, outside the
/// sandbox.
pub fn import_failures(
    env: &BuiltEnv,
    modules: &[String],
) -> Result<Vec<(String, String)>, EnvError> {
    let script = "import importlib, json, sys\n\
                  failed = []\n\
                  for name in sys.argv[1:]:\n\
                  \x20   try:\n\
                  \x20       importlib.import_module(name)\n\
                  \x20   except BaseException as exc:\n\
                  \x20       failed.append([name, '%s: %s' % (type(exc).__name__, exc)])\n\
                  print(json.dumps(failed))\n";
    let python = env.dir.join("bin/python3");
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(modules)
        .env("TZ", "UTC")
        .env("OMP_NUM_THREADS", "1")
        .env("MPLBACKEND", "Agg")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EnvError::Io {
            action: "running",
            path: python.clone(),
            source,
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    let failed: Vec<(String, String)> =
        serde_json::from_str::<Vec<(String, String)>>(text.lines().last().unwrap_or("[]"))
            .map_err(|e| EnvError::Command {
                step: "checking imports".into(),
                reason: format!("{e}: {}", String::from_utf8_lossy(&output.stderr).trim()),
            })?;
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_failures_name_the_package_and_the_reason() {
        let output = "Collecting numpy==1.21.2\n  Downloading numpy-1.21.2.zip\n\
                      ERROR: Could not find a version that satisfies the requirement numpy==1.21.2 (from versions: 1.22.0)\n\
                      ERROR: No matching distribution found for numpy==1.21.2\n";
        let (package, reason) = pip_failure(output);
        assert_eq!(package, "numpy==1.21.2");
        assert!(reason.contains("Could not find a version"), "{reason}");
    }

    #[test]
    fn a_tree_is_copied_whole() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        std::fs::create_dir_all(from.join("corpora/stopwords")).unwrap();
        std::fs::write(from.join("corpora/stopwords/english"), "a\nthe\n").unwrap();
        std::fs::write(from.join("corpora/stopwords.zip"), "zip").unwrap();
        let to = dir.path().join("to");
        copy_tree(&from, &to).unwrap();
        assert_eq!(
            std::fs::read_to_string(to.join("corpora/stopwords/english")).unwrap(),
            "a\nthe\n"
        );
        assert!(to.join("corpora/stopwords.zip").is_file());
    }

    #[test]
    fn pins_skip_comments_and_the_digest_follows_them() {
        let pins = BIGCODEBENCH_SMALL.pins();
        assert!(pins.iter().all(|p| p.contains("==")), "{pins:?}");
        assert_ne!(
            BIGCODEBENCH_SMALL.digest("3.11.2"),
            BIGCODEBENCH.digest("3.11.2")
        );
        assert_ne!(
            BIGCODEBENCH_SMALL.digest("3.11.2"),
            BIGCODEBENCH_SMALL.digest("3.12.0")
        );
    }
}
