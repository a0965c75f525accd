#!/usr/bin/env python
"""Putright text-intelligence benchmark: repeated-problem grouping and sentiment on complaint texts.

Not a test. Reads a data folder (``--data DIR``) holding ``cfpb_narratives.csv``,
``comcast_complaints.csv`` and ``amazon_alexa_reviews.tsv`` and prints tables. By default it runs on
``bench/data``, a small synthetic sample written for the project in the same shape (see
``bench/make_sample_data.py``): its figures show the benchmark works, not how good the engine is. For
real figures, point ``--data`` at the development data (real complaints, which are not shipped with the
project). It prints which data it ran on, then:

  1. grouping quality per dataset and backend: purity (share of each group's members that share the
     group's majority "same problem" label, weighted by group size), coverage (share of complaints in
     some group) and the number of groups; with ``--sweep``, the same for a range of thresholds;
  2. sample groups from the unlabelled Comcast titles;
  3. sentiment: macro-F1 and per-class precision / recall / F1 against the Alexa ratings
     (1–2 negative, 3 neutral, 4–5 positive), with VADER alone as the baseline;
  4. scale: complaints per second and peak memory (max RSS of a fresh subprocess per run) for each
     backend on 10,000 and 100,000 complaints, made by repeating the CFPB narratives with one word
     dropped from each copy so that no two are identical.

    .venv/bin/python bench/bench_text.py [--data DIR] [--backends tfidf,semantic] [--sizes 10000,100000]
        [--device cpu|cuda] [--sweep] [--no-quality] [--no-sentiment] [--no-scale] [--semantic-budget-min 15]

See bench/README.md ("Text intelligence") for what the figures mean and the measured results.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.metrics import f1_score, precision_recall_fscore_support  # noqa: E402

from putright.engines.text import TfidfEmbedder, embedder_for, group_texts, sentiment_of  # noqa: E402
from putright.engines.text import sentiment as sentiment_engine  # noqa: E402
from putright.engines.text.prep import has_words  # noqa: E402

# The synthetic sample written for the project (bench/make_sample_data.py): runs anywhere, proves nothing
# about quality. The development data is given with --data.
DEFAULT_DATA = ROOT / "bench" / "data"
DATA_FILES = ("cfpb_narratives.csv", "comcast_complaints.csv", "amazon_alexa_reviews.tsv")
DEFAULT_BACKENDS = ("tfidf", "semantic")
MIN_COMPANY = 50  # companies with at least this many complaints are grouped on their own
SWEEP = {"tfidf": [0.3, 0.35, 0.4, 0.45, 0.5, 0.6], "semantic": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75]}


# ---------------------------------------------------------------- data


def check_data(data: Path) -> None:
    missing = [name for name in DATA_FILES if not (data / name).is_file()]
    if missing:
        raise SystemExit(
            f"--data {data}: missing {', '.join(missing)} (the folder needs {', '.join(DATA_FILES)})"
        )


def describe_data(data: Path) -> str:
    """Which data this is, in the words of the first heading of the folder's README.md."""
    readme = data / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return "no README.md: unknown data"


def norm_product(product: str) -> str:
    """CFPB renamed products over the years; one name per product."""
    p = product.lower()
    if p.startswith("credit reporting"):
        return "credit reporting"
    if p.startswith("credit card") or p == "prepaid card":
        return "credit card or prepaid card"
    if p.startswith("payday") or p == "consumer loan":
        return "payday, title or personal loan"
    if p.startswith(("bank account", "checking")):
        return "checking or savings account"
    return p


def load_cfpb(data: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(data / "cfpb_narratives.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Consumer complaint narrative"] for r in rows], rows


def load_comcast(data: Path) -> list[str]:
    with open(data / "comcast_complaints.csv", encoding="utf-8", newline="") as fh:
        return [r["Customer Complaint"] for r in csv.DictReader(fh)]


