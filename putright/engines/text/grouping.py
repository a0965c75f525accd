"""S3: groups of complaints about the same problem, from the customers' own words.

``group_texts`` runs these steps (the ids name them in tests and in bench/README.md):

- G1 blank: a text with nothing to compare (empty, only masks, numbers or symbols) joins no group.
- G2 repeats: texts that are the same once case, spacing, masks and numbers are set aside are one
  point with a weight (how many times it was sent), so a copied complaint costs nothing extra.
- G3 embedding: the backend turns each distinct text into a unit vector (``embedding``).
- G4 near-copies: a text whose vector is at least ``NEAR_COPY`` alike to an earlier text's is folded
  into it (the same words with a name or a word changed).
- G5 neighbours: each point's ``NEIGHBOURS`` most similar points, among those at least ``threshold``
  alike, found by blocks of exact dot products (no index to build, memory bounded by the block).
- G6 average linkage: starting from single points, the two groups with the highest *average*
  similarity between their members are merged, again and again, while that average is at least
  ``threshold``. The average between two groups is exact (the dot product of their vector sums
  divided by their sizes); G5 only limits which pairs are looked at. Unlike single linkage this does
  not chain unrelated complaints together through intermediate ones, and unlike k-means it needs no
  number of groups and leaves outliers alone.
- G7 repeated problem: a group with at least ``min_size`` texts (repeats counted) is a repeated
  problem; everything else is left ungrouped (``None``).
- G8 summary: each group's top terms (the words and phrases whose TF-IDF weight is highest inside
  the group compared with all the texts), a representative complaint (the member closest to the
  group's centre) and a short label made of the top terms.

Deterministic: ties are broken by position, and the embedders use fixed seeds.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from putright.engines.text.embedding import Embedder, Matrix, Progress, TermWeights, TfidfEmbedder
from putright.engines.text.prep import dedupe_key, has_words

NEAR_COPY = 0.95
NEIGHBOURS = 30
# Rows of similarities computed at once: about 128 MB of float32 whatever the number of texts.
BLOCK_FLOATS = 32_000_000
TOP_TERMS = 5
LABEL_TERMS = 3
LABEL_CHARS = 80

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GroupSummary:
    """One repeated-problem group: ``members`` are positions in the input, ``representative`` one of them."""

    group_id: int
    size: int
    members: list[int]
    label: str
    top_terms: list[str]
    representative: int


@dataclass(frozen=True)
class Grouping:
    """``labels[i]`` is the ``group_id`` of text ``i``, or None when it belongs to no group."""

    labels: list[int | None]
    groups: list[GroupSummary] = field(default_factory=list)


# ---------------------------------------------------------------- G4/G5: near copies and neighbours


def _neighbour_pairs(
    vectors: Matrix, threshold: float, *, progress: Progress | None = None
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """G4/G5 in one pass over blocks of rows.

    Returns (copy_of_row, copy_of_col): each row folded into its most similar earlier near copy, and
    (row, col): for every row its ``NEIGHBOURS`` most similar other rows at least ``threshold`` alike.
    """
    n = vectors.shape[0]
    copy_rows: list[IntArray] = []
    copy_cols: list[IntArray] = []
    pair_rows: list[IntArray] = []
    pair_cols: list[IntArray] = []
    block_rows = max(16, min(1024, BLOCK_FLOATS // max(n, 1)))
    for start in range(0, n, block_rows):
        block = vectors[start : start + block_rows] @ vectors.T
        rows_here = block.shape[0]
        local = np.arange(rows_here)
        block[local, start + local] = -1.0  # a text is not its own neighbour

        # G4: the most similar *earlier* text, when it is a near copy.
        r, c = np.nonzero(block >= NEAR_COPY)
        earlier = c < start + r
        if earlier.any():
            r, c = r[earlier], c[earlier]
            order = np.lexsort((c, -block[r, c], r))
            r, c = r[order], c[order]
            firsts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            copy_rows.append((start + r[firsts]).astype(np.int64))
            copy_cols.append(c[firsts].astype(np.int64))

        # G5: every pair above the threshold, then the strongest NEIGHBOURS of each row.
        r, c = np.nonzero(block >= threshold)
        if r.size:
            values = block[r, c]
            order = np.lexsort((c, -values, r))
            r, c = r[order], c[order]
            first = np.searchsorted(r, r, side="left")
            keep = (np.arange(r.size) - first) < NEIGHBOURS
            pair_rows.append((start + r[keep]).astype(np.int64))
            pair_cols.append(c[keep].astype(np.int64))
        if progress:
            progress("neighbours", min(start + rows_here, n), n)

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return joined(copy_rows), joined(copy_cols), joined(pair_rows), joined(pair_cols)


def _fold_copies(n: int, copy_row: IntArray, copy_col: IntArray) -> IntArray:
    """G4: the point each row belongs to (rows folded into earlier near copies share one point)."""
    root = np.arange(n, dtype=np.int64)
    # copy_col < copy_row always, so resolving in row order follows every chain back to its first text.
    target = dict(zip(copy_row.tolist(), copy_col.tolist(), strict=True))
    for row in sorted(target):
        root[row] = root[target[row]]
    _, point = np.unique(root, return_inverse=True)
    return point.astype(np.int64)


# ---------------------------------------------------------------- G6: average linkage


def _average_linkage(
    sums: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    edges: set[tuple[int, int]],
    threshold: float,
    *,
    progress: Progress | None = None,
) -> IntArray:
    """G6: merge by highest average similarity while it is at least ``threshold``; a cluster id per point."""
    n = sums.shape[0]
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    stamp = [0] * n
    alive = [True] * n
    parent = np.arange(n, dtype=np.int64)

    def linkage(a: int, others: list[int]) -> npt.NDArray[np.float64]:
        idx = np.asarray(others, dtype=np.int64)
        return np.asarray((sums[idx] @ sums[a]) / (weights[idx] * weights[a]), dtype=np.float64)

    heap: list[tuple[float, int, int, int, int]] = []
    for a in range(n):
        later = sorted(b for b in neighbours[a] if b > a)
        if later:
            for b, sim in zip(later, linkage(a, later).tolist(), strict=True):
                if sim >= threshold:
                    heap.append((-sim, a, b, 0, 0))
    heapq.heapify(heap)
    merges = 0
    while heap:
        _, a, b, stamp_a, stamp_b = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or stamp[a] != stamp_a or stamp[b] != stamp_b:
            continue  # one side has changed since this pair was scored
        if len(neighbours[b]) > len(neighbours[a]):
            a, b = b, a  # keep the one with more neighbours: fewer sets to rewrite
        sums[a] += sums[b]
        weights[a] += weights[b]
        alive[b] = False
        parent[b] = a
        stamp[a] += 1
        for c in neighbours[b]:
            if c != a:
                neighbours[c].discard(b)
                neighbours[c].add(a)
        neighbours[a] |= neighbours[b]
        neighbours[a] -= {a, b}
        neighbours[b] = set()
        merges += 1
        others = sorted(neighbours[a])
        if others:
            for c, sim in zip(others, linkage(a, others).tolist(), strict=True):
                if sim >= threshold:
                    low, high = (a, c) if a < c else (c, a)
                    heapq.heappush(heap, (-sim, low, high, stamp[low], stamp[high]))
        if progress and merges % 1000 == 0:
            progress("grouping", merges, n)
    # Follow each point to the cluster it was merged into.
    for point in range(n):
        root = point
        while parent[root] != root:
            root = int(parent[root])
        parent[point] = root
    return parent


# ---------------------------------------------------------------- G8: summaries


def _top_terms(
    weights: TermWeights | None,
    rows: IntArray,
    counts: npt.NDArray[np.float64],
    background: npt.NDArray[np.float64],
) -> list[str]:
    """G8: the terms most over-represented in these rows, phrases preferred to their own words."""
    if weights is None or rows.size == 0:
        return []
    part = weights.matrix[rows]
    mean = np.asarray(part.T @ counts[rows], dtype=np.float64).ravel() / counts[rows].sum()
    score = mean - background
    candidates = [int(i) for i in np.argsort(-score, kind="stable")[: TOP_TERMS * 4] if score[i] > 0]
    phrases = [(weights.terms[i], score[i]) for i in candidates if " " in weights.terms[i]]
    chosen: list[str] = []
    for i in candidates:
        term = weights.terms[i]
        if " " not in term and any(term in phrase.split() and s >= 0.5 * score[i] for phrase, s in phrases):
            continue  # the phrase says it better ("data cap" rather than "data" and "cap")
        if " " in term and all(any(word in kept.split() for kept in chosen) for word in term.split()):
            continue  # its words are already there
        chosen.append(term)
        if len(chosen) == TOP_TERMS:
            break
    return chosen


def _label(terms: list[str], representative_text: str) -> str:
    if terms:
        return ", ".join(terms[:LABEL_TERMS])
    text = " ".join(representative_text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _positions_by_key(keys: IntArray) -> dict[int, IntArray]:
    """For each key, the positions holding it, in increasing order."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = (
        np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        if keys.size
        else np.zeros(0, np.int64)
    )
    ends = np.r_[starts[1:], keys.size]
    return {int(sorted_keys[a]): order[a:b].astype(np.int64) for a, b in zip(starts, ends, strict=True)}


