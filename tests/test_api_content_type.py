"""A body sent to the API must be declared as JSON: otherwise 415, and nothing is created."""

from __future__ import annotations

import json

import pytest

from putright.cases.models import Case
from tests.test_api import case_body, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(alice):
    return {"Authorization": f"Bearer {token_for(alice)}"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "text/json", "application/jsonp", ""],
)
def test_a_json_body_not_declared_as_json_is_refused_with_415_and_creates_nothing(client, auth, content_type):
    response = client.generic(
        "POST", "/api/cases", json.dumps(case_body()), content_type=content_type, headers=auth
    )

    assert response.status_code == 415
    declared = content_type or "no content type"
    assert response.json() == {
        "code": "unsupported_media_type",
        "message": "The request body must be JSON, sent as Content-Type: application/json "
        f"(it was declared as {declared}).",
    }
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_a_body_declared_as_json_is_taken(client, auth, content_type):
    response = client.generic(
        "POST", "/api/cases", json.dumps(case_body()), content_type=content_type, headers=auth
    )

    assert response.status_code == 201
    assert Case.objects.count() == 1


def test_a_request_without_a_body_needs_no_content_type(client, auth):
    assert client.get("/api/cases", headers=auth).status_code == 200


def test_pages_outside_the_api_keep_their_forms(client):
    """The staff sign-in form posts form data as ever: the check is the API's alone."""
    response = client.post("/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
