"""``putright problems detect`` and ``putright text sentiment``: CSV in, CSV out, exit status 2 on bad input."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.test_engine_text import OUTAGE, REFUND, TEXTS, UNRELATED

ROOT = Path(__file__).resolve().parent.parent


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = False, delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def complaints_csv(tmp_path: Path, **kwargs) -> Path:
    rows = [["ref", "channel", "complaint"]] + [[f"C{i:03d}", "email", t] for i, t in enumerate(TEXTS)]
    return write_csv(tmp_path / "in.csv", rows, **kwargs)


def detect(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("problems", "detect", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_detect_writes_id_and_group_for_every_row_in_order(tmp_path):
    source = complaints_csv(tmp_path)
    out_path = tmp_path / "out.csv"
    stdout, stderr = detect(
        str(source), "--text-column", "complaint", "--id-column", "ref", "--out", str(out_path)
    )

    expected_groups = ["1"] * len(OUTAGE) + ["2"] * len(REFUND) + [""] * len(UNRELATED)
    assert read_csv(out_path) == [["id", "group"]] + [[f"C{i:03d}", g] for i, g in enumerate(expected_groups)]
    assert "17 rows: 12 (70.6%) in 2 groups of at least 5 (tfidf backend)" in stdout
    assert "[##############################] 100%" in stderr  # the progress bar reached its end


def test_detect_min_size_leaves_smaller_groups_empty_and_groups_out_describes_each_group(tmp_path):
    source = complaints_csv(tmp_path)
    out_path, groups_path = tmp_path / "out.csv", tmp_path / "groups.csv"
    detect(
        str(source),
        "--text-column", "complaint",
        "--id-column", "ref",
        "--out", str(out_path),
        "--min-size", "6",
        "--groups-out", str(groups_path),
        "--no-progress",
    )  # fmt: skip

    assert [row[1] for row in read_csv(out_path)[1:]] == ["1"] * len(OUTAGE) + [""] * (
        len(REFUND) + len(UNRELATED)
    )
    header, *groups = read_csv(groups_path)
    assert header == ["group", "size", "label", "top_terms", "representative_id", "representative_text"]
    assert len(groups) == 1
    number, size, label, terms, rep_id, rep_text = groups[0]
    assert (number, size) == ("1", "7")
    assert label and label.split(", ")[0] == terms.split("; ")[0]
    assert rep_id in {f"C{i:03d}" for i in range(len(OUTAGE))}
    assert rep_text == OUTAGE[int(rep_id[1:])]


def test_detect_keeps_empty_text_rows_with_an_empty_group(tmp_path):
    rows = [
        ["id", "text"],
        ["e1", ""],
        *[[f"o{i}", t] for i, t in enumerate(TEXTS)],
        ["e2", "   "],
        ["e3", "XXXX"],
    ]
    source = write_csv(tmp_path / "in.csv", rows)
    out_path = tmp_path / "out.csv"
    detect(str(source), "--text-column", "text", "--id-column", "id", "--out", str(out_path), "--no-progress")

    result = read_csv(out_path)
    assert [r[0] for r in result[1:]] == [r[0] for r in rows[1:]]  # every row, once, in order
    assert dict(result[1:])["e1"] == dict(result[1:])["e2"] == dict(result[1:])["e3"] == ""
    assert dict(result[1:])["o0"] == "1"


def test_detect_reads_a_byte_order_mark_and_quoted_newlines(tmp_path):
    texts = [t.replace(", ", ",\n") for t in TEXTS]  # newlines inside quoted fields
    rows = [["id", "text"], *[[f"r{i}", t] for i, t in enumerate(texts)]]
    source = write_csv(tmp_path / "bom.csv", rows, bom=True)
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    out_path = tmp_path / "out.csv"
    detect(str(source), "--text-column", "text", "--id-column", "id", "--out", str(out_path), "--no-progress")

    result = read_csv(out_path)
    assert len(result) == len(TEXTS) + 1 and result[0] == ["id", "group"]
    assert [r[1] for r in result[1:]] == ["1"] * len(OUTAGE) + ["2"] * len(REFUND) + [""] * len(UNRELATED)


def test_detect_guesses_a_tab_delimiter(tmp_path):
    source = complaints_csv(tmp_path, delimiter="\t")
    out_path = tmp_path / "out.csv"
    detect(
        str(source),
        "--text-column",
        "complaint",
        "--id-column",
        "ref",
        "--out",
        str(out_path),
        "--no-progress",
    )
    assert len(read_csv(out_path)) == len(TEXTS) + 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-column", "complaints", "--id-column", "ref"], "has no column 'complaints' (--text-column); its columns are: 'ref', 'channel', 'complaint'"),
        (["--text-column", "complaint", "--id-column", "id"], "has no column 'id' (--id-column)"),
    ],
)  # fmt: skip
def test_detect_a_wrong_column_name_is_a_clear_error_with_status_2(tmp_path, args, message):
    source = complaints_csv(tmp_path)
    out_path = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        detect(str(source), *args, "--out", str(out_path))
    assert exc.value.returncode == 2
    assert not out_path.exists()


def test_detect_a_missing_file_is_status_2(tmp_path):
    with pytest.raises(CommandError, match="no such file") as exc:
        detect(
            str(tmp_path / "nope.csv"),
            "--text-column",
            "t",
            "--id-column",
            "i",
            "--out",
            str(tmp_path / "o.csv"),
        )
    assert exc.value.returncode == 2


def test_detect_text_that_is_not_utf8_is_status_2(tmp_path):
    source = tmp_path / "latin1.csv"
    source.write_bytes("id,text\n1,caf\xe9 closed\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8") as exc:
        detect(str(source), "--text-column", "text", "--id-column", "id", "--out", str(tmp_path / "o.csv"))
    assert exc.value.returncode == 2


def test_detect_refuses_a_min_size_below_one_and_a_threshold_outside_zero_to_one(tmp_path):
    source = complaints_csv(tmp_path)
    base = [str(source), "--text-column", "complaint", "--id-column", "ref", "--out", str(tmp_path / "o.csv")]
    with pytest.raises(CommandError, match="min-size"):
        detect(*base, "--min-size", "0")
    with pytest.raises(CommandError, match="threshold") as exc:
        detect(*base, "--threshold", "1.5")
    assert exc.value.returncode == 2


def test_the_console_entry_exits_2_on_a_bad_column_and_on_a_missing_file(tmp_path):
    source = complaints_csv(tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "putright.settings_test"}
    for args in (
        [str(source), "--text-column", "nope", "--id-column", "ref"],
        [str(tmp_path / "missing.csv"), "--text-column", "complaint", "--id-column", "ref"],
    ):
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "problems",
                "detect",
                *args,
                "--out",
                str(tmp_path / "o.csv"),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "CommandError" in done.stderr and ("nope" in done.stderr or "no such file" in done.stderr)


# ---------------------------------------------------------------- text sentiment


def test_sentiment_writes_id_and_sentiment_for_every_row_in_order(tmp_path):
    rows = [
        ["id", "message"],
        ["a", "Thank you, brilliant service, really happy"],
        ["b", "I am furious, this is the third time it has failed"],
        ["c", "Can you tell me when the engineer is booked"],
        ["d", ""],
        ["e", "Line one,\nline two: the router stopped working"],
    ]
    source = write_csv(tmp_path / "in.csv", rows, bom=True)
    out_path = tmp_path / "out.csv"
    out = io.StringIO()
    call_command(
        "text", "sentiment", str(source), "--text-column", "message", "--id-column", "id", "--out", str(out_path),
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip

    assert read_csv(out_path) == [
        ["id", "sentiment"],
        ["a", "positive"],
        ["b", "negative"],
        ["c", "neutral"],
        ["d", "neutral"],
        ["e", "negative"],
    ]
    assert "5 rows: 2 negative, 2 neutral, 1 positive" in out.getvalue()


def test_sentiment_details_adds_score_anger_distress_and_cues(tmp_path):
    source = write_csv(tmp_path / "in.csv", [["id", "text"], ["1", "I am desperate and furious!!"]])
    out_path = tmp_path / "out.csv"
    call_command(
        "text", "sentiment", str(source), "--text-column", "text", "--id-column", "id", "--out", str(out_path),
        "--details", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    header, row = read_csv(out_path)
    assert header == ["id", "sentiment", "score", "anger", "distress", "cues"]
    assert row[:2] == ["1", "negative"] and row[3:5] == ["true", "true"]
    assert "anger: furious" in row[5] and "distress: desperate" in row[5]


def test_sentiment_bad_column_and_missing_file_are_status_2(tmp_path):
    source = write_csv(tmp_path / "in.csv", [["id", "text"], ["1", "fine"]])
    for path, column in ((source, "body"), (tmp_path / "none.csv", "text")):
        with pytest.raises(CommandError) as exc:
            call_command(
                "text", "sentiment", str(path), "--text-column", column, "--id-column", "id",
                "--out", str(tmp_path / "o.csv"), stdout=io.StringIO(), stderr=io.StringIO(),
            )  # fmt: skip
        assert exc.value.returncode == 2
