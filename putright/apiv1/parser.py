"""Strict JSON request bodies.

Python's json module accepts NaN and Infinity, which are not JSON; refusing
them here makes such a body a 400 like any other malformed JSON (ninja turns a
parser exception into "Cannot parse request body").
"""

from __future__ import annotations

import json

from ninja.parser import Parser


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class StrictJsonParser(Parser):
    def parse_body(self, request):
        return json.loads(request.body, parse_constant=_refuse_constant)
