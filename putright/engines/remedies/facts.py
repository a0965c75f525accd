"""The facts of a purchase and a problem, read strictly from JSON-like data.

``facts_from_dict`` is the one way untrusted input (an API body, a JSON file, a case's stored purchase
facts) becomes ``Facts``: it refuses unknown fields, wrong types and dates that cannot be true, and
names the field each time (``FactsError.field``), so a person can correct it. ``Facts`` checks the
cross-field rules itself too, so facts built in code are held to the same standard.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal, cast

from putright.engines.remedies.rules import REGIONS, Region

Supply = Literal["goods", "digital_content", "service"]
SUPPLIES: tuple[Supply, ...] = ("goods", "digital_content", "service")

# Dates outside these years are typing mistakes, and keeping them bounded keeps every sum below year 9999.
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_PERISHABLE_DAYS = 3650
MAX_ATTEMPTS = 100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FactsError(ValueError):
    """Facts that cannot be assessed; ``field`` names the field to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, kw_only=True)
class Facts:
    """A purchase and its problem.

    - ``supply``: what was bought. ``delivery_date`` is when the goods arrived (the last item of a split
      delivery), when the digital content was supplied, or when the service was completed.
    - ``fault``: the goods or content do not conform to the contract, or the service was not performed
      with reasonable care and skill (or not as the trader said).
    - ``repairs_or_replacements_attempted``: repairs or replacements (for a service: repeat
      performances) that were tried and left it still faulty. Left out (None) it counts as 0, or as 1
      when goods came back from repair.
    - ``repair_requested_date`` / ``returned_after_repair_date`` (goods): when the consumer asked for or
      agreed to a repair or replacement, and when the goods came back (G3's pause).
    - ``distance_sale``: a distance or off-premises contract (cancellation, C1-C7).
    - ``cancellation_info_given``: whether the trader gave the cancellation information;
      ``cancellation_info_received_date`` is when the consumer got it, if after the contract (C2).
    - ``early_supply_consent``: the consumer asked for the digital content or service to start within
      the cancellation period (for digital content: and acknowledged losing the right to cancel, C6).
    - ``region``: where the consumer lives, for the time limit on court claims (G13).
    """

    supply: Supply
    today: date
    consumer: bool = True
    contract_date: date | None = None
    delivery_date: date | None = None
    installation_completed_date: date | None = None
    fault: bool = False
    fault_reported_date: date | None = None
    perishable_days: int | None = None
    motor_vehicle: bool = False
    repairs_or_replacements_attempted: int | None = None
    repair_requested_date: date | None = None
    returned_after_repair_date: date | None = None
    distance_sale: bool = False
    cancellation_info_given: bool = True
    cancellation_info_received_date: date | None = None
    cancellation_requested_date: date | None = None
    excluded_from_cancellation: bool = False
    early_supply_consent: bool = False
    device_damaged: bool = False
    repeat_performance_impossible: bool = False
    region: Region | None = None

    def __post_init__(self) -> None:
        _check(self)

    @property
    def failed_attempts(self) -> int:
        if self.repairs_or_replacements_attempted is not None:
            return self.repairs_or_replacements_attempted
        return 1 if self.returned_after_repair_date is not None else 0


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Facts))
REQUIRED_FIELDS: tuple[str, ...] = ("supply", "today")
BOOL_FIELDS: frozenset[str] = frozenset(
    {
        "consumer",
        "fault",
        "motor_vehicle",
        "distance_sale",
        "cancellation_info_given",
        "excluded_from_cancellation",
        "early_supply_consent",
        "device_damaged",
        "repeat_performance_impossible",
    }
)
DATE_FIELDS: tuple[str, ...] = (
    "today",
    "contract_date",
    "delivery_date",
    "installation_completed_date",
    "fault_reported_date",
    "repair_requested_date",
    "returned_after_repair_date",
    "cancellation_info_received_date",
    "cancellation_requested_date",
)
INT_FIELDS: Mapping[str, tuple[int, int]] = {
    "perishable_days": (1, MAX_PERISHABLE_DAYS),
    "repairs_or_replacements_attempted": (0, MAX_ATTEMPTS),
}
CHOICE_FIELDS: Mapping[str, tuple[str, ...]] = {"supply": SUPPLIES, "region": REGIONS}


def facts_from_dict(data: Mapping[str, object]) -> Facts:
    """Read facts from JSON-like data; raises FactsError naming the first field that is wrong.

    A JSON null counts as the field being left out. Dates are ISO ``YYYY-MM-DD`` strings.
    """
    if not isinstance(data, Mapping):
        raise FactsError("facts", "must be a JSON object of named facts")
    for key in sorted(data, key=str):
        if not isinstance(key, str) or key not in FIELD_NAMES:
            raise FactsError(str(key), f"is not a known fact (known facts: {', '.join(FIELD_NAMES)})")
    for name in REQUIRED_FIELDS:
        if data.get(name) is None:
            raise FactsError(name, "is required")
    values: dict[str, object] = {}
    for name in FIELD_NAMES:
        raw = data.get(name)
        if raw is None:
            continue
        values[name] = _read(name, raw)
    # Each value's type was checked against its field just above.
    return Facts(**values)  # type: ignore[arg-type]


