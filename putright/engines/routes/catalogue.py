"""Other routes a customer can take when we cannot put it right (PRODUCT.md P5), and who runs them.

Each entry is a fact the letter relies on: a name, a website, a time limit. Facts the reference
(uk-rules.md) does not confirm are marked [UNCONFIRMED] here, in one place, so they can be checked
and changed without touching the letter. Pure: no Django.

A6: the EU online dispute resolution (ODR) platform closed on 20 July 2025. Nothing here may point to
it, and ``mentions_odr`` lets the service refuse a letter an agent edited to include it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# A3: https://www.financial-ombudsman.org.uk (the reference names the site).
FOS_NAME = "Financial Ombudsman Service"
FOS_WEBSITE = "https://www.financial-ombudsman.org.uk"
FOS_LEAFLET = "https://www.financial-ombudsman.org.uk/consumers/how-to-complain"  # [UNCONFIRMED] page path
# A4: Ombudsman Services runs the Energy Ombudsman. Website [UNCONFIRMED].
ENERGY_NAME = "Energy Ombudsman"
ENERGY_WEBSITE = "https://www.energyombudsman.org"
ENERGY_REFERRAL_MONTHS = 12  # [UNCONFIRMED] (reference A4)
# A5: the Ofcom-approved schemes, for a provider that has not named its own [UNCONFIRMED] websites.
COMMS_SCHEMES = "the Communications Ombudsman or CISAS"

# Limitation periods for a court claim (G13): 6 years in England, Wales and Northern Ireland;
# 5 years in Scotland (start point [UNCONFIRMED]).
LIMITATION_YEARS = {"ENG": 6, "WLS": 6, "NIR": 6, "SCT": 5}


class Sector(StrEnum):
    GENERAL = "general"
    FINANCIAL = "financial"
    ENERGY = "energy"
    COMMUNICATIONS = "communications"
    OTHER = "other"


SECTOR_LABELS: dict[Sector, str] = {
    Sector.GENERAL: "Retail and general consumer services",
    Sector.FINANCIAL: "Financial services (FCA regulated)",
    Sector.ENERGY: "Energy (Ofgem regulated)",
    Sector.COMMUNICATIONS: "Communications (Ofcom regulated)",
    Sector.OTHER: "Other",
}


@dataclass(frozen=True)
class Adviser:
    name: str
    phone: str
    website: str


# Free consumer advice differs by nation: Citizens Advice runs the consumer service in England and
# Wales; Advice Direct Scotland and Consumerline (NI) do so elsewhere. Numbers and sites [UNCONFIRMED]
# except the Citizens Advice helpline, which the product already gives.
CONSUMER_ADVICE: dict[str, Adviser] = {
    "ENG": Adviser(
        "Citizens Advice consumer service", "0808 223 1133", "https://www.citizensadvice.org.uk/consumer/"
    ),
    "WLS": Adviser(
        "Citizens Advice consumer service",
        "0808 223 1133",
        "https://www.citizensadvice.org.uk/wales/consumer/",
    ),
    "SCT": Adviser(
        "Advice Direct Scotland (consumer advice)", "0808 164 6000", "https://consumeradvice.scot"
    ),
    "NIR": Adviser("Consumerline", "0300 123 6262", "https://www.nidirect.gov.uk/campaigns/consumerline"),
}


@dataclass(frozen=True)
class SmallClaims:
    name: str
    limit: str
    website: str


# Small-claims limits [UNCONFIRMED]: £10,000 in England and Wales, £5,000 in Scotland (simple
# procedure) and Northern Ireland.
SMALL_CLAIMS: dict[str, SmallClaims] = {
    "ENG": SmallClaims(
        "Small claims in the county court (Money Claim Online)",
        "£10,000",
        "https://www.gov.uk/make-court-claim-for-money",
    ),
    "WLS": SmallClaims(
        "Small claims in the county court (Money Claim Online)",
        "£10,000",
        "https://www.gov.uk/make-court-claim-for-money",
    ),
    "SCT": SmallClaims(
        "Simple procedure in the sheriff court",
        "£5,000",
        "https://www.scotcourts.gov.uk/taking-action/simple-procedure",
    ),
    "NIR": SmallClaims(
        "The small claims court", "£5,000", "https://www.nidirect.gov.uk/articles/small-claims"
    ),
}

# A6: the closed EU platform, however it is written (a link, a bare domain, or its name).
_ODR = re.compile(
    r"ec\.europa\.eu/consumers/odr|webgate\.ec\.europa\.eu/odr|/odr/?\b|\bODR platform\b|"
    r"online dispute resolution platform",
    re.IGNORECASE,
)


def mentions_odr(text: str) -> bool:
    """True when ``text`` points the customer at the closed EU ODR platform (A6)."""
    return bool(_ODR.search(text or ""))
