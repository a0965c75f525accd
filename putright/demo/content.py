"""The demo organisation's content, read from the data files beside this module.

Harbour & Hearth Ltd, a UK retailer of home goods and electricals: who works there, what it sells,
the fragments its customers' words are made of (``data/organisation.yaml``), the stories behind
the cases (``data/stories.yaml``), how cases live (``data/lifecycle.yaml``) and the S3–S5 extras
(``data/extras.yaml``). Each file is read once per process.

All people, brands, model numbers and couriers are invented. Customer email addresses use the
reserved ``example.*`` domains and phone numbers the Ofcom drama range (07700 900xxx), so nothing
in the demo can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

# The C loader is some ten times faster; PyYAML's wheels ship it, a source build may not.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def data(name: str) -> dict:
    """One data file, parsed (``name`` without ``.yaml``)."""
    text = (
        resources.files("putright.demo").joinpath("data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    )
    return yaml.load(text, Loader=_Loader)


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    password: str
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name.lower()}.{self.last_name.lower()}@harbourandhearth.example"


@dataclass(frozen=True)
class Product:
    name: str
    brand: str
    model: str
    price: Decimal
    fault_words: tuple[str, ...]

    @property
    def short(self) -> str:
        """The name without the brand, as people say it ("the washing machine")."""
        return self.name.split(" ", 1)[1] if " " in self.name else self.name


@cache
def organisation_name() -> str:
    return data("organisation")["organisation"]


@cache
def staff() -> tuple[StaffMember, ...]:
    return tuple(StaffMember(**member) for member in data("organisation")["staff"])


@cache
def categories() -> tuple[tuple[str, str, str], ...]:
    """(name, slug, description) of each category, in the order they are created."""
    return tuple((c["name"], c["slug"], c["description"]) for c in data("organisation")["categories"])


@cache
def products() -> dict[str, list[Product]]:
    """The product lists by family, and the pools stories draw from (``deliverable`` and so on)."""
    families = {
        family: [
            Product(p["name"], p["name"].split(" ")[0], p["model"], Decimal(p["price"]), tuple(p["faults"]))
            for p in items
        ]
        for family, items in data("organisation")["products"].items()
    }
    large, small = families["large_appliances"], families["small_appliances"]
    tech, furniture = families["tech"], families["furniture"]
    return {
        **families,
        "deliverable": large + tech + furniture,
        "everything": large + small + tech + furniture,
        "installable": [p for p in large if "fridge" not in p.name],
    }


def lifecycle() -> dict:
    return data("lifecycle")


def texts() -> dict:
    """What people say at each step of the lifecycle (``lifecycle.yaml``'s ``texts``)."""
    return data("lifecycle")["texts"]


def extras() -> dict:
    return data("extras")