def load_alexa(data: Path) -> tuple[list[str], list[str]]:
    with open(data / "amazon_alexa_reviews.tsv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    truth = [
        "negative" if int(r["rating"]) <= 2 else "neutral" if int(r["rating"]) == 3 else "positive"
        for r in rows
    ]
    return [r["verified_reviews"] for r in rows], truth


def variants(texts: Sequence[str], size: int, seed: int = 7) -> list[str]:
    """``size`` complaints from ``texts``: the originals, then copies with one word dropped each."""
    rng = random.Random(seed)
    out: list[str] = []
    copy = 0
    while len(out) < size:
        for text in texts:
            if len(out) == size:
                break
            if copy == 0:
                out.append(text)
                continue
            words = text.split()
            if len(words) > 1:
                del words[rng.randrange(len(words))]
            out.append(" ".join(words))
        copy += 1
    return out


# ---------------------------------------------------------------- measures


def purity(groups: Sequence[Sequence[int]], labels: Sequence[str]) -> float:
    members = sum(len(g) for g in groups)
    if not members:
        return float("nan")
    return sum(Counter(labels[i] for i in g).most_common(1)[0][1] for g in groups) / members


def coverage(groups: Sequence[Sequence[int]], n: int) -> float:
    return sum(len(g) for g in groups) / n if n else 0.0