def _read(name: str, raw: object) -> object:
    if name in BOOL_FIELDS:
        if not isinstance(raw, bool):
            raise FactsError(name, "must be true or false")
        return raw
    if name in DATE_FIELDS:
        return _read_date(name, raw)
    if name in INT_FIELDS:
        low, high = INT_FIELDS[name]
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise FactsError(name, "must be a whole number")
        if not low <= raw <= high:
            raise FactsError(name, f"must be between {low} and {high}")
        return raw
    choices = CHOICE_FIELDS[name]
    if not isinstance(raw, str) or raw not in choices:
        raise FactsError(name, f"must be one of: {', '.join(choices)}")
    return raw


def _read_date(name: str, raw: object) -> date:
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        raise FactsError(name, "must be a date written YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FactsError(name, f"{raw} is not a real date") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise FactsError(name, f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def _check(facts: Facts) -> None:
    """Cross-field rules: what cannot be true together, and what a rule needs to be worked out."""
    if facts.supply not in SUPPLIES:
        raise FactsError("supply", f"must be one of: {', '.join(SUPPLIES)}")
    if facts.region is not None and facts.region not in REGIONS:
        raise FactsError("region", f"must be one of: {', '.join(REGIONS)}")
    for name in DATE_FIELDS:
        value = cast(date | None, getattr(facts, name))
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise FactsError(name, f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
        if value is not None and value > facts.today:
            raise FactsError(name, f"must not be after today ({facts.today.isoformat()})")
    for name, (low, high) in INT_FIELDS.items():
        number = cast(int | None, getattr(facts, name))
        if number is not None and not low <= number <= high:
            raise FactsError(name, f"must be between {low} and {high}")

    _not_before(facts, "delivery_date", "contract_date")
    _not_before(facts, "installation_completed_date", "delivery_date", "contract_date")
    _not_before(facts, "fault_reported_date", "contract_date")
    _not_before(facts, "repair_requested_date", "delivery_date", "contract_date")
    _not_before(facts, "returned_after_repair_date", "repair_requested_date")
    _not_before(facts, "cancellation_requested_date", "contract_date")
    if facts.supply == "goods":
        # A fault in goods shows once the consumer has them.
        _not_before(facts, "fault_reported_date", "delivery_date")

    if facts.returned_after_repair_date is not None:
        if facts.repair_requested_date is None:
            raise FactsError(
                "returned_after_repair_date", "needs repair_requested_date (when it was asked for)"
            )
        if facts.repairs_or_replacements_attempted == 0:
            raise FactsError(
                "repairs_or_replacements_attempted",
                "must be at least 1 when the goods came back from repair (returned_after_repair_date)",
            )
    if facts.cancellation_info_received_date is not None:
        if not facts.cancellation_info_given:
            raise FactsError(
                "cancellation_info_received_date", "cannot be given when cancellation_info_given is false"
            )
        if facts.contract_date is None:
            raise FactsError(
                "contract_date", "is needed to tell whether the cancellation information came late"
            )

    _only_for(facts, "installation_completed_date", ("goods",), facts.installation_completed_date is not None)
    _only_for(facts, "perishable_days", ("goods",), facts.perishable_days is not None)
    _only_for(facts, "motor_vehicle", ("goods",), facts.motor_vehicle)
    _only_for(facts, "repair_requested_date", ("goods",), facts.repair_requested_date is not None)
    _only_for(facts, "returned_after_repair_date", ("goods",), facts.returned_after_repair_date is not None)
    _only_for(facts, "device_damaged", ("digital_content",), facts.device_damaged)
    _only_for(facts, "repeat_performance_impossible", ("service",), facts.repeat_performance_impossible)
    _only_for(facts, "early_supply_consent", ("digital_content", "service"), facts.early_supply_consent)

    if not facts.consumer:
        return
    if facts.supply == "goods" and facts.fault and facts.delivery_date is None:
        raise FactsError("delivery_date", "is needed for faulty goods: the remedies' time limits run from it")
    if facts.distance_sale and facts.supply != "goods" and facts.contract_date is None:
        raise FactsError(
            "contract_date",
            "is needed for a distance sale of a service or digital content: cancelling runs from it",
        )


def _not_before(facts: Facts, name: str, *earlier_names: str) -> None:
    value = cast(date | None, getattr(facts, name))
    if value is None:
        return
    for earlier_name in earlier_names:
        earlier = cast(date | None, getattr(facts, earlier_name))
        if earlier is not None and value < earlier:
            raise FactsError(name, f"must not be before {earlier_name} ({earlier.isoformat()})")


_SUPPLY_WORDS = {"goods": "goods", "digital_content": "digital content", "service": "a service"}


def _only_for(facts: Facts, name: str, supplies: tuple[Supply, ...], is_set: bool) -> None:
    if is_set and facts.supply not in supplies:
        allowed = " or ".join(_SUPPLY_WORDS[s] for s in supplies)
        raise FactsError(name, f"only applies to {allowed}, not to {_SUPPLY_WORDS[facts.supply]}")
