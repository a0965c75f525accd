"""The documentation stays inside the repository and in step with the code: every rule id the code cites
has its entry in docs/rules.md, and the README and docs/ point at nothing outside the repository."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from putright.engines.remedies.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "putright"
RULES_PAGE = ROOT / "docs" / "rules.md"

# How the code attaches a rule to a finding, a clock, a letter or a decision: a string that is the id and
# nothing else ("G11", "K4.money", "SLA.resolve"), in a rule table, a ``rule_id=`` or a ``rule_ids`` tuple.
# One capital and one or two digits, or one of the organisation's own dotted ids; "BS1" or "README.md" no.
WHOLE_RULE_ID = re.compile(r"[A-Z][0-9]{1,2}(?:\.[a-z_]+)?|SLA\.[a-z_]+")
# How a sentence the code shows cites a legal rule: "(G7)", "A6: …", "G11/C3", "F4–F7". Only the letters of
# the legal families (G D V C A F P), and only whole tokens, so "MiniLM-L6", "E4" or "S3" never count.
CITED_IN_TEXT = re.compile(r"(?<![\w.\-])([GDVCAFP])(\d{1,2})(?:[–-]\1(\d{1,2}))?(?!\w)")
# An entry of docs/rules.md: "- **G1** — what it says (source)", continued on indented lines.
ENTRY = re.compile(r"^- \*\*(?P<id>[^*]+)\*\* — (?P<text>.*)$")
NOT_CITED_MARK = "Not cited by the code yet"
UNCONFIRMED_MARK = "[UNCONFIRMED]"


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings: they name the product's requirement ids and
    the text engine's own step numbers (grouping's G1–G8), which are not rule citations."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def rule_ids_in_source(source: str) -> tuple[set[str], set[str]]:
    """(ids the code attaches as values, ids cited inside the sentences it shows) in one module."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    attached: set[str] = set()
    in_text: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        if WHOLE_RULE_ID.fullmatch(node.value):
            attached.add(node.value)
            continue
        for match in CITED_IN_TEXT.finditer(node.value):
            family, first, last = match.group(1), int(match.group(2)), match.group(3)
            for number in range(first, int(last or first) + 1):
                in_text.add(f"{family}{number}")
    return attached, in_text


def rule_ids_in_code() -> tuple[set[str], set[str]]:
    attached: set[str] = set()
    in_text: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module_attached, module_in_text = rule_ids_in_source(path.read_text(encoding="utf-8"))
        attached |= module_attached
        in_text |= module_in_text
    return attached, in_text


def rules_page_entries(text: str) -> dict[str, str]:
    """Each entry's id and its whole text (continuation lines joined), from the rules page."""
    entries: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        entry = ENTRY.match(line)
        if entry:
            current = entry["id"]
            assert current not in entries, f"docs/rules.md has two entries for {current}"
            entries[current] = entry["text"]
        elif current is not None and line.startswith("  ") and line.strip():
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


# ---------------------------------------------------------------- the collector itself


def test_the_collector_finds_cited_rule_ids_and_not_their_look_alikes():
    source = '''
"""Module docstring: steps G1–G8 of grouping, requirement P5."""
RULES = {"G11": 1, "K4.money": 2, "SLA.resolve": 3}
def f():
    """Function docstring citing C2."""
    found.line("G13", "text")
    warn = "A6: never the ODR platform; the motor vehicle rule (G8) and F4–F7 apply, see G11/C3."
    model = "all-MiniLM-L6-v2 on E4, S3 and XG1, or G1a"
    return ("BS1", "TR1", "README.md", "GB", "E")
'''
    attached, in_text = rule_ids_in_source(source)
    assert attached == {"G11", "K4.money", "SLA.resolve", "G13"}
    assert in_text == {"A6", "G8", "F4", "F5", "F6", "F7", "G11", "C3"}


def test_the_code_cites_the_rule_ids_we_know_it_does():
    """So the checks below can never pass on an empty set."""
    attached, in_text = rule_ids_in_code()
    cited = attached | in_text
    known = {"G1", "G13", "D4", "V2", "C3", "F6", "F7", "P4", "A3", "K4.money", "SLA.resolve", "T6"}
    assert known <= attached
    assert {"A6", "F1"} <= in_text  # cited in what agents and administrators read, never as a value
    assert set(RULES) <= cited  # the remedies engine's whole catalogue
    assert not cited & {"L6", "E4", "S3", "K2", "BS1", "TR1"}


# ---------------------------------------------------------------- docs/rules.md


def test_every_rule_id_the_code_cites_has_an_entry_in_the_rules_page():
    attached, in_text = rule_ids_in_code()
    entries = rules_page_entries(RULES_PAGE.read_text(encoding="utf-8"))
    missing = sorted((attached | in_text) - set(entries))
    assert missing == [], f"docs/rules.md has no entry for {missing}"


def test_an_entry_says_not_cited_only_for_a_rule_the_code_does_not_attach():
    attached, in_text = rule_ids_in_code()
    entries = rules_page_entries(RULES_PAGE.read_text(encoding="utf-8"))
    wrongly_marked = sorted(rule for rule in attached if NOT_CITED_MARK in entries.get(rule, ""))
    assert wrongly_marked == []
    # And the other way: an entry without the mark describes a rule the code really cites.
    claimed = sorted(rule for rule, text in entries.items() if NOT_CITED_MARK not in text)
    assert [rule for rule in claimed if rule not in attached | in_text] == []


def test_the_unconfirmed_marks_agree_with_the_remedies_engine_catalogue():
    entries = rules_page_entries(RULES_PAGE.read_text(encoding="utf-8"))
    marked = {rule for rule in RULES if UNCONFIRMED_MARK in entries[rule]}
    assert marked == {rule.id for rule in RULES.values() if rule.unconfirmed}


# ---------------------------------------------------------------- nothing outside the repository

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUTSIDE_MARKERS = ("../shared", ".library", "/work/")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MARKDOWN_FILE = re.compile(r"[\w./-]+\.md")


def test_the_readme_and_docs_point_at_nothing_outside_the_repository():
    problems = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.name}: mentions {marker}" for marker in OUTSIDE_MARKERS if marker in text]
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address or an anchor on the same page
            path = (page.parent / target.split("#")[0]).resolve()
            if not path.is_relative_to(ROOT):
                problems.append(f"{page.name}: link {target} leaves the repository")
            elif not path.exists():
                problems.append(f"{page.name}: link {target} points at nothing")
        for span in CODE_SPAN.findall(text):
            relative = span.split()[0]
            if relative.startswith("../") and not (page.parent / relative).resolve().is_relative_to(ROOT):
                problems.append(f"{page.name}: path {span} leaves the repository")
            # A page named in passing (`bench/README.md`) must be one the repository has.
            named_page = MARKDOWN_FILE.fullmatch(span)
            if named_page and not any((base / span).exists() for base in (ROOT, page.parent)):
                problems.append(f"{page.name}: {span} is not in the repository")
    assert problems == [], problems


def test_the_rules_and_architecture_pages_exist_and_the_readme_links_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/rules.md" in readme
    assert "docs/architecture.md" in readme
