"""The exports of issue 13 §4: the metric CSVs (exact columns and number formats), the cases CSV, the
complaints return (console and page), and the console's exit codes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from putright.authority.models import Team
from putright.engines.metrics import METRICS
from putright.insights import exports
from putright.insights.management.commands.insights import Command
from putright.vocab import Channel, OptionStatus, Status, Upheld
from tests.insights_fixtures import at, case, message, option

pytestmark = pytest.mark.django_db
HEADER = "metric_id,period_start,period_end,group,value,numerator,denominator"


def read(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def run(*args) -> tuple[int, str, str]:
    """The command as the console runs it: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)
    # run_from_argv closes the database connections when it ends: not the test's own.
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", "insights", *args])
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_export_writes_one_file_per_metric_with_the_exact_columns(tmp_path, alice):
    case(at(2026, 7, 6), channel=Channel.EMAIL, category_slug="delivery")
    case(at(2026, 7, 7), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 9, 12))
    case(at(2026, 7, 8), status=Status.CLOSED_UNRESOLVED, closed=at(2026, 7, 9), other_routes=["Ombudsman"])
    call_command(
        "insights",
        "export",
        "--from",
        "2026-07-01",
        "--to",
        "2026-07-31",
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{m.id}.csv" for m in METRICS)
    for m in METRICS:
        with open(tmp_path / f"{m.id}.csv", encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n") == HEADER
    assert read(tmp_path / "volume.csv")[1:] == [
        ["volume", "2026-07-01", "2026-07-31", "", "3", "3", ""],
        ["volume", "2026-07-01", "2026-07-31", "source_kind=a", "3", "3", ""],
        ["volume", "2026-07-01", "2026-07-31", "category=delivery", "1", "1", ""],
        ["volume", "2026-07-01", "2026-07-31", "category=none", "2", "2", ""],
        ["volume", "2026-07-01", "2026-07-31", "channel=email", "1", "1", ""],
        ["volume", "2026-07-01", "2026-07-31", "channel=web", "2", "2", ""],
    ]
    # A rate: a fraction with 4 decimals, its numerator and denominator (3 opened, none escalated).
    assert read(tmp_path / "escalation_rate.csv")[1] == [
        "escalation_rate",
        "2026-07-01",
        "2026-07-31",
        "",
        "0.0000",
        "0",
        "3",
    ]
    # 1 of 2 closed was unresolved.
    assert read(tmp_path / "unresolved_outcomes.csv")[1:] == [
        ["unresolved_outcomes", "2026-07-01", "2026-07-31", "", "1", "1", "2"],
        ["unresolved_outcomes", "2026-07-01", "2026-07-31", "reason=none", "1", "1", "2"],
        ["unresolved_outcomes", "2026-07-01", "2026-07-31", "route=Ombudsman", "1", "1", "2"],
    ]
    # A median: the unit's number with 2 decimals, numerator and denominator empty (2 days 3 hours = 51 h).
    resolve = read(tmp_path / "time_to_resolve.csv")
    assert resolve[1] == ["time_to_resolve", "2026-07-01", "2026-07-31", "", "51.00", "", ""]
    assert resolve[3] == [
        "time_to_resolve",
        "2026-07-01",
        "2026-07-31",
        "statistic=median_business_days",
        "2.00",
        "",
        "",
    ]
    # Satisfaction: no answers, so no value; the response rate has nothing to divide by either.
    assert read(tmp_path / "csat.csv")[1:3] == [
        ["csat", "2026-07-01", "2026-07-31", "", "", "0", "0"],
        ["csat", "2026-07-01", "2026-07-31", "statistic=response_rate", "", "0", "0"],
    ]


def test_the_cases_export_streams_one_row_per_case_opened(tmp_path, alice):
    red = Team.objects.create(name="Red")
    a = case(
        at(2026, 7, 6, 9),
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 8, 9),
        category_slug="delivery",
        team=red,
        assignee=alice,
        upheld=Upheld.UPHELD,
        csat=5,
    )
    message(a, at(2026, 7, 6, 9), automatic=True)
    message(a, at(2026, 7, 6, 11), author=alice)
    option(a, "100.00")
    option(a, "7.00", status=OptionStatus.DECLINED)
    b = case(at(2026, 7, 7, 10), channel=Channel.PHONE, created_by=alice)
    case(at(2026, 8, 1, 10))  # August
    case(at(2026, 7, 9), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 10))  # duplicate
    out = tmp_path / "cases.csv"
    assert (
        run("cases", "--from", "2026-07-01", "--to", "2026-07-31", "--out", str(out), "--no-progress")[0] == 0
    )
    assert read(out) == [
        exports.CASE_COLUMNS,
        [a.reference, "2026-07-06 09:00", "2026-07-08 09:00", "closed_resolved", "resolved", "delivery", "web", "a",
         "Red", "alice", "normal", "no", "upheld", "", "100.00", "5", "", "", "2.00", "0", "48.00", "2", "no"],
        [b.reference, "2026-07-07 10:00", "", "new", "open", "", "phone", "a",
         "", "", "normal", "no", "", "", "0.00", "", "", "", "0.00", "0", "", "", "no"],
    ]  # fmt: skip
    # Chunk by chunk (here one row at a time), the same rows: the export never holds them all.
    rows = exports.export_case_rows(date(2026, 7, 1), date(2026, 7, 31), chunk=1)
    assert not isinstance(rows, list)
    assert [r[0] for r in rows] == [a.reference, b.reference]


