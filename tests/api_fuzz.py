"""Runs schemathesis over the API's OpenAPI document with every check, against a running server.

Used by tests/test_api_fuzz.py (against the test's live server) and bench/fuzz_api.py (a bigger run,
against a running server). The settings shared by both, and by the
schemathesis command line, are in schemathesis.toml at the root of the repository.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

CONFIG_FILE = Path(__file__).resolve().parent.parent / "schemathesis.toml"
OPENAPI_PATH = "/api/openapi.json"
# What `schemathesis run --checks all` runs on an OpenAPI document (schemathesis 4.x): a run must show each.
ALL_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)


@dataclass
class Failure:
    operation: str
    check: str
    case_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.check} ({self.case_id}) {self.message[:600]}"


@dataclass
class Outcome:
    operations: int = 0
    cases: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"schemathesis: {self.operations} operations, {self.cases} test cases, "
            f"{sum(self.checks.values())} checks run ({len(self.checks)} kinds), "
            f"{len(self.failures)} failures, {len(self.errors)} errors, {self.seconds:.1f} s",
            "responses: " + ", ".join(f"{code} {count}" for code, count in sorted(self.statuses.items())),
            "checks: " + ", ".join(f"{name} {count}" for name, count in sorted(self.checks.items())),
        ]
        lines += [f"  FAIL {failure}" for failure in self.failures[:40]]
        lines += [f"  ERROR {error}" for error in self.errors[:20]]
        return "\n".join(lines)


def config(
    *, token: str, max_examples: int, seed: int, phases: list[str] | None = None, workers: int = 1
) -> SchemathesisConfig:
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text())
    data["headers"] = {"Authorization": f"Bearer {token}"}
    data["seed"] = seed
    data["workers"] = workers
    data.setdefault("generation", {})["max-examples"] = max_examples
    if phases is not None:
        data["phases"] = {
            name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing", "stateful")
        }
    return SchemathesisConfig.from_dict(data, base_dir=str(CONFIG_FILE.parent))


def url_schema(base: str, cfg: SchemathesisConfig):
    return schemathesis.openapi.from_url(base.rstrip("/") + OPENAPI_PATH, config=cfg)


def run(schema) -> Outcome:
    """Every phase the configuration enables, every check; what failed, by operation and check."""
    outcome = Outcome()
    operations: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.update(node.value.operation.label for node in event.recorder.cases.values())
            outcome.cases += len(event.recorder.cases)
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    outcome.statuses[interaction.response.status_code] += 1
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    outcome.checks[check.name] += 1
                    if check.status == Status.FAILURE:
                        info = check.failure_info
                        message = f"{info.failure.title}: {info.code_sample}" if info is not None else ""
                        label = event.recorder.cases[case_id].value.operation.label
                        outcome.failures.append(Failure(label, check.name, case_id, message))
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            outcome.seconds = event.running_time
            outcome.failures += [Failure("(after run)", f.title, "", f.message) for f in event.failures]
    outcome.operations = len(operations)
    return outcome
