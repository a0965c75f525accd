"""The house: rooms depend one way (import contracts), the lifecycle hooks and their order, module sizes,
no import hidden in a function, and each room saying what it is for."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.db import transaction

from putright.cases import hooks, services
from putright.cases.models import Case
from putright.jobs.models import Job
from putright.regulation.models import CaseClock
from tests.conftest import make_report

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "putright"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _python_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts]


# ---------------------------------------------------------------- hooks


def test_the_subscribers_of_every_hook_and_their_order_are_exactly_these():
    in_tx = hooks.Phase.IN_TRANSACTION
    seen = {
        hook.__name__: [(s.name, s.phase) for s in hooks.subscribers(hook)]
        for hook in hooks.HOOKS
        if hooks.subscribers(hook)
    }
    assert seen == {
        "CaseReported": [
            ("putright.regulation.subscribers.on_reported", in_tx),
            ("putright.problems.subscribers.on_reported", in_tx),
        ],
        "CaseClassified": [("putright.regulation.subscribers.on_classified", in_tx)],
        "OptionAgreed": [("putright.regulation.subscribers.on_agreed", in_tx)],
        # Issue 15 §6: progress not yet told goes in the message asking whether it is resolved.
        "CaseDelivered": [("putright.regulation.subscribers.on_delivered", in_tx)],
        "SatisfactionRecorded": [("putright.feedback.subscribers.on_satisfaction", in_tx)],
        "CaseRecordRead": [
            ("putright.resolution.subscribers.on_record_read", in_tx),
            # Issue 14 §4: the handling scorecard is a section of the case record.
            ("putright.quality.subscribers.on_record_read", in_tx),
            # Issue 15 §2: the internal notes are a section of the staff's case record.
            ("putright.notes.subscribers.on_record_read", in_tx),
        ],
        # Issue 14 §4: each case is scored as it closes (duplicates are not).
        "CaseClosed": [("putright.quality.subscribers.on_closed", in_tx)],
        # Issue 15 §5: a closed case reopened restarts only the own resolve clock, and its scorecard is voided.
        "CaseReopened": [
            ("putright.regulation.subscribers.on_reopened", in_tx),
            ("putright.quality.subscribers.on_reopened", in_tx),
        ],
        "SweepTick": [
            ("putright.regulation.subscribers.on_sweep", in_tx),
            # Issue 15 §6: the day's progress message per case (after the clocks' alerts).
            ("putright.regulation.subscribers.on_sweep_progress", in_tx),
            ("putright.monitoring.subscribers.on_sweep", in_tx),
            # Issue 13: keeps the business-day calendar of the metrics filled over the span of the data.
            ("putright.insights.subscribers.on_sweep", in_tx),
            # Issue 14 §3: alerts a procedure's owner once when its review date has passed.
            ("putright.procedures.subscribers.on_sweep", in_tx),
            # Issue 14 §2: alerts an improvement's owner once its review date has come.
            ("putright.improvements.subscribers.on_sweep", in_tx),
        ],
    }


def test_subscribing_twice_is_ignored_and_an_unknown_hook_or_phase_is_refused():
    before = hooks.subscribers(hooks.CaseReopened)
    handler = hooks.subscribers(hooks.CaseReported)[0].handler
    hooks.subscribe(hooks.CaseReported, handler, phase=hooks.Phase.IN_TRANSACTION)
    assert len(hooks.subscribers(hooks.CaseReported)) == 2
    with pytest.raises(ValueError, match="not a lifecycle hook"):
        hooks.subscribe(dict, handler, phase=hooks.Phase.IN_TRANSACTION)
    with pytest.raises(TypeError, match="work for after the commit is a job"):
        hooks.subscribe(hooks.CaseReopened, handler, phase="after commit")
    assert hooks.subscribers(hooks.CaseReopened) == before


@pytest.fixture
def extra_subscriber():
    """A subscriber added for one test and taken away after it."""
    added: list[tuple[type, object]] = []

    def add(hook, handler, phase):
        hooks.subscribe(hook, handler, phase=phase)
        added.append((hook, handler))

    yield add
    for hook, handler in added:
        hooks.unsubscribe(hook, handler)
    assert all(s.handler is not handler for hook, handler in added for s in hooks.subscribers(hook))


@pytest.mark.django_db(transaction=True)
def test_an_in_transaction_subscriber_that_fails_rolls_the_whole_report_back(extra_subscriber):
    def refuse(event):
        raise RuntimeError("subscriber failed")

    extra_subscriber(hooks.CaseReported, refuse, hooks.Phase.IN_TRANSACTION)
    with pytest.raises(RuntimeError, match="subscriber failed"):
        services.case_report(report=make_report())
    # Nothing of the report stayed: no case, and no clock that regulation started before the failure.
    assert Case.objects.count() == 0
    assert CaseClock.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_work_a_report_schedules_commits_and_rolls_back_with_it(extra_subscriber):
    # Committed: its jobs (the acknowledgement's e-mail, the repeated-problem analysis) exist with it.
    with transaction.atomic():
        case, _ = services.case_report(report=make_report())
    message = case.messages.get()
    assert sorted(Job.objects.values_list("task", "args")) == [
        ("putright.channels.delivery.deliver_message", [message.pk]),
        ("putright.problems.tasks.case_analyse", [case.pk]),
    ]

    # Rolled back by a later subscriber's failure: no case, and no job left to run for it.
    def refuse(event):
        raise RuntimeError("subscriber failed")

    extra_subscriber(hooks.CaseReported, refuse, hooks.Phase.IN_TRANSACTION)
    with pytest.raises(RuntimeError, match="subscriber failed"):
        services.case_report(report=make_report())
    assert Case.objects.count() == 1
    assert Job.objects.count() == 2


# ---------------------------------------------------------------- import contracts


def test_the_import_contracts_hold():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


# Modules outside the layers: configuration, and entry points that only start Django or processes.
OUTSIDE_THE_LAYERS = {"settings", "settings_test", "wsgi", "cli", "env", "supervise"}


def test_every_room_and_base_module_has_its_place_in_the_layers():
    """A room left out of the layers contract would be checked by nothing: deleting a layer fails here."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    placed = {
        name.strip().removeprefix("putright.")
        for layer in contract["layers"]
        for name in layer.replace(":", "|").split("|")
    }
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    rooms = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert placed == (modules | rooms) - OUTSIDE_THE_LAYERS


