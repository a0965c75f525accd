"""K5: the patterns and detectors behind ``reply_check.check_reply`` (one function per rule).

Each ``find_*`` takes the reply's sentences (``sentences(text)``: the body, greeting and sign-off left
out, with offsets into the reply) and yields the offsets of the words that triggered the rule. What each
rule means is written in ``reply_check``'s docstring; here are the words. Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def _rx(*patterns: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", flags)


# ---------------------------------------------------------------- sentences

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
# A greeting: a line of its own ("Dear Mrs Okafor,"), or the start of the first sentence ("Hi Sarah, I ...").
_GREETING = re.compile(
    r"\s*(?:dear|hello|hi|hey|good (?:morning|afternoon|evening))\b[^\n,.!?;:]{0,40}(?:[,!:]\s*|\s*$)", re.I
)
_SIGNOFF = re.compile(
    r"^\s*(?:(?:kind|best|warm(?:est)?|many) )?(?:regards|wishes|thanks|thank you|sincerely|"
    r"yours (?:sincerely|faithfully|truly)|cheers|all the best)\b[^\n]{0,30}$",
    re.I,
)


def sentences(text: str) -> list[Span]:
    """The body's sentences (greeting line and everything from the sign-off on left out), with offsets."""
    spans: list[Span] = []
    pos = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            start = pos + lead
            spans.append(Span(start, start + len(stripped), stripped))
        if match is None:
            break
        pos = match.end()
    greeting = _GREETING.match(spans[0].text) if spans else None
    if greeting is not None:
        first = spans[0]
        if greeting.end() >= len(first.text):
            spans = spans[1:]
        else:
            spans[0] = Span(first.start + greeting.end(), first.end, first.text[greeting.end() :])
    for i, span in enumerate(spans):
        if (
            i
            and _SIGNOFF.match(span.text)
            and (_whole_line(text, span) or len(span.text.split()) <= 4)
            and _only_names_after(spans[i + 1 :])
        ):
            return spans[:i]
    return spans


def _whole_line(text: str, span: Span) -> bool:
    before = text[: span.start].rsplit("\n", 1)[-1]
    after = text[span.end :].split("\n", 1)[0]
    return not before.strip() and not after.strip()


def _only_names_after(spans: list[Span]) -> bool:
    """What follows a sign-off: at most a few short lines (a name, a team, a telephone number)."""
    return len(spans) <= 4 and all(len(s.text.split()) <= 8 for s in spans)


def _clauses(sentence: Span) -> list[Span]:
    """A sentence cut at ``,`` ``;`` ``:`` and " - " (a promise is read within its own clause)."""
    out: list[Span] = []
    pos = 0
    for match in [
        *re.finditer(r"\s*[;:,]\s+|\s+[-–—]\s+|\s+(?:and|but|so) (?=I\b|we\b|they\b|it\b)", sentence.text),
        None,
    ]:
        end = match.start() if match else len(sentence.text)
        piece = sentence.text[pos:end]
        if piece.strip():
            out.append(Span(sentence.start + pos, sentence.start + end, piece))
        if match is None:
            break
        pos = match.end()
    return out


# ---------------------------------------------------------------- K5.blame