def _return_fixture():
    one = case(
        at(2026, 7, 6, 9),
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 7, 8, 9),
        category_slug="delivery",
        upheld=Upheld.UPHELD,
    )
    option(one, "40.00")  # within 3 business days
    case(
        at(2026, 7, 6),
        status=Status.CLOSED_UNRESOLVED,
        closed=at(2026, 8, 20),
        category_slug="delivery",
        upheld=Upheld.NOT_UPHELD,
    )
    three = case(
        at(2026, 7, 1),
        status=Status.CLOSED_RESOLVED,
        closed=at(2026, 10, 1),
        category_slug="faulty",
        upheld=Upheld.PARTLY,
    )
    option(three, "60.00")  # 92 days: later than 8 weeks
    case(at(2026, 8, 1), category_slug="faulty")  # opened, still open
    case(
        at(2026, 6, 1), status=Status.CLOSED_NO_REPLY, closed=at(2026, 7, 2)
    )  # opened in H1, closed in H2 (31 days)
    case(at(2026, 7, 10), status=Status.CLOSED_DUPLICATE, closed=at(2026, 7, 11), category_slug="delivery")
    case(at(2026, 12, 31, 23, 30), category_slug="delivery")  # the last half hour of the half-year


RETURN_ROWS = [
    ["category", "opened", "closed", "upheld", "partly_upheld", "not_upheld", "not_recorded", "upheld_percent",
     "closed_within_3_business_days", "closed_within_8_weeks", "closed_later", "redress"],
    ["All categories", "5", "4", "1", "1", "1", "1", "50.0", "1", "2", "1", "100.00"],
    ["Delivery", "3", "2", "1", "0", "1", "0", "50.0", "1", "1", "0", "40.00"],
    ["Faulty", "2", "1", "0", "1", "0", "0", "100.0", "0", "0", "1", "60.00"],
    ["(no category)", "0", "1", "0", "0", "0", "1", "0.0", "0", "1", "0", "0.00"],
]  # fmt: skip


def test_the_complaints_return_for_a_half_year(tmp_path):
    _return_fixture()
    out = tmp_path / "return.csv"
    status, stdout, _ = run("return", "--half", "2026H2", "--out", str(out))
    assert status == 0
    assert "5 opened, 4 closed" in stdout
    assert read(out) == RETURN_ROWS


