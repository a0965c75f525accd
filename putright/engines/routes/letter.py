"""The final word: the other routes that fit a case, and the customer letter drafted from the rules.

When we cannot help, or a case closes unresolved (PRODUCT.md A6, P5), the customer gets clear reasons,
the other routes that fit, and the deadlock / final-response content their sector's rules require:

- A2 (DMCC Act 2024 s308, from 6 April 2026): for a consumer contract, name any ADR scheme we are
  *obliged* to use; if none, say so (good practice).
- A1 (ADR Regulations 2015 reg 19(2), revoked 6 April 2026): only for complaints received before that
  day: say we cannot settle it, name a competent ADR body and its website, and whether we will use it.
- A3 + F6 (FCA DISP 1.6.2): the Financial Ombudsman Service, free; the right to refer within six months
  of the final response; the Ombudsman's leaflet; whether we waive the time limits.
- A4 (energy): can refer; independent and free; the kinds of redress; binding on us, not on you.
- A5 (communications, Ofcom GC C4): the ADR letter at deadlock; scheme membership is compulsory.
- P5: manufacturer's guarantee (goods), free consumer advice, small claims (by nation: Scotland's
  "simple procedure"), with the limitation periods of G13.

A6 (uk-rules §3): never the EU ODR platform, which closed on 20 July 2025.
The agent edits the draft before it is sent; this module only drafts. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from putright.engines.deadlines.regimes import add_months
from putright.engines.routes.catalogue import (
    COMMS_SCHEMES,
    CONSUMER_ADVICE,
    ENERGY_NAME,
    ENERGY_REFERRAL_MONTHS,
    ENERGY_WEBSITE,
    FOS_LEAFLET,
    FOS_NAME,
    FOS_WEBSITE,
    LIMITATION_YEARS,
    SMALL_CLAIMS,
    Sector,
    mentions_odr,
)

# A1 applies to complaints received before this day; A2 to those received on or after it.
ADR_REGULATIONS_REVOKED = date(2026, 4, 6)
REGIONS = ("ENG", "WLS", "SCT", "NIR")


class Decision(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


DECISION_LABELS: dict[Decision, str] = {
    Decision.UPHELD: "Upheld, but we cannot put it right as asked",
    Decision.PARTLY_UPHELD: "Partly upheld",
    Decision.NOT_UPHELD: "Not upheld",
}


class Supply(StrEnum):
    GOODS = "goods"
    DIGITAL_CONTENT = "digital_content"
    SERVICES = "services"
    UNKNOWN = "unknown"


SUPPLY_LABELS: dict[Supply, str] = {
    Supply.GOODS: "Goods",
    Supply.DIGITAL_CONTENT: "Digital content",
    Supply.SERVICES: "A service",
    Supply.UNKNOWN: "Not known",
}


@dataclass(frozen=True)
class AdrScheme:
    name: str
    website: str
    # Obliged by law, a trade association's rules or a contract term (A2); otherwise voluntary.
    obliged: bool


@dataclass(frozen=True)
class LetterInput:
    reference: str
    received: date
    final_response: date
    reasons: str
    decision: Decision = Decision.NOT_UPHELD
    sector: Sector = Sector.GENERAL
    consumer_contract: bool = True
    adr: AdrScheme | None = None
    # FCA DISP applies: the regime is on and the complaint is a regulated one (F1).
    disp: bool = False
    payment_services: bool = False
    supply: Supply = Supply.UNKNOWN
    region: str = "ENG"
    organisation: str = ""
    signed_by: str = ""
    # Routes the agent named themselves (ticked or typed), offered after the generated ones.
    extra_routes: tuple[str, ...] = ()
    # DISP: whether we consent to the Ombudsman considering a complaint referred out of time.
    waive_ombudsman_time_limits: bool = False


@dataclass(frozen=True)
class Route:
    key: str
    name: str
    why: str
    time_limit: str
    website: str
    rule_ids: tuple[str, ...] = ()
    # Words in an agent's own route that mean this one, so it is not offered twice.
    aliases: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for the case record and the customer's page (which turns the website into a link)."""
        text = f"{self.name} ({self.time_limit})" if self.time_limit else self.name
        return f"{text}: {self.website}" if self.website else text


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    routes: tuple[Route, ...]
    rule_ids: tuple[str, ...]
    # Things the agent must fix before sending (a missing ADR scheme the rules require…).
    warnings: tuple[str, ...]


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------- routes


