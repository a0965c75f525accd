"""``putright reply check FILE.txt``: the reply checker's findings as JSON, exit 0; bad input exits 2 with
one line on stderr."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from putright.engines.text.reply_check import MAX_CHARS

ROOT = Path(__file__).resolve().parent.parent
GOOD = "Dear Ms Carter,\n\nI've refunded the £12 delivery charge. I'll email you on Friday to confirm.\n\nKind regards,\nSam\n"
BAD = (
    "Dear Mr Evans,\n\nThank you for your email. You failed to send a meter reading. "
    "I will refund £250 today.\n\nRegards,\nSam\n"
)


def check(*args: str) -> dict:
    out = io.StringIO()
    call_command("reply", "check", *args, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, text: str | bytes, name: str = "reply.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_reply_prints_an_empty_list(tmp_path):
    assert check(str(write(tmp_path, GOOD)), "--authority-limit", "100", "--customer-state", "calm") == {
        "findings": []
    }


def test_findings_print_rule_text_and_hint_in_reading_order(tmp_path):
    result = check(str(write(tmp_path, BAD)), "--authority-limit", "100", "--customer-state", "angry")
    assert list(result) == ["findings"]
    assert [(f["rule"], f["text"]) for f in result["findings"]] == [
        ("K5.no_empathy", "Thank you for your email."),
        ("K5.blame", "You failed to"),
        ("K5.beyond_authority_money", "£250"),
    ]
    for finding in result["findings"]:
        assert list(finding) == ["rule", "text", "hint"] and finding["hint"]


def test_options_are_optional_and_change_what_is_checked(tmp_path):
    path = str(write(tmp_path, BAD))
    assert [f["rule"] for f in check(path)["findings"]] == ["K5.blame"]
    assert [f["rule"] for f in check(path, "--authority-limit", "£300")["findings"]] == ["K5.blame"]
    assert [f["rule"] for f in check(path, "--authority-limit", "249.99")["findings"]] == [
        "K5.blame",
        "K5.beyond_authority_money",
    ]
    far = str(write(tmp_path, "I will send you our decision within 6 weeks.", "far.txt"))
    assert check(far)["findings"] == []
    assert [f["text"] for f in check(far, "--date-limit-days", "14")["findings"]] == ["within 6 weeks"]


def test_a_byte_order_mark_and_windows_line_ends_are_read(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode("utf-8"))
    assert [f["rule"] for f in check(str(path))["findings"]] == ["K5.blame"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "no such file"),
        ("", [], "is empty: it needs the text of the reply"),
        ("  \n\n ", [], "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", [], "is a binary file"),
        (b"caf\xe9 au lait", [], "is not UTF-8 text"),
        ("x" * (MAX_CHARS + 1), [], "the checker reads replies of at most"),
        (GOOD, ["--authority-limit", "lots"], "--authority-limit 'lots' is not a sum of money"),
        (GOOD, ["--authority-limit", "-5"], "--authority-limit '-5' is not a sum of money"),
        (GOOD, ["--authority-limit", "NaN"], "--authority-limit 'NaN' is not a sum of money"),
        (
            GOOD,
            ["--customer-state", "furious"],
            "--customer-state 'furious' is not one of angry, distressed, calm",
        ),
        (GOOD, ["--date-limit-days", "soon"], "--date-limit-days 'soon' is not a whole number"),
    ],
)
def test_bad_input_is_a_command_error_with_status_2(tmp_path, content, args, message):
    path = tmp_path / "missing.txt" if content is None else write(tmp_path, content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(")) as exc:
        call_command("reply", "check", str(path), *args, stdout=io.StringIO())
    assert exc.value.returncode == 2


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file") as exc:
        call_command("reply", "check", str(tmp_path), stdout=io.StringIO())
    assert exc.value.returncode == 2


def run_console(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "putright.settings_test"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "reply", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_the_console_exits_0_with_and_without_findings_and_2_with_one_line_on_bad_input(tmp_path):
    bad = write(tmp_path, BAD)
    done = run_console(str(bad), "--customer-state", "angry")
    assert done.returncode == 0, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["K5.no_empathy", "K5.blame"]
    done = run_console("-", stdin=GOOD)  # "-" reads standard input
    assert (done.returncode, json.loads(done.stdout)) == (0, {"findings": []})
    for args in ([str(tmp_path / "nope.txt")], [str(bad), "--customer-state", "cross"]):
        done = run_console(*args)
        assert done.returncode == 2
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("CommandError: "), done.stderr
