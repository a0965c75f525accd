"""An administrator sets each role's authority limits in the admin, with checkboxes, not JSON."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from putright.authority.defaults import roles_ensure
from putright.authority.models import AuthorityLimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    root = django_user_model.objects.create_superuser(
        "root", "root@putright.example", "correct-horse-battery"
    )
    roles_ensure()  # roles come from a migration; a flush by an earlier transactional test removes them
    root.groups.add(Group.objects.get(name="administrator"))
    client.force_login(root)
    return client


def test_an_administrator_changes_the_agent_limit_and_remedy_types(admin_client):
    limit = AuthorityLimit.objects.get(group__name="agent")
    url = f"/admin/authority/authoritylimit/{limit.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'type="checkbox" name="remedy_types" value="compensation"' in page.content.decode()
    response = admin_client.post(
        url,
        {
            "group": limit.group_id,
            "max_amount": "250.00",
            "remedy_types": ["refund", "compensation"],
            "rank": 1,
        },
    )
    assert response.status_code == 302
    limit.refresh_from_db()
    assert (limit.max_amount, limit.remedy_types) == (Decimal("250.00"), ["refund", "compensation"])


def test_a_negative_limit_is_refused_with_a_clear_error(admin_client):
    limit = AuthorityLimit.objects.get(group__name="agent")
    response = admin_client.post(
        f"/admin/authority/authoritylimit/{limit.pk}/change/",
        {"group": limit.group_id, "max_amount": "-1", "remedy_types": ["refund"], "rank": 1},
    )
    assert response.status_code == 200
    assert "A limit cannot be negative" in response.content.decode()
    limit.refresh_from_db()
    assert limit.max_amount == Decimal("100.00")


def test_an_agent_cannot_reach_the_admin(client, alice):
    client.force_login(alice)
    response = client.get("/admin/authority/authoritylimit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
