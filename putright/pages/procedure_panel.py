"""The case workspace's procedures (issue 14 §3): the procedure(s) that apply at the step the case is in,
for its category, and beside the close-unresolved form; the version shown goes back with each form as a
hidden ``procedure_version`` field, and the step's service records it on the case event. The timeline
names the version recorded on each event.

The case core never imports procedures: it is handed a plain id, checked here at the edge (a positive
whole number of an existing version; anything else is ignored and the step is recorded without it).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import mark_safe

from putright.cases.models import Case
from putright.procedures import selectors
from putright.procedures.models import Stage
from putright.procedures.rendering import markdown_render


def posted_version(request: HttpRequest) -> int | None:
    """The procedure version the page showed with the form just posted, if it names one."""
    return selectors.version_id_check(request.POST.get("procedure_version"))


def _shown(applicable: list[selectors.Applicable]) -> list[dict]:
    return [
        {
            "procedure": a.procedure,
            "version": a.version,
            # Sanitised by nh3 in markdown_render: safe in the page.
            "html": mark_safe(markdown_render(a.version.body)),  # noqa: S308
        }
        for a in applicable
    ]


def workspace_procedures(case: Case, timeline: list) -> dict:
    """The workspace's procedure panel, and the timeline's events marked with the version each records.

    When more than one procedure applies at a step, all are shown and the first (one written for the
    case's category before one for every category) is the one recorded: a step records one version.
    """
    found = selectors.procedures_for_case(case)
    stage = selectors.stage_for_status(case.status)
    here = _shown(found.get(stage, [])) if stage is not None else []
    closing = _shown(found.get(Stage.CLOSING_UNRESOLVED, []))
    recorded = [e.after.get("procedure_version") for e in timeline if isinstance(e.after, dict)]
    versions = selectors.versions_by_id(v for v in recorded if v)
    for event in timeline:
        pk = event.after.get("procedure_version") if isinstance(event.after, dict) else None
        event.procedure_shown = versions.get(pk) if isinstance(pk, int) else None
    return {
        "procedure_stage": Stage(stage).label if stage is not None else "",
        "procedures_here": here,
        "procedure_shown": here[0]["version"].pk if here else None,
        "closing_procedures": closing,
        "closing_procedure_shown": closing[0]["version"].pk if closing else None,
    }
