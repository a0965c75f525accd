"""``GET /api/openapi.json`` builds the document once per process, not on every request."""

from __future__ import annotations

import ninja.main

from putright.api import api


def test_the_openapi_document_is_built_once_and_then_served_as_built(client, monkeypatch):
    builds: list[str] = []
    build_schema = ninja.main.get_schema

    def counted_build_schema(**kwargs):
        builds.append(kwargs["path_prefix"])
        return build_schema(**kwargs)

    monkeypatch.setattr(ninja.main, "get_schema", counted_build_schema)
    monkeypatch.setattr(api, "_openapi_schemas", {})  # as in a process that has not served it yet

    first = client.get("/api/openapi.json")
    second = client.get("/api/openapi.json")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    assert first.json()["info"]["title"] == "Putright API"
    assert builds == ["/api/"]
