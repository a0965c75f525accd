"""The reply-checker benchmark (bench/bench_reply_check.py) runs on both halves of the labelled replies,
and its held-out figures are the ones written in bench/README.md ("Reply checker")."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench = _load("bench_reply_check")
make_data = _load("make_reply_check_data")

# TP, FP, FN per rule on the held-out half, as bench/README.md reports them. A change to the rules that
# moves these must update the README's figures too.
HELD_OUT = {
    "K5.blame": (28, 5, 2),
    "K5.jargon": (33, 0, 0),
    "K5.beyond_authority_money": (29, 0, 0),
    "K5.beyond_authority_date": (24, 0, 2),
    "K5.no_empathy": (38, 0, 0),
    "K5.policy_without_reason": (33, 0, 1),
    "K5.no_next_step": (36, 0, 0),
    "K5.shouting": (30, 0, 0),
}


def test_each_half_has_at_least_20_replies_per_rule_and_as_many_good_ones_as_bad():
    for path in bench.HALVES.values():
        rows = bench.load(path)
        for rule in bench.RULES:
            assert sum(rule in r["labels"] for r in rows) >= 20, (path.name, rule)
        good = sum(not r["labels"] for r in rows)
        assert good >= len(rows) - good
        for row in rows:
            assert set(row["labels"]) <= set(bench.RULES)
            assert set(row["context"]) == {"authority_limit", "customer_state", "date_limit_days"}


def test_the_halves_are_what_the_script_writes_with_its_seed(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["make_reply_check_data.py", "--out", str(tmp_path)])
    make_data.main()
    for name, path in bench.HALVES.items():
        assert (tmp_path / f"reply_check_{name}.jsonl").read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        )


def test_the_halves_share_no_reply():
    dev, held = ({r["text"] for r in bench.load(bench.HALVES[h])} for h in ("dev", "heldout"))
    assert not dev & held


def test_the_held_out_figures_are_those_in_the_readme():
    result = bench.score("heldout", bench.load(bench.HALVES["heldout"]))
    assert {r.rule: (r.tp, r.fp, r.fn) for r in result.rules} == HELD_OUT
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    for r in result.rules:
        assert (
            f"| `{r.rule}` | {r.tp} | {r.fp} | {r.fn} | {r.support} | {r.precision:.3f} | {r.recall:.3f} |"
            in readme
        )


def test_the_benchmark_prints_both_halves_against_the_goals(capsys):
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    assert (
        "HELD-OUT half (committed before the rules were written; the figures that count): 384 replies (192 good)"
        in out
    )
    assert (
        "DEV half (the rules were tuned on it: optimistic, for comparison only): 384 replies (192 good)"
        in out
    )
    assert "goals: precision >= 0.85, recall >= 0.7" in out
    assert out.count("K5.no_empathy") == 2


def test_the_json_output_has_every_rule_and_the_overall_figures(capsys):
    bench.main(["--half", "dev", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["dev"]
    assert [r["rule"] for r in data["dev"]["rules"]] == list(bench.RULES)
    assert data["dev"]["overall"]["support"] == sum(r["support"] for r in data["dev"]["rules"])
