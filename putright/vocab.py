"""Shared vocabularies, at the bottom of the house: statuses, remedy types, channels, source kinds…

Choices as classes: each carries its label (and colour where pages show it). Every room may import
this module; it imports nothing from Putright."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    WEB = "web", "Web form"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    IN_PERSON = "in_person", "In person"
    API = "api", "API"
    INTERNAL = "internal", "Found internally"


class SourceKind(models.TextChoices):
    """The five problem sources the standard names (PRODUCT.md, S)."""

    CUSTOMER_REPORTED = "a", "Reported by the customer"
    FOUND_INTERNALLY = "b", "Found inside the organisation first"
    EXPECTATION_GAP = "c", "Gap between expectations and offer"
    SYSTEM_FAILURE = "d", "System or procedure failure"
    RESOURCES_OR_ERROR = "e", "Lack of resources or human error"


class Status(models.TextChoices):
    NEW = "new", "Understanding the problem"
    OPTIONS = "options", "Choosing a resolution"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    AWAITING_CUSTOMER = "awaiting_customer", "Proposed to customer"
    IN_PROGRESS = "in_progress", "Putting it right"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Checking it is resolved"
    NOT_RESOLVED = "not_resolved", "Customer says not resolved"
    CLOSED_RESOLVED = "closed_resolved", "Closed: resolved"
    CLOSED_UNRESOLVED = "closed_unresolved", "Closed: unresolved"
    # The same problem as another case, which carries on: no final letter, kept out of the metrics.
    CLOSED_DUPLICATE = "closed_duplicate", "Closed: duplicate"
    # A5: the satisfaction check asked, reminded once, and never answered: closed as resolved, kept apart
    # in the metrics (nobody said it was resolved).
    CLOSED_NO_REPLY = "closed_no_reply", "Closed: resolved, no reply"


STATUS_COLOURS = {
    Status.NEW: "grey",
    Status.OPTIONS: "blue",
    Status.AWAITING_APPROVAL: "amber",
    Status.AWAITING_CUSTOMER: "amber",
    Status.IN_PROGRESS: "blue",
    Status.AWAITING_CONFIRMATION: "teal",
    Status.NOT_RESOLVED: "red",
    Status.CLOSED_RESOLVED: "green",
    Status.CLOSED_UNRESOLVED: "dark",
    Status.CLOSED_DUPLICATE: "grey",
    Status.CLOSED_NO_REPLY: "green",
}

CLOSED_STATUSES = [
    Status.CLOSED_RESOLVED,
    Status.CLOSED_UNRESOLVED,
    Status.CLOSED_DUPLICATE,
    Status.CLOSED_NO_REPLY,
]
OPEN_STATUSES = [s for s in Status if s not in CLOSED_STATUSES]


class Understanding(models.TextChoices):
    NOT_STARTED = "not_started", "No summary yet"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer's confirmation"
    CONFIRMED = "confirmed", "Confirmed by customer"
    CORRECTED = "corrected", "Customer corrected it"
    SKIPPED = "skipped", "Confirmation skipped (reason recorded)"


class RemedyType(models.TextChoices):
    REFUND = "refund", "Full refund"
    PARTIAL_REFUND = "partial_refund", "Partial refund / price reduction"
    REPAIR = "repair", "Repair"
    REPLACEMENT = "replacement", "Replacement"
    REDELIVERY = "redelivery", "Re-delivery or re-performance"
    GOODWILL_CREDIT = "goodwill_credit", "Goodwill credit or voucher"
    COMPENSATION = "compensation", "Compensation payment"
    CANCELLATION = "cancellation", "Cancel the contract"
    APOLOGY = "apology", "Apology and explanation"
    OTHER = "other", "Other"


class OptionSource(models.TextChoices):
    AGENT = "agent", "Added by a colleague"
    RULE = "rule", "Proposed by a rule"


class OptionStatus(models.TextChoices):
    PROPOSED = "proposed", "Listed"
    RECOMMENDED = "recommended", "Recommended"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REJECTED = "rejected", "Not approved"
    DECLINED = "declined", "Declined by customer"
    AGREED = "agreed", "Agreed with customer"


class JustificationFactor(models.TextChoices):
    """P3/P4: the factors an agent may name when recommending an option."""

    CUSTOMER_BENEFIT = "customer_benefit", "Benefit to the customer"
    CUSTOMER_PREFERENCE = "customer_preference", "What the customer asked for"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    POLICY_FIT = "policy_fit", "Fits our policy"
    COST = "cost", "Cost to the organisation"
    FEASIBILITY = "feasibility", "Feasibility"
    TIME_TO_DELIVER = "time_to_deliver", "Time to deliver"
    RISK = "risk", "Risk of the problem recurring or worsening"
    RELATIONSHIP = "relationship", "Keeping the customer relationship"


class AgreementMethod(models.TextChoices):
    PORTAL = "portal", "On the case link"
    PHONE = "phone", "By phone (recorded by agent)"
    IN_PERSON = "in_person", "In person (recorded by agent)"
    EMAIL = "email", "By email reply"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    AT_RISK = "at_risk", "At risk"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    KEPT_LATE = "kept_late", "Kept late"
    WITHDRAWN = "withdrawn", "Withdrawn when the case closed"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class EmotionalState(models.TextChoices):
    """K2: how the customer seems, from their words or as the agent judged it."""

    UNKNOWN = "", "Not assessed"
    CALM = "calm", "Calm"
    ANGRY = "angry", "Angry"
    DISTRESSED = "distressed", "Distressed"


class AssessedBy(models.TextChoices):
    AUTOMATIC = "auto", "Detected from their words"
    AGENT = "agent", "Set by a colleague"


class Priority(models.TextChoices):
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class PolicyFit(models.TextChoices):
    """P3: how an option sits with the organisation's own policy (the appraisal weighs it)."""

    STANDARD = "standard", "Standard practice"
    DISCRETIONARY = "discretionary", "At our discretion"
    EXCEPTION = "exception", "Exception to usual practice"