BLAME = _rx(
    r"you (?:\w+ )?(?:failed|neglected|forgot|omitted|refused) to",
    r"you (?:should|ought to|could) (?:really |easily |simply )?have (?!been\b|received\b|got\b|had\b|heard\b|"
    r"seen\b|known\b|expected\b)\w+",
    r"if you(?:'d| had) (?!any\b|a\b|questions\b)\w+",
    r"had you (?:\w+ed|read|been|told|paid|kept|sent|given|taken|made)",
    r"(?:it(?:'s| is| was) )?(?:your|you're) (?:own )?(?:fault|mistake|error|responsibility|doing|problem)",
    r"(?:due to|because of|caused by|result of|on) your (?:own )?(?:error|mistake|misuse|negligence|failure|"
    r"carelessness|overspending|part|actions|inaction)",
    r"(?:caused|created|triggered) by you",
    r"misuse",
    r"user error",
    r"(?:it(?:'s| is| was) )?(?:down|up) to you to",
    r"(?:fault|blame|responsibility) (?:lies|rests|is) (?:with|on) you",
    r"you(?:'re| are| were)? (?:entirely |partly |solely )?(?:to blame|at fault|responsible for (?:this|the|that))",
    r"you (?:clearly |obviously |simply |just )?(?:did not|didn't|do not|don't|never) (?:bother|read|follow|check|"
    r"give|provide|return|tell|inform|cancel|update|attend|keep|submit|notify|take|listen|pay|respond)",
    r"you (?:clearly |obviously )?(?:weren't|were not|was not|wasn't) (?:listening|paying attention|in|at home|home)",
    r"you (?:clearly |obviously |simply )?(?:ignored|misunderstood|misread|overloaded|overspent|missed the|"
    r"left it too late|caused|chose (?:the|to|not)|agreed to (?:these|the|this|our)|must have|"
    r"provided false|provided incorrect|gave (?:us )?false)",
    r"you (?:\w+ ){0,3}?(?:the |a |an )?(?:wrong|incorrect)(?! \w+ (?:from|by) us)",
    r"because you (?:paid|didn't|did not|failed|entered|sent|gave|chose|ordered|missed|forgot|ignored|used)",
    r"as you (?:were|have been) (?:told|advised|informed|warned)",
    r"you were (?:told|advised|informed|warned) (?:that|about|on|by|before|at the time|twice|several)",
    r"you were warned",
    r"you (?:still )?(?:have not|haven't|have yet to|did not|didn't|never) (?:yet )?(?:provided|sent|returned|given|"
    r"paid|replied|responded|supplied|completed|signed|submitted|told us|informed us|let us know)",
    r"as (?:we|I) (?:have )?(?:already|previously) (?:told|explained|advised|informed)",
    r"(?:only )?yourself to blame",
    r"you (?:clearly|obviously) \w+",
)
# Sentences that clear the customer, whatever else matches in them.
NOT_BLAME = _rx(
    r"(?:not|never|\w+n't|no) (?:\w+ ){0,2}(?:your|you're) (?:own )?(?:fault|mistake|error|responsibility|doing)",
    r"no fault of your own",
    r"(?:not|never|\w+n't) (?:\w+ )?blam(?:e|ing) you",
    r"(?:nobody|no one|no-one|we're not|we are not|I'm not|I am not) (?:is |are )?(?:suggesting|saying|implying)",
    r"you did (?:nothing|not do anything) wrong",
    r"you (?:didn't|did not) do anything wrong",
)
_BLAME_NOT_BEFORE = re.compile(r"(?:\bnot|\bnever|n't|\bno)\s+(?:\w+\s+)?$", re.I)


_IF_BEFORE = re.compile(r"\b(?:if|in case|when|once|unless)\s+$", re.I)


def find_blame(sentences: list[Span]) -> Iterator[tuple[int, int]]:
    for s in sentences:
        if NOT_BLAME.search(s.text):
            continue
        for m in BLAME.finditer(s.text):
            before = s.text[max(0, m.start() - 20) : m.start()]
            if _BLAME_NOT_BEFORE.search(before):
                continue
            if _IF_BEFORE.search(before) and not m.group().lower().startswith(("if", "had")):
                continue  # "if you have not sent the form yet, please..." is an instruction
            yield s.start + m.start(), s.start + m.end()
            break  # one finding per sentence


# ---------------------------------------------------------------- K5.jargon

