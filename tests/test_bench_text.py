"""The text benchmark runs on the synthetic sample the project ships (bench/data), which has the columns
of the development data and takes the same code paths; it is what bench/make_sample_data.py writes."""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from pathlib import Path

import pytest

from putright.engines.text import TfidfEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bench" / "data"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench_text = _load("bench_text")
make_sample_data = _load("make_sample_data")

# The development data's own headers, so the sample cannot drift from the files it stands in for.
DEVELOPMENT_COLUMNS = {
    "cfpb_narratives.csv": [
        "source",
        "Complaint ID",
        "Date received",
        "Product",
        "Sub-product",
        "Issue",
        "Sub-issue",
        "Company",
        "State",
        "Submitted via",
        "Company response to consumer",
        "Consumer complaint narrative",
    ],
    "comcast_complaints.csv": [
        "Ticket #",
        "Customer Complaint",
        "Date",
        "Date_month_year",
        "Time",
        "Received Via",
        "City",
        "State",
        "Zip code",
        "Status",
        "Filing on Behalf of Someone",
    ],
    "amazon_alexa_reviews.tsv": ["rating", "date", "variation", "verified_reviews", "feedback"],
}


def test_the_committed_sample_is_what_the_generator_writes(tmp_path):
    for path in make_sample_data.write_sample(tmp_path):
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes(), (
            f"bench/data/{path.name} is stale: run .venv/bin/python bench/make_sample_data.py"
        )


def test_the_sample_has_the_development_data_columns_and_is_the_benchmark_default():
    assert bench_text.DEFAULT_DATA == SAMPLE
    for name, columns in DEVELOPMENT_COLUMNS.items():
        encoding, delimiter = ("utf-8-sig", "\t") if name.endswith(".tsv") else ("utf-8", ",")
        with open(SAMPLE / name, encoding=encoding, newline="") as fh:
            assert next(csv.reader(fh, delimiter=delimiter)) == columns


def test_grouping_quality_on_the_sample_takes_the_paths_the_development_data_takes():
    cfpb_texts, cfpb_rows = bench_text.load_cfpb(SAMPLE)
    comcast_texts = bench_text.load_comcast(SAMPLE)
    # Enough narratives for TF-IDF to reduce them with SVD, and companies big enough to group alone.
    assert len(cfpb_texts) >= TfidfEmbedder().svd_min_texts
    rows = bench_text.quality_rows("tfidf", TfidfEmbedder(), None, cfpb_texts, cfpb_rows, comcast_texts)

    together, by_company, titles = rows
    assert together[0] == f"CFPB, all {len(cfpb_texts):,} together"
    assert by_company[0].startswith("CFPB, each of ") and not by_company[0].startswith("CFPB, each of 0 ")
    for _, backend, _, groups, cover, *purities, _ in (together, by_company):
        assert backend == "tfidf" and groups > 0 and 0 < cover <= 1
        assert all(0 < purity <= 1 for purity in purities)
    assert titles[3] > 0 and all(math.isnan(purity) for purity in titles[5:8])
    # Near-copies of one letter under different labels: the ceiling is measured, not skipped.
    assert "pairs of near-identical" in bench_text.label_ceiling(cfpb_texts, cfpb_rows)


def test_sentiment_on_the_sample_scores_every_class_and_finds_anger_and_distress():
    scores = bench_text.sentiment_scores(*bench_text.load_alexa(SAMPLE))
    assert set(scores.truth) == {"negative", "neutral", "positive"}
    assert [method.name for method in scores.methods][1].startswith("VADER alone")
    assert all(0 < method.macro_f1 <= 1 for method in scores.methods)
    assert scores.anger > 0 and scores.distress > 0


def test_the_benchmark_says_which_data_it_ran_on(capsys):
    bench_text.main(["--no-quality", "--no-scale", "--backends", "tfidf"])
    out = capsys.readouterr().out
    assert f"Data: {SAMPLE} — Synthetic sample" in out
    assert "Sentiment on 240 Alexa reviews" in out


def test_a_data_folder_without_the_files_is_refused_in_one_line(tmp_path):
    with pytest.raises(SystemExit, match="missing cfpb_narratives.csv, comcast_complaints.csv"):
        bench_text.main(["--data", str(tmp_path), "--no-scale"])
