"""Other routes for the customer and the final letter drafted from the rules (P5, A6; uk-rules §3–§4)."""

from putright.engines.routes.catalogue import SECTOR_LABELS, Sector, mentions_odr
from putright.engines.routes.letter import (
    ADR_REGULATIONS_REVOKED,
    DECISION_LABELS,
    REGIONS,
    SUPPLY_LABELS,
    AdrScheme,
    Decision,
    Letter,
    LetterInput,
    Route,
    Supply,
    draft_letter,
    routes_for,
)

__all__ = [
    "ADR_REGULATIONS_REVOKED",
    "DECISION_LABELS",
    "REGIONS",
    "SECTOR_LABELS",
    "SUPPLY_LABELS",
    "AdrScheme",
    "Decision",
    "Letter",
    "LetterInput",
    "Route",
    "Sector",
    "Supply",
    "draft_letter",
    "mentions_odr",
    "routes_for",
]
