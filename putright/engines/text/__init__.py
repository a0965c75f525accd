"""Text intelligence (K2 emotional state, S3 similar complaints): pure Python, no Django.

- ``sentiment_of(text)``: negative / neutral / positive, and signs of anger or distress, with the
  cues that were found (``sentiment``).
- ``embedder_for("tfidf" | "semantic")``: turns texts into comparable vectors (``embedding``).
- ``group_texts(texts, embedder=..., min_size=5)``: groups of complaints about the same problem;
  ``similar(query, candidates, embedder=...)``: the candidates most like one complaint (``grouping``).

Heavy libraries (scikit-learn, vaderSentiment, sentence-transformers) are imported on first use.
``themes`` (rising themes in feedback) stands on its own.
- ``check_reply(text, authority_limit=..., customer_state=..., date_limit_days=...)``: K5, what in an
  outgoing reply is known to make a complaint worse, as ``Finding(rule, text, hint)`` (``reply_check``).
"""

from putright.engines.text.embedding import BACKENDS, Embedder, SemanticEmbedder, TfidfEmbedder, embedder_for
from putright.engines.text.grouping import Grouping, GroupSummary, group_texts, similar
from putright.engines.text.reply_check import Finding, check_reply
from putright.engines.text.sentiment import SentimentResult, sentiment_of

__all__ = [
    "BACKENDS",
    "Embedder",
    "Finding",
    "GroupSummary",
    "Grouping",
    "SemanticEmbedder",
    "SentimentResult",
    "TfidfEmbedder",
    "check_reply",
    "embedder_for",
    "group_texts",
    "sentiment_of",
    "similar",
]
