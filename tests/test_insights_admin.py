"""The organisation's metric targets and measuring windows, set by an administrator in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from putright.authority.defaults import roles_ensure
from putright.errors import DomainError, PermissionDenied
from putright.insights import services
from putright.insights.models import InsightsSettings, MetricTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(django_user_model):
    roles_ensure()
    user = django_user_model.objects.create_user(
        "ada", "ada@putright.example", "correct-horse-battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name="administrator"))
    return user


def test_an_administrator_sets_a_target_in_the_admin(client, administrator):
    client.force_login(administrator)
    form = client.get("/admin/insights/metrictarget/add/")
    assert form.status_code == 200
    assert "Satisfaction (CSAT) (csat, rate)" in form.content.decode()
    response = client.post("/admin/insights/metrictarget/add/", {"metric_id": "csat", "target": "0.85"})
    assert response.status_code == 302
    target = MetricTarget.objects.get()
    assert (target.metric_id, target.target, target.set_by) == ("csat", 0.85, administrator)
    assert target.set_at is not None
    # A rate above 1 is refused with a message, and nothing is saved.
    refused = client.post("/admin/insights/metrictarget/add/", {"metric_id": "reopen_rate", "target": "5"})
    assert refused.status_code == 200
    assert "A rate&#x27;s target is a fraction from 0 to 1" in refused.content.decode()
    assert MetricTarget.objects.count() == 1


def test_the_windows_are_one_row(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/admin/insights/insightssettings/add/",
        {"repeat_contact_window_days": "10", "reopen_window_days": "30"},
    )
    assert response.status_code == 302
    row = InsightsSettings.objects.get()
    assert (row.pk, row.repeat_contact_window_days, row.reopen_window_days) == (1, 10, 30)
    assert client.get("/admin/insights/insightssettings/add/").status_code == 403  # only one row


def test_nobody_else_sets_targets(client, carol):
    carol.is_staff = True
    carol.save()
    client.force_login(carol)  # a manager
    assert client.get("/admin/insights/metrictarget/add/").status_code in (302, 403)
    with pytest.raises(PermissionDenied):
        services.metric_target_save(actor=carol, target=MetricTarget(metric_id="csat", target=0.9))
    assert not MetricTarget.objects.exists()


def test_the_service_checks_the_metric(administrator):
    with pytest.raises(DomainError, match="no metric 'nope'"):
        services.metric_target_save(actor=administrator, target=MetricTarget(metric_id="nope", target=1))
    saved = services.metric_target_save(actor=administrator, target=MetricTarget(metric_id="nps", target=-10))
    assert saved.target == -10  # an NPS target may be below zero
