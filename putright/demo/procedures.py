"""The demo's procedures (issue 14 §3): three of the organisation's procedures, owned by its manager, from
``data/procedures.yaml``. One has a second version with its change note; one's review is overdue (the sweep
alerts the manager); some colleagues have already acknowledged the current versions, the rest have them in
"My reading". Everything goes through the procedures services, each version published at its own date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from putright import clock
from putright.demo import content
from putright.procedures import acknowledgements
from putright.procedures import services as procedure_services
from putright.procedures.models import Procedure


def procedures_demo_load(*, users: dict, categories: dict, now: datetime) -> list[Procedure]:
    made = []
    publisher = users["manager"]
    for item in content.data("procedures")["procedures"]:
        versions = item["versions"]
        first, later = versions[0], versions[1:]
        with clock.frozen(now - timedelta(days=first["days_ago"])):
            procedure = procedure_services.procedure_create(
                actor=publisher,
                details=procedure_services.ProcedureDetails(
                    title=item["title"],
                    owner=users[item["owner"]],
                    review_due=timezone.localdate(now) + timedelta(days=item["review_in_days"]),
                    categories=tuple(categories[slug] for slug in item["categories"] if slug in categories),
                    stages=tuple(item["stages"]),
                ),
                body=first["body"],
                change_note=first["change_note"],
            )
        for version in later:
            with clock.frozen(now - timedelta(days=version["days_ago"])):
                procedure_services.version_publish(
                    actor=publisher,
                    procedure=procedure,
                    body=version["body"],
                    change_note=version["change_note"],
                )
        current = procedure.versions.order_by("-number").first()
        with clock.frozen(now - timedelta(days=max(versions[-1]["days_ago"] - 2, 0))):
            for username in item["read_by"]:
                acknowledgements.acknowledge(
                    actor=users[username], subject_key=acknowledgements.version_key(current)
                )
        made.append(procedure)
    return made
