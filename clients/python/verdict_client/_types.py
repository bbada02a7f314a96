"""Typed answers of the API (the whole JSON object stays in `raw`)."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class RunResult:
    """`POST /v1/run`'s answer: the object `verdict run --json` prints."""

    status: str
    exit_code: Optional[int]
    signal: Optional[int]
    stdout: str
    stderr: str
    wall_ms: float
    cpu_ms: float
    peak_memory_bytes: int
    raw: Dict[str, Any] = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "RunResult":
        return cls(
            status=value.get("status", ""),
            exit_code=value.get("exit_code"),
            signal=value.get("signal"),
            stdout=value.get("stdout", ""),
            stderr=value.get("stderr", ""),
            wall_ms=float(value.get("wall_ms") or 0.0),
            cpu_ms=float(value.get("cpu_ms") or 0.0),
            peak_memory_bytes=int(value.get("peak_memory_bytes") or 0),
            raw=value,
        )


@dataclass
class JudgeResult:
    """`POST /v1/judge`'s answer."""

    passed: bool
    status: str
    tests: List[Dict[str, Any]]
    traces: List[Dict[str, Any]]
    raw: Dict[str, Any] = field(repr=False)

    @property
    def fraction_passed(self) -> float:
        """The share of the tests run that passed (1.0 or 0.0 when the
        answer has no per-test list)."""
        if not self.tests:
            return 1.0 if self.passed else 0.0
        return sum(1 for t in self.tests if t.get("passed")) / len(self.tests)

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "JudgeResult":
        return cls(
            passed=bool(value.get("passed")),
            status=value.get("status", ""),
            tests=list(value.get("tests") or []),
            traces=list(value.get("traces") or []),
            raw=value,
        )
