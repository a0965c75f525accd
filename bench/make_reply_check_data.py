#!/usr/bin/env python
"""Writes the labelled replies for the reply-checker benchmark (K5): two halves, dev and held-out.

    .venv/bin/python bench/make_reply_check_data.py [--seed 15] [--out bench/data]

Each line of ``reply_check_dev.jsonl`` and ``reply_check_heldout.jsonl`` is one outgoing reply as a UK
retailer, energy or water supplier, bank or broadband provider would write it to a complaining
customer, with the rule ids it breaks (``labels``, empty when it is a good reply) and the context the
rules need (``context``: the sender's money authority in pounds, the customer's state angry, distressed
or calm, and the longest time ahead the sender may commit to, in days, or null for no such limit).

How the replies are written: every sentence (in bench/reply_check_sentences.py) was written by hand
for the purpose, in many wordings. A reply is put together from the parts a real one has (greeting, acknowledgement of
feelings, what was found, an offer, what happens next and when, sign-off) and one or two faults are
put in on purpose, each from its own pool of faulty sentences; good replies get near-misses instead
(a refund within authority, "this was not your fault", an acronym, a policy quoted with its reason, a
hedged date). The label is known because the fault was put there.

The split is made first, on the **sentences**, not on the replies: every pool is shuffled with the
fixed seed and cut in two, and each half's replies are made only from that half's sentences. So the
held-out half holds wordings that the dev half never shows, and rules tuned on the dev half cannot
simply remember them. Customer names, amounts and dates are drawn at random for each reply.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from reply_check_sentences import (  # noqa: E402
    ACRONYM_SENTENCES,
    AGENTS,
    BLAME,
    BODIES,
    COLD_OPENERS,
    CUSTOMERS,
    DATE_HEDGED,
    DATE_THIRD_PARTY,
    DATE_TOO_FAR,
    EMPATHY,
    GREETINGS,
    JARGON,
    MONEY_NOT_OFFERED,
    MONEY_OVER,
    MONEY_WITHIN,
    MONTHS,
    NEXT_STEPS,
    NOT_BLAME,
    POLICY_BARE,
    POLICY_REASONED,
    REFS,
    SHOUTING,
    SIGNOFFS,
    VAGUE_ENDINGS,
    WEEKDAYS,
)

DEFAULT_OUT = ROOT / "bench" / "data"
PER_RULE = 24  # replies per rule in each half (with a second fault in some, more findings than that)
RULES = (
    "K5.blame",
    "K5.jargon",
    "K5.beyond_authority_money",
    "K5.beyond_authority_date",
    "K5.no_empathy",
    "K5.policy_without_reason",
    "K5.no_next_step",
    "K5.shouting",
)


# ---------------------------------------------------------------- making replies


def money(amount: float, rng: random.Random) -> str:
    whole = float(amount).is_integer()
    style = rng.choice(["pound", "pound", "pound", "pence", "gbp", "words"])
    if style == "pence" or (not whole and style != "words"):
        return f"£{amount:,.2f}"
    if style == "gbp":
        return f"GBP {amount:,.0f}"
    if style == "words":
        return f"{amount:,.0f} pounds"
    return f"£{amount:,.0f}"


def split_pools(rng: random.Random) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    pools = {
        "bodies": BODIES,
        "empathy": EMPATHY,
        "next": NEXT_STEPS,
        "vague": VAGUE_ENDINGS,
        "cold": COLD_OPENERS,
        "blame": BLAME,
        "jargon": JARGON,
        "money_over": MONEY_OVER,
        "money_within": MONEY_WITHIN,
        "money_not_offered": MONEY_NOT_OFFERED,
        "date_third_party": DATE_THIRD_PARTY,
        "date_too_far": DATE_TOO_FAR,
        "date_hedged": DATE_HEDGED,
        "policy_bare": POLICY_BARE,
        "policy_reasoned": POLICY_REASONED,
        "not_blame": NOT_BLAME,
        "acronyms": ACRONYM_SENTENCES,
        "shouting": SHOUTING,
    }
    dev: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for key, pool in pools.items():
        items = list(dict.fromkeys(pool))
        rng.shuffle(items)
        half = len(items) // 2
        dev[key], held[key] = items[:half], items[half:]
    return dev, held


class Maker:
    def __init__(self, pools: dict[str, list[str]], rng: random.Random):
        self.pools = pools
        self.rng = rng
        self.cursor: dict[str, int] = {}

    def take(self, key: str) -> str:
        """The pool's sentences in turn (all used before any repeats), shuffled once."""
        pool = self.pools[key]
        i = self.cursor.get(key, 0)
        self.cursor[key] = i + 1
        return pool[i % len(pool)]

    def fill(self, sentence: str, limit: float | None, date_limit: int | None) -> str:
        rng = self.rng
        base = limit if limit is not None else 100.0
        over = round(base * rng.choice([1.5, 2, 2.5, 3, 4, 6, 10]) + rng.choice([0, 0, 0.5, 0.99, 25]), 2)
        within = round(base * rng.choice([0.1, 0.2, 0.25, 0.5, 0.75, 1.0]), 2)
        big = round(base * rng.choice([2, 3, 5, 8, 12]) + rng.choice([0, 0.4, 17.85]), 2)
        days = (date_limit or 14) + rng.choice([7, 14, 30, 46])
        far = f"{days} days" if rng.random() < 0.4 else f"{max(2, round(days / 7) + 1)} weeks"
        return sentence.format(
            weekday=rng.choice(WEEKDAYS),
            date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
            over=money(over, rng),
            over2=money(over, rng),
            within=money(within, rng),
            big=money(big, rng),
            far=far,
            ref=rng.choice(REFS),
        )

    def reply(self, faults: set[str], *, good_extras: int = 0) -> dict:
        rng = self.rng
        state = rng.choice(["angry", "distressed", "calm"])
        if "K5.no_empathy" in faults and state == "calm":
            state = rng.choice(["angry", "distressed"])
        limit = rng.choice([50, 100, 150, 250, 500, None])
        if "K5.beyond_authority_money" in faults and limit is None:
            limit = rng.choice([50, 100, 250])
        date_limit = rng.choice([None, None, 14, 20, 28, 30])
        date_kind = rng.choice(["third_party", "third_party", "third_party", "too_far"])
        if "K5.beyond_authority_date" in faults and date_kind == "too_far" and date_limit is None:
            date_limit = rng.choice([10, 14, 20])
        parts: list[str] = []
        opener = self.take("cold") if rng.random() < 0.5 or "K5.no_empathy" in faults else None
        if opener:
            parts.append(opener)
        if "K5.no_empathy" not in faults and (state != "calm" or rng.random() < 0.4):
            parts.append(self.take("empathy"))
        parts.append(self.take("bodies"))
        if "K5.blame" in faults:
            parts.append(self.take("blame"))
        if "K5.jargon" in faults:
            parts.append(self.take("jargon"))
        if "K5.policy_without_reason" in faults:
            parts.append(self.take("policy_bare"))
        if "K5.beyond_authority_money" in faults:
            parts.append(self.take("money_over"))
        if "K5.beyond_authority_date" in faults:
            parts.append(self.take("date_third_party" if date_kind == "third_party" else "date_too_far"))
        extras = ["not_blame", "acronyms", "policy_reasoned", "date_hedged", "money_not_offered"]
        if limit is not None:
            extras.append("money_within")
        if "K5.no_next_step" in faults:
            # Hedged dates and some offers say what happens next and when; they would make it a next step.
            extras = [e for e in extras if e not in ("date_hedged", "money_within")]
        for key in rng.sample(extras, k=min(good_extras, len(extras))):
            parts.append(self.take(key))
        if "K5.shouting" in faults:
            parts.insert(rng.randrange(1, len(parts) + 1), self.take("shouting"))
        if "K5.no_next_step" in faults:
            parts.append(self.take("vague"))
        else:
            parts.append(self.take("next"))
        text_parts = [self.fill(p, limit, date_limit) for p in parts]
        greeting = rng.choice(GREETINGS).format(name=rng.choice(CUSTOMERS))
        signoff = rng.choice(SIGNOFFS).format(agent=rng.choice(AGENTS))
        paragraphs = [greeting]
        body = text_parts
        while body:
            size = rng.choice([1, 2, 2, 3])
            paragraphs.append(" ".join(body[:size]))
            body = body[size:]
        paragraphs.append(signoff)
        text = "\n\n".join(paragraphs)
        return {
            "text": text,
            "labels": sorted(faults),
            "context": {
                "authority_limit": None if limit is None else f"{limit:.2f}",
                "customer_state": state,
                "date_limit_days": date_limit,
            },
        }


