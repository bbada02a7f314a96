use super::*;
use crate::test_data_dir;

fn load(benchmark: Benchmark) -> TaskSet {
    let path = test_data_dir().join(benchmark.data_path());
    TaskSet::load(benchmark, &path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn human_eval_loads_and_builds_the_official_check_program() {
    let set = load(Benchmark::HUMANEVAL);
    assert_eq!(set.tasks().len(), 164);
    let task = set.get(&TaskId::Str("HumanEval/0".into())).unwrap();
    assert_eq!(task.entry_point, "has_close_elements");
    assert_eq!(task.line, 1);
    assert!(task.raw.starts_with("{\"task_id\": \"HumanEval/0\""));
    assert!(set.get(&TaskId::Int(163)).is_some());
    let p = Benchmark::HUMANEVAL.check_program(task, SampleCode::Completion("    return True\n"));
    assert_eq!(p.program, format!("{}    return True\n", task.prompt));
    assert_eq!(p.check_call.as_deref(), Some("check(has_close_elements)"));
    assert_eq!(
        p.full_source(),
        format!(
            "{}    return True\n\n{}\ncheck(has_close_elements)",
            task.prompt, task.test
        )
    );
    let s = Benchmark::HUMANEVAL.check_program(task, SampleCode::Solution("def f(): pass"));
    assert_eq!(s.program, "def f(): pass");
}

#[test]
fn human_eval_example_problem() {
    let path = test_data_dir().join("humaneval/example_problem.jsonl");
    let set = TaskSet::load(Benchmark::HUMANEVAL, &path).unwrap();
    let task = set.get_key("test/0").unwrap();
    let p = Benchmark::HUMANEVAL.check_program(task, SampleCode::Completion("    return 1"));
    assert_eq!(
        p.full_source(),
        "def return1():\n    return 1\ndef check(candidate):\n    assert candidate() == 1\ncheck(return1)"
    );
}

#[test]
fn mbpp_full_file() {
    let set = load(Benchmark::MBPP);
    assert_eq!(set.tasks().len(), 974);
    let task = set.get(&TaskId::Int(2)).unwrap();
    assert_eq!(task.task_id, "2");
    assert_eq!(task.entry_point, "similar_elements");
    assert_eq!(task.prompt, "");
    assert!(
        task.description
            .as_deref()
            .unwrap()
            .starts_with("Write a function to find the similar elements")
    );
    assert!(
        task.test.starts_with(
            "\nassert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)\nassert "
        )
    );
    for id in [TaskId::Str("2".into()), TaskId::Str("Mbpp/2".into())] {
        assert_eq!(set.get(&id).unwrap().task_id, "2");
    }
    let p = Benchmark::MBPP.check_program(
        task,
        SampleCode::Completion("def similar_elements(a, b): ..."),
    );
    assert_eq!(p.program, "def similar_elements(a, b): ...");
    assert_eq!(p.check_call, None);
    assert_eq!(
        p.full_source(),
        format!("def similar_elements(a, b): ...\n{}", task.test)
    );
    // Every entry point is a function the reference code defines.
    for t in set.tasks() {
        let def = format!("def {}", t.entry_point);
        assert!(
            t.canonical_solution.contains(&def),
            "task {}: {}",
            t.task_id,
            t.entry_point
        );
    }
    let with_setup = set
        .tasks()
        .iter()
        .filter(|t| !t.test.starts_with('\n'))
        .count();
    assert_eq!(with_setup, 2);
}

#[test]
fn human_eval_plus() {
    let set = load(Benchmark::HUMANEVAL_PLUS);
    assert_eq!(set.tasks().len(), 164);
    let task = set.get_key("HumanEval/32").unwrap();
    assert_eq!(task.entry_point, "find_zero");
    assert_eq!(
        Benchmark::HUMANEVAL_PLUS.oracle(&task.entry_point),
        Some(SpecialOracle::FindZero)
    );
    let plus = task.plus.as_ref().unwrap();
    assert!(!plus.base_input.is_empty() && plus.plus_input.len() > plus.base_input.len());
    assert_eq!(plus.atol, 1e-4);
    // Integers wider than 64 bits survive exactly.
    fn has_wide_int(v: &PyValue) -> bool {
        match v {
            PyValue::Int(s) => s.trim_start_matches('-').len() > 20,
            PyValue::List(items) | PyValue::Tuple(items) | PyValue::Set(items) => {
                items.iter().any(has_wide_int)
            }
            PyValue::Dict(items) => items
                .iter()
                .any(|(k, v)| has_wide_int(k) || has_wide_int(v)),
            _ => false,
        }
    }
    let wide = set
        .tasks()
        .iter()
        .flat_map(|t| t.plus.as_ref().unwrap().plus_input.iter())
        .filter(|inp| has_wide_int(inp))
        .count();
    assert!(wide > 100, "{wide}");
    let p = Benchmark::HUMANEVAL_PLUS.check_program(task, SampleCode::Completion("    pass\n"));
    assert_eq!(p.program, format!("{}    pass\n", task.prompt));
}

#[test]
fn mbpp_plus_with_deserialized_inputs() {
    let set = load(Benchmark::MBPP_PLUS);
    assert_eq!(set.tasks().len(), 399);
    let task = set.get(&TaskId::Int(2)).unwrap();
    assert_eq!(task.task_id, "Mbpp/2");
    assert!(
        task.test
            .starts_with("\nassert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)")
    );
    let plus = task.plus.as_ref().unwrap();
    assert_eq!(
        plus.base_input[0].to_python(),
        "[(3, 4, 5, 6), (5, 7, 4, 10)]"
    );
    assert_eq!(
        Benchmark::MBPP_PLUS.oracle("similar_elements"),
        Some(SpecialOracle::SetEq)
    );

    let inf = set.get_key("Mbpp/404").unwrap().plus.as_ref().unwrap();
    assert!(
        inf.plus_input
            .iter()
            .any(|i| i.to_python() == "[-1e999, 1e999]")
    );

    let c = set.get_key("Mbpp/124").unwrap().plus.as_ref().unwrap();
    assert_eq!(c.base_input[0].to_python(), "(0.0, complex(0.0, 1.0))");
    let c = set.get_key("Mbpp/252").unwrap().plus.as_ref().unwrap();
    assert_eq!(c.base_input[0].to_python(), "[complex(1.0, 0.0)]");
    assert!(
        c.plus_input
            .iter()
            .any(|i| i.to_python() == "[complex(1.0, 2.0)]")
    );
    let s = set.get_key("Mbpp/115").unwrap().plus.as_ref().unwrap();
    assert_eq!(s.base_input[1].to_python(), "[[{1, 2}, {}, {}]]");
    // `"plus_input": {}` reads as no inputs, as EvalPlus iterates it.
    assert!(
        set.get_key("Mbpp/793")
            .unwrap()
            .plus
            .as_ref()
            .unwrap()
            .plus_input
            .is_empty()
    );
}

#[test]
fn benchmark_names_and_task_keys() {
    for b in Benchmark::all() {
        assert_eq!(b.name().parse::<Benchmark>().unwrap(), b);
        assert_eq!(b.to_string(), b.name());
    }
    assert_eq!("MBPP+".parse::<Benchmark>().unwrap(), Benchmark::MBPP_PLUS);
    assert_eq!("stdio".parse::<Benchmark>().unwrap(), Benchmark::STDIO);
    assert_eq!(
        "multiple-rs".parse::<Benchmark>().unwrap(),
        Benchmark::multiple(verdict_exec::Language::Rust).unwrap()
    );
    let unknown = "apps".parse::<Benchmark>().unwrap_err().to_string();
    assert!(
        unknown.starts_with("unknown benchmark `apps` (known: humaneval, mbpp, humaneval-plus, mbpp-plus, multipl-e-cpp,"),
        "{unknown}"
    );
    let lua = "multipl-e-lua"
        .parse::<Benchmark>()
        .unwrap_err()
        .to_string();
    assert!(lua.contains("luaunit"), "{lua}");
    assert_eq!(
        Benchmark::MBPP_PLUS.task_key(&TaskId::Str("7".into())),
        "Mbpp/7"
    );
    assert_eq!(
        Benchmark::HUMANEVAL.task_key(&TaskId::Int(3)),
        "HumanEval/3"
    );
    assert_eq!(
        Benchmark::HUMANEVAL.task_key(&TaskId::Str("test/0".into())),
        "test/0"
    );
    assert_eq!(
        Benchmark::MBPP.task_key(&TaskId::Str("Mbpp/x".into())),
        "Mbpp/x"
    );
}

fn problems_error(benchmark: Benchmark, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.jsonl");
    std::fs::write(&path, text).unwrap();
    let err = TaskSet::load(benchmark, &path).unwrap_err();
    err.to_string().replace(&path.display().to_string(), "FILE")
}

#[test]
fn problems_file_errors_name_file_line_and_field() {
    let good = r#"{"task_id": "t/0", "prompt": "", "entry_point": "f", "canonical_solution": "", "test": ""}"#;
    assert_eq!(
        problems_error(
            Benchmark::HUMANEVAL,
            &format!("{good}\n\n{{\"task_id\": \"t/1\"}}\n")
        ),
        "problems file `FILE` line 3: missing field `prompt`"
    );
    assert_eq!(
        problems_error(Benchmark::HUMANEVAL, &format!("{good}\n{good}\n")),
        "problems file `FILE` line 2: duplicate task id `t/0`"
    );
    assert_eq!(
        problems_error(Benchmark::HUMANEVAL, "{\"task_id\": 5}\n"),
        "problems file `FILE` line 1: field `task_id`: expected a string"
    );
    assert_eq!(
        problems_error(Benchmark::HUMANEVAL, "{\"task_id\": \n"),
        "problems file `FILE` line 1: invalid json: expected a value, found the end at byte 12"
    );
    assert_eq!(
        problems_error(Benchmark::HUMANEVAL, "\n"),
        "problems file `FILE` has no tasks"
    );
    let plus = r#"{"task_id": "Mbpp/2", "prompt": "", "entry_point": "f", "canonical_solution": "", "assertion": "", "contract": "", "atol": 0, "base_input": [[1]], "plus_input": []}"#;
    assert_eq!(
        problems_error(Benchmark::MBPP_PLUS, plus),
        "problems file `FILE` line 1: field `base_input`: input 0: 'int' object is not iterable"
    );
    assert_eq!(
        problems_error(
            Benchmark::MBPP,
            r#"{"task_id": 1, "text": "", "code": "", "test_list": [1]}"#
        ),
        "problems file `FILE` line 1: field `test_list`: expected a list of strings"
    );
    let missing = problems_error(Benchmark::HUMANEVAL, "");
    assert_eq!(missing, "problems file `FILE` has no tasks");
    let err = TaskSet::load(Benchmark::HUMANEVAL, Path::new("/nonexistent/p.jsonl")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "opening problems file `/nonexistent/p.jsonl`"
    );
}
