//! Language definitions: how a program in each language is compiled and
//! run, what a slot looks like inside, and which warm worker runs as its
//! PID 1.
//!
//! Every slot runs the same Python fork server. Python programs run inside
//! its forked children directly (the warm path); every other language is a
//! [`Recipe`]: an optional compile command whose output directory goes to
//! the pool's build cache, and a run command exec'd from a forked child.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use verdict_sandbox::{Bind, CgroupLimits, Isolation, SandboxSpec};

/// The Python fork server, embedded in the binary and written into each
/// slot's root.
pub const PYTHON_WORKER: &str = include_str!("python/worker.py");

/// What starts the worker: compiles `worker.py` in a child process, so that
/// the compiler's freed memory is not left in the warm worker's heap.
pub const PYTHON_BOOT: &str = include_str!("python/boot.py");

/// The worker's unittest harness (BigCodeBench's and ClassEval's way of
/// running TestCase classes), loaded by the worker when a job needs it.
pub const PYTHON_UNITTESTS: &str = include_str!("python/unittests.py");

/// The worker's tracer (`--trace`), loaded by a job that asks for a trace.
pub const PYTHON_TRACING: &str = include_str!("python/tracing.py");

/// Where the pool's build cache appears inside a namespaced slot.
pub const BUILD_MOUNT: &str = "/.build";

/// The javatuples library MultiPL-E's Java programs use (Debian package
/// `libjavatuples-java`).
pub const JAVATUPLES_JAR: &str = "/usr/share/java/javatuples.jar";

/// A language verdict can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// CPython, run from a warm fork server.
    Python,
    /// C (gcc).
    C,
    /// C++ (g++).
    Cpp,
    /// Java (OpenJDK).
    Java,
    /// JavaScript (Node.js).
    JavaScript,
    /// TypeScript (tsc, then Node.js).
    TypeScript,
    /// Rust (rustc).
    Rust,
    /// Go.
    Go,
    /// Bash.
    Bash,
    /// Ruby.
    Ruby,
    /// PHP.
    Php,
    /// Perl.
    Perl,
}

/// How a job's memory is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryMode {
    /// `RLIMIT_AS` on the job's processes (precise; an allocation past it
    /// fails inside the program).
    AddressSpace,
    /// The slot's memory cgroup (for runtimes that reserve far more address
    /// space than they use: the JVM, Go, V8).
    Cgroup,
}

impl Language {
    /// Every language, in the order `verdict languages` lists them.
    pub const ALL: [Language; 12] = [
        Language::Python,
        Language::C,
        Language::Cpp,
        Language::Java,
        Language::JavaScript,
        Language::TypeScript,
        Language::Rust,
        Language::Go,
        Language::Bash,
        Language::Ruby,
        Language::Php,
        Language::Perl,
    ];

