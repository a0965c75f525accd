"""K2: the customer's emotional state is read from their words (or set by the agent), raises
priority, switches the guidance to HEAT, and shows on the case, the queue and the API."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from putright.audit.models import Event
from putright.cases import services
from putright.cases.models import Case
from putright.errors import DomainError, PermissionDenied
from putright.vocab import EmotionalState, Priority, Sentiment
from tests.conftest import make_report
from tests.test_api import Api, token_for

pytestmark = pytest.mark.django_db

ANGRY = (
    "This is OUTRAGEOUS. I am absolutely furious that you charged me twice!!! "
    "Sort it out now, I am disgusted with your service."
)
DISTRESSED = (
    "I'm desperate. You cut off my gas and I can't afford to heat the flat, my baby is ill "
    "and I am worried sick. Please help me."
)
CALM = "Please could you let me know when my replacement toaster will be delivered? Thank you."
REFS = re.compile(r'data-reference="([^"]+)"')


def reported(text: str, **overrides) -> Case:
    case, _ = services.case_report(report=make_report(subject="My order", description=text, **overrides))
    case.refresh_from_db()
    return case


def test_angry_words_make_the_case_angry_negative_and_high_priority_with_the_cues_kept():
    case = reported(ANGRY)
    assert (case.sentiment, case.emotion, case.priority) == (
        Sentiment.NEGATIVE,
        EmotionalState.ANGRY,
        Priority.HIGH,
    )
    assert case.emotion_assessed_by == "auto"
    assert case.emotion_cues, "the agent is shown why"
    # The first reading is kept on the report event itself; no separate event at creation.
    event = Event.objects.get(case=case)
    assert event.kind == "case.reported"
    state = event.after["customer_state"]
    assert (state["emotion"], state["priority"], state["cues"]) == ("angry", "high", case.emotion_cues)


def test_distressed_words_make_the_case_urgent():
    case = reported(DISTRESSED)
    assert (case.emotion, case.priority) == (EmotionalState.DISTRESSED, Priority.URGENT)


def test_calm_words_leave_the_priority_normal():
    case = reported(CALM)
    assert case.emotion == EmotionalState.CALM
    assert case.priority == Priority.NORMAL
    assert case.sentiment in (Sentiment.NEUTRAL, Sentiment.POSITIVE)


def test_a_later_angry_message_raises_priority_and_a_calm_one_never_lowers_it():
    case = reported(CALM)
    services.message_receive(case=case, body=ANGRY)
    case.refresh_from_db()
    assert (case.emotion, case.priority) == (EmotionalState.ANGRY, Priority.HIGH)
    assert list(case.messages.filter(direction="in").values_list("sentiment", flat=True)) == ["negative"]
    detected = Event.objects.get(case=case, kind="case.emotion_detected")
    assert (detected.before["priority"], detected.after["priority"]) == ("normal", "high")
    assert detected.customer_visible is False
    services.message_receive(case=case, body=CALM)
    case.refresh_from_db()
    assert case.emotion == EmotionalState.CALM
    assert case.priority == Priority.HIGH


def test_the_agents_reading_sticks_when_the_customer_writes_again(alice):
    case = reported(ANGRY)
    services.case_emotion_set(actor=alice, case=case, emotion="calm", reason="Calmed down on the phone.")
    case.refresh_from_db()
    assert (case.emotion, case.priority, case.emotion_assessed_by) == ("calm", "normal", "agent")
    services.message_receive(case=case, body=ANGRY)
    case.refresh_from_db()
    assert case.emotion == "calm" and case.emotion_assessed_by == "agent"
    assert case.sentiment == Sentiment.NEGATIVE
    event = Event.objects.filter(case=case, kind="case.emotion_set").get()
    assert event.after["reason"] == "Calmed down on the phone."


def test_the_agent_can_set_priority_apart_from_emotion(alice):
    case = reported(CALM)
    services.case_emotion_set(
        actor=alice, case=case, emotion="distressed", priority="high", reason="Bereavement."
    )
    case.refresh_from_db()
    assert (case.emotion, case.priority) == ("distressed", "high")


def test_someone_without_a_role_cannot_set_it_and_nothing_changes(charlie):
    case = reported(CALM)
    events = Event.objects.filter(case=case).count()
    with pytest.raises(PermissionDenied):
        services.case_emotion_set(actor=charlie, case=case, emotion="angry", reason="x")
    case.refresh_from_db()
    assert (case.emotion, case.priority) == ("calm", "normal")
    assert Event.objects.filter(case=case).count() == events


def test_an_unknown_state_is_refused(alice):
    case = reported(CALM)
    with pytest.raises(DomainError):
        services.case_emotion_set(actor=alice, case=case, emotion="", reason="x")
    with pytest.raises(DomainError):
        services.case_emotion_set(actor=alice, case=case, emotion="angry", priority="asap", reason="x")


def test_the_workspace_shows_heat_guidance_for_an_angry_customer_only(client, alice):
    angry, calm = reported(ANGRY), reported(CALM, customer_email="c@example.com")
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[angry.reference])).content.decode()
    assert "use HEAT" in page and "Customer angry" in page and "Priority: high" in page
    page = client.get(reverse("cases:detail", args=[calm.reference])).content.decode()
    assert "use HEAT" not in page and "(LAST)" in page


def test_the_agent_records_a_reading_on_the_page_and_a_blank_reason_is_an_error(client, alice):
    case = reported(CALM)
    client.force_login(alice)
    url = reverse("cases:emotion_set", args=[case.reference])
    response = client.post(url, {"emotion": "angry", "priority": "", "reason": ""})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.emotion == "calm"
    response = client.post(url, {"emotion": "distressed", "priority": "", "reason": "Crying on the call."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.emotion, case.priority) == ("distressed", "urgent")


def test_the_queue_filters_upset_customers_and_orders_by_urgency(client, alice):
    calm = reported(CALM, customer_email="a@example.com")
    distressed = reported(DISTRESSED, customer_email="b@example.com")
    angry = reported(ANGRY, customer_email="c@example.com")
    client.force_login(alice)
    page = client.get(reverse("cases:queue"), {"scope": "team", "upset": "on"}).content.decode()
    assert set(REFS.findall(page)) == {distressed.reference, angry.reference}
    page = client.get(reverse("cases:queue"), {"scope": "team", "sort": "priority"}).content.decode()
    assert REFS.findall(page) == [distressed.reference, angry.reference, calm.reference]


def test_the_api_shows_the_state_and_lets_the_agent_set_it(client, alice):
    case = reported(ANGRY)
    api = Api(client, token_for(alice))
    body = api.get(f"/api/cases/{case.reference}").json()
    assert body["customer_state"]["emotion"] == "angry"
    assert body["customer_state"]["priority"] == "high"
    listed = api.get("/api/cases", upset="true").json()
    assert [c["reference"] for c in listed["items"]] == [case.reference]
    assert listed["items"][0]["priority"] == "high"
    response = api.post(f"/api/cases/{case.reference}/emotion", {"emotion": "furious", "reason": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "emotion"
    response = api.post(f"/api/cases/{case.reference}/emotion", {"emotion": "calm", "reason": "Sorted."})
    assert response.status_code == 200
    assert response.json()["customer_state"] == {
        "sentiment": "negative",
        "emotion": "calm",
        "assessed_by": "agent",
        "cues": body["customer_state"]["cues"],
        "priority": "normal",
    }