class CustomerBenefit(models.IntegerChoices):
    """P3: how far an option puts things right for the customer, as they would see it."""

    NONE = 0, "0: does nothing for them"
    LITTLE = 1, "1: a gesture"
    SOME = 2, "2: helps a little"
    PARTLY = 3, "3: partly puts it right"
    MOSTLY = 4, "4: mostly puts it right"
    FULLY = 5, "5: fully puts it right"


# The queue's orders (issue 12 §3): key → (label, column, direction the column's values run). The column
# header links flip between a column's two keys; the first of each pair is what its first click gives.
# Cases with no deadline (or no assignee) come last in either direction.
QUEUE_SORTS: dict[str, tuple[str, str, str]] = {
    "newest": ("Newest first", "age", "ascending"),
    "oldest": ("Oldest first", "age", "descending"),
    "priority": ("Most urgent first", "priority", "descending"),
    "-priority": ("Least urgent first", "priority", "ascending"),
    "deadline": ("Next deadline, soonest first", "deadline", "ascending"),
    "-deadline": ("Next deadline, latest first", "deadline", "descending"),
    "activity": ("Quiet longest first", "activity", "ascending"),
    "-activity": ("Latest activity first", "activity", "descending"),
    "assignee": ("Assignee, A to Z", "assignee", "ascending"),
    "-assignee": ("Assignee, Z to A", "assignee", "descending"),
    "reference": ("Reference, lowest first", "reference", "ascending"),
    "-reference": ("Reference, highest first", "reference", "descending"),
}


class Upheld(models.TextChoices):
    """Whether the complaint was found justified, recorded when a case closes (the complaints return's
    'upheld %', DISP 1 Annex 1)."""

    UPHELD = "upheld", "Upheld"
    PARTLY = "partly", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


# A6: the reason codes for closing a case unresolved that an organisation starts with (cases' migration 0007
# seeds them; the administrator edits the list). The demo loader makes sure they are there.
DEFAULT_UNRESOLVED_REASONS = [
    ("outside_policy", "Outside our policy or terms"),
    ("no_fault_found", "No fault found"),
    ("offer_declined", "The customer declined what we offered"),
    ("third_party", "The responsibility of a third party"),
    ("customer_unreachable", "The customer stopped replying"),
    ("cannot_provide", "We cannot provide what was asked"),
    ("other", "Other"),
]