    /// Parses a language name or its usual short form (case-insensitive).
    /// SandboxFusion's names (`nodejs`, `cpp`, ...) are accepted too.
    pub fn from_name(name: &str) -> Option<Language> {
        let name = name.to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.name() == name || l.aliases().contains(&name.as_str()))
    }

    /// The language of a source file named `*.EXT`: `py`, `c`, `cpp`/`cc`/`cxx`,
    /// `java`, `js`/`mjs`/`cjs`, `ts`, `rs`, `go`, `sh`/`bash`, `rb`, `php`,
    /// `pl`/`pm`.
    pub fn from_extension(ext: &str) -> Option<Language> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "py" => Language::Python,
            "c" => Language::C,
            "cpp" | "cc" | "cxx" | "c++" => Language::Cpp,
            "java" => Language::Java,
            "js" | "mjs" | "cjs" => Language::JavaScript,
            "ts" => Language::TypeScript,
            "rs" => Language::Rust,
            "go" => Language::Go,
            "sh" | "bash" => Language::Bash,
            "rb" => Language::Ruby,
            "php" => Language::Php,
            "pl" | "pm" => Language::Perl,
            _ => return None,
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Java => "java",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Rust => "rust",
            Language::Go => "go",
            Language::Bash => "bash",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::Perl => "perl",
        }
    }

    /// Other names accepted for it.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["python3", "py"],
            Language::C => &["gcc"],
            Language::Cpp => &["c++", "cxx", "g++"],
            Language::Java => &[],
            Language::JavaScript => &["js", "node", "nodejs"],
            Language::TypeScript => &["ts"],
            Language::Rust => &["rs"],
            Language::Go => &["golang", "go_test.go"],
            Language::Bash => &["sh", "shell"],
            Language::Ruby => &["rb"],
            Language::Php => &[],
            Language::Perl => &["pl"],
        }
    }

    /// The names accepted by [`Language::from_name`], for error messages.
    pub fn known_names() -> String {
        Language::ALL
            .iter()
            .map(|l| match l.aliases() {
                [] => l.name().to_string(),
                aliases => format!("{} ({})", l.name(), aliases.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// How the memory of this language's programs is limited.
    pub fn memory_mode(self) -> MemoryMode {
        match self {
            Language::Java
            | Language::JavaScript
            | Language::TypeScript
            | Language::Go
            | Language::Ruby
            | Language::Php => MemoryMode::Cgroup,
            Language::Python
            | Language::C
            | Language::Cpp
            | Language::Rust
            | Language::Bash
            | Language::Perl => MemoryMode::AddressSpace,
        }
    }

    /// Whether programs are compiled before they run.
    pub fn is_compiled(self) -> bool {
        self.recipe().compile.is_some()
    }

    /// The default way to compile and run a program read from standard
    /// input, as a contest judge would.
    pub fn recipe(self) -> Recipe {
        let tools = toolchains();
        let s = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let (source, compile, run) = match self {
            Language::Python => ("main.py", None, s(&["/usr/bin/python3", "main.py"])),
            Language::C => (
                "main.c",
                Some(s(&[
                    "gcc",
                    "-std=gnu17",
                    "-O2",
                    "-pipe",
                    "-o",
                    "out/main",
                    "main.c",
                    "-lm",
                ])),
                s(&["{build}/main"]),
            ),
            Language::Cpp => (
                "main.cpp",
                Some(s(&[
                    "g++",
                    "-std=gnu++17",
                    "-O2",
                    "-pipe",
                    "-o",
                    "out/main",
                    "main.cpp",
                ])),
                s(&["{build}/main"]),
            ),
            Language::Java => (
                "Main.java",
                Some(s(&[
                    "javac",
                    "-J-XX:MaxRAM={memory}",
                    "-J-XX:+UseSerialGC",
                    "-J-XX:TieredStopAtLevel=1",
                    "-encoding",
                    "UTF8",
                    "-cp",
                    JAVATUPLES_JAR,
                    "-d",
                    "out",
                    "{src}",
                ])),
                s(&[
                    "java",
                    "-XX:+UseSerialGC",
                    "-XX:MaxRAM={memory}",
                    "-XX:MaxRAMPercentage=75",
                    "-Xss256m",
                    "-cp",
                    &format!("{{build}}:{JAVATUPLES_JAR}"),
                    "{main_class}",
                ]),
            ),
            Language::JavaScript => ("main.js", None, s(&["node", "main.js"])),
            Language::TypeScript => (
                "main.ts",
                // tsc's default target (ES3) has no `Set`, `Map` or
                // `String.prototype.startsWith`; Node.js runs ES2022.
                Some(s(&[
                    "tsc", "--target", "es2022", "--outDir", "out", "main.ts",
                ])),
                s(&["node", "{build}/main.js"]),
            ),
            Language::Rust => (
                "main.rs",
                Some(vec![
                    tools.rustc.clone(),
                    "--edition".into(),
                    "2021".into(),
                    "-O".into(),
                    "-C".into(),
                    "strip=debuginfo".into(),
                    "-o".into(),
                    "out/main".into(),
                    "main.rs".into(),
                ]),
                s(&["{build}/main"]),
            ),
            Language::Go => (
                "main.go",
                Some(s(&["go", "build", "-o", "out/main", "main.go"])),
                s(&["{build}/main"]),
            ),
            Language::Bash => ("main.sh", None, s(&["bash", "main.sh"])),
            Language::Ruby => ("main.rb", None, s(&["ruby", "main.rb"])),
            Language::Php => ("main.php", None, s(&["php", "main.php"])),
            Language::Perl => ("main.pl", None, s(&["perl", "main.pl"])),
        };
        Recipe {
            language: self,
            source_name: source.to_string(),
            compile,
            run,
            env: self.env(),
        }
    }

    /// The environment of this language's compile and run commands (nothing
    /// of the caller's leaks in).
    fn env(self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "PATH".to_string(),
                "/usr/local/bin:/usr/bin:/bin".to_string(),
            ),
            ("LANG".to_string(), "C.UTF-8".to_string()),
            ("LC_ALL".to_string(), "C.UTF-8".to_string()),
            ("HOME".to_string(), "/tmp".to_string()),
        ];
        if self == Language::Go {
            for (k, v) in [
                ("GOCACHE", "/tmp/.gocache"),
                ("GOPATH", "/tmp/.gopath"),
                ("GO111MODULE", "auto"),
                ("GOFLAGS", "-buildvcs=false"),
                ("GOTOOLCHAIN", "local"),
                ("GOMAXPROCS", "2"),
            ] {
                env.push((k.to_string(), v.to_string()));
            }
        }
        if self == Language::Rust
            && let Some(bin) = Path::new(&toolchains().rustc).parent()
        {
            env[0].1 = format!("{}:{}", bin.display(), env[0].1);
        }
        env
    }

    /// The command that prints the toolchain's version.
    fn version_command(self) -> Vec<String> {
        let tools = toolchains();
        let v = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        match self {
            Language::Python => v(&["/usr/bin/python3", "--version"]),
            Language::C => v(&["gcc", "-dumpfullversion"]),
            Language::Cpp => v(&["g++", "-dumpfullversion"]),
            Language::Java => v(&["javac", "-version"]),
            Language::JavaScript => v(&["node", "--version"]),
            Language::TypeScript => v(&["tsc", "--version"]),
            Language::Rust => vec![tools.rustc.clone(), "--version".into()],
            Language::Go => v(&["go", "version"]),
            Language::Bash => v(&["bash", "--version"]),
            Language::Ruby => v(&["ruby", "--version"]),
            Language::Php => v(&["php", "--version"]),
            Language::Perl => v(&["perl", "-e", "print $^V"]),
        }
    }

    /// The toolchain's version on this host (first line of what it prints),
    /// or `None` when it is not installed. Asked once per process and
    /// language, only when needed (some toolchains take a second to answer).
    pub fn version(self) -> Option<String> {
        static VERSIONS: [OnceLock<Option<String>>; 12] = [const { OnceLock::new() }; 12];
        let index = Language::ALL.iter().position(|l| *l == self)?;
        VERSIONS[index]
            .get_or_init(|| {
                let argv = self.version_command();
                let program = resolve(&argv[0])?;
                let out = Command::new(program)
                    .args(&argv[1..])
                    .env_clear()
                    .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                    .output()
                    .ok()?;
                if !out.status.success() {
                    return None;
                }
                let text = if out.stdout.is_empty() {
                    out.stderr
                } else {
                    out.stdout
                };
                let text = String::from_utf8_lossy(&text);
                Some(text.lines().next().unwrap_or("").trim().to_string())
            })
            .clone()
    }

    /// Whether the toolchain is installed here: its programs exist (looked
    /// up once per process; [`Language::version`] would run the toolchain).
    pub fn is_available(self) -> bool {
        static AVAILABLE: [OnceLock<bool>; 12] = [const { OnceLock::new() }; 12];
        let Some(index) = Language::ALL.iter().position(|l| *l == self) else {
            return false;
        };
        *AVAILABLE[index].get_or_init(|| {
            let mut programs = vec![self.version_command().remove(0)];
            let recipe = self.recipe();
            if let Some(compile) = &recipe.compile {
                programs.push(compile[0].clone());
            }
            if !recipe.run[0].contains('{') {
                programs.push(recipe.run[0].clone());
            }
            programs.iter().all(|p| resolve(p).is_some())
        })
    }

    /// The Debian packages that provide the toolchain.
    pub fn debian_packages(self) -> &'static str {
        match self {
            Language::Python => "python3",
            Language::C => "gcc",
            Language::Cpp => "g++",
            Language::Java => "default-jdk-headless libjavatuples-java",
            Language::JavaScript => "nodejs",
            Language::TypeScript => "node-typescript",
            Language::Rust => "rustc (or a rustup toolchain)",
            Language::Go => "golang-go",
            Language::Bash => "bash",
            Language::Ruby => "ruby ruby-test-unit",
            Language::Php => "php-cli",
            Language::Perl => "perl libtest-deep-perl",
        }
    }
}