class CachedEmbedder:
    """A corpus-independent embedder (semantic) that remembers what it has embedded, for sweeps."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.threshold = inner.threshold
        self.memory: dict[str, np.ndarray] = {}

    def threshold_for(self, n_texts):
        return self.inner.threshold_for(n_texts)

    def embed(self, texts, *, progress=None):
        inputs = self.inner.model_inputs(texts)
        missing = [t for t in dict.fromkeys(inputs) if t not in self.memory]
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing), strict=True):
                self.memory[text] = vector
        return np.stack([self.memory[t] for t in inputs]).astype(np.float32)


def make_embedder(backend: str, device: str):
    embedder = embedder_for(backend, device=device)
    return embedder if isinstance(embedder, TfidfEmbedder) else CachedEmbedder(embedder)


# ---------------------------------------------------------------- 1–2: grouping quality


def cfpb_labels(rows: Sequence[dict[str, str]]) -> dict[str, list[str]]:
    return {
        "company+issue": [f"{r['Company']}|{r['Issue']}" for r in rows],
        "product+issue": [f"{norm_product(r['Product'])}|{r['Issue']}" for r in rows],
        "issue": [r["Issue"] for r in rows],
    }


def quality_rows(backend, embedder, threshold, cfpb_texts, cfpb_rows, comcast_texts, *, comcast_groups=None):
    labels = cfpb_labels(cfpb_rows)
    out = []
    t0 = time.perf_counter()
    grouping = group_texts(cfpb_texts, embedder=embedder, threshold=threshold)
    groups = [g.members for g in grouping.groups]
    out.append(
        (
            f"CFPB, all {len(cfpb_texts):,} together",
            backend,
            threshold,
            len(groups),
            coverage(groups, len(cfpb_texts)),
            purity(groups, labels["company+issue"]),
            purity(groups, labels["product+issue"]),
            purity(groups, labels["issue"]),
            time.perf_counter() - t0,
        )
    )
    by_company: dict[str, list[int]] = {}
    for i, r in enumerate(cfpb_rows):
        by_company.setdefault(r["Company"], []).append(i)
    companies = [idx for idx in by_company.values() if len(idx) >= MIN_COMPANY]
    t0 = time.perf_counter()
    company_groups: list[list[int]] = []
    for idx in companies:
        g = group_texts([cfpb_texts[i] for i in idx], embedder=embedder, threshold=threshold)
        company_groups += [[idx[j] for j in grp.members] for grp in g.groups]
    n_company = sum(len(idx) for idx in companies)
    out.append(
        (
            f"CFPB, each of {len(companies)} companies alone ({n_company:,})",
            backend,
            threshold,
            len(company_groups),
            coverage(company_groups, n_company),
            purity(company_groups, labels["company+issue"]),
            purity(company_groups, labels["product+issue"]),
            purity(company_groups, labels["issue"]),
            time.perf_counter() - t0,
        )
    )
    t0 = time.perf_counter()
    grouping = group_texts(comcast_texts, embedder=embedder, threshold=threshold)
    groups = [g.members for g in grouping.groups]
    out.append(
        (
            "Comcast titles (no labels)",
            backend,
            threshold,
            len(groups),
            coverage(groups, len(comcast_texts)),
            float("nan"),
            float("nan"),
            float("nan"),
            time.perf_counter() - t0,
        )
    )
    if comcast_groups is not None:
        comcast_groups[backend] = grouping
    return out


def print_quality(rows) -> None:
    head = f"{'dataset':44} {'backend':9} {'thr':>5} {'groups':>6} {'cover':>6} {'pur c+i':>7} {'pur p+i':>7} {'pur iss':>7} {'secs':>6}"
    print(head)
    print("-" * len(head))
    for name, backend, thr, n, cov, p1, p2, p3, secs in rows:
        cells = " ".join("     -" if np.isnan(p) else f"{p:7.3f}" for p in (p1, p2, p3))
        shown = "  def" if thr is None else f"{thr:5.2f}"
        print(f"{name:44} {backend:9} {shown} {n:6d} {cov:6.1%} {cells} {secs:6.1f}")


def label_ceiling(cfpb_texts, cfpb_rows) -> str:
    """How often near-identical narratives carry the same labels: what no text method can beat."""
    vectors = TfidfEmbedder().embed(cfpb_texts)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    a, b = np.nonzero(np.triu(sims >= 0.9, k=1))
    if not a.size:
        return "no near-identical narratives"
    same = {
        key: float(
            np.mean(
                [
                    cfpb_rows[i][k1] == cfpb_rows[j][k1] and cfpb_rows[i][k2] == cfpb_rows[j][k2]
                    for i, j in zip(a, b, strict=True)
                ]
            )
        )
        for key, (k1, k2) in {"company+issue": ("Company", "Issue"), "issue": ("Issue", "Issue")}.items()
    }
    return (
        f"{a.size:,} pairs of near-identical CFPB narratives (TF-IDF cosine >= 0.9): same Company+Issue "
        f"{same['company+issue']:.0%}, same Issue {same['issue']:.0%}"
    )


def print_samples(texts: Sequence[str], grouping, backend: str, count: int = 12) -> None:
    print(
        f"\nComcast, {backend}: the {count} largest of {len(grouping.groups)} groups (label | size | examples)"
    )
    for g in grouping.groups[:count]:
        examples = " / ".join(" ".join(texts[m].split())[:40] for m in g.members[:3])
        print(f"  {g.label[:48]:48} | {g.size:4d} | {examples}")


# ---------------------------------------------------------------- 3: sentiment


SENTIMENT_CLASSES = ("negative", "neutral", "positive")


def vader_only(text: str) -> str:
    """The baseline: VADER's compound score alone, at the usual ±0.05."""
    analyzer = sentiment_engine._analyzer()
    score = analyzer.polarity_scores(text[: sentiment_engine.MAX_CHARS])["compound"] if text.strip() else 0.0
    return "negative" if score <= -0.05 else "positive" if score >= 0.05 else "neutral"


@dataclass(frozen=True)
class MethodScore:
    name: str
    macro_f1: float
    per_class: list[tuple[float, float, float]]  # precision, recall, F1 in SENTIMENT_CLASSES order


@dataclass(frozen=True)
class SentimentScores:
    texts: int
    truth: dict[str, int]
    texts_per_second: float
    methods: list[MethodScore]
    anger: int
    distress: int