# ---------------------------------------------------------------- the entry point


def group_texts(
    texts: Sequence[str],
    *,
    embedder: Embedder,
    min_size: int = 5,
    threshold: float | None = None,
    progress: Progress | None = None,
) -> Grouping:
    """S3: repeated-problem groups among ``texts`` (see the module's steps G1–G8).

    ``threshold`` is the least average similarity inside a group (default: the backend's own for a
    batch this size, ``embedder.threshold_for(n)``); ``min_size`` the least number of texts a group
    needs, repeats counted. ``progress(stage, done, total)`` is called as the work advances.
    Groups are numbered from 1, largest first.
    """
    if min_size < 1:
        raise ValueError("min_size must be at least 1")
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be above 0 and at most 1")
    labels: list[int | None] = [None] * len(texts)

    # G1/G2: one point per distinct text with words in it; remember where each came from.
    first_of: dict[str, int] = {}
    unique_texts: list[str] = []
    unique_of_text = np.full(len(texts), -1, dtype=np.int64)
    for i, text in enumerate(texts):
        if not has_words(text):
            continue
        key = dedupe_key(text)
        if key not in first_of:
            first_of[key] = len(unique_texts)
            unique_texts.append(text)
        unique_of_text[i] = first_of[key]
    if not unique_texts:
        return Grouping(labels=labels, groups=[])
    limit = embedder.threshold_for(len(unique_texts)) if threshold is None else threshold
    repeats = np.bincount(unique_of_text[unique_of_text >= 0], minlength=len(unique_texts)).astype(np.float64)
    if repeats.sum() < min_size:
        return Grouping(labels=labels, groups=[])

    # G3: vectors (the TF-IDF backend's term weights double as the source of top terms).
    if isinstance(embedder, TfidfEmbedder):
        if progress:
            progress("embedding", 0, len(unique_texts))
        weights = embedder.weights(unique_texts)
        vectors = (
            embedder.reduce(weights) if weights is not None else np.zeros((len(unique_texts), 1), np.float32)
        )
        if progress:
            progress("embedding", len(unique_texts), len(unique_texts))
    else:
        vectors = embedder.embed(unique_texts, progress=progress)
        weights = TfidfEmbedder().weights(unique_texts)

    # G1 again: a text whose words are all too common or too rare to weigh ("Comcast" where every
    # complaint names Comcast) has an all-zero vector; it is like nothing, however often it was sent.
    comparable = np.flatnonzero(np.any(vectors != 0, axis=1))
    if comparable.size < len(unique_texts):
        renumber = np.full(len(unique_texts), -1, dtype=np.int64)
        renumber[comparable] = np.arange(comparable.size)
        unique_of_text = np.where(unique_of_text >= 0, renumber[np.maximum(unique_of_text, 0)], -1)
        unique_texts = [unique_texts[u] for u in comparable.tolist()]
        vectors, repeats = vectors[comparable], repeats[comparable]
        if weights is not None:
            weights = TermWeights(matrix=weights.matrix[comparable], terms=weights.terms)
        if repeats.sum() < min_size:
            return Grouping(labels=labels, groups=[])

    # G4/G5.
    copy_row, copy_col, pair_row, pair_col = _neighbour_pairs(vectors, limit, progress=progress)
    point_of_unique = _fold_copies(len(unique_texts), copy_row, copy_col)
    n_points = int(point_of_unique.max()) + 1
    sums = np.zeros((n_points, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, point_of_unique, vectors.astype(np.float64) * repeats[:, None])
    point_weights = np.bincount(point_of_unique, weights=repeats, minlength=n_points).astype(np.float64)
    edges: set[tuple[int, int]] = set()
    for a, b in zip(point_of_unique[pair_row].tolist(), point_of_unique[pair_col].tolist(), strict=True):
        if a != b:
            edges.add((a, b) if a < b else (b, a))

    # G6.
    cluster_of_point = _average_linkage(sums.copy(), point_weights.copy(), edges, limit, progress=progress)
    cluster_of_unique = cluster_of_point[point_of_unique]

    # G7: clusters big enough, largest first (then by first appearance) so numbering is stable.
    size_of_cluster: dict[int, float] = {}
    first_unique: dict[int, int] = {}
    for u, cluster in enumerate(cluster_of_unique.tolist()):
        size_of_cluster[cluster] = size_of_cluster.get(cluster, 0.0) + float(repeats[u])
        first_unique.setdefault(cluster, u)
    kept = sorted(
        (c for c, size in size_of_cluster.items() if size >= min_size),
        key=lambda c: (-size_of_cluster[c], first_unique[c]),
    )
    if progress:
        progress("labelling", 0, len(kept))
    background = (
        np.asarray(weights.matrix.T @ repeats, dtype=np.float64).ravel() / repeats.sum()
        if weights is not None
        else np.zeros(0)
    )
    first_text_of_unique = {u: i for i, u in reversed(list(enumerate(unique_of_text.tolist()))) if u >= 0}
    # Members of every cluster at once (one sort), rather than a scan of all texts per group.
    rows_of_cluster = _positions_by_key(cluster_of_unique)
    cluster_of_text = np.where(unique_of_text >= 0, cluster_of_unique[np.maximum(unique_of_text, 0)], -1)
    texts_of_cluster = _positions_by_key(cluster_of_text)
    groups: list[GroupSummary] = []
    for number, cluster in enumerate(kept, start=1):
        unique_rows = rows_of_cluster[cluster]
        members = texts_of_cluster[cluster].tolist()
        for i in members:
            labels[i] = number
        centre = (vectors[unique_rows].astype(np.float64) * repeats[unique_rows, None]).sum(axis=0)
        closest = int(unique_rows[int(np.argmax(vectors[unique_rows] @ centre))])
        representative = first_text_of_unique[closest]
        terms = _top_terms(weights, unique_rows, repeats, background)
        groups.append(
            GroupSummary(
                group_id=number,
                size=len(members),
                members=members,
                label=_label(terms, texts[representative]),
                top_terms=terms,
                representative=representative,
            )
        )
        if progress:
            progress("labelling", number, len(kept))
    return Grouping(labels=labels, groups=groups)


def similar(
    query: str, candidates: Sequence[str], *, embedder: Embedder, threshold: float | None = None
) -> list[tuple[int, float]]:
    """Candidates like ``query``: (position, cosine similarity), most similar first.

    Only candidates at least ``threshold`` alike are returned (default: the backend's own for a batch
    this size, ``embedder.threshold_for(n)``). The TF-IDF backend is fitted on the query and the candidates together.
    A query with nothing to compare (empty, only masks or numbers) is like nothing.
    """
    if not candidates or not has_words(query):
        return []
    limit = embedder.threshold_for(len(candidates) + 1) if threshold is None else threshold
    vectors = embedder.embed([query, *candidates])
    scores = vectors[1:] @ vectors[0]
    hits = [(i, float(s)) for i, s in enumerate(scores.tolist()) if s >= limit and s > 0.0]
    hits.sort(key=lambda hit: (-hit[1], hit[0]))
    return hits