# Internal words and phrases (any case).
JARGON_WORDS = _rx(
    r"(?:escalated|passed|moved|sent|routed|referred|raised) (?:it |this |your \w+ )?(?:up )?to (?:the )?"
    r"(?:L[1-4]|tier \d|level \d|(?:first|second|third|1st|2nd|3rd)[ -]line)",
    r"(?:first|second|third|1st|2nd|3rd)[ -]line (?:team|support|engineers?)",
    r"tier[ -]?\d (?:team|support|resolvers?|resolver group)",
    r"resolver group",
    r"back[ -]?office",
    r"back[ -]?end",
    r"root cause analysis",
    r"exceptions? queue",
    r"(?:re)?assigned in the queue",
    r"triage",
    r"provisioning",
    r"write[ -]?back",
    r"sync issue",
    r"batch (?:run|job|file)",
    r"bill(?:ing)? run",
    r"delta file",
    r"rate card",
    r"reconciliation (?:job|run|process)",
    r"nightly (?:job|run|batch)",
    r"(?:risk|fraud|collections|rules?|pricing|billing) engine",
    r"velocity rule",
    r"hard block",
    r"auto[- ]?closed",
    r"downstream",
    r"upstream",
    r"workflow",
    r"work(?:ed|stream)? in the next sprint",
    r"sprint",
    r"reverse logistics",
    r"pick exception",
    r"re-?bill",
    r"actioned",
    r"action (?:your|the|this) (?:request|refund|change|complaint)",
    r"goodwill adjustment code",
    r"non-reportable",
    r"offshore team",
    r"ledger",
    r"(?:error|status|reason|fault|return|adjustment|result|response) code\s+[A-Z0-9][\w./-]*",
    r"code [A-Z]{1,4}\d+",
    r"(?:a|the) timeout",
    r"(?:a|an|the) (?:CHG|INC|RFC|JIRA|change) (?:ticket|request)",
    r"DPA pass",
    r"DNR scan",
    r"fulfilment exception",
    r"data flow",
    r"OSS stack",
)
# Internal acronyms and codes (case-sensitive: "tier" is a word, "SLA" an acronym).
JARGON_CODES = re.compile(
    r"(?<![\w-])(?:"
    r"(?:L[1-4]|P[1-4]|SLA|SLAs|KPI|RCA|BAU|KYC|AML|CRM|RMA|TTR|TAT|JIRA|OSS|BSS|WMS|OMS|ERP|QA|CX|DPA|CB|DNR|"
    r"OOS|NFF|PSR|AP|AR|AUDDIS|ARUDD|ADDACS|DSLAM|REIN|FTTC|FTTP|GEA|LNP|PAC|MTD|CoS|AQ|SOP|SME|WFM|ACD|IVR|"
    r"DISP \d[\d.]*|CONC \d[\d.]*|(?:INC|CHG|RITM|PRB|REQ|TKT|SR|TASK)\d{3,}|D\d{4}|[A-Z]{2,5}-\d{1,3}|[A-Z]-\d{3,6})"
    r"(?: code \w+(?:\.\w+)*)?)(?![\w-])"
)


_NEAR = re.compile(r"[\s,/&]*(?:\w{1,4}[\s,/&]+)?")


def find_jargon(sentences: list[Span]) -> Iterator[tuple[int, int]]:
    for s in sentences:
        hits = sorted(
            [(m.start(), m.end()) for m in JARGON_WORDS.finditer(s.text)]
            + [(m.start(), m.end()) for m in JARGON_CODES.finditer(s.text)]
        )
        if hits:
            start, end = hits[0]
            for a, b in hits[1:]:  # neighbouring terms make one finding ("escalated to L2 for RCA")
                if not _NEAR.fullmatch(s.text[end:a]):
                    break
                end = max(end, b)
            yield s.start + start, s.start + end


# ---------------------------------------------------------------- K5.beyond_authority_money