def test_a_back_import_from_the_core_to_a_room_above_breaks_the_contracts(tmp_path):
    """The contracts are not decoration: the case core importing the staff pages fails the build."""
    copy = tmp_path / "putright"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = copy / "cases" / "models.py"
    models.write_text(models.read_text() + "\nfrom putright.pages import desk  # noqa: E402, F401\n")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The house: rooms depend one way, top to bottom BROKEN" in result.stdout
    assert "putright.cases.models -> putright.pages.desk" in result.stdout


# ---------------------------------------------------------------- sizes and imports


def test_no_python_module_in_the_package_is_over_800_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files(PACKAGE)
        if (n := len(p.read_text().splitlines())) > 800
    }
    assert long == {}


def test_the_case_core_is_under_5100_lines_of_python():
    # Raised from 4,000 when the core took the customer corrections and merges (they write case events)
    # and the statutory-entitlement rule (an authority decision on the case); from 4,400 when it took the
    # assignment rules and routing of issue 12 §3 (they set a case's team and handler, with its events); to
    # 4,700 with closing as a duplicate (an outcome of the lifecycle) and who has a case open; to 5,000 with
    # the satisfaction scores, the reminder and the no-reply close, reason codes and 'upheld' (issue 13 §1:
    # the outcome the metrics read); to 5,100 with the queue narrowed to the cases behind a figure (the
    # insights dashboard's click-through) and the index on a customer's cases.
    # That was the last raise: room for what came next was made by splitting a room off instead (the
    # administrators' assignment rules moved to ``putright.routing``; they change no case; then the staff
    # forms moved to ``putright.caseforms`` when issue 15 added reopening, notes, attachments, the reply
    # checker and the progress digest: forms validate at the edge, the services decide). The next
    # addition past the cap splits another off (routing a new case could follow, subscribing to the report
    # hook), it does not raise the cap.
    assert sum(len(p.read_text().splitlines()) for p in _python_files(PACKAGE / "cases")) < 5100


def _imports_in_functions(path: Path):
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield node.name, inner.lineno, lines[inner.lineno - 1]


def test_an_import_inside_a_function_is_only_in_ready_or_for_an_optional_extra_and_says_why():
    """ruff's PLC0415 refuses them; this pins the few exceptions and that each one gives its reason:
    AppConfig.ready(), the optional semantic extra, and heavy third-party libraries the text engine
    loads on first use (so a command that never reads text does not pay for scikit-learn)."""
    unexplained = []
    for path in _python_files(PACKAGE):
        lines = path.read_text().splitlines()
        for function, lineno, line in _imports_in_functions(path):
            said = line + " " + lines[lineno - 2]  # the reason may stand on the comment line above
            in_ready = function == "ready" and "PLC0415 — AppConfig.ready()" in line
            optional_extra = "PLC0415" in line and "optional" in said.lower()
            # A heavy third-party library (scikit-learn, VADER) may wait for its first use; never a room.
            heavy_library = "PLC0415" in line and "heavy" in said.lower() and "putright" not in line
            if not (in_ready or optional_extra or heavy_library):
                unexplained.append(f"{path.relative_to(ROOT)}:{lineno} in {function}()")
    assert unexplained == [], unexplained


def test_every_room_says_what_it_is_for_and_what_it_may_import():
    rooms = [p.parent for p in PACKAGE.glob("*/__init__.py") if p.parent.name not in {"static", "templates"}]
    silent = []
    for room in rooms:
        doc = ast.get_docstring(ast.parse((room / "__init__.py").read_text()))
        if not doc or "import" not in doc:
            silent.append(room.name)
    assert silent == []
    package_doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text())) or ""
    for room in rooms:
        assert room.name in package_doc, f"putright/__init__.py does not place {room.name} in the layers"
