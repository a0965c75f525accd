"""S4 feedback feed: read it with the page's filters, see its rising themes, and send survey
responses or customer comments from other systems into it."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool

from putright.apiv1.errors import ACTION_ERRORS, COMMON_ERRORS, field_error
from putright.apiv1.fields import Email, IsoDate, Line, Slug, Text
from putright.apiv1.schemas import In
from putright.cases import selectors as case_selectors
from putright.cases.models import Case, Category
from putright.feedback import selectors, services
from putright.feedback.models import FeedbackItem
from putright.validators import CASE_REFERENCE_RE

router = Router(tags=["feedback"])

SourceName = Literal["satisfaction", "comment", "survey", "colleague"]
SentimentName = Literal["negative", "neutral", "positive", "none"]
ExternalId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class FeedbackQuery(Schema):
    source: SourceName | None = None
    sentiment: SentimentName | None = Field(None, description='"none": items with no words to read.')
    category: Slug | None = None
    satisfied: Literal["yes", "no", "unknown"] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    q: Line(200, required=False) | None = Field(None, description="Words the feedback contains.")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0


class FeedbackIn(In):
    source: Literal["survey", "comment"] = "survey"
    text: Text(5000, required=False) = Field("", description="The customer's words, stored verbatim.")
    satisfied: StrictBool | None = Field(
        None, description="The customer's overall answer, if the survey asked."
    )
    customer_email: Email | None = None
    case: Line(30, required=False) | None = Field(None, description="A case reference, e.g. PR-2026-000123.")
    category: Slug | None = None
    id: ExternalId | None = Field(
        None, description="Your own id for this response: sending it again stores it once."
    )


class FeedbackOut(Schema):
    id: int
    source: str
    text: str
    satisfied: bool | None
    sentiment: str
    case: str | None = Field(description="The case reference, if it came from a case.")
    category: str | None = Field(description="The category's slug.")
    shared_by: str | None = Field(description="The colleague (or integration user) who shared or sent it.")
    external_id: str
    created_at: datetime


class FeedbackListOut(Schema):
    count: int
    items: list[FeedbackOut]


class ThemeOut(Schema):
    term: str
    current_count: int
    previous_count: int
    growth: float


class ThemesOut(Schema):
    period_days: int
    current_start: datetime
    previous_start: datetime
    current_total: int
    previous_total: int
    themes: list[ThemeOut]


def _item(item: FeedbackItem) -> dict:
    return {
        "id": item.pk,
        "source": item.source,
        "text": item.text,
        "satisfied": item.satisfied,
        "sentiment": item.sentiment,
        "case": item.case.reference if item.case else None,
        "category": item.category.slug if item.category else None,
        "shared_by": item.flagged_by.get_username() if item.flagged_by else None,
        "external_id": item.external_id,
        "created_at": item.created_at,
    }


def _filters(query: FeedbackQuery) -> selectors.FeedFilters:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise field_error("date_to", "must be on or after date_from", source="query")
    return selectors.FeedFilters(
        source=query.source or "",
        sentiment=query.sentiment or "",
        category=query.category or "",
        satisfied=query.satisfied or "",
        date_from=query.date_from,
        date_to=query.date_to,
        q=query.q or "",
    )


@router.get("/feedback", response={200: FeedbackListOut, **COMMON_ERRORS}, summary="The feedback feed (S4)")
def feedback_list(request, query: Query[FeedbackQuery]):
    feed = selectors.feedback_feed(user=request.auth, filters=_filters(query))
    page = feed[query.offset : query.offset + query.limit]
    return {"count": feed.count(), "items": [_item(i) for i in page]}


@router.get(
    "/feedback/themes",
    response={200: ThemesOut, **COMMON_ERRORS},
    summary="Words and phrases rising in feedback this period",
)
def feedback_themes(request, query: Query[FeedbackQuery]):
    report = selectors.feedback_themes(user=request.auth, filters=_filters(query))
    return {
        "period_days": report.period_days,
        "current_start": report.current_start,
        "previous_start": report.previous_start,
        "current_total": report.current_total,
        "previous_total": report.previous_total,
        "themes": [
            {
                "term": t.term,
                "current_count": t.current_count,
                "previous_count": t.previous_count,
                "growth": t.growth,
            }
            for t in report.themes
        ],
    }


@router.post(
    "/feedback",
    response={201: FeedbackOut, 200: FeedbackOut, **ACTION_ERRORS},
    summary="Send a survey response or customer comment into the feed",
)
def feedback_create(request, payload: FeedbackIn):
    """201 when stored; 200 with the first item when the same ``id`` is sent again with the same content
    (409 ``idempotency_conflict`` with different content). Needs words, an answer, or both."""
    if not (payload.text or "").strip() and payload.satisfied is None:
        raise field_error("text", "give the customer's words, their satisfied answer, or both")
    case = None
    if payload.case:
        if not CASE_REFERENCE_RE.fullmatch(payload.case):
            raise field_error("case", f"No case {payload.case!r}.", kind="unknown_case")
        try:
            case = case_selectors.case_get_for_user(user=request.auth, reference=payload.case)
        except Case.DoesNotExist:
            raise field_error("case", f"No case {payload.case!r}.", kind="unknown_case") from None
    category = None
    if payload.category:
        category = Category.objects.filter(slug=payload.category).first()
        if category is None:
            raise field_error(
                "category", f"No category with the slug {payload.category!r}.", kind="unknown_category"
            )
    item, created = services.feedback_receive(
        actor=request.auth,
        source=payload.source,
        text=payload.text or "",
        satisfied=payload.satisfied,
        customer_email=payload.customer_email or "",
        case=case,
        category=category,
        external_id=payload.id or "",
    )
    item = FeedbackItem.objects.select_related("case", "category", "flagged_by").get(pk=item.pk)
    return Status(201 if created else 200, _item(item))