AMOUNT = re.compile(
    r"(?:£|\bGBP\s?)\s?(?P<a>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?P<k>k\b)?"
    r"|\b(?P<b>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s?(?:pounds|quid|GBP)\b",
    re.I,
)
OFFER = _rx(
    r"refund\w*",
    r"reimburs\w*",
    r"compensat\w*",
    r"goodwill",
    r"gesture",
    r"offer\w*",
    r"vouchers?",
    r"settlement",
    r"writ(?:e|ten|ing) off",
    r"waiv\w+",
    r"cheque",
    r"(?:a |the )?credit(?:ed|ing)? (?:of|to|with|for|your)",
    r"credit(?:ed|ing)? (?:£|GBP ?)?\d",
    r"(?:a|the) (?:£\S+ |GBP \S+ )?credit",
    r"pay(?:ing)? (?:you|back|out|the|for|towards|\S*\d)",
    r"payment (?:of|to you)",
    r"(?:send|sending|sent|give|giving|transfer\w*|put\w*|add\w*|arrang\w*|approv\w+|authoris\w+|authoriz\w+)"
    r" (?:you )?(?:\S+ ){0,4}?(?:to your|into your|back|to you|on top|towards|to cover|for the|as)",
    r"(?:get|getting|receive|receiving) (?:\S+ ){0,3}back",
    r"off your (?:next )?bill",
    r"reduc\w+ your (?:bill|balance|account)",
    r"cover(?:ing)? (?:the|your)",
    r"towards",
)
NOT_OFFER = _rx(r"in credit")


def _amount(match: re.Match[str]) -> Decimal | None:
    raw = (match.group("a") or match.group("b") or "").replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value * 1000 if match.group("k") else value


def find_money(sentences: list[Span], limit: Decimal | None) -> Iterator[tuple[int, int, Decimal]]:
    if limit is None:
        return
    for s in sentences:
        if not OFFER.search(NOT_OFFER.sub(" ", s.text)):
            continue
        for m in AMOUNT.finditer(s.text):
            value = _amount(m)
            if value is not None and value > limit:
                yield s.start + m.start(), s.start + m.end(), value


