#!/usr/bin/env python
"""Putright reply-checker benchmark (K5): precision and recall of each rule on labelled replies.

Not a test. Runs ``check_reply`` on the labelled replies in ``bench/data/reply_check_heldout.jsonl`` (the
figures that count: committed before any rule was written, never used to tune them) and
``bench/data/reply_check_dev.jsonl`` (what the rules were tuned on, shown for comparison), and prints,
for each rule and over all rules: true and false positives, false negatives, precision, recall and
support (replies that break the rule), against the goals (precision >= 0.85, recall >= 0.7). A reply
counts once per rule, however many findings of that rule it gets.

    .venv/bin/python bench/bench_reply_check.py [--half heldout|dev|both] [--errors N] [--json]

``--errors N`` prints up to N wrong replies per rule and half (for tuning on the dev half: never read the
held-out half's); ``--json`` prints the figures as one JSON object instead. See bench/README.md
("Reply checker").
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from putright.engines.text.reply_check import RULES, check_reply  # noqa: E402

DATA = ROOT / "bench" / "data"
HALVES = {"heldout": DATA / "reply_check_heldout.jsonl", "dev": DATA / "reply_check_dev.jsonl"}
GOAL_PRECISION = 0.85
GOAL_RECALL = 0.7


@dataclass(frozen=True)
class RuleScore:
    rule: str
    tp: int
    fp: int
    fn: int
    support: int
    precision: float
    recall: float

    @property
    def meets_goals(self) -> bool:
        return self.precision >= GOAL_PRECISION and self.recall >= GOAL_RECALL


@dataclass(frozen=True)
class HalfScore:
    half: str
    replies: int
    good: int
    rules: list[RuleScore]
    overall: RuleScore
    exact: float  # share of replies whose set of rules found is exactly the labelled set
    replies_per_second: float
    errors: dict[str, list[dict[str, object]]]


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(row: dict) -> set[str]:
    ctx = row["context"]
    limit = ctx.get("authority_limit")
    findings = check_reply(
        row["text"],
        authority_limit=None if limit is None else Decimal(limit),
        customer_state=ctx.get("customer_state"),
        date_limit_days=ctx.get("date_limit_days"),
    )
    return {f.rule for f in findings}


def ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def score(half: str, rows: list[dict], keep_errors: int = 0) -> HalfScore:
    t0 = time.perf_counter()
    predicted = [predict(row) for row in rows]
    secs = time.perf_counter() - t0
    rules: list[RuleScore] = []
    errors: dict[str, list[dict[str, object]]] = {}
    totals = [0, 0, 0, 0]
    for rule in RULES:
        tp = fp = fn = 0
        for row, found in zip(rows, predicted, strict=True):
            truth = rule in row["labels"]
            hit = rule in found
            tp += truth and hit
            fp += hit and not truth
            fn += truth and not hit
            if truth != hit and len(errors.setdefault(rule, [])) < keep_errors:
                errors[rule].append({"id": row["id"], "kind": "FP" if hit else "FN", **row})
        support = sum(rule in row["labels"] for row in rows)
        rules.append(RuleScore(rule, tp, fp, fn, support, ratio(tp, tp + fp), ratio(tp, tp + fn)))
        for k, v in enumerate((tp, fp, fn, support)):
            totals[k] += v
    tp, fp, fn, support = totals
    overall = RuleScore("all rules (micro)", tp, fp, fn, support, ratio(tp, tp + fp), ratio(tp, tp + fn))
    exact = ratio(sum(set(r["labels"]) == p for r, p in zip(rows, predicted, strict=True)), len(rows))
    return HalfScore(
        half=half,
        replies=len(rows),
        good=sum(not r["labels"] for r in rows),
        rules=rules,
        overall=overall,
        exact=exact,
        replies_per_second=len(rows) / secs if secs else float("inf"),
        errors=errors,
    )


def print_half(result: HalfScore, title: str) -> None:
    print(
        f"\n{title}: {result.replies} replies ({result.good} good), {result.replies_per_second:,.0f} replies/s"
    )
    head = f"{'rule':28} {'TP':>4} {'FP':>4} {'FN':>4} {'support':>7} {'precision':>9} {'recall':>7}  goals"
    print(head)
    print("-" * len(head))
    for r in [*result.rules, result.overall]:
        goals = "met" if r.meets_goals else "MISSED"
        if r is result.overall:
            goals = ""
        print(
            f"{r.rule:28} {r.tp:4d} {r.fp:4d} {r.fn:4d} {r.support:7d} {r.precision:9.3f} {r.recall:7.3f}  {goals}"
        )
    print(f"replies whose rules found are exactly the labelled ones: {result.exact:.1%}")
    for rule, wrong in result.errors.items():
        for e in wrong:
            print(
                f"\n  {e['kind']} {rule} {e['id']} {e['labels']} {e['context']}\n  "
                + e["text"].replace("\n", " / ")
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--half", choices=["heldout", "dev", "both"], default="both")
    parser.add_argument("--errors", type=int, default=0, help="print up to N wrong replies per rule")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    halves = ["heldout", "dev"] if args.half == "both" else [args.half]
    results = {h: score(h, load(HALVES[h]), args.errors) for h in halves}
    if args.json:
        print(json.dumps({h: asdict(r) for h, r in results.items()}, indent=2))
    else:
        print(
            f"Putright reply-checker benchmark (K5), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"CPython {platform.python_version()}; goals: precision >= {GOAL_PRECISION}, recall >= {GOAL_RECALL}"
        )
        titles = {
            "heldout": "HELD-OUT half (committed before the rules were written; the figures that count)",
            "dev": "DEV half (the rules were tuned on it: optimistic, for comparison only)",
        }
        for h, result in results.items():
            print_half(result, titles[h])
    return 0


if __name__ == "__main__":
    sys.exit(main())