def sentiment_scores(texts: Sequence[str], truth: Sequence[str]) -> SentimentScores:
    """The engine's and the baseline's macro-F1 and per-class precision / recall / F1 against ``truth``."""
    t0 = time.perf_counter()
    readings = [sentiment_of(t) for t in texts]
    secs = time.perf_counter() - t0
    methods = []
    for name, predicted in (
        ("sentiment_of (E1-E6)", [reading.label for reading in readings]),
        ("VADER alone, ±0.05 (baseline)", [vader_only(t) for t in texts]),
    ):
        p, r, f, _ = precision_recall_fscore_support(
            truth, predicted, labels=list(SENTIMENT_CLASSES), zero_division=0
        )
        per_class = [(float(p[k]), float(r[k]), float(f[k])) for k in range(len(SENTIMENT_CLASSES))]
        methods.append(MethodScore(name, float(f1_score(truth, predicted, average="macro")), per_class))
    return SentimentScores(
        texts=len(texts),
        truth=dict(Counter(truth)),
        texts_per_second=len(texts) / secs if secs else float("inf"),
        methods=methods,
        anger=sum(reading.anger for reading in readings),
        distress=sum(reading.distress for reading in readings),
    )


def sentiment_report(data: Path) -> None:
    scores = sentiment_scores(*load_alexa(data))
    print(
        f"\nSentiment on {scores.texts:,} Alexa reviews ({scores.truth}), {scores.texts_per_second:,.0f} texts/s"
    )
    print(f"{'method':34} {'macro-F1':>8}   " + "  ".join(f"{c[:3]} P/R/F1" for c in SENTIMENT_CLASSES))
    for method in scores.methods:
        per = "  ".join(f"{p:.2f}/{r:.2f}/{f:.2f}" for p, r, f in method.per_class)
        print(f"{method.name:34} {method.macro_f1:8.3f}   {per}")
    print(f"anger flagged on {scores.anger} reviews, distress on {scores.distress}")


# ---------------------------------------------------------------- 4: scale (one subprocess per run)


def worker(backend: str, size: int, device: str, data: Path, mode: str) -> None:
    """Runs in a fresh process; prints one JSON line with time and peak memory."""
    texts = variants(load_cfpb(data)[0], size)
    embedder = embedder_for(backend, device=device)
    result: dict[str, object] = {"backend": backend, "size": size, "mode": mode}
    if mode == "full":
        t0 = time.perf_counter()
        grouping = group_texts(texts, embedder=embedder)
        result["seconds"] = time.perf_counter() - t0
    else:
        # Extrapolated: the embedding rate measured on a sample, the rest of the work measured in full
        # on vectors made from the base texts' real embeddings (one per base text, plus small noise per
        # copy, standing in for the word each copy dropped).
        sample = texts[:2000]
        t0 = time.perf_counter()
        embedder.embed(sample)
        rate = len(sample) / (time.perf_counter() - t0)
        base = load_cfpb(data)[0]
        base_vectors = embedder.embed(base)
        rng = np.random.default_rng(0)
        vectors = np.resize(base_vectors, (size, base_vectors.shape[1])).astype(np.float32)
        vectors[len(base) :] += rng.normal(0, 0.01, vectors[len(base) :].shape).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        lookup = {t: vectors[i] for i, t in enumerate(texts)}

        class Fixed:
            name = embedder.name
            threshold = embedder.threshold

            def threshold_for(self, n_texts):
                return embedder.threshold_for(n_texts)

            def embed(self, batch, *, progress=None):
                return np.stack(
                    [lookup[t] if has_words(t) else np.zeros(vectors.shape[1], np.float32) for t in batch]
                )

        t0 = time.perf_counter()
        grouping = group_texts(texts, embedder=Fixed())
        rest = time.perf_counter() - t0
        result["seconds"] = size / rate + rest
        result["embed_rate"] = rate
        result["rest_seconds"] = rest
    result["groups"] = len(grouping.groups)
    result["coverage"] = sum(g.size for g in grouping.groups) / size
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_worker(backend: str, size: int, device: str, data: Path, mode: str) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        backend,
        str(size),
        mode,
        "--device",
        device,
        "--data",
        str(data),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"worker {backend} {size} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scale_report(backends, sizes, device, data: Path, budget_min: float) -> None:
    print(
        f"\nScale: CFPB narratives repeated with one word dropped per copy; {os.cpu_count()} CPU cores, device {device}"
    )
    head = f"{'backend':9} {'complaints':>10} {'seconds':>9} {'per sec':>8} {'peak MB':>8} {'groups':>6} {'cover':>6}  how"
    print(head)
    print("-" * len(head))
    rates: dict[str, float] = {}
    for backend in backends:
        for size in sizes:
            mode = "full"
            if backend in rates and size / rates[backend] > budget_min * 60:
                mode = "extrapolated"
            r = run_worker(backend, size, device, data, mode)
            rates[backend] = size / float(r["seconds"])
            how = (
                "measured end to end"
                if mode == "full"
                else f"extrapolated: embedding at {r['embed_rate']:.0f}/s (2,000-text sample), rest measured {r['rest_seconds']:.0f}s"
            )
            print(
                f"{backend:9} {size:10,} {r['seconds']:9.1f} {size / r['seconds']:8.0f} {r['peak_rss_mb']:8.0f} "
                f"{r['groups']:6d} {r['coverage']:6.1%}  {how}",
                flush=True,
            )