/// How to compile and run a program. Arguments may hold placeholders:
/// `{src}` (the source file's name), `{build}` (the directory holding the
/// compile step's `out/`, read-only), `{main_class}` (Java) and `{memory}`
/// (the job's memory limit in bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Recipe {
    /// The language.
    pub language: Language,
    /// The source file's name in the work directory.
    pub source_name: String,
    /// The compile command, run in the work directory; what it writes to
    /// `out/` is the build.
    pub compile: Option<Vec<String>>,
    /// The run command.
    pub run: Vec<String>,
    /// The environment of both commands.
    pub env: Vec<(String, String)>,
}

impl Recipe {
    /// The recipe with its source file named for the program: Java wants
    /// the file named after its public class.
    pub fn for_source(mut self, source: &str) -> Recipe {
        if self.language == Language::Java
            && let Some(class) = crate::java::public_type(source)
        {
            {
                let old = std::mem::replace(&mut self.source_name, format!("{class}.java"));
                for list in self.compile.iter_mut() {
                    for arg in list.iter_mut() {
                        if *arg == old {
                            *arg = self.source_name.clone();
                        }
                    }
                }
            }
        }
        self
    }
}

/// Toolchains that live outside `/usr` on this host.
#[derive(Debug, Clone)]
pub struct Toolchains {
    /// The rustc to run: Debian's, or the rustup toolchain's own binary.
    pub rustc: String,
    /// Read-only binds that make them visible inside a slot.
    pub binds: Vec<Bind>,
}

