"""``putright problems regroup``: the batch re-grouping on the console, with a progress bar and a run."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from putright.problems.models import Problem, RegroupRun
from tests.test_problems_grouping import _history

pytestmark = pytest.mark.django_db


def test_regroup_opens_the_problems_draws_progress_and_records_the_run(bob):
    total = _history()
    out, err = io.StringIO(), io.StringIO()
    call_command("problems", "regroup", stdout=out, stderr=err)

    assert f"{total:,} cases compared: 2 problem(s) opened, 11 case(s) linked." in out.getvalue()
    assert f"[{'#' * 30}] 100% {total:,}/{total:,}" in err.getvalue()
    assert Problem.objects.count() == 2
    run = RegroupRun.objects.get()
    assert (run.status, run.requested_by, run.processed, run.total) == ("done", None, total, total)

    out = io.StringIO()
    call_command("problems", "regroup", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "2 problem(s)" not in out.getvalue() and "0 problem(s) opened, 0 case(s) linked" in out.getvalue()
    assert Problem.objects.count() == 2


def test_regroup_refuses_while_another_runs_and_changes_nothing(bob):
    RegroupRun.objects.create(status="running", created_at="2026-03-01T09:00:00Z")
    with pytest.raises(CommandError, match="already under way"):
        call_command("problems", "regroup", stdout=io.StringIO(), stderr=io.StringIO())
    assert RegroupRun.objects.count() == 1 and not Problem.objects.exists()
