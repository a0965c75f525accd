"""The building blocks of request and response schemas, each rule written twice: as validation (pydantic,
with Django's own validators where the web forms use them) and as JSON Schema for the OpenAPI document.

Every string has a maximum length that fits its column, and text is checked for what a database cannot
store (NUL, lone surrogates) or an email header must not carry (control characters in one-line fields).
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from putright.validators import CASE_REFERENCE_RE, single_line

# The largest database integer every backend accepts: ids beyond it cannot exist.
MAX_ID = 2_147_483_647
MAX_DISPUTE = Decimal("1000000")
# Option money columns are DecimalField(max_digits=12, decimal_places=2).
MAX_OPTION_MONEY = Decimal("9999999999.99")
MAX_DAYS_TO_DELIVER = 3650
# Far-off due times are refused: converting a year-9999 time between zones overflows.
MIN_YEAR, MAX_YEAR = 2000, 2999


# The rules below, written once more as JSON Schema for the OpenAPI document, so that a client (or a fuzzer)
# knows exactly what is accepted. Unanchored patterns ("contains…"), because Python's "$" also matches before
# a final line break: "not contains a control character" says it exactly in every regex dialect.
NUL_PATTERN = r"\x00"
CONTROL_PATTERN = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"  # Unicode Cc, Zl, Zp: what single_line refuses
# Some character that str.strip() keeps, i.e. one that str.isspace() says is not white space.
NOT_BLANK_PATTERN = r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# Dot-atom addresses with a dotted domain and a letters-only top-level domain: a subset of what Django's
# validate_email accepts (which also runs), so the document promises nothing the code then refuses.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$"
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339, as JSON Schema's "date-time" format means it; pydantic alone would also take a Unix timestamp.
DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# A case reference as Case issues them (putright.validators.CASE_REFERENCE_RE).
CASE_REFERENCE_PATTERN = rf"^{CASE_REFERENCE_RE.pattern}$"
# Due dates and times: years 2000 to 2999 (see MIN_YEAR, MAX_YEAR).
DUE_YEAR_PATTERN = r"^2[0-9]{3}-"


@dataclass(frozen=True)
class JsonSchema:
    """Adds keywords to a type's JSON schema (in the OpenAPI document); validation is the validators' job."""

    keywords_json: str  # JSON text: type annotations must be hashable, and dicts are not

    @classmethod
    def of(cls, **keywords: Any) -> "JsonSchema":
        return cls(json.dumps(keywords, sort_keys=True))

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        # Bounds pydantic wrote under their Python names (a wrapped type's ge/le), which JSON Schema ignores.
        for python_name in ("ge", "le"):
            schema.pop(python_name, None)
        schema.update(json.loads(self.keywords_json))
        return schema


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and DATE_RE.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and DATETIME_RE.fullmatch(value)):
        return value
    raise ValueError("must be a date and time written YYYY-MM-DDTHH:MM:SS with a zone (Z or +01:00)")


def _money_text(pattern: str):
    def check(value: Any) -> Any:
        # Numbers go to pydantic as they are; text must be plain pounds and pence ("449.00"), as documented.
        if isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValueError('must be an amount in pounds such as "449.00" (at most two decimal places)')
        return value

    return check


def Amount(maximum: Decimal, text_pattern: str):
    """Money: a JSON number or a decimal string, from 0 to ``maximum``, in whole pence."""
    return Annotated[
        Decimal,
        Field(ge=0, le=maximum, decimal_places=2),
        BeforeValidator(_money_text(text_pattern)),
        # Written out: pydantic leaves the bounds out of a Decimal's schema once a validator wraps it.
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "number", "minimum": 0, "maximum": float(maximum), "multipleOf": 0.01},
                    {"type": "string", "pattern": text_pattern},
                ],
                "description": 'An amount in pounds: a number, or a decimal string such as "449.00".',
            }
        ),
    ]


def _json_integer(value: Any) -> Any:
    # A JSON integer: 3 or 3.0 (JSON Schema counts both), never true, "3" or 3.5 (pydantic's lax int would
    # take the first two, which the document says are not integers).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON integer")
    return value


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no unpaired surrogates)") from None
    return value


def _one_line(value: str) -> str:
    # The same rule as the web forms (putright.validators.single_line), reported the pydantic way.
    try:
        return single_line(value)
    except DjangoValidationError:
        raise ValueError("must be a single line without control characters") from None


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _email(value: str) -> str:
    if not re.fullmatch(EMAIL_PATTERN, value):
        raise ValueError("must be a valid email address")
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("must be a valid email address") from None
    return value


def _due_year(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def Text(max_length: int, *, required: bool = True):
    """Free text (may span lines)."""
    validators = [AfterValidator(_storable)]
    documented = JsonSchema.of(**{"not": {"pattern": NUL_PATTERN}})
    if required:
        validators.append(AfterValidator(_not_blank))
        documented = JsonSchema.of(pattern=NOT_BLANK_PATTERN, **{"not": {"pattern": NUL_PATTERN}})
    return Annotated[
        (
            str,
            StringConstraints(min_length=1 if required else 0, max_length=max_length),
            *validators,
            documented,
        )
    ]


def Line(max_length: int, *, required: bool = True):
    """One line of text, e.g. a subject or a name."""
    validators = [AfterValidator(_storable), AfterValidator(_one_line)]
    documented = JsonSchema.of(**{"not": {"pattern": CONTROL_PATTERN}})
    if required:
        validators.append(AfterValidator(_not_blank))
        documented = JsonSchema.of(pattern=NOT_BLANK_PATTERN, **{"not": {"pattern": CONTROL_PATTERN}})
    return Annotated[
        (
            str,
            StringConstraints(min_length=1 if required else 0, max_length=max_length),
            *validators,
            documented,
        )
    ]


Username = Annotated[
    str,
    StringConstraints(min_length=1, max_length=150),
    AfterValidator(_storable),
    AfterValidator(_one_line),
    JsonSchema.of(**{"not": {"pattern": CONTROL_PATTERN}}),
    Field(description="A staff member's username."),
]
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_storable),
    AfterValidator(_email),
    # The pattern is anchored with "$", which Python also matches before a final line break: ruled out.
    JsonSchema.of(pattern=EMAIL_PATTERN, **{"not": {"pattern": r"\n"}}),
]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
# At most 9999999999.99 and 1000000 (MAX_OPTION_MONEY, MAX_DISPUTE), written out digit by digit.
Money = Amount(MAX_OPTION_MONEY, r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$")
DisputedAmount = Amount(MAX_DISPUTE, r"^(?:[0-9]{1,6}(?:\.[0-9]{1,2})?|1000000(?:\.0{1,2})?)$")


def Integer(minimum: int, maximum: int):
    """A request body's integer, JSON's own (see _json_integer), from ``minimum`` to ``maximum``."""
    return Annotated[
        int,
        Field(ge=minimum, le=maximum),
        BeforeValidator(_json_integer),
        # Written out: pydantic leaves the bounds out of the schema once a validator wraps the type.
        JsonSchema.of(minimum=minimum, maximum=maximum),
    ]


# Query parameters arrive as text and stay lax; request bodies take JSON's own types (Integer, StrictBool).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
DueDate = Annotated[IsoDate, AfterValidator(_due_year), JsonSchema.of(pattern=DUE_YEAR_PATTERN)]
DueAt = Annotated[IsoDatetime, AfterValidator(_due_year), JsonSchema.of(pattern=DUE_YEAR_PATTERN)]
# Staff record how the customer told them; "portal" is the customer acting on their own link.
RecordedMethod = Literal["phone", "in_person", "email"]
MoneyText = Annotated[str, Field(description='A money amount in pounds, as a decimal string, e.g. "449.00".')]
