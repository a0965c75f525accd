"""Writes the story of one demo case from ``data/stories.yaml`` with a seeded ``random.Random``.

The data file holds the words; this module composes them. A story is a list of named draws
(``let``) followed by the story's fields, each evaluated in the order written, so a seed always
gives the same stories. Values are text with ``{expression}`` placeholders, ``=expression``
values, ``pick:`` alternatives, the customer's ``voice:``, and options (see the file's header).

Expressions are a small, safe subset of Python read with :mod:`ast`: names, attributes,
``+ - * /``, lists, ``[:n]`` and calls of the functions :class:`Ctx` offers. Number literals with
a decimal point are :class:`~decimal.Decimal`, as money must be.
"""

from __future__ import annotations

import ast
import operator
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from string import Formatter

from putright.demo import content
from putright.vocab import SourceKind


class DemoDataError(ValueError):
    """The data files ask for something the story writer cannot do."""


# ---------------------------------------------------------------- what a story is


@dataclass
class OptionSpec:
    """One way to put it right, with the appraisal an agent would write (P3) and why to pick it (P4)."""

    title: str
    remedy_type: str
    amount: Decimal
    cost: Decimal
    days: int
    description: str
    customer_advantages: str
    customer_disadvantages: str
    organisation_advantages: str
    organisation_disadvantages: str
    factors: tuple[str, ...]
    justification: str
    is_exception: bool = False
    steps: tuple[str, ...] = ()


@dataclass
class Story:
    """Everything said and done on one demo case, before any of it happens."""

    category: str
    subject: str
    description: str
    desired_outcome: str
    order_reference: str
    amount: Decimal | None
    summary: str
    options: list[OptionSpec]
    steps: list[str]
    promise: str
    correction: str = ""
    resummary: str = ""
    consult_question: str = ""
    consult_answer: str = ""
    questions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    decline_comment: str = ""
    reject_note: str = ""
    resolved_comment: str = ""
    not_resolved_comment: str = ""
    reopen_reason: str = ""
    reopen_option: OptionSpec | None = None
    unresolved_reasons: str = ""
    other_routes: list[str] = field(default_factory=list)
    escalation_reason: str = ""
    skip_reason: str = ""
    staff_written: bool = False


@dataclass
class Customer:
    first: str
    last: str
    email: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


# ---------------------------------------------------------------- money and words


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def whole(value: Decimal) -> Decimal:
    """Rounded to whole pounds."""
    return value.quantize(Decimal("1"))


def gbp(amount: Decimal | float | int) -> str:
    """£429 for whole pounds, £29.95 otherwise — how people write prices."""
    amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


def priced_over(products: list, price: int | Decimal) -> list:
    return [p for p in products if p.price > price]


PURE_FUNCTIONS: dict[str, Callable] = {
    "money": money,
    "whole": whole,
    "gbp": gbp,
    "priced_over": priced_over,
    "capitalize": str.capitalize,
    "max": max,
}


# ---------------------------------------------------------------- expressions and templates

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


@cache
def _parse(source: str) -> ast.Expression:
    try:
        return ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise DemoDataError(f"cannot read the expression {source!r}: {exc.msg}") from None


def evaluate(source: str, names: Mapping[str, object]) -> object:
    """The value of one expression of the data files, with ``names`` in scope."""
    tree = _parse(source)
    return _value(tree.body, names, source.strip())