# ---------------------------------------------------------------- times (K5.beyond_authority_date, K5.no_next_step)

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUM = (
    r"(?:\d+(?:\s?(?:-|–|to)\s?\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
    r"fifteen|twenty|thirty)"
)
SPAN = re.compile(
    r"\b(?:within|in|in the next|over the next|inside|no later than)\s+(?:the next\s+)?(?P<n>" + _NUM + r")"
    r"\s*(?P<working>working |business |calendar )?(?P<unit>days?|weeks?|months?|hours?)\b",
    re.I,
)
TIME = _rx(
    _WEEKDAY,
    r"today",
    r"tonight",
    r"tomorrow",
    r"this (?:morning|afternoon|evening|week)",
    r"(?:next|this coming) (?:week|month|" + _WEEKDAY + r")",
    r"by (?:the )?end of (?:the |this |next )?(?:day|today|week|month|play)",
    r"(?:before|by) the end of",
    r"at the latest",
    r"\d{1,2}(?:st|nd|rd|th)? (?:of )?" + _MONTH,
    _MONTH + r" \d{1,2}(?:st|nd|rd|th)?",
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?",
    r"(?:by|at|before|after|from|until|between) \d{1,2}(?::\d\d)? ?(?:am|pm)",
    r"\d{1,2}(?::\d\d)? ?(?:am|pm)",
    r"midday",
    r"noon",
    r"first thing",
    r"the same day",
    r"every (?:day|week|" + _WEEKDAY + r")",
    r"(?:within|in|in the next|over the next) (?:the next )?" + _NUM + r" ?(?:working |business )?"
    r"(?:days?|weeks?|months?|hours?)",
    r"(?:within|in) (?:a|one|the next|24|48) (?:working |business )?(?:day|week|hours?)",
)
HEDGE = _rx(
    r"should",
    r"expects?",
    r"expected",
    r"aims?",
    r"hopes?",
    r"hopefully",
    r"usually",
    r"normally",
    r"typically",
    r"generally",
    r"likely",
    r"may",
    r"might",
    r"could",
    r"can take",
    r"up to",
    r"provisional(?:ly)?",
    r"subject to",
    r"estimat\w+",
    r"anticipat\w+",
    r"target",
    r"if all goes",
    r"depending",
    r"I can'?t promise",
    r"I cannot promise",
    r"not guaranteed",
    r"try to",
    r"plan(?:s|ned)? to",
)
FIRM = re.compile(
    r"(?P<subject>[A-Za-z'’ ]{0,60}?)\s*\b(?:will|'ll|’ll|shall|is going to|are going to)\b\s*(?P<rest>.*)",
    re.I | re.S,
)
_OWN_SUBJECT = re.compile(r"(?:^|\b)(?:I|we|me and my team|my team and I)\s*$", re.I)
_YOU_SUBJECT = re.compile(r"(?:^|\b)you\s*$", re.I)
# What the sender does or controls: contact, look, write, ask (promising these is a good next step).
OWN_ACTION = _rx(
    r"(?:definitely |personally |then |also |now )?(?:call|ring|phone|email|e-mail|write|text|message|contact|"
    r"update|reply|respond|send|post|check|chase|confirm|let you know|tell you|review|look|speak|talk|"
    r"come back|get back|be in touch|ask|raise|keep|arrange|book|follow|make a note|note|escalate|"
    r"pass|share|explain|discuss|go through|visit the|be your|be the|be here|be available|read|listen|"
    r"investigate|hold|pause|put a hold|set up|have spoken|have an answer|have a full answer|have the)",
)
# The customer will hear from the sender (own next step), not receive an outcome.
_YOU_HEAR = _rx(
    r"(?:hear|receive|get|have) (?:back )?(?:from (?:me|us)|my|our (?:reply|response|decision|letter|call|email)|"
    r"a (?:call|letter|reply|response|text|email|written))"
)
PROMISE = _rx(
    r"(?:I|we) (?:can )?(?:promise|guarantee)",
    r"guaranteed",
    r"definitely",
    r"without fail",
    r"for sure",
    r"no question",
    r"I can commit",
    r"we can commit",
    r"commit to",
)
# Outcomes that another team, a contractor, a carrier or the bank brings about.
OUTCOME = _rx(
    r"fix(?:ed)?",
    r"repair(?:ed)?",
    r"resolv(?:e|ed)",
    r"sort(?:ed)? (?:this |it )?(?:out)?",
    r"put right",
    r"deliver(?:ed)?",
    r"arrive",
    r"reach you",
    r"be (?:in|with|back|on|up|working|completed|done|finished|installed|fitted|replaced|reopened|restored|"
    r"corrected|reversed|approved|removed|returned|cleared|credited|paid|unblocked|reconnected|collected|"
    r"carried out|taken|ready|back up)",
    r"complete(?:d)?",
    r"finish(?:ed)?",
    r"restor(?:e|ed)",
    r"replac(?:e|ed)",
    r"install(?:ed)?",
    r"fit(?:ted)?",
    r"reconnect(?:ed)?",
    r"reopen(?:ed)?",
    r"unblock(?:ed)?",
    r"(?:get|receive|see|have) (?:your|the|a|an) (?:\w+ )?(?:money|refund|credit|payment|parcel|order|delivery|card|"
    r"replacement|item|goods|compensation|cheque|funds|engineer|part)",
    r"have (?:\w+ ){0,4}?(?:fixed|working|corrected|reversed|repaired|resolved|sorted|reopened|back)",
    r"make sure (?:\w+ ){0,4}?(?:is|are|gets?) (?:put right|fixed|sorted|resolved|done)",
)


def _span_days(match: re.Match[str]) -> float:
    words = {
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "fourteen": 14,
        "fifteen": 15,
        "twenty": 20,
        "thirty": 30,
    }
    raw = re.split(r"\s?(?:-|–|to)\s?", match.group("n").lower())[-1]  # a range: its far end
    n = float(raw) if raw.isdigit() else float(words.get(raw, 0))
    unit = match.group("unit").lower().rstrip("s")
    per = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0}[unit]
    days = n * per
    if unit == "day" and (match.group("working") or "").strip().lower() in ("working", "business"):
        days = n * 7 / 5
    return days


_CONDITION = re.compile(r"^\s*(?:if|provided|providing|assuming|as long as|once|when|subject to)\b", re.I)