# ---------------------------------------------------------------- main


def available_backends(requested: str | None) -> tuple[list[str], list[str]]:
    """The backends to measure, and a line for each default one left out because its extra is missing.

    Named with --backends, a backend that cannot load is an error; by default the semantic backend is
    measured only where its extra is installed, so a fresh checkout runs the benchmark as it is.
    """
    if requested is not None:
        return [b.strip() for b in requested.split(",") if b.strip()], []
    backends, skipped = [], []
    for backend in DEFAULT_BACKENDS:
        try:
            embedder_for(backend)
        except ImportError as exc:
            skipped.append(f"{backend} skipped: {exc}")
            continue
        backends.append(backend)
    return backends, skipped


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backends",
        default=None,
        help="comma-separated (default: tfidf, and semantic where its extra is installed)",
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--device", default="cpu", help="torch device for the semantic backend (cpu, cuda)")
    parser.add_argument(
        "--data",
        default=DEFAULT_DATA,
        type=Path,
        help=f"folder with {', '.join(DATA_FILES)} (default: the synthetic sample in bench/data)",
    )
    parser.add_argument("--sweep", action="store_true", help="grouping quality for a range of thresholds")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--no-sentiment", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument(
        "--semantic-budget-min",
        type=float,
        default=15.0,
        help="extrapolate a run expected to take longer than this many minutes",
    )
    parser.add_argument("--worker", nargs=3, metavar=("BACKEND", "SIZE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.device, args.data, args.worker[2])
        return
    check_data(args.data)
    backends, skipped = available_backends(args.backends)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(
        f"Putright text benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — {os.cpu_count()} CPUs, "
        f"CPython {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}"
    )
    print(f"Data: {args.data.resolve()} — {describe_data(args.data)}")
    for line in skipped:
        print(f"Backend {line}")
    if not args.no_quality:
        cfpb_texts, cfpb_rows = load_cfpb(args.data)
        comcast_texts = load_comcast(args.data)
        print(f"\nGrouping quality (min size 5). {label_ceiling(cfpb_texts, cfpb_rows)}")
        rows = []
        samples: dict = {}
        for backend in backends:
            embedder = make_embedder(backend, args.device)
            # None: the backend's defaults (for TF-IDF, its own threshold for batches under 400 texts).
            thresholds = [None, *(SWEEP[backend] if args.sweep else [])]
            for threshold in thresholds:
                rows += quality_rows(
                    backend,
                    embedder,
                    threshold,
                    cfpb_texts,
                    cfpb_rows,
                    comcast_texts,
                    comcast_groups=samples if threshold is None else None,
                )
        print_quality(rows)
        for backend, grouping in samples.items():
            print_samples(comcast_texts, grouping, backend)
    if not args.no_sentiment:
        sentiment_report(args.data)
    if not args.no_scale:
        scale_report(backends, sizes, args.device, args.data, args.semantic_budget_min)


if __name__ == "__main__":
    main()
