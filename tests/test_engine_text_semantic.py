"""The ``semantic`` text backend: all-MiniLM-L6-v2 from the packaged model, offline.

These run whenever the ``semantic`` extra is installed. Under CI (CI=true) the extra is installed by
``.ci/run``, and a missing extra fails the run instead of skipping these tests.
"""

from __future__ import annotations

import csv
import io
import os

import numpy as np
import pytest
from django.core.management import call_command

from putright.engines.text import SemanticEmbedder, embedder_for, group_texts, similar
from putright.engines.text.embedding import semantic_model_path

try:
    import sentence_transformers  # noqa: F401

    semantic_model_path()
except ImportError:  # pragma: no cover - depends on the installation
    if os.environ.get("CI", "").lower() == "true":
        raise  # CI installs the semantic extra: these tests must run there
    pytest.skip(
        "the semantic extra is not installed; to run these tests: "
        ".venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[test,semantic]'",
        allow_module_level=True,
    )

# Different words, same problem: what TF-IDF cannot see and the model can.
PARCEL = [
    "My parcel never arrived",
    "The package was not delivered to me",
    "Still waiting for my delivery, the courier never turned up",
    "Order shows as delivered but I have received nothing",
    "Where is my shipment? It has not come",
]
UNRELATED = [
    "Please change the email address on my account",
    "The shop assistant in Leeds was very helpful",
    "How do I reset the password for the mobile app?",
    "Your prices went up again this year",
]


@pytest.fixture(scope="module")
def semantic():
    return embedder_for("semantic")


def test_embedder_for_semantic_loads_the_packaged_model_offline(semantic):
    assert isinstance(semantic, SemanticEmbedder) and semantic.name == "semantic"
    assert semantic.embed(["my parcel never arrived"]).shape == (1, 384)  # the model loads on first use
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert semantic_model_path().endswith("model")


def test_semantic_rows_are_unit_float32_comparable_across_calls_and_blank_is_zero(semantic):
    first = semantic.embed(["", *PARCEL, "XXXX 123"])
    assert first.dtype == np.float32 and first.shape == (len(PARCEL) + 2, 384)
    norms = np.linalg.norm(first, axis=1)
    assert norms[0] == 0 and norms[-1] == 0 and np.allclose(norms[1:-1], 1.0, atol=1e-5)
    again = semantic.embed([PARCEL[2]])
    assert np.allclose(again[0], first[3], atol=1e-5)


def test_semantic_groups_paraphrases_with_different_words(semantic):
    grouping = group_texts(PARCEL + UNRELATED, embedder=semantic, min_size=4)
    assert len(grouping.groups) == 1
    assert set(grouping.groups[0].members) <= set(range(len(PARCEL)))
    assert grouping.groups[0].size >= 4
    assert grouping.labels[len(PARCEL) :] == [None] * len(UNRELATED)


def test_semantic_similar_ranks_the_same_problem_first(semantic):
    hits = similar("My order has not been delivered yet", UNRELATED + PARCEL, embedder=semantic)
    assert hits and all(i >= len(UNRELATED) for i, _ in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_semantic_copes_with_long_non_english_and_emoji_text(semantic):
    vectors = semantic.embed(["Le colis n'est jamais arrivé 😡", "包裹没有送到", "refund " * 5000, "😭😭"])
    assert vectors.shape == (4, 384) and np.isfinite(vectors).all()


def test_detect_command_with_the_semantic_backend(tmp_path):
    source = tmp_path / "in.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], *[[str(i), t] for i, t in enumerate(PARCEL + UNRELATED)]])
    out_path = tmp_path / "out.csv"
    out = io.StringIO()
    call_command(
        "problems", "detect", str(source), "--text-column", "text", "--id-column", "id", "--out", str(out_path),
        "--min-size", "4", "--backend", "semantic", "--no-progress", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    with open(out_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "group"] and len(rows) == len(PARCEL + UNRELATED) + 1
    assert [r[1] for r in rows[1 + len(PARCEL) :]] == [""] * len(UNRELATED)
    assert "(semantic backend)" in out.getvalue()