def _promises(sentences: list[Span]) -> Iterator[tuple[Span, str, str, bool]]:
    """Each clause with a firm future (will / 'll / shall / going to): the clause, its subject, the rest,
    and whether a condition leads the sentence before it ("If all goes to plan, the meter will...")."""
    for s in sentences:
        conditional = False
        for clause in _clauses(s):
            m = FIRM.search(clause.text)
            if m:
                yield clause, m.group("subject").strip(), m.group("rest"), conditional
            elif PROMISE.search(clause.text):
                yield clause, "", clause.text, conditional
            conditional = conditional or bool(_CONDITION.search(clause.text))


def find_dates(sentences: list[Span], date_limit_days: int | None) -> Iterator[tuple[int, int, str]]:
    for clause, subject, rest, conditional in _promises(sentences):
        text = clause.text
        if (conditional or HEDGE.search(text)) and not PROMISE.search(text):
            continue
        if date_limit_days is not None:
            span = next((m for m in SPAN.finditer(text) if _span_days(m) > date_limit_days), None)
            if span is not None:
                yield clause.start + span.start(), clause.start + span.end(), "far"
                continue
        time = TIME.search(rest) or (TIME.search(text) if PROMISE.search(text) else None)
        if time is None or SPAN.match(time.string, time.start()):
            continue  # no firm time, or only a span (spans are judged against the limit above)
        own = bool(_OWN_SUBJECT.search(subject))
        if own or _YOU_SUBJECT.search(subject):
            if own and OWN_ACTION.match(rest.lstrip()) and not PROMISE.search(text):
                continue
            if not OUTCOME.search(rest) or _YOU_HEAR.search(rest):
                continue
            if own and OWN_ACTION.match(rest.lstrip()):
                continue
        elif not subject and not OUTCOME.search(rest):
            continue
        start = clause.start + len(text) - len(text.lstrip())
        yield start, clause.start + len(text.rstrip(" .!?")), "third_party"


# ---------------------------------------------------------------- K5.no_empathy

EMPATHY = _rx(
    r"(?:I'?m|I am|I was|we'?re|we are|we were)(?: \w+){0,2} sorry(?! if\b)(?!,? but\b)(?! for any\b)",
    r"sorry (?:again |once more |too )?(?:for|about|that|to hear|to read|to learn|you)(?! any\b)",
    r"(?<!if )sorry(?=\s*[-–—!.])",
    r"apologi[sz]e (?:for|that|to you)(?! any\b)",
    r"(?:my|our|sincere|sincerest|deepest) apologies(?! for any\b)(?! if\b)",
    r"I (?:can |completely |fully |totally |really |do )?(?:understand|appreciate|realise|realize)"
    r" (?:why|how|that|your|what|this)",
    r"I (?:can )?(?:only )?imagine",
    r"I (?:know|can see|can hear|see|hear) (?:how|why|you(?:'ve| have| are|'re) (?:been )?(?:\w+ )?(?:worried|upset|angry|"
    r"frustrated|fed up|distressed|anxious|cross|let down))",
    r"must (?:have been|be) (?:\w+ ){0,2}(?:frustrating|upsetting|awful|distressing|stressful|worrying|difficult|"
    r"hard|horrible|annoying|infuriating|unsettling)",
    r"frustrat\w+",
    r"upset(?:ting)?",
    r"distress(?:ing|ed)?",
    r"(?<!don't )(?<!do not )worr(?:y|ied|ying)",
    r"stress(?:ful|ed)?(?! this)",
    r"anxi(?:ety|ous)",
    r"let down",
    r"fed up",
    r"every right to",
    r"right to complain",
    r"difficult time",
    r"feel the same",
    r"in your (?:position|shoes)",
    r"(?:feeling|feel) (?:this way|let down|like)",
    r"awful",
    r"unacceptable",
)
NON_APOLOGY = _rx(
    r"(?:we |I )?(?:apologi[sz]e|regret|are sorry|am sorry|sorry|apologies)(?: \w+){0,2} (?:for|if) (?:any|you feel|you were|you felt)"
    r"(?: \w+){0,4}",
    r"regret that you feel(?: \w+)?",
    r"(?:apologies|sorry) for any inconvenience",
)