def test_the_return_page_for_managers_only(client, alice, carol, tmp_path):
    _return_fixture()
    client.force_login(carol)
    page = client.get("/insights/return/", {"half": "2026H2"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Complaints return 2026H2" in html
    assert '<label for="id_half">Half-year</label>' in html
    assert "/insights/return.csv?half=2026H2" in html
    download = client.get("/insights/return.csv", {"half": "2026H2"})
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="complaints-return-2026H2.csv"' in download["Content-Disposition"]
    assert list(csv.reader(io.StringIO(download.content.decode()))) == RETURN_ROWS
    bad = client.get("/insights/return/", {"half": "2026H3"})
    assert bad.status_code == 400
    assert "Give a half-year like 2026H1 or 2026H2." in bad.content.decode()
    assert client.get("/insights/return.csv", {"half": "x" * 500}).status_code == 400
    client.force_login(alice)  # an agent
    assert client.get("/insights/return/", {"half": "2026H2"}).status_code == 403
    assert client.get("/insights/return.csv", {"half": "2026H2"}).status_code == 403
    client.logout()
    assert client.get("/insights/return/").status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["export", "--from", "2026-13-01", "--to", "2026-07-31", "--out", "X"],
            "--from must be a date like 2026-07-01, not '2026-13-01'",
        ),
        (
            ["export", "--from", "2026-08-01", "--to", "2026-07-31", "--out", "X"],
            "the period starts (2026-08-01) after it ends (2026-07-31)",
        ),
        (
            ["cases", "--from", "2026-07-01", "--to", "July", "--out", "X.csv"],
            "--to must be a date like 2026-07-01, not 'July'",
        ),
        (
            ["cases", "--from", "2026-07-01", "--to", "2026-07-31", "--out", "/no/such/folder/x.csv"],
            "--out /no/such/folder/x.csv: the folder /no/such/folder does not exist",
        ),
        (["return", "--half", "2026H3", "--out", "X.csv"], "--half '2026H3' is not a half-year like 2026H2"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, stderr = run(*args)
    assert status == 2
    assert stderr.strip().splitlines() == [f"CommandError: {message}"]


def test_a_missing_argument_exits_2():
    with pytest.raises(CommandError, match="--out"):
        call_command("insights", "export", "--from", "2026-07-01", "--to", "2026-07-31")
    assert run("return", "--half", "2026H2")[0] == 2


def test_progress_on_stderr(tmp_path):
    for day in (1, 2, 3):
        case(at(2026, 7, day))
    status, stdout, stderr = run(
        "cases", "--from", "2026-07-01", "--to", "2026-07-31", "--out", str(tmp_path / "c.csv")
    )
    assert status == 0
    assert stdout.strip() == f"3 cases opened 2026-07-01 to 2026-07-31 -> {tmp_path / 'c.csv'}"
    assert stderr.splitlines()[-1] == "Writing cases [##############################] 3/3"
    status, _, stderr = run(
        "export", "--from", "2026-07-01", "--to", "2026-07-31", "--out", str(tmp_path / "m")
    )
    assert (
        stderr.splitlines()[-1]
        == f"Measuring metrics [##############################] {len(METRICS)}/{len(METRICS)}"
    )


def test_redress_is_decimal_money():
    line = exports.ReturnLine("X", redress=Decimal("10.5"))
    assert line.csv()[-1] == "10.50"
    assert line.csv()[7] == ""  # nothing closed: no upheld %


def test_the_putright_console_command_exits_2_on_a_bad_date(tmp_path):
    # The real console entry point, in a process of its own (no database is touched before the check).
    putright = Path(sys.executable).with_name("putright")
    done = subprocess.run(
        [
            str(putright),
            "insights",
            "export",
            "--from",
            "2026-07-01",
            "--to",
            "2026-02-30",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "CommandError: --to must be a date like 2026-07-01, not '2026-02-30'"
    ]
    assert list(tmp_path.iterdir()) == []