def _adr_rules(inp: LetterInput) -> tuple[str, ...]:
    """Which ADR information duty applies: A1 by the day the complaint arrived, A2 by the day we answer."""
    if not inp.consumer_contract:
        return ()
    rules: tuple[str, ...] = ()
    if inp.received < ADR_REGULATIONS_REVOKED:
        rules += ("A1",)
    if inp.final_response >= ADR_REGULATIONS_REVOKED:
        rules += ("A2",)
    return rules


def _ombudsman_route(inp: LetterInput) -> Route | None:
    """The sector's ombudsman or compulsory scheme: the ADR scheme the law obliges us to use (A2).

    A firm under DISP answers to the Financial Ombudsman Service whatever sector it files itself under.
    """
    if inp.sector == Sector.FINANCIAL or inp.disp:
        by = add_months(inp.final_response, 6)
        rules: tuple[str, ...] = ("A3", "F6") if inp.disp else ("A3",)
        if inp.disp and inp.payment_services:
            rules += ("F7",)
        rules += _adr_rules(inp)
        return Route(
            key="fos",
            name=FOS_NAME,
            why="Free and independent: it can look at your complaint now that you have our final response.",
            time_limit=f"refer within 6 months of this letter, by {_long(by)}",
            website=FOS_WEBSITE,
            rule_ids=rules,
            aliases=("financial ombudsman",),
        )
    if inp.sector == Sector.ENERGY:
        by = add_months(inp.final_response, ENERGY_REFERRAL_MONTHS)
        return Route(
            key="energy_ombudsman",
            name=ENERGY_NAME,
            why="Independent and free: it can look at your complaint now that we have reached deadlock.",
            time_limit=f"normally within {ENERGY_REFERRAL_MONTHS} months of this letter, by {_long(by)}",
            website=ENERGY_WEBSITE,
            rule_ids=("A4", *_adr_rules(inp)),
            aliases=("energy ombudsman",),
        )
    if inp.sector == Sector.COMMUNICATIONS:
        name = inp.adr.name if inp.adr else f"Our ADR scheme ({COMMS_SCHEMES})"
        rules = ("A5", *_adr_rules(inp))
        return Route(
            key="adr",
            name=name,
            why="Independent and free: every communications provider must belong to an approved scheme, "
            "and you can take your complaint to ours now that we have reached deadlock.",
            time_limit="",
            website=inp.adr.website if inp.adr else "",
            rule_ids=rules,
            aliases=_adr_aliases(inp.adr),
        )
    return None


def _adr_aliases(adr: AdrScheme | None) -> tuple[str, ...]:
    words = ("alternative dispute resolution", "adr scheme", "adr")
    return (*words, adr.name.lower()) if adr and adr.name else words


def _same_body(adr: AdrScheme, ombudsman: Route) -> bool:
    name = adr.name.lower()
    return any(alias in name for alias in ombudsman.aliases) or (
        bool(adr.website) and adr.website.rstrip("/").lower() == ombudsman.website.rstrip("/").lower()
    )


def _adr_route(inp: LetterInput, ombudsman: Route | None) -> Route | None:
    """A2 (and A1 for older complaints): the ADR scheme for a consumer contract outside the regulated sectors,
    or a further scheme beside the sector ombudsman."""
    adr = inp.adr
    if adr is None or not inp.consumer_contract or inp.sector == Sector.COMMUNICATIONS:
        return None
    if ombudsman is not None and _same_body(adr, ombudsman):
        return None
    # A2 names only a scheme we are obliged to use; A1 names a competent body whether or not we use it.
    rules = tuple(r for r in _adr_rules(inp) if r == "A1" or adr.obliged)
    why = (
        "We are obliged to use this independent scheme; it can look at your complaint."
        if adr.obliged
        else "We are willing to use this independent scheme; it can look at your complaint."
    )
    return Route(
        key="adr",
        name=adr.name,
        why=why,
        time_limit="",
        website=adr.website,
        rule_ids=rules,
        aliases=_adr_aliases(adr),
    )


def _region(inp: LetterInput) -> str:
    return inp.region if inp.region in REGIONS else "ENG"


