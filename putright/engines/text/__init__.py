"""Text intelligence (K2 emotional state, S3 similar complaints): pure Python, no Django.

- ``sentiment_of(text)``: negative / neutral / positive, and signs of anger or distress, with the
  cues that were found (``sentiment``).
- ``embedder_for("tfidf" | "semantic")``: turns texts into comparable vectors (``embedding``).
- ``group_texts(texts, embedder=..., min_size=5)``: groups of complaints about the same problem;
  ``similar(query, candidates, embedder=...)``: the candidates most like one complaint (``grouping``).

Heavy libraries (scikit-learn, vaderSentiment, sentence-transformers) are imported on first use.
``themes`` (rising themes in feedback) stands on its own.
"""

from putright.engines.text.embedding import BACKENDS, Embedder, SemanticEmbedder, TfidfEmbedder, embedder_for
from putright.engines.text.grouping import Grouping, GroupSummary, group_texts, similar
from putright.engines.text.sentiment import SentimentResult, sentiment_of

__all__ = [
    "BACKENDS",
    "Embedder",
    "GroupSummary",
    "Grouping",
    "SemanticEmbedder",
    "SentimentResult",
    "TfidfEmbedder",
    "embedder_for",
    "group_texts",
    "sentiment_of",
    "similar",
]
