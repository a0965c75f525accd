"""The case record as staff download it: printable HTML and JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from putright import clock
from putright.audit.models import Event
from putright.authority.models import Approval
from putright.cases import selectors
from putright.cases.access import case_or_404, staff_required
from putright.channels.models import Message
from putright.engines.quality import CHECK_TITLES
from putright.pages.workspace import factor_labels
from putright.resolution.models import Offer
from putright.vocab import AgreementMethod, OptionStatus, PromiseStatus, RemedyType, Understanding


def _label(choices, value) -> str:
    return dict(choices).get(value, value or "")


def _record_for_display(record: dict) -> dict:
    """The record as exported, plus the human labels the printed page shows beside the stored codes."""
    for option in record["options"]:
        option["remedy_label"] = _label(RemedyType.choices, option["remedy_type"])
        option["status_label"] = _label(OptionStatus.choices, option["status"])
    for approval in record["approvals"]:
        approval["status_label"] = _label(Approval.Status.choices, approval["status"])
    for agreement in record["agreements"]:
        agreement["method_label"] = _label(AgreementMethod.choices, agreement["method"])
    for promise in record["promises"]:
        promise["status_label"] = _label(PromiseStatus.choices, promise["status"])
    for msg in record["messages"]:
        msg["direction_label"] = _label(Message.Direction.choices, msg["direction"])
        msg["prompt_label"] = _label(Message.Prompt.choices, msg["prompt"])
        msg["email_label"] = _label(Message.EmailStatus.choices, msg["email_status"])
    record["understanding"]["state_label"] = _label(Understanding.choices, record["understanding"]["state"])
    record["recommendation"]["factor_labels"] = factor_labels(record["recommendation"]["factors"])
    titles = {o["id"]: o["title"] for o in record["options"]}
    record["recommendation"]["option_title"] = titles.get(record["recommendation"]["option"])
    for item in record["approvals"] + record["agreements"] + record["offers"]:
        item["option_title"] = titles.get(item["option"], item["option"])
    for offer in record["offers"]:
        offer["party_label"] = _label(Offer.Party.choices, offer["party"])
        offer["kind_label"] = _label(Offer.Kind.choices, offer["kind"])
        offer["method_label"] = _label(AgreementMethod.choices, offer["method"])
    _scorecard_for_display(record.get("scorecard"))
    return record


def _scorecard_for_display(scorecard: dict | None) -> None:
    """Each check's title and result in words, and the timeline entry (#seq) a fail points to."""
    if not scorecard:
        return
    ids = [c["event_id"] for c in scorecard["checks"] if c["event_id"]]
    seqs = dict(Event.objects.filter(pk__in=ids).values_list("pk", "seq")) if ids else {}
    words = {"pass": "Pass", "fail": "Fail", "n/a": "Does not apply"}
    for check in scorecard["checks"]:
        check["title"] = CHECK_TITLES.get(check["id"], check["id"])
        overturned = (check["disputed"] or {}).get("status") == "upheld"
        check["words"] = "Pass (overturned on dispute)" if overturned else words[check["result"]]
        check["event_seq"] = seqs.get(check["event_id"])


@staff_required
def record_html(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    record = _record_for_display(selectors.case_record(case=case))
    return render(request, "cases/record.html", {"case": case, "record": record, "generated_at": clock.now()})


@staff_required
def record_json(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    response = JsonResponse(selectors.case_record(case=case), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{case.reference}.json"'
    return response
