"""The one result model every report is rendered from: Finding -> CheckResult -> RunResult."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from .requirements import AbstractTest


class Outcome(str, Enum):
    """Verdict of one abstract test. Maps onto EARL (passed/failed/cantTell/inapplicable) and JUnit."""

    PASSED = "pass"
    FAILED = "fail"
    WARNING = "warn"
    SKIPPED = "skip"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken expectation: which requirement, which request, what was expected and what came."""

    requirement: str
    method: str
    url: str
    expected: str
    got: str
    detail: str = ""
    severity: str = "failure"  # or "warning" (recommendations, leniencies)

    @property
    def headline(self) -> str:
        where = f" {self.method} {self.url}" if self.url else ""
        return f"[{self.requirement}]{where}: expected {self.expected}, got {self.got}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(slots=True)
class CheckResult:
    """Outcome of running one abstract test against the server."""

    test: AbstractTest
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "failure"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def headline(self) -> str:
        if self.outcome is Outcome.SKIPPED:
            return f"[{self.test.id}] skipped: {self.reason}"
        if self.failures:
            return self.failures[0].headline
        if self.warnings:
            return self.warnings[0].headline
        return self.reason or f"[{self.test.id}] passed"

    def to_dict(self) -> dict[str, object]:
        first = (self.failures or self.warnings or [None])[0]
        return {
            "id": self.test.id,
            "number": self.test.number,
            "requirement": self.test.requirement,
            "class": self.test.conf_class,
            "title": self.test.title,
            "verdict": self.outcome.value,
            "message": self.headline if self.outcome is not Outcome.PASSED else "",
            "method": first.method if first else "",
            "url": first.url if first else "",
            "duration": round(self.duration, 4),
            "reason": self.reason,
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.findings],
        }
