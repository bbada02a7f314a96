"""Reward functions for RL trainers, scored by a verdict server.

verl: `compute_score(data_source, solution_str, ground_truth, extra_info)`,
the signature of verl's `reward_score` functions (set it as the custom reward
function). TRL: `trl_reward(...)` gives a function for `GRPOTrainer`'s
`reward_funcs` (a list of completions in, a list of floats out), judging the
batch concurrently.

The ground truth (a dict, or its JSON text) is one of:
  {"inputs": [stdin, ...], "outputs": [stdout, ...]}            stdin/stdout cases
  {"fn_name": f, "inputs": [[args], ...], "outputs": [ret, ...]} calls of f (APPS's, TACO's call-based form)
  {"test": code, "entry_point": f}                              check()-style test code (HumanEval, MBPP)
The score is 1.0 when every test passes and 0.0 otherwise, or with
`continuous=True` the share of tests passed. The code is the last fenced
block of the answer that defines the function (or the last fenced block, or
the whole answer).

The server is `VERDICT_URL` (default http://127.0.0.1:8080), with the token in
`VERDICT_TOKEN`, unless a client is given.
"""

import concurrent.futures
import json
import os
import re
from typing import Any, Callable, Dict, List, Optional, Union

from ._client import Client

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)
_DEFAULT: Optional[Client] = None


def default_client() -> Client:
    global _DEFAULT
    if _DEFAULT is None:
        urls = [u for u in os.environ.get("VERDICT_URL", "http://127.0.0.1:8080").split(",") if u]
        _DEFAULT = Client(urls, token=os.environ.get("VERDICT_TOKEN") or None)
    return _DEFAULT


def extract_code(text: str, entry_point: Optional[str] = None) -> str:
    """The code in a model's answer: the last fenced block that defines
    `entry_point`, else the last fenced block, else the answer itself. A
    linear scan: long answers cost no more than their length."""
    blocks = [m.group(2) for m in FENCE.finditer(text)]
    if not blocks:
        return text
    if entry_point:
        defining = re.compile(r"^\s*(async\s+)?def\s+%s\s*\(" % re.escape(entry_point), re.M)
        for block in reversed(blocks):
            if defining.search(block):
                return block
    return blocks[-1]


def _tests(ground_truth: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
    tests = json.loads(ground_truth) if isinstance(ground_truth, (str, bytes)) else ground_truth
    if not isinstance(tests, dict):
        raise ValueError("the ground truth is not a dict (or its JSON text)")
    return tests


def _language(extra_info: Optional[Dict[str, Any]]) -> str:
    return (extra_info or {}).get("language", "python") if isinstance(extra_info, dict) else "python"


def score(client: Client, solution_str: str, ground_truth: Union[str, Dict[str, Any]],
          extra_info: Optional[Dict[str, Any]] = None, continuous: bool = False) -> float:
    """The reward of one answer (see the module's text)."""
    tests = _tests(ground_truth)
    limits = (extra_info or {}).get("limits") if isinstance(extra_info, dict) else None
    if "test" in tests:
        entry = tests.get("entry_point")
        code = extract_code(solution_str, entry)
        result = client.judge(code, test=tests["test"], entry_point=entry, limits=limits)
        return 1.0 if result.passed else 0.0
    inputs, outputs = tests.get("inputs") or [], tests.get("outputs") or []
    if len(inputs) != len(outputs) or not inputs:
        raise ValueError("the ground truth needs as many `outputs` as `inputs`, and at least one")
    if tests.get("fn_name"):
        code = extract_code(solution_str, tests["fn_name"])
        expected = [o[0] if isinstance(o, list) and len(o) == 1 else o for o in outputs]
        if continuous:
            passed = 0
            for args, want in zip(inputs, expected):
                passed += client.judge(code, entry_point=tests["fn_name"], inputs=[args], expected=[want],
                                       limits=limits).passed
            return passed / len(inputs)
        result = client.judge(code, entry_point=tests["fn_name"], inputs=inputs, expected=expected, limits=limits)
        return 1.0 if result.passed else 0.0
    code = extract_code(solution_str)
    cases = [{"stdin": i, "expected_stdout": o} for i, o in zip(inputs, outputs)]
    result = client.judge(code, cases=cases, language=_language(extra_info), limits=limits,
                          stop_on_first_failure=not continuous)
    return result.fraction_passed if continuous else (1.0 if result.passed else 0.0)


def compute_score(data_source: str, solution_str: str, ground_truth: Union[str, Dict[str, Any]],
                  extra_info: Optional[Dict[str, Any]] = None, client: Optional[Client] = None,
                  continuous: bool = False) -> float:
    """verl's reward function signature; `data_source` is not read."""
    return score(client or default_client(), solution_str, ground_truth, extra_info, continuous)


def trl_reward(client: Optional[Client] = None, ground_truth_column: str = "ground_truth",
               concurrency: int = 16, continuous: bool = False) -> Callable[..., List[float]]:
    """A function for TRL's `reward_funcs`: called with the completions
    (strings, or conversations whose last message is the answer) and the
    dataset's columns, it returns one float per completion, judging them
    `concurrency` at a time. A completion whose judging fails outright
    (the server unreachable) raises."""

    def verdict_reward(completions: List[Any], **columns: Any) -> List[float]:
        truths = columns.get(ground_truth_column)
        if truths is None or len(truths) != len(completions):
            raise ValueError("the dataset needs a `%s` column, one per completion" % ground_truth_column)
        used = client or default_client()

        def one(i: int) -> float:
            completion = completions[i]
            if isinstance(completion, list):
                completion = completion[-1]["content"] if completion else ""
            return score(used, completion, truths[i], None, continuous)

        with concurrent.futures.ThreadPoolExecutor(max(1, concurrency)) as pool:
            return list(pool.map(one, range(len(completions))))

    return verdict_reward