# Second faults that can go with each first one (not no_next_step with a dated promise, an offer or a
# shouted instruction with a time: each of those is a next step).
PAIRS = {
    "K5.blame": ["K5.no_empathy", "K5.policy_without_reason", "K5.shouting"],
    "K5.jargon": ["K5.no_next_step", "K5.no_empathy"],
    "K5.beyond_authority_money": ["K5.beyond_authority_date", "K5.jargon"],
    "K5.beyond_authority_date": ["K5.beyond_authority_money", "K5.shouting"],
    "K5.no_empathy": ["K5.policy_without_reason", "K5.no_next_step", "K5.blame"],
    "K5.policy_without_reason": ["K5.no_empathy", "K5.no_next_step"],
    "K5.no_next_step": ["K5.no_empathy", "K5.jargon", "K5.blame"],
    "K5.shouting": ["K5.blame", "K5.policy_without_reason"],
}


def make_half(pools: dict[str, list[str]], rng: random.Random, name: str) -> list[dict]:
    maker = Maker(pools, rng)
    rows: list[dict] = []
    for rule in RULES:
        for i in range(PER_RULE):
            faults = {rule}
            if i % 3 == 2:
                faults.add(rng.choice(PAIRS[rule]))
            rows.append(maker.reply(faults, good_extras=rng.choice([0, 0, 1])))
    bad = len(rows)
    for _ in range(bad):
        rows.append(maker.reply(set(), good_extras=rng.choice([0, 1, 1, 2])))
    rng.shuffle(rows)
    return [{"id": f"{name}-{i + 1:03d}", **row} for i, row in enumerate(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--half", choices=["dev", "heldout", "both"], default="both")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    dev_pools, held_pools = split_pools(rng)
    halves = {
        "dev": make_half(dev_pools, random.Random(args.seed * 1000 + 1), "dev"),
        "heldout": make_half(held_pools, random.Random(args.seed * 1000 + 2), "heldout"),
    }
    for name, rows in halves.items():
        if args.half not in (name, "both"):
            continue
        path = args.out / f"reply_check_{name}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{path}: {len(rows)} replies")


if __name__ == "__main__":
    main()
