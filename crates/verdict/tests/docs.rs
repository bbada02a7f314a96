//! The manual stays true: every `verdict …` command line that README.md and
//! docs/*.md show parses with the real binary, every relative link in them
//! resolves (to a file, and to a heading where it names one), and the lists
//! of benchmarks and languages in `--help`, the OpenAPI document and the
//! docs are the lists the code holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use verdict_eval::benchmarks::Benchmark;
use verdict_exec::Language;

/// The workspace root (this crate is `crates/verdict`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// README.md and every docs/*.md, as (path relative to the root, text).
fn pages() -> Vec<(String, String)> {
    let root = root();
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("reading docs/")
        .map(|entry| entry.expect("reading docs/").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name))
                .unwrap_or_else(|e| panic!("reading {name}: {e}"));
            (name, text)
        })
        .collect()
}

/// Where a command line was found.
#[derive(Debug)]
struct Shown {
    page: String,
    line: usize,
    /// The words after `verdict`, cut where shell syntax begins.
    words: Vec<String>,
    /// Whether it is a whole line of a code block (then it is run with
    /// `--help`), or a fragment quoted in prose (then its flags are looked up).
    whole: bool,
}

impl Shown {
    fn describe(&self) -> String {
        format!(
            "{}:{}: `verdict {}`",
            self.page,
            self.line,
            self.words.join(" ")
        )
    }
}

/// Splits a shell line into words, keeping quoted strings whole, and stops
/// at the first pipe, list operator, redirection or comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        if first == '#' || first == '|' || first == '&' || first == ';' {
            break;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '\'' | '"' => {
                    for q in chars.by_ref() {
                        if q == c {
                            break;
                        }
                        word.push(q);
                    }
                }
                _ => word.push(c),
            }
        }
        let redirection = word.starts_with('<')
            || word.starts_with('>')
            || word.starts_with("2>")
            || word.starts_with("&>");
        if redirection {
            break;
        }
        words.push(word);
    }
    words
}

/// The words of a `verdict …` command in `text`, if it is one (`verdict` or
/// `./target/release/verdict` first).
fn verdict_words(text: &str) -> Option<Vec<String>> {
    let words = shell_words(text);
    let first = words.first()?;
    (first == "verdict" || first.ends_with("/target/release/verdict")).then(|| words[1..].to_vec())
}

/// Every `verdict …` command the pages show: each line (or `&&`/`;` part of
/// a line) of a shell code block (tagged `sh`, `bash`, `shell`, `console` or
/// nothing), and each inline code span outside code blocks.
fn shown_commands() -> Vec<Shown> {
    let mut shown = Vec::new();
    for (page, text) in pages() {
        let mut fenced = false;
        let mut shell = false;
        let mut continued = String::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            if let Some(info) = line.trim_start().strip_prefix("```") {
                fenced = !fenced;
                shell = fenced && matches!(info.trim(), "" | "sh" | "bash" | "shell" | "console");
                continue;
            }
            if fenced && !shell {
                continue;
            }
            if fenced {
                let joined = format!("{continued}{line}");
                if let Some(stripped) = joined.strip_suffix('\\') {
                    continued = format!("{stripped} ");
                    continue;
                }
                continued.clear();
                for part in joined.split("&&").flat_map(|p| p.split(';')) {
                    let part = part.trim().trim_start_matches("$ ");
                    if let Some(words) = verdict_words(part) {
                        shown.push(Shown {
                            page: page.clone(),
                            line: line_no,
                            words,
                            whole: true,
                        });
                    }
                }
            } else {
                for span in inline_code(line) {
                    if let Some(words) = verdict_words(span) {
                        shown.push(Shown {
                            page: page.clone(),
                            line: line_no,
                            words,
                            whole: false,
                        });
                    }
                }
            }
        }
        assert!(!fenced, "{page}: a code block is not closed");
    }
    shown
}

/// The inline code spans of one line of markdown (single backticks).
fn inline_code(line: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        spans.push(&after[..end]);
        rest = &after[end + 1..];
    }
    spans
}

fn verdict(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .output()
        .expect("running verdict")
}

