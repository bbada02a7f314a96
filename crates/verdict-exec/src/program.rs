//! Programs in any language: compiled once per distinct source inside a
//! slot, the build kept in the pool's build cache, and every run exec'd
//! against that same build.
//!
//! The cache is content-addressed by (language, toolchain version, compile
//! command, source), so a retried or duplicated sample never compiles twice,
//! and two slots asking for the same build at once wait for one compile.
//! Builds live in a directory of the pool's own, shown read-only inside
//! every slot; compile errors are cached too.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::job::{Job, JobKind, Limits, Outcome, Status};
use crate::language::{BUILD_MOUNT, COMPILE_PROCESSES, Language, Recipe};
use crate::pool::Pool;

/// A program ready to run: its recipe, its source and, for compiled
/// languages, its build.
#[derive(Debug, Clone)]
pub struct Program {
    recipe: Recipe,
    source: String,
    build: Option<Arc<Build>>,
    reused: bool,
}

impl Program {
    /// The language.
    pub fn language(&self) -> Language {
        self.recipe.language
    }

    /// The build, for compiled languages.
    pub fn build(&self) -> Option<&Build> {
        self.build.as_deref()
    }

    /// Whether the build came from the cache (compiled earlier for the same
    /// source) rather than from a compile made for this call.
    pub fn reused_build(&self) -> bool {
        self.reused
    }
}

/// A compiled program in the build cache.
#[derive(Debug)]
pub struct Build {
    /// The cache key (hex SHA-256).
    pub key: String,
    /// Where its files are on the host.
    pub dir: PathBuf,
    /// How the compile went (its warnings are on stderr).
    pub compile: Outcome,
    /// Bytes on disk.
    pub bytes: u64,
}

/// What preparing a program gives: a program to run, or the compile
/// failure (`status` as the compiler's run ended; a clean exit that
/// produced no usable build is a `runtime_error` with `error` set).
pub type Prepared = Result<Program, Arc<Outcome>>;

type Entry = Arc<OnceLock<Result<Arc<Build>, Arc<Outcome>>>>;

/// The pool's build cache.
#[derive(Debug)]
pub struct BuildCache {
    dir: PathBuf,
    entries: Mutex<Entries>,
    max_bytes: u64,
    /// A Go build cache filled once by a fixed warm-up program, copied into
    /// each Go compile's private `/tmp` (`None` if the warm-up failed).
    go_seed: OnceLock<Option<PathBuf>>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Entry>,
    order: VecDeque<String>,
    bytes: u64,
}

/// Default size of the build cache before old builds are dropped.
pub const BUILD_CACHE_BYTES: u64 = 2 << 30;

impl BuildCache {
    /// Creates an empty cache in a fresh directory under `parent`.
    pub fn create(parent: &Path) -> std::io::Result<BuildCache> {
        let dir = parent.join(format!(
            "verdict-build-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        sweep_stale(parent);
        fs::DirBuilder::new().mode(0o755).create(&dir)?;
        Ok(BuildCache {
            dir,
            entries: Mutex::new(Entries::default()),
            max_bytes: BUILD_CACHE_BYTES,
            go_seed: OnceLock::new(),
        })
    }

    /// The cache's directory on the host.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, key: &str) -> Entry {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.map.get(key) {
            return entry.clone();
        }
        let entry = Entry::default();
        entries.map.insert(key.to_string(), entry.clone());
        entries.order.push_back(key.to_string());
        entry
    }

    fn forget(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.map.remove(key);
        entries.order.retain(|k| k != key);
    }

    /// Counts a new build's bytes and drops the oldest builds nobody holds
    /// while the cache is over its size.
    fn account(&self, bytes: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.bytes += bytes;
        let mut index = 0;
        while entries.bytes > self.max_bytes && index < entries.order.len() {
            let key = entries.order[index].clone();
            let held = entries.map.get(&key).is_none_or(|entry| {
                Arc::strong_count(entry) > 1
                    || entry
                        .get()
                        .is_some_and(|r| r.as_ref().is_ok_and(|b| Arc::strong_count(b) > 1))
            });
            if held {
                index += 1;
                continue;
            }
            if let Some(Some(Ok(build))) = entries.map.remove(&key).map(|e| e.get().cloned()) {
                entries.bytes = entries.bytes.saturating_sub(build.bytes);
                let _ = fs::remove_dir_all(&build.dir);
            }
            entries.order.remove(index);
        }
    }
}