def routes_for(inp: LetterInput) -> list[Route]:
    """The routes that fit this case, most specific first, then the agent's own."""
    region = _region(inp)
    routes: list[Route] = []
    ombudsman = _ombudsman_route(inp)
    if ombudsman is not None:
        routes.append(ombudsman)
    adr = _adr_route(inp, ombudsman)
    if adr is not None:
        routes.append(adr)
    if inp.supply == Supply.GOODS:
        routes.append(
            Route(
                key="warranty",
                name="The manufacturer's guarantee or warranty",
                why="If your goods came with a manufacturer's guarantee, the manufacturer may repair or replace "
                "them. This is as well as your legal rights against us, not instead of them.",
                time_limit="as long as the guarantee lasts",
                website="",
                aliases=("warranty", "guarantee"),
            )
        )
    adviser = CONSUMER_ADVICE[region]
    routes.append(
        Route(
            key="advice",
            name=adviser.name,
            why=f"Free, independent advice about your rights and what to do next: call {adviser.phone}.",
            time_limit="",
            website=adviser.website,
            aliases=("citizens advice", "consumerline", "advice direct", "consumer helpline"),
        )
    )
    court = SMALL_CLAIMS[region]
    years = LIMITATION_YEARS[region]
    routes.append(
        Route(
            key="small_claims",
            name=court.name,
            why=f"You can ask a court to decide a claim of up to {court.limit} without needing a solicitor.",
            time_limit=f"normally within {years} years of the problem",
            website=court.website,
            rule_ids=("G13",),
            aliases=("small claims", "money claim", "simple procedure", "court"),
        )
    )
    for text in inp.extra_routes:
        own = " ".join(text.split())
        if not own or mentions_odr(own):
            continue
        lowered = own.lower()
        if any(alias in lowered for route in routes for alias in route.aliases):
            continue
        if any(route.name.lower() == lowered for route in routes):
            continue
        routes.append(Route(key="own", name=own, why="", time_limit="", website=""))
    return routes


# ---------------------------------------------------------------- the letter


def _decision_sentence(decision: Decision) -> str:
    if decision == Decision.UPHELD:
        return (
            "We agree that things went wrong, so we uphold your complaint, but we cannot put it right "
            "in the way you asked."
        )
    if decision == Decision.PARTLY_UPHELD:
        return "We agree that some of what you told us went wrong, so we partly uphold your complaint."
    return "We have looked carefully at what happened, and we do not uphold your complaint."


def _fos_paragraph(inp: LetterInput) -> list[str]:
    by = _long(add_months(inp.final_response, 6))
    lines = [
        "The Financial Ombudsman Service",
        f"This letter is our final response. You have the right to refer your complaint to the {FOS_NAME}, "
        f"free of charge, but you must do so within six months of the date of this letter (by {by}).",
    ]
    if inp.waive_ombudsman_time_limits:
        lines.append(
            "If you refer it after that, we will not object to the Ombudsman considering it on the grounds "
            "that it is out of time."
        )
    else:
        lines.append(
            "If you do not refer your complaint in time, the Ombudsman will not have our permission to "
            "consider it and so will only be able to do so in very limited circumstances, for example if "
            "it believes the delay was the result of exceptional circumstances."
        )
    lines.append(
        "The Ombudsman also normally needs a complaint to be made within six years of the event, or "
        "within three years of when you knew (or could reasonably have known) you had cause to complain."
    )
    lines.append(
        f"The Ombudsman's leaflet explaining how it can help is at {FOS_LEAFLET}; we will post you a "
        f"copy if you ask. Its website is {FOS_WEBSITE}."
    )
    return lines


def _energy_paragraph(inp: LetterInput) -> list[str]:
    by = _long(add_months(inp.final_response, ENERGY_REFERRAL_MONTHS))
    return [
        "The Energy Ombudsman",
        f"We have reached deadlock on your complaint, so you can refer it to the {ENERGY_NAME} "
        f"({ENERGY_WEBSITE}). It is independent and free to use.",
        "It can require us to apologise or explain, take practical action to put things right, or pay "
        "you a financial award.",
        "If you accept its decision, we must follow it. You do not have to accept it: you remain free to "
        "take other action, such as going to court.",
        f"You normally need to contact it within {ENERGY_REFERRAL_MONTHS} months of this letter (by {by}).",
    ]


def _comms_paragraph(inp: LetterInput) -> list[str]:
    scheme = inp.adr.name if inp.adr else COMMS_SCHEMES
    where = f" ({inp.adr.website})" if inp.adr and inp.adr.website else ""
    return [
        "Alternative dispute resolution",
        f"We have not been able to resolve your complaint, so you can take it to {scheme}{where}, the "
        "independent alternative dispute resolution scheme we belong to. It is free to use. Every "
        "communications provider must belong to an approved scheme.",
        "You can also go to the scheme if your complaint is still not resolved eight weeks after you "
        "first made it.",
    ]


