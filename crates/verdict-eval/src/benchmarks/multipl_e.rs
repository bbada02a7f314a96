//! MultiPL-E's HumanEval in ten languages, one benchmark each: the program
//! is `prompt + completion + "\n" + tests`, compiled and run with
//! MultiPL-E's own commands (`crate::multiple`), and a clean exit passes.
//! The rows are DeepSeek-Coder's pinned copy of MultiPL-E's
//! (byte-identical to Qwen2.5-Coder's).

use verdict_exec::Language;

use super::prompt_then_code;
use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_oracle, no_skip};

macro_rules! multipl_e {
    ($static:ident, $code:literal, $language:expr, $tasks:literal, $sha256:literal) => {
        #[doc = concat!("MultiPL-E's HumanEval in `", $code, "`.")]
        pub static $static: Spec = Spec {
            name: concat!("multipl-e-", $code),
            aliases: &[concat!("multiple-", $code), concat!("humaneval-", $code)],
            title: concat!("MultiPL-E HumanEval, ", $code),
            evaluator: "MultiPL-E's compile and run commands (eval_<lang>.py)",
            tasks: Some($tasks),
            data: Some(DataFile {
                path: concat!("multipl_e/humaneval-", $code, ".jsonl"),
                url: concat!(
                    "https://raw.githubusercontent.com/deepseek-ai/DeepSeek-Coder/",
                    "2f9fd85927c669dae3c0fbb2d607274023af243e/Evaluation/HumanEval/data/humaneval-",
                    $code,
                    ".jsonl"
                ),
                sha256: $sha256,
                gunzip: false,
            }),
            rows: Rows::MultiplE,
            ids: Ids::Verbatim,
            mode: Mode::ExitCode($language),
            // MultiPL-E gives a program 5 to 15 s of wall clock, by language.
            limits: Defaults {
                time_ms: 15_000,
                memory_bytes: 4 << 30,
            },
            oracle: no_oracle,
            demo: None,
            skip: no_skip,
            scoring: Scoring::HumanEval,
            ks: &[1, 10, 100],
            program: prompt_then_code,
            line_order: false,
            calls: CallsRules::EVALPLUS,
        };
    };
}

multipl_e!(
    CPP,
    "cpp",
    Language::Cpp,
    161,
    "8717eabdf202137158c84506144b0fb1e73d5ecccbe5363ec79009ca014df629"
);
multipl_e!(
    JAVA,
    "java",
    Language::Java,
    158,
    "b21b015763452ec4f9f4e0e6425148ec331ace4da1232c8b4d441186185f6265"
);
multipl_e!(
    JS,
    "js",
    Language::JavaScript,
    161,
    "634e2eee8d6e22de07c121b972207683dd96be76256bf44bdfc1a3386b739287"
);
multipl_e!(
    TS,
    "ts",
    Language::TypeScript,
    159,
    "4b1af1050c9f226335d54a8c80553c39454a525cace3e67bdcfcc9092ba02637"
);
multipl_e!(
    RS,
    "rs",
    Language::Rust,
    156,
    "e33f562838e973b7e6b8d76dbc1fb84b076d7426629b4cdc624f12678778d2fa"
);
multipl_e!(
    GO,
    "go",
    Language::Go,
    154,
    "7f5dfe3ff001049b1221e9d21a8119b5cbc38eb87c97fefc5d57fa7adc1df888"
);
multipl_e!(
    SH,
    "sh",
    Language::Bash,
    158,
    "2f702106e9ce4aa7385de568d9248d6c57c90382d782b162cb9e072fbd01ccf8"
);
multipl_e!(
    RB,
    "rb",
    Language::Ruby,
    161,
    "4204395b835019e32d55513325a0fad01c6d382fd1eb97b516f0458d00058302"
);
multipl_e!(
    PHP,
    "php",
    Language::Php,
    161,
    "bebd86875b1d8e65a8b7e692ed7bdf64612b44aa388825ea4dab40c7047c786b"
);
multipl_e!(
    PL,
    "pl",
    Language::Perl,
    161,
    "949048bff3eaea7ae47cd5759042c088a7c227d53c74fe95a80728fd5aefbf77"
);