impl Drop for BuildCache {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Where pools put their build caches: `$VERDICT_BUILD_DIR`, else
/// `/var/tmp`. Never under `/tmp`, which the sandbox's staging root hides,
/// and somewhere the slots' unprivileged uids may traverse.
pub fn build_parent() -> PathBuf {
    std::env::var_os("VERDICT_BUILD_DIR")
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("/var/tmp"))
}

/// Removes the build caches of verdict processes that are gone.
fn sweep_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("verdict-build-")) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Limits of a compile: generous CPU time, the memory cgroup (compilers
/// that run on the JVM or spawn many processes break under an address-space
/// limit), and room for `go build`'s threads.
pub fn compile_limits() -> Limits {
    Limits {
        cpu_ms: 30_000,
        wall_ms: 120_000,
        active_ms: 0,
        memory_bytes: 2 << 30,
        output_bytes: 16 << 20,
        kept_output_bytes: 64 << 10,
        file_bytes: 256 << 20,
        processes: COMPILE_PROCESSES,
        open_files: 1024,
    }
}

impl Pool {
    /// Makes `source` ready to run with `recipe`: compiles it (once per
    /// distinct source for the pool's life) or, for interpreted languages,
    /// just keeps it.
    pub fn prepare(&self, recipe: &Recipe, source: &str, limits: &Limits) -> Prepared {
        let recipe = recipe.clone().for_source(source);
        let Some(compile) = recipe.compile.clone() else {
            return Ok(Program {
                recipe,
                source: source.to_string(),
                build: None,
                reused: false,
            });
        };
        let key = build_key(&recipe, &compile, source);
        let cache = self.build_cache();
        let entry = cache.entry(&key);
        let mut reused = true;
        let result = entry
            .get_or_init(|| {
                reused = false;
                self.compile(cache, &key, &recipe, &compile, source, limits)
            })
            .clone();
        let result = result.map_err(|outcome| {
            if outcome.status == Status::SandboxError || outcome.status == Status::CompileError {
                return outcome;
            }
            // Whatever stopped the compiler, the program did not compile.
            let mut failed = (*outcome).clone();
            if failed.error.is_none() && failed.status != Status::RuntimeError {
                failed.error = Some(format!("the compiler stopped: {}", failed.status.name()));
            }
            failed.status = Status::CompileError;
            if failed.stderr.trim().is_empty() {
                // Some compilers (tsc) report on stdout: the message is
                // what matters, on the stream messages go to.
                failed.stderr = std::mem::take(&mut failed.stdout);
                failed.stderr_truncated = failed.stdout_truncated;
            }
            Arc::new(failed)
        });
        if let Err(outcome) = &result
            && outcome.status == Status::SandboxError
        {
            // verdict's fault, not the program's: try again next time.
            cache.forget(&key);
        }
        result.map(|build| Program {
            recipe,
            source: source.to_string(),
            build: Some(build),
            reused,
        })
    }

    fn compile(
        &self,
        cache: &BuildCache,
        key: &str,
        recipe: &Recipe,
        compile: &[String],
        source: &str,
        limits: &Limits,
    ) -> Result<Arc<Build>, Arc<Outcome>> {
        let mut argv = fill(compile, recipe, source, "", limits);
        if recipe.language == Language::Go
            && let Some(seed) = self.go_seed(cache, recipe)
        {
            // Start from the warm-up's build cache (a private copy: nothing
            // a compile writes reaches another one).
            let mut wrapped: Vec<String> = vec![
                "/bin/sh".into(),
                "-c".into(),
                format!("cp -R {seed} /tmp/.gocache 2>/dev/null; exec \"$@\""),
                "sh".into(),
            ];
            wrapped.append(&mut argv);
            argv = wrapped;
        }
        let job = Job {
            code: String::new(),
            kind: JobKind::Exec {
                argv,
                files: vec![(recipe.source_name.clone(), source.to_string())],
                env: recipe.env.clone(),
                collect: Some("out".into()),
                memory: crate::language::MemoryMode::Cgroup,
            },
            stdin: None,
            limits: *limits,
            trace: None,
        };
        let mut outcome = self.run(job);
        let files = match (outcome.status, outcome.collected.take()) {
            (Status::Ok, Some(Ok(files))) => files,
            (Status::Ok, Some(Err(reason))) => {
                outcome.status = Status::RuntimeError;
                outcome.error = Some(format!("the compiler's output was refused: {reason}"));
                return Err(Arc::new(outcome));
            }
            (Status::Ok, None) => {
                outcome.status = Status::SandboxError;
                outcome.error = Some("the worker sent no build output".into());
                return Err(Arc::new(outcome));
            }
            _ => return Err(Arc::new(outcome)),
        };
        let dir = cache.dir().join(key);
        let written = write_build(&dir, &files);
        match written {
            Ok(bytes) => {
                cache.account(bytes);
                Ok(Arc::new(Build {
                    key: key.to_string(),
                    dir,
                    compile: outcome,
                    bytes,
                }))
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                Err(Arc::new(Outcome::sandbox_error(
                    self.isolation().name(),
                    format!("storing the build in {}: {e}", dir.display()),
                )))
            }
        }
    }

    /// The path, as a job sees it, of the Go build cache seed, made on first
    /// use by compiling a fixed program that imports the standard packages
    /// programs use most. An empty Go build cache costs every compile ~1–2 s
    /// of hashing the standard library; a seeded one does not.
    fn go_seed(&self, cache: &BuildCache, recipe: &Recipe) -> Option<String> {
        let host = cache.go_seed.get_or_init(|| {
            let job = Job {
                code: String::new(),
                kind: JobKind::Exec {
                    argv: vec![
                        "/bin/sh".into(),
                        "-c".into(),
                        "go build -o /tmp/warm warm.go && go test -c -o /tmp/warm.test warm_test.go \
                         && cp -R /tmp/.gocache out/gocache"
                            .into(),
                    ],
                    files: vec![
                        ("warm.go".into(), GO_WARM_MAIN.into()),
                        ("warm_test.go".into(), GO_WARM_TEST.into()),
                    ],
                    env: recipe.env.clone(),
                    collect: Some("out".into()),
                    memory: crate::language::MemoryMode::Cgroup,
                },
                stdin: None,
                limits: compile_limits(),
                trace: None,
            };
            let mut outcome = self.run(job);
            let Some(Ok(files)) = outcome.collected.take() else {
                return None;
            };
            let dir = cache.dir().join("go-seed");
            write_build(&dir, &files).ok().map(|_| dir.join("gocache"))
        });
        let host = host.as_ref()?;
        Some(match self.isolation() {
            crate::Isolation::Namespaces => format!("{BUILD_MOUNT}/go-seed/gocache"),
            crate::Isolation::Process => host.display().to_string(),
        })
    }

    /// Runs a prepared program once with `stdin`.
    pub fn run_program(&self, program: &Program, stdin: Option<String>, limits: Limits) -> Outcome {
        self.run_program_with(program, stdin, limits, Vec::new(), &[])
    }

    /// Runs a prepared program with extra files in its work directory and
    /// extra arguments after its command (a checker's inputs).
    pub fn run_program_with(
        &self,
        program: &Program,
        stdin: Option<String>,
        limits: Limits,
        extra_files: Vec<(String, String)>,
        extra_args: &[String],
    ) -> Outcome {
        let recipe = &program.recipe;
        if recipe.language == Language::Python
            && recipe.run.first().map(String::as_str) == Some("/usr/bin/python3")
            && extra_files.is_empty()
            && extra_args.is_empty()
        {
            // The warm path: the fork server runs the program itself.
            return self.run(Job {
                code: program.source.clone(),
                kind: JobKind::Program,
                stdin,
                limits,
                trace: None,
            });
        }
        let build = match &program.build {
            Some(build) => match self.isolation() {
                crate::Isolation::Namespaces => format!("{BUILD_MOUNT}/{}", build.key),
                crate::Isolation::Process => build.dir.display().to_string(),
            },
            None => String::new(),
        };
        let mut argv = fill(&recipe.run, recipe, &program.source, &build, &limits);
        argv.extend(extra_args.iter().cloned());
        let mut files = match program.build {
            Some(_) => Vec::new(),
            None => vec![(recipe.source_name.clone(), program.source.clone())],
        };
        files.extend(extra_files);
        self.run(Job {
            code: String::new(),
            kind: JobKind::Exec {
                argv,
                files,
                env: recipe.env.clone(),
                collect: None,
                memory: recipe.language.memory_mode(),
            },
            stdin,
            limits,
            trace: None,
        })
    }
}

/// The Go warm-up: a program and a test importing what programs use most.
const GO_WARM_MAIN: &str = "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"math\"\n\t\"os\"\n\t\"sort\"\n\t\"strconv\"\n\t\"strings\"\n\t\"unicode\"\n)\n\nfunc main() {\n\tr := bufio.NewReader(os.Stdin)\n\ts, _ := r.ReadString('\\n')\n\tv := []int{3, 1, 2}\n\tsort.Ints(v)\n\tn, _ := strconv.Atoi(strings.TrimSpace(s))\n\tfmt.Println(n, v, math.Sqrt(2), unicode.IsUpper('A'))\n}\n";

const GO_WARM_TEST: &str = "package warm_test\n\nimport (\n\t\"fmt\"\n\t\"math\"\n\t\"reflect\"\n\t\"sort\"\n\t\"strconv\"\n\t\"strings\"\n\t\"testing\"\n)\n\nfunc TestWarm(t *testing.T) {\n\tv := []string{\"b\", \"a\"}\n\tsort.Strings(v)\n\tif fmt.Sprintf(\"%v\", v) != strings.Join([]string{\"[a\", \"b]\"}, \" \") || !reflect.DeepEqual(v, v) {\n\t\tt.Errorf(\"%s %v\", strconv.Itoa(1), math.Pi)\n\t}\n}\n";

/// The cache key of a build.
fn build_key(recipe: &Recipe, compile: &[String], source: &str) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(recipe.language.name().as_bytes());
    field(recipe.language.version().unwrap_or_default().as_bytes());
    for arg in compile {
        field(arg.as_bytes());
    }
    for (k, v) in &recipe.env {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    field(recipe.source_name.as_bytes());
    field(source.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The command with its placeholders filled in.
fn fill(
    argv: &[String],
    recipe: &Recipe,
    source: &str,
    build: &str,
    limits: &Limits,
) -> Vec<String> {
    argv.iter()
        .map(|arg| {
            let mut arg = arg
                .replace("{src}", &recipe.source_name)
                .replace("{build}", build)
                .replace("{memory}", &limits.memory_bytes.to_string());
            if arg.contains("{main_class}") {
                arg = arg.replace("{main_class}", &crate::java::main_class(source));
            }
            arg
        })
        .collect()
}

/// Writes a build's files (world-readable: slots see them as another uid)
/// and returns their total size.
fn write_build(dir: &Path, files: &[crate::job::Artifact]) -> std::io::Result<u64> {
    fs::DirBuilder::new().mode(0o755).create(dir)?;
    let mut bytes = 0;
    for file in files {
        let relative = Path::new(&file.path);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(std::io::Error::other(format!(
                "bad build file name {}",
                file.path
            )));
        }
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::DirBuilder::new()
                .mode(0o755)
                .recursive(true)
                .create(parent)?;
        }
        let mode = if file.executable { 0o755 } else { 0o644 };
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)?;
        out.write_all(&file.data)?;
        bytes += file.data.len() as u64;
    }
    Ok(bytes)
}