def _adr_paragraph(inp: LetterInput, adr_route: Route | None) -> list[str]:
    """A1 for complaints received before 6 April 2026, A2 for outcomes given from that day: which ADR
    scheme applies, and whether we are obliged (or willing) to use it."""
    adr = inp.adr if adr_route is not None else None
    lines = ["Alternative dispute resolution"]
    a1 = inp.received < ADR_REGULATIONS_REVOKED
    if adr is not None:
        use = "we are obliged to use it" if adr.obliged else "we are willing to use it"
        opening = "We cannot settle your complaint with you. " if a1 else ""
        lines.append(
            f"{opening}{adr.name} ({adr.website}) is an independent alternative dispute resolution scheme, "
            f"and {use}. You can ask it to look at your complaint."
        )
    elif a1:
        lines.append(
            "We cannot settle your complaint with you, and we do not use an alternative dispute "
            "resolution body for complaints like yours."
        )
    else:
        lines.append(
            "We are not obliged to use an alternative dispute resolution scheme for complaints like yours."
        )
    return lines


def _warnings(inp: LetterInput) -> list[str]:
    warnings = []
    if inp.sector == Sector.COMMUNICATIONS and inp.adr is None:
        warnings.append(
            "A5: communications providers must name the approved ADR scheme they belong to. "
            "Set it in the regulation settings, or write it into the letter."
        )
    if (
        inp.consumer_contract
        and inp.received < ADR_REGULATIONS_REVOKED
        and inp.adr is None
        and inp.sector in (Sector.GENERAL, Sector.OTHER)
    ):
        warnings.append(
            "A1: for a complaint received before 6 April 2026 the letter must name a competent ADR body "
            "and its website. Set one in the regulation settings, or write it into the letter."
        )
    if inp.sector == Sector.FINANCIAL and not inp.disp:
        warnings.append(
            "The FCA complaint rules (DISP) are not switched on for this case: check the final-response "
            "wording (F6) before sending."
        )
    if mentions_odr(inp.reasons) or any(mentions_odr(r) for r in inp.extra_routes):
        warnings.append(
            "A6: the EU online dispute resolution platform closed on 20 July 2025. Remove any mention of it."
        )
    return warnings


def draft_letter(inp: LetterInput) -> Letter:
    """The customer letter: our decision and reasons, the routes that fit, and what each regime requires."""
    routes = routes_for(inp)
    ombudsman = next((r for r in routes if r.key in ("fos", "energy_ombudsman")), None)
    adr_route = next((r for r in routes if r.key == "adr"), None)
    rule_ids: list[str] = []

    def rules(*ids: str) -> None:
        for rule_id in ids:
            if rule_id not in rule_ids:
                rule_ids.append(rule_id)

    received = _long(inp.received)
    parts: list[list[str]] = [
        [
            f"Thank you for giving us the chance to look into your complaint, which we received on {received}. "
            "We are sorry we have not been able to resolve it to your satisfaction. This is our final "
            "response."
        ],
        ["Our decision", _decision_sentence(inp.decision)],
        ["Why", inp.reasons.strip()],
    ]
    if inp.sector == Sector.FINANCIAL or inp.disp:
        parts.append(_fos_paragraph(inp))
    elif inp.sector == Sector.ENERGY:
        parts.append(_energy_paragraph(inp))
    elif inp.sector == Sector.COMMUNICATIONS:
        parts.append(_comms_paragraph(inp))
    if (
        inp.consumer_contract
        and inp.sector != Sector.COMMUNICATIONS
        and (ombudsman is None or adr_route is not None)
    ):
        # Outside the regulated sectors (or beside their ombudsman) A2/A1 say which ADR scheme applies.
        parts.append(_adr_paragraph(inp, adr_route))
        rules(*_adr_rules(inp))
    route_lines = ["Other ways to take this forward"]
    for route in routes:
        rules(*route.rule_ids)
        route_lines.append(f"• {route.name}")
        if route.why:
            route_lines.append(f"  {route.why}")
        if route.time_limit:
            route_lines.append(f"  Time limit: {route.time_limit}.")
        if route.website:
            route_lines.append(f"  {route.website}")
    parts.append(route_lines)
    parts.append(
        [
            f"If you have any questions about this letter, reply on your case link, quoting {inp.reference}.",
        ]
    )
    sign_off = ["Yours sincerely,"]
    if inp.signed_by:
        sign_off.append(inp.signed_by)
    sign_off.append(inp.organisation or "Customer care")
    parts.append(sign_off)
    body = "\n\n".join("\n".join(lines) for lines in parts if lines)
    return Letter(
        subject="Our final response to your complaint",
        body=body,
        routes=tuple(routes),
        rule_ids=tuple(rule_ids),
        warnings=tuple(_warnings(inp)),
    )