def _value(node: ast.AST, names: Mapping[str, object], source: str) -> object:
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return Decimal(ast.get_source_segment(source, node))  # "0.45" stays exactly 0.45
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise DemoDataError(f"unknown name {node.id!r} in {source!r}")
        return names[node.id]
    if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
        owner = _value(node.value, names, source)
        return owner[node.attr] if isinstance(owner, Mapping) else getattr(owner, node.attr)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _value(node.left, names, source)
        return _OPERATORS[type(node.op)](left, _value(node.right, names, source))
    if isinstance(node, ast.List):
        return [_value(item, names, source) for item in node.elts]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        part = node.slice
        if part.lower is None and part.step is None and part.upper is not None:
            return _value(node.value, names, source)[: _value(part.upper, names, source)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        function = _value(node.func, names, source)
        if callable(function):
            # Arguments left to right, as Python would: the order of the random draws depends on it.
            return function(*[_value(arg, names, source) for arg in node.args])
    raise DemoDataError(f"not allowed in the demo data: {ast.unparse(node)!r} in {source!r}")


def render(template: str, names: Mapping[str, object]) -> str:
    """Text with ``{expression}`` placeholders filled in left to right (``{{`` for a brace)."""
    out = []
    for literal, expression, spec, conversion in Formatter().parse(template):
        out.append(literal)
        if expression is not None:
            if spec or conversion:
                raise DemoDataError(f"no format specs in the demo data: {template!r}")
            out.append(str(evaluate(expression, names)))
    return "".join(out)


# ---------------------------------------------------------------- one case's particulars

WEEKDAYS = content.data("organisation")["weekdays"]


def make_customer(rng: random.Random) -> Customer:
    people = content.data("organisation")
    first, last = rng.choice(people["first_names"]), rng.choice(people["surnames"])
    local = f"{first}.{last}".lower().replace("'", "")
    style = rng.random()
    if style < 0.3:
        local = f"{first[0]}{last}".lower().replace("'", "")
    elif style < 0.55:
        local = f"{local}{rng.randint(1, 99)}"
    email = f"{local}@{rng.choice(people['email_domains'])}"
    phone = f"07700 900{rng.randint(0, 999):03d}"
    return Customer(first, last, email, phone)


class Ctx:
    """The seeded random source plus the particulars of one case (who, when, which order)."""

    def __init__(
        self, rng: random.Random, *, reported_on: date, tone: str, handler_first: str, spoken: str = ""
    ):
        self.rng = rng
        self.reported_on = reported_on
        self.tone = tone
        self.handler_first = handler_first
        # "phone" or "in_person": an agent typed the customer's words while they spoke.
        self.spoken = spoken
        self.customer = make_customer(rng)
        self.order = f"HH-{rng.randint(100000, 999999)}"
        self.store = rng.choice(content.data("organisation")["stores"])

    @property
    def first(self) -> str:
        return self.customer.first

    def pick(self, seq):
        return self.rng.choice(seq)

    def day(self, days_before: int) -> str:
        d = self.reported_on - timedelta(days=days_before)
        return f"{d.day} {d:%B}"

    def month(self, days_before: int) -> str:
        """The month of a day some time back, as in "bought it in March"."""
        return self.day(days_before).split(" ")[1]

    def weekday(self, days_before: int) -> str:
        return WEEKDAYS[(self.reported_on - timedelta(days=days_before)).weekday()]

    def voice(self, core: str, *, extra_angry: str = "") -> str:
        """The customer's own words: a greeting, their account, and a sign-off in their tone.

        For a call or a visit the agent records what the customer said, so there is no greeting.
        """
        if self.spoken:
            where = "phoned" if self.spoken == "phone" else f"came into the {self.store} store"
            said = core if self.tone != "angry" or not extra_angry else f"{core} {extra_angry}"
            return f'Customer {where} and said: "{said}"'
        people = content.data("organisation")
        opener = self.pick(people["openers"][self.tone])
        closer = self.pick(people["closers"][self.tone]).format(first=self.first, name=self.customer.name)
        parts = [opener] if opener else []
        parts.append(core)
        if self.tone == "angry" and extra_angry:
            parts.append(extra_angry)
        parts.append(closer)
        return "\n\n".join(parts)

    def names(self) -> dict[str, object]:
        """What the data files' expressions can see before a story's own draws."""
        return {
            **PURE_FUNCTIONS,
            **content.products(),
            **{key: content.data("organisation")[key] for key in ("slots", "couriers", "engineers", "cards")},
            "stores": content.data("organisation")["stores"],
            "routes": content.data("organisation")["routes"],
            "pick": self.pick,
            "randint": self.rng.randint,
            "day": self.day,
            "month": self.month,
            "weekday": self.weekday,
            "first": self.first,
            "customer_name": self.customer.name,
            "order": self.order,
            "store": self.store,
            "handler_first": self.handler_first,
        }


# ---------------------------------------------------------------- composing


class _Writer:
    """Evaluates the nodes of one story in the order written."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.names = ctx.names()

    def value(self, node):
        if isinstance(node, str):
            return evaluate(node[1:], self.names) if node.startswith("=") else render(node, self.names)
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node  # a number, true/false or nothing
        if "pick" in node:
            # Every alternative first, then the draw: as a Python list literal passed to choice().
            return self.ctx.pick([self.value(item) for item in node["pick"]])
        if "voice" in node:
            core = self.value(node["voice"])
            return self.ctx.voice(core, extra_angry=self.value(node.get("extra_angry", "")))
        if "option" in node:
            return option_spec(self.value(node["option"]))
        if "goodwill" in node:
            args = self.value(node["goodwill"])
            return goodwill(args["amount"], args["reason"])
        if "apology" in node:
            return apology_only(self.value(node["apology"]))
        return {key: self.value(item) for key, item in node.items()}


def option_spec(fields: dict) -> OptionSpec:
    amount = money(fields["amount"])
    return OptionSpec(
        title=fields["title"],
        remedy_type=fields["remedy"],
        amount=amount,
        cost=money(fields["cost"] if fields.get("cost") is not None else amount),
        days=fields.get("days", 0),
        description=fields.get("description", ""),
        customer_advantages=fields.get("customer_advantages", ""),
        customer_disadvantages=fields.get("customer_disadvantages", ""),
        organisation_advantages=fields.get("organisation_advantages", ""),
        organisation_disadvantages=fields.get("organisation_disadvantages", ""),
        factors=tuple(fields.get("factors", ("customer_preference", "policy_fit"))),
        justification=fields.get("justification", ""),
        is_exception=fields.get("is_exception", False),
    )


def _from_template(name: str, **names) -> OptionSpec:
    template = content.data("stories")["option_templates"][name]
    writer_names = {**PURE_FUNCTIONS, **names}
    fields = {
        key: (evaluate(v[1:], writer_names) if v.startswith("=") else render(v, writer_names))
        if isinstance(v, str)
        else v
        for key, v in template.items()
    }
    return option_spec(fields)


def goodwill(amount, reason: str) -> OptionSpec:
    return _from_template("goodwill", amount=amount, reason=reason)


def apology_only(what: str) -> OptionSpec:
    return _from_template("apology", what=what)


def story_write(name: str, ctx: Ctx) -> Story:
    """The story ``name`` of ``data/stories.yaml``, written for this case."""
    spec = content.data("stories")["stories"][name]
    writer = _Writer(ctx)
    for variable, node in (spec.get("let") or {}).items():
        writer.names[variable] = writer.value(node)
    return Story(**writer.value(spec["story"]))


def story_for(source_kind: str, ctx: Ctx) -> Story:
    """Pick and write one story that fits the problem source."""
    scenarios = content.data("stories")["scenarios"][str(source_kind)]
    if source_kind in (SourceKind.CUSTOMER_REPORTED, SourceKind.EXPECTATION_GAP):
        names = [s["story"] for s in scenarios]
        name = ctx.rng.choices(names, weights=[s["weight"] for s in scenarios])[0]
    else:
        name = ctx.rng.choice(scenarios)
    return story_write(name, ctx)


def steps_for(story: Story, option: OptionSpec, *, primary: bool) -> list[str]:
    """The action plan for the option the customer agreed to.

    A story's own steps are written for its first (primary) option; any other
    option gets the plan its remedy type implies.
    """
    if option.steps:
        return list(option.steps)
    if primary:
        return list(story.steps)
    data = content.data("stories")
    plan = data["plans_by_remedy"].get(str(option.remedy_type))
    if plan is None:
        return [data["plan_otherwise"].format(title=option.title)]
    return [step.format(money=gbp(option.amount)) for step in plan]


def with_exception(option: OptionSpec) -> OptionSpec:
    """The same option offered as an exception to usual practice, which always needs a second person (K4)."""
    note = content.data("stories")["exception_note"]
    return replace(option, is_exception=True, description=(option.description + note).strip())