/// The host's toolchains, found once per process.
pub fn toolchains() -> &'static Toolchains {
    static TOOLS: OnceLock<Toolchains> = OnceLock::new();
    TOOLS.get_or_init(|| {
        // Runtimes that read their configuration from /etc.
        let mut binds: Vec<Bind> = std::fs::read_dir("/etc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with("java") || n == "php" || n == "perl")
            .map(|n| Bind::optional(&format!("/etc/{n}")))
            .collect();
        binds.sort_by(|a, b| a.source.cmp(&b.source));
        let mut rustc = "/usr/bin/rustc".to_string();
        if !Path::new(&rustc).exists() {
            // A rustup install: its proxies need $HOME; the toolchain's own
            // rustc does not. Show the toolchain read-only at the same path,
            // where the slots' uids can reach it (not under /root).
            let sysroot = Command::new("rustc")
                .args(["--print", "sysroot"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
            if let Some(sysroot) = sysroot.filter(|s| reachable_by_others(Path::new(s))) {
                rustc = format!("{sysroot}/bin/rustc");
                binds.push(Bind {
                    source: sysroot.clone().into(),
                    target: sysroot.into(),
                    optional: true,
                });
            }
        }
        Toolchains { rustc, binds }
    })
}

/// Whether every directory on the way to `path` lets other users through
/// (the sandbox's setup runs as an unprivileged uid of the host).
fn reachable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.is_absolute()
        && path
            .ancestors()
            .all(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// The path of `program` as the sandbox's `PATH` would find it on the host.
fn resolve(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).exists().then(|| program.into());
    }
    ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.exists())
}

/// Settings for the slots of one language.
#[derive(Debug, Clone)]
pub struct SlotSettings {
    /// The interpreter.
    pub python: PathBuf,
    /// Isolation level.
    pub isolation: Isolation,
    /// Memory a job may use; the slot's cgroup gets this plus the worker's.
    pub job_memory_bytes: u64,
    /// Processes a job may have; the slot's pids cgroup gets a few more.
    pub job_processes: u64,
    /// Size of `/work` and of `/tmp`.
    pub scratch_bytes: u64,
    /// A Python environment the slots run in, with its libraries loaded
    /// ahead (`None`: the plain interpreter).
    pub environment: Option<SlotEnvironment>,
    /// Count the user-space instructions of each call of a calls or timed
    /// job with a hardware counter, opened by the supervisor for the job's
    /// process (where the host has none, the jobs run without).
    pub count_instructions: bool,
}

/// A Python environment (a virtualenv of the sandbox's interpreter) shown
/// read-only in a slot at the path it has on the host, whose worker imports
/// `preload` before its first job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotEnvironment {
    /// The environment's directory (its `bin/python3` runs the worker).
    pub dir: PathBuf,
    /// Modules the worker imports once, at start.
    pub preload: Vec<String>,
    /// Environment variables of the slot, set before anything is imported.
    pub env: Vec<(String, String)>,
    /// IP sockets allowed, on the slot's own loopback only (see
    /// `SandboxSpec::loopback`): tasks that start a local server, or that
    /// expect a connection elsewhere to fail as on an offline machine.
    pub loopback: bool,
}

impl Default for SlotSettings {
    fn default() -> Self {
        SlotSettings {
            python: PathBuf::from("/usr/bin/python3"),
            isolation: Isolation::Namespaces,
            job_memory_bytes: 1 << 30,
            job_processes: 64,
            scratch_bytes: 64 << 20,
            environment: None,
            count_instructions: false,
        }
    }
}

/// Memory the worker itself may need beyond a job's own, where the job is
/// limited by its address space.
pub const WORKER_MEMORY_BYTES: u64 = 256 << 20;