def find_no_empathy(sentences: list[Span], text: str) -> tuple[int, int] | None:
    if any(EMPATHY.search(s.text) for s in sentences):
        return None
    formula = NON_APOLOGY.search(text)
    if formula:
        return formula.start(), formula.end()
    if sentences:
        return sentences[0].start, sentences[0].end
    return None


# ---------------------------------------------------------------- K5.policy_without_reason

POLICY = _rx(
    r"(?:our|company|the|this|a|returns?|refunds?|compensation|cancellation|standard) polic(?:y|ies)",
    r"polic(?:y|ies) (?:is|says|states|dictates|does|doesn't|prevents|only|decision)",
    r"as per (?:our|the|company|your) \w+(?: \w+)?",
    r"in (?:line|accordance) with (?:our|the|your|company) (?:standard )?(?:terms|policy|procedures?|guidelines|"
    r"rules|process|T&Cs?)",
    r"(?:under|according to|as stated in|as set out in|per) (?:our|the|your) (?:standard )?(?:terms|T&Cs?|terms and "
    r"conditions|agreement|contract|rules|guidelines|procedures?|process|conditions)",
    r"our (?:standard )?(?:terms|T&Cs?|guidelines|procedures?|rules|process|conditions)(?: and conditions)? "
    r"(?:state|states|say|says|do not|don't|does not|doesn't|prevent|only|require|are|is|ask)",
    r"(?:section|clause) \d+(?:\.\d+)*",
    r"the rules (?:are|say|state|of)",
    r"not permitted",
    r"against (?:our |company |the )?(?:polic(?:y|ies)|rules)",
)
REASON = _rx(
    r"because(?! of (?:our|the|company|this) (?:polic|rule|term|procedure|process|guideline)\w*)",
    r"so that",
    r"so (?:we|you|nothing|it|there|the|that|your)",
    r"this is (?:to|so|because|for)",
    r"that is (?:to|so|because)",
    r"to (?:protect|keep|make sure|ensure|prevent|stop|avoid|give|help|check)",
    r"in order to",
    r"the reason",
    r"which means",
    r"this means",
    r"for your (?:security|protection|safety)",
    r"as (?:the|our \w+ (?:need|needs|can|can't|cannot|must)|we (?:need|must|can)|it|they|a result)",
    r"due to (?:the|data|safety|security|the law)",
    r"the law",
    r"required by law",
    r"legal(?:ly)? requirement",
)
_REASON_OPENER = re.compile(
    r"^\s*(?:this|that|it)(?:'s| is| was) (?:because|to|so|for)|^\s*the reason|^\s*because", re.I
)


# "as it's against policy" names the policy, it gives no reason.
_NOT_REASON = re.compile(
    r"\b(?:as|because|since) (?:it|this|that)(?:'s| is| goes| would go| was) (?:against |not in line with |contrary to )?"
    r"(?:our |company |the )?(?:polic(?:y|ies)|rules|terms|procedures?)\w*",
    re.I,
)


def find_policy(sentences: list[Span]) -> Iterator[tuple[int, int]]:
    for i, s in enumerate(sentences):
        m = POLICY.search(s.text)
        if not m:
            continue
        if REASON.search(_NOT_REASON.sub(" ", s.text)):
            continue
        if i + 1 < len(sentences) and _REASON_OPENER.search(sentences[i + 1].text):
            continue
        yield s.start + m.start(), s.start + m.end()


# ---------------------------------------------------------------- K5.no_next_step

NEXT_ACTION = _rx(
    r"will",
    r"'ll",
    r"shall",
    r"going to",
    r"(?:I|we)(?:'m|'re| am| are) (?:\w+ing)",
    r"please",
    r"expect",
    r"should",
    r"next step",
    r"booked",
    r"scheduled",
    r"aim",
    r"reply by",
    r"call (?:me|us)",
)


def has_next_step(sentences: list[Span]) -> bool:
    for s in sentences:
        for clause in _clauses(s) or [s]:
            if TIME.search(clause.text) and NEXT_ACTION.search(s.text):
                return True
        if TIME.search(s.text) and re.search(r"(?:\bwill\b|'ll\b|\bplease\b)", s.text, re.I):
            return True
    return False