/// The help text of `verdict <path> --help`.
fn help(path: &[String]) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let output = verdict(&args);
    assert!(
        output.status.success(),
        "`verdict {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The subcommands a help text lists under `Commands:` (without `help`).
fn subcommands_in(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The flags (`--json`, `-k`) a help text documents.
fn flags_in(help: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for word in help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']') {
        let word = word.split(['=', '<']).next().unwrap_or("");
        let long = word.starts_with("--") && word.len() > 2;
        let short = word.len() == 2 && word.starts_with('-') && word != "--";
        if long || short {
            flags.insert(word.to_string());
        }
    }
    flags
}

/// Every command path (`[]`, `["run"]`, `["data", "fetch"]`, …) with its
/// subcommands and flags.
fn command_tree() -> BTreeMap<Vec<String>, (Vec<String>, BTreeSet<String>)> {
    let mut tree = BTreeMap::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let text = help(&path);
        let subs = subcommands_in(&text);
        for sub in &subs {
            let mut child = path.clone();
            child.push(sub.clone());
            todo.push(child);
        }
        tree.insert(path, (subs, flags_in(&text)));
    }
    tree
}

/// Why one shown command does not parse, if it does not.
fn check_command(
    shown: &Shown,
    tree: &BTreeMap<Vec<String>, (Vec<String>, BTreeSet<String>)>,
) -> Result<(), String> {
    let mut path: Vec<String> = Vec::new();
    let mut rest = shown.words.as_slice();
    while let Some((word, tail)) = rest.split_first() {
        let (subs, _) = &tree[&path];
        if !subs.contains(word) {
            break;
        }
        path.push(word.clone());
        rest = tail;
    }
    let (subs, flags) = &tree[&path];
    if !subs.is_empty() {
        let word = rest.first().map_or("", String::as_str);
        let placeholder = word.is_empty() || word.contains('…') || word.contains("...");
        if !placeholder || shown.whole {
            return Err(format!(
                "`{word}` is not a subcommand of `verdict {}` (known: {})",
                path.join(" "),
                subs.join(", ")
            ));
        }
        return Ok(());
    }
    for word in rest.iter().filter(|w| w.starts_with('-') && w.len() > 1) {
        let name = word.split('=').next().unwrap_or(word);
        if !flags.contains(name) {
            return Err(format!(
                "`verdict {}` has no option `{name}`",
                path.join(" ")
            ));
        }
    }
    if shown.whole {
        let mut args: Vec<&str> = shown.words.iter().map(String::as_str).collect();
        args.push("--help");
        let output = verdict(&args);
        if !output.status.success() {
            return Err(format!(
                "`verdict {}` exits {}: {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_command_line_the_docs_show_parses() {
    let tree = command_tree();
    let shown = shown_commands();
    assert!(
        shown.iter().filter(|s| s.whole).count() >= 20,
        "expected the docs to show many command lines, found {}",
        shown.len()
    );
    let failures: Vec<String> = shown
        .iter()
        .filter_map(|s| {
            check_command(s, &tree)
                .err()
                .map(|why| format!("{}: {why}", s.describe()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "command lines in the docs that do not parse:\n{}",
        failures.join("\n")
    );
}

/// The shell-word splitter and the flag check catch what they are for.
#[test]
fn the_command_check_catches_a_renamed_flag() {
    assert_eq!(
        shell_words("eval --samples s.jsonl -k 1,10 | jq . # comment"),
        ["eval", "--samples", "s.jsonl", "-k", "1,10"]
    );
    assert_eq!(
        shell_words("run --lang python - --json < prog.py"),
        ["run", "--lang", "python", "-", "--json"]
    );
    let tree = command_tree();
    let bad = Shown {
        page: "test".into(),
        line: 1,
        words: vec!["eval".into(), "--no-such-flag".into()],
        whole: false,
    };
    assert!(check_command(&bad, &tree).is_err());
    let bad_whole = Shown {
        whole: true,
        words: vec!["eval".into(), "--time-limit".into(), "soon".into()],
        ..bad
    };
    assert!(check_command(&bad_whole, &tree).is_err());
}

/// GitHub's anchor for a heading: lowercase, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown text's headings (outside code blocks), with
/// GitHub's `-1`, `-2` suffixes for repeats.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        if fenced {
            continue;
        }
        let base = slug(heading.trim_start_matches('#'));
        let count = seen.entry(base.clone()).or_insert(0);
        anchors.insert(match *count {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        });
        *count += 1;
    }
    anchors
}

/// The targets of the markdown links `[text](target)` of a text, outside
/// code blocks and code spans, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    let mut fenced = false;
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut prose = String::new();
        for (i, piece) in line.split('`').enumerate() {
            if i % 2 == 0 {
                prose.push_str(piece);
            } else {
                prose.push_str("code");
            }
        }
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            links.push((index + 1, after[..end].to_string()));
            rest = &after[end + 1..];
        }
    }
    links
}

#[test]
fn every_link_in_the_docs_resolves() {
    let root = root();
    let mut failures = Vec::new();
    for (page, text) in pages() {
        let dir = Path::new(&page)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                root.join(&page)
            } else {
                root.join(&dir).join(file)
            };
            if !path.exists() {
                failures.push(format!("{page}:{line}: `{target}`: no such file"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("reading a linked page");
                if !anchors(&text).contains(anchor) {
                    failures.push(format!("{page}:{line}: `{target}`: no such heading"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "links in the docs that do not resolve:\n{}",
        failures.join("\n")
    );
}

#[test]
fn github_slugs_are_computed_as_github_computes_them() {
    assert_eq!(slug(" `verdict run --json`"), "verdict-run---json");
    assert_eq!(
        slug(" check()-style benchmarks: HumanEval and MBPP"),
        "check-style-benchmarks-humaneval-and-mbpp"
    );
    assert!(anchors("# A\n## A\n```\n# not a heading\n```\n").contains("a-1"));
}

/// Every benchmark name the code knows: the registry's.
fn benchmark_names() -> Vec<&'static str> {
    Benchmark::all().map(|b| b.name()).collect()
}

/// `name` appears in `text` as a code span of its own (`` `name` ``).
fn mentions(text: &str, name: &str) -> bool {
    text.contains(&format!("`{name}`"))
}

fn page(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

#[test]
fn every_benchmark_is_in_the_help_the_openapi_document_and_the_docs() {
    let eval_help = help(&["eval".to_string()]);
    let fetch_help = help(&["data".to_string(), "fetch".to_string()]);
    let (readme, benchmarks) = (page("README.md"), page("docs/benchmarks.md"));
    let mut missing = Vec::new();
    for name in benchmark_names() {
        if !eval_help.contains(name) {
            missing.push(format!("`verdict eval --help` does not name `{name}`"));
        }
        for (file, text) in [("README.md", &readme), ("docs/benchmarks.md", &benchmarks)] {
            if !mentions(text, name) {
                missing.push(format!("{file} does not name `{name}`"));
            }
        }
    }
    let listing = String::from_utf8_lossy(&verdict(&["benchmarks"]).stdout).into_owned();
    for name in benchmark_names() {
        if !listing.contains(name) {
            missing.push(format!("`verdict benchmarks` does not name `{name}`"));
        }
    }
    for benchmark in Benchmark::all().filter(|b| b.data_file().is_some()) {
        if !fetch_help.contains(benchmark.name()) {
            missing.push(format!(
                "`verdict data fetch --help` does not name `{benchmark}`"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    let openapi = verdict_server::openapi_document();
    let schema = &openapi["paths"]["/v1/evaluate"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let listed: Vec<&str> = schema["properties"]["benchmark"]["enum"]
        .as_array()
        .expect("/v1/evaluate's benchmark has an enum")
        .iter()
        .map(|v| v.as_str().expect("a benchmark name"))
        .collect();
    assert_eq!(
        listed,
        benchmark_names(),
        "the OpenAPI document's benchmarks for /v1/evaluate are not the registry's"
    );
}

#[test]
fn every_language_is_in_verdict_languages_and_the_docs() {
    let output = verdict(&["languages", "--json"]);
    assert!(output.status.success(), "`verdict languages --json` failed");
    let listed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("`verdict languages --json` prints JSON");
    let listed: Vec<&str> = listed
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|l| l["language"].as_str().expect("each language has a name"))
        .collect();
    let known: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
    assert_eq!(listed, known, "`verdict languages` is not Language::ALL");
    let (readme, languages) = (page("README.md"), page("docs/languages.md"));
    let mut missing = Vec::new();
    for name in known {
        if !mentions(&languages, name) {
            missing.push(format!("docs/languages.md does not name `{name}`"));
        }
        if !readme
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == name)
        {
            missing.push(format!("README.md does not name {name}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