/// The worker's own share of the slot's cgroup where the cgroup is what
/// limits the job: the fork server's resident size, with room to spare.
pub const WORKER_RESIDENT_BYTES: u64 = 48 << 20;

/// Processes and threads a compile may have (`go build` and the JVM start
/// many threads).
pub const COMPILE_PROCESSES: u64 = 256;

/// The sandbox spec of slot `slot` for `language`. `build_dir` is the
/// pool's build cache, shown read-only at [`BUILD_MOUNT`].
pub fn slot_spec(
    language: Language,
    slot: usize,
    settings: &SlotSettings,
    build_dir: Option<&Path>,
) -> SandboxSpec {
    let _ = language;
    let mut files = SandboxSpec::default_etc_files();
    files.push((
        ".verdict/worker.py".into(),
        PYTHON_WORKER.as_bytes().to_vec(),
    ));
    files.push((".verdict/boot.py".into(), PYTHON_BOOT.as_bytes().to_vec()));
    files.push((
        ".verdict/unittests.py".into(),
        PYTHON_UNITTESTS.as_bytes().to_vec(),
    ));
    files.push((
        ".verdict/tracing.py".into(),
        PYTHON_TRACING.as_bytes().to_vec(),
    ));
    let mut binds = SandboxSpec::default_binds();
    binds.extend(toolchains().binds.iter().cloned());
    if let Some(dir) = build_dir {
        binds.push(Bind {
            source: dir.into(),
            target: BUILD_MOUNT.into(),
            optional: false,
        });
    }
    let mut env = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("LC_ALL".into(), "C.UTF-8".into()),
    ];
    let mut python = settings.python.display().to_string();
    let mut loopback = false;
    if let Some(environment) = &settings.environment {
        binds.push(Bind {
            source: environment.dir.clone(),
            target: environment.dir.clone(),
            optional: false,
        });
        python = environment.dir.join("bin/python3").display().to_string();
        env[0].1 = format!("{}:{}", environment.dir.join("bin").display(), env[0].1);
        env.extend(environment.env.iter().cloned());
        env.push(("VERDICT_PRELOAD".into(), environment.preload.join(",")));
        loopback = environment.loopback;
    }
    SandboxSpec {
        isolation: settings.isolation,
        slot,
        binds,
        files,
        work_bytes: settings.scratch_bytes,
        tmp_bytes: settings.scratch_bytes,
        argv: vec![
            python,
            "-I".into(),
            "-B".into(),
            "{root}/.verdict/boot.py".into(),
        ],
        env,
        max_open_files: 1024,
        cgroup: Some(CgroupLimits {
            memory_bytes: settings.job_memory_bytes + WORKER_MEMORY_BYTES,
            pids: settings.job_processes.max(COMPILE_PROCESSES) + 16,
        }),
        loopback,
    }
}

#[cfg(test)]
mod tests {
    use super::PYTHON_BOOT;
    use std::path::PathBuf;
    use std::process::{Command, Output};

    /// Runs `boot.py` beside a `worker.py` with `worker_source`.
    fn boot(name: &str, worker_source: &str) -> (Output, PathBuf) {
        let dir = std::env::temp_dir().join(format!("verdict-boot-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("boot.py"), PYTHON_BOOT).unwrap();
        std::fs::write(dir.join("worker.py"), worker_source).unwrap();
        let output = Command::new("/usr/bin/python3")
            .args(["-I", "-B"])
            .arg(dir.join("boot.py"))
            .output()
            .expect("running /usr/bin/python3");
        let worker = dir.join("worker.py");
        let _ = std::fs::remove_dir_all(&dir);
        (output, worker)
    }

    #[test]
    fn boot_runs_the_worker_as_main_under_its_own_file_name() {
        let (output, worker) = boot(
            "main",
            "import sys\nprint(__name__, __file__)\ndef f():\n    raise ValueError('x')\ntry:\n    f()\nexcept ValueError as e:\n    print(e.__traceback__.tb_next.tb_frame.f_code.co_filename)\n",
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{output:?}");
        let worker = worker.display();
        assert_eq!(stdout, format!("__main__ {worker}\n{worker}\n"));
    }

    #[test]
    fn boot_reports_a_broken_worker_with_its_file_and_line() {
        let (output, worker) = boot("broken", "x = 1\ndef f(:\n    pass\n");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert!(stderr.contains("SyntaxError"), "{stderr}");
        assert!(
            stderr.contains(&format!("File \"{}\", line 2", worker.display())),
            "{stderr}"
        );
    }
}
