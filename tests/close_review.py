"""Closing unresolved on the staff page goes through its review (issue 15 §7): post the form, read the review,
then "Send and close" with the review's digest, as the page's button does."""

from __future__ import annotations


def close_after_review(client, url: str, data: dict):
    review = client.post(url, data)
    assert review.status_code == 200 and "review" in review.context, review
    return client.post(url, {**data, "confirm": review.context["review"].digest})