# ---------------------------------------------------------------- K5.shouting

# Acronyms a customer knows, and internal ones (those are jargon, not shouting).
ACRONYMS = frozenset(
    """UK GB EU US USA VAT GBP EUR USD PIN IBAN BIC BACS CHAPS PDF SMS MMS TV HD ID NHS DVLA HMRC DWP ISA
    FOS ADR FCA PRA CMA ICO GDPR FAQ FAQS CCTV ATM PC IT OK AM PM BT EE ASAP MOT NI NIN DD SO PAYG APR AER
    MPAN MPRN MSN LPG LED DAB PAC STAC SIM ESIM PUK WIFI DSL ADSL VDSL TSB RBS HSBC NS&I DIY RSVP PS NB
    URL WWW RE FW FWD DPD UPS DHL TNT EV MP SIM SIMS CD DVD USB QR IOS APP TRS RRP DOB UCAS COVID
    SLA SLAS KPI RCA BAU KYC AML CRM RMA TTR TAT JIRA OSS BSS WMS OMS ERP QA CX DPA CB DNR OOS NFF PSR AP
    AR AUDDIS ARUDD ADDACS DSLAM REIN FTTC FTTP GEA LNP MTD COS AQ SOP SME WFM ACD IVR INC CHG RITM PND
    COLL GW DISP CONC""".split()
)
# Short words that are English, not acronyms: in capitals, they shout.
SHOUT_WORDS = frozenset(
    """NOT NO ALL ANY NOW YOU YOUR OUR WE WILL MUST ONLY DO DID DONT CAN CANT ARE IS THE AND OR BUT FOR HAS
    HAVE WAS BOTH VERY MORE MOST EVER SURE JUST DONE READ KEEP CALL NEED DUE OWE LAST NEW FREE FULL TRUE
    SAID TOLD TO IN ON OF BY IT BE ME MY US SO UP HOME HERE THIS THAT THEM THEY NEXT WHY HOW WHAT WHEN
    STOP WAIT ONCE TWO ONE SENT PAID LATE WARN YES""".split()
)
_CAPS = re.compile(
    r"(?<![\w&'’-])(?<!Mr )(?<!Ms )(?<!Dr )(?<!Mx )(?<!Mrs )(?<!Miss )[A-Z][A-Z'’]*[A-Z](?![\w&-])"
)
_BANG = re.compile(r"[!?]*!{2,}[!?]*|\?!+|!\?+")


def _shouty(word: str) -> bool:
    plain = word.replace("'", "").replace("’", "")
    if plain in ACRONYMS:
        return False
    return plain in SHOUT_WORDS or len(plain) >= 5


def find_shouting(text: str, sentences: list[Span]) -> Iterator[tuple[int, int]]:
    body = [(s.start, s.end) for s in sentences]

    def in_body(pos: int) -> bool:
        return any(a <= pos < b for a, b in body)

    words = [m for m in _CAPS.finditer(text) if in_body(m.start())]
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and re.fullmatch(r"[\s,/]+", text[words[j].end() : words[j + 1].start()]):
            j += 1
        run = words[i : j + 1]
        loud = [w for w in run if _shouty(w.group())]
        if loud and (len(run) > 1 and len(loud) >= 1 or _shouty(run[0].group())):
            if len(run) > 1 or len(loud[0].group()) >= 2:
                yield run[0].start(), run[-1].end()
        i = j + 1
    bangs = [m for m in _BANG.finditer(text) if in_body(max(0, m.start() - 1))]
    singles = [m.start() for m in re.finditer(r"!", text) if in_body(max(0, m.start() - 1))]
    if bangs:
        for m in bangs:
            yield _sentence_around(sentences, m.start())
    elif len(singles) >= 3:
        yield _sentence_around(sentences, singles[0])


def _sentence_around(sentences: list[Span], pos: int) -> tuple[int, int]:
    for s in sentences:
        if s.start <= pos <= s.end:
            return s.start, s.end
    return pos, pos + 1
