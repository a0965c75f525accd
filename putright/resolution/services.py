"""The one way in for purchase facts, statutory options, the weighed recommendation and negotiation.

Each function checks the actor is staff, locks the case (``cases.services.case_lock``), refuses a
closed case, changes state and records the step on the case timeline with before/after. Options are
still listed and recommended by ``putright.cases.services`` (``option_add``, ``option_recommend``), so
the authority limits (K4) and the approval flow apply exactly as they do to an agent's own options.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.db import transaction

from putright import clock
from putright.authority.models import Approval
from putright.authority.selectors import limit_for_user
from putright.cases import services as cases
from putright.cases.models import Case, Option
from putright.channels import services as channels
from putright.channels.models import Alert
from putright.engines.authority import limits as authority_engine
from putright.engines.remedies import RULES, FactsError
from putright.errors import DomainError, ErrorCode
from putright.resolution import selectors
from putright.resolution.models import Offer
from putright.resolution.statutory import TEMPLATES, option_spec
from putright.vocab import AgreementMethod, JustificationFactor, OptionSource, OptionStatus, Status

MAX_TERMS = 5000
MAX_MONEY = Decimal("9999999999.99")
# Statuses in which the negotiation can go on: while choosing, and while the customer considers a proposal.
NEGOTIATING = {Status.OPTIONS, Status.AWAITING_CUSTOMER}
# How the agent heard from the customer; "portal" is the customer acting on their own link.
RECORDED_METHODS = {AgreementMethod.PHONE, AgreementMethod.EMAIL, AgreementMethod.IN_PERSON}
# The customer reads these on their case link's timeline.
METHOD_WORDS = {
    AgreementMethod.PHONE: "by phone",
    AgreementMethod.EMAIL: "by email",
    AgreementMethod.IN_PERSON: "in person",
}


class FactsInvalid(DomainError):
    """Purchase facts the remedies engine cannot assess; ``field`` names the fact to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(ErrorCode.INVALID_INPUT, f"{field.replace('_', ' ').capitalize()}: {message}")
        self.field = field
        self.detail = message


# ---------------------------------------------------------------- purchase facts (E4, uk-rules §1.0)


def _facts_clean(facts: dict) -> dict:
    """The facts as stored: only those given (a blank field is a fact left out), never ``today``."""
    if not isinstance(facts, dict):
        raise FactsInvalid("facts", "must be a set of named facts")
    if "today" in facts:
        raise FactsInvalid("today", "is the day of assessment, taken from the clock; leave it out")
    return {k: v for k, v in facts.items() if v is not None and v != ""}


def case_facts_record(*, actor, case: Case, facts: dict) -> Case:
    """Record the purchase facts and the finding they lead to today: statutory breach or not.

    The engine validates them (``FactsInvalid`` names the field); the statutory position itself is
    worked out again whenever it is shown, as its windows close with time.
    """
    cases.require_staff(actor)
    stored = _facts_clean(facts)
    today = selectors.assessment_today()
    try:
        assessment = selectors.facts_assess(stored, today=today)
    except FactsError as exc:
        raise FactsInvalid(exc.field, exc.message) from None
    breach = bool(assessment.statutory_breach)
    with transaction.atomic():
        case = cases.case_lock(case)
        cases.case_guard(case, "facts_record")
        before = {"purchase_facts": case.purchase_facts, "is_statutory_breach": case.is_statutory_breach}
        after = {"purchase_facts": stored, "is_statutory_breach": breach}
        if before == after:
            return case
        case.purchase_facts = stored
        case.is_statutory_breach = breach
        cases.case_touch(case, "purchase_facts", "is_statutory_breach")
        rule_ids = sorted({r.rule for r in assessment.remedies})
        finding = "statutory breach" if breach else "ordinary service issue"
        cases.case_event(
            case,
            actor,
            "facts.recorded",
            f"Purchase facts recorded: {finding}" + (f" ({', '.join(rule_ids)})" if rule_ids else ""),
            before=before,
            after={**after, "assessed_on": today, "remedy_rule_ids": rule_ids},
        )
        # A proposal that rested on the customer's statutory right goes back for approval (K4.statutory).
        case = cases.statutory_proposal_recheck(actor=actor, case=case)
    return case


# ---------------------------------------------------------------- statutory options (P1)


def statutory_options_add(*, actor, case: Case) -> list[Option]:
    """List each statutory remedy the customer has today as an option, once.

    A remedy already listed on the case (in any state: an option the customer declined is not offered
    again by this button) is left alone. Raises when there are no facts, or no statutory remedies.
    """
    cases.require_staff(actor)
    with transaction.atomic():
        # Locked first, so two clicks at once cannot both decide a remedy is not listed yet.
        case = cases.case_lock(case)
        cases.case_guard(case, "option_add")
        if not case.purchase_facts:
            raise DomainError(
                ErrorCode.PURCHASE_FACTS_MISSING,
                "Record the purchase facts first, so the law can be applied.",
            )
        try:
            assessment = selectors.facts_assess(case.purchase_facts)
        except FactsError as exc:
            raise FactsInvalid(exc.field, exc.message) from None
        remedies = [r for r in assessment.remedies if r.remedy in TEMPLATES]
        if not remedies:
            raise DomainError(
                ErrorCode.NO_STATUTORY_REMEDIES,
                "On these facts the customer has no statutory remedy today; weigh our own options instead.",
            )
        listed = set(
            Option.objects.filter(case=case, source=OptionSource.RULE)
            .exclude(statutory_remedy="")
            .values_list("statutory_remedy", flat=True)
        )
        created = []
        for remedy in remedies:
            if remedy.remedy in listed:
                continue
            listed.add(remedy.remedy)
            spec = option_spec(
                remedy=remedy.remedy,
                rule=remedy.rule,
                rule_title=RULES[remedy.rule].title if remedy.rule in RULES else remedy.rule,
                available_until=remedy.available_until,
                price=case.amount_in_dispute,
                deduction_for_use_allowed=bool(assessment.deduction_for_use_allowed),
                refund_by=remedy.refund_by,
                return_by=remedy.return_by,
            )
            created.append(
                cases.option_add(
                    actor=actor,
                    case=case,
                    option=cases.OptionInput(
                        title=spec.title,
                        remedy_type=spec.remedy_type,
                        description=spec.description,
                        amount=spec.amount,
                        cost_to_organisation=spec.cost_to_organisation,
                        days_to_deliver=spec.days_to_deliver,
                        customer_benefit=spec.customer_benefit,
                        customer_advantages=spec.customer_advantages,
                        customer_disadvantages=spec.customer_disadvantages,
                        organisation_advantages=spec.organisation_advantages,
                        organisation_disadvantages=spec.organisation_disadvantages,
                        statutory_remedy=spec.remedy,
                    ),
                    source=OptionSource.RULE,
                    rule_ids=spec.rule_ids,
                )
            )
        if not created:
            raise DomainError(ErrorCode.ALREADY_DONE, "The statutory remedies are already listed as options.")
    return created


# ---------------------------------------------------------------- the weighed recommendation (P4)


def option_recommend_weighed(
    *,
    actor,
    option: Option,
    justification: str,
    factors: list[str],
    override_reason: str = "",
    procedure_version: int | None = None,
) -> Case:
    """P4: recommend an option; choosing another than the appraisal's suggested best needs a reason.

    The appraisal is worked out under the case lock, for the person recommending (their authority is
    one of its factors), and both the suggestion and the reason go on the record.
    """
    cases.require_staff(actor)
    override_reason = (override_reason or "").strip()
    if len(override_reason) > 2000:
        raise DomainError(ErrorCode.INVALID_INPUT, "The reason for choosing another option is too long.")
    with transaction.atomic():
        case = cases.case_lock(option.case)
        cases.case_guard(case, "option_recommend")
        best = selectors.case_appraisal(case=case, user=actor).best
        suggested = best.option if best is not None and best.option.pk != option.pk else None
        if suggested is not None and not override_reason:
            raise DomainError(
                ErrorCode.OVERRIDE_REASON_REQUIRED,
                f"The suggested best option is \u201c{suggested.title}\u201d: say why you recommend another.",
            )
        return cases.option_recommend(
            actor=actor,
            option=option,
            justification=justification,
            factors=factors,
            suggested_option=suggested,
            override_reason=override_reason,
            procedure_version=procedure_version,
        )


# ---------------------------------------------------------------- negotiation (K3)


def _money(amount, *, field: str) -> Decimal:
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be an amount in pounds.") from None
    if not value.is_finite() or value < 0 or value > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be between £0 and £{MAX_MONEY:,}.")
    return value


def _terms(text: str | None) -> str:
    value = (text or "").strip()
    if len(value) > MAX_TERMS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Terms must be at most {MAX_TERMS} characters.")
    return value


def _method(method: str) -> str:
    if method not in RECORDED_METHODS:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say how it happened: by phone, email or in person.")
    return method


def _negotiable(case: Case, option: Option) -> Option:
    """The option, locked, if the negotiation over it can go on."""
    cases.case_guard(case, "negotiate")
    if case.status not in NEGOTIATING:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Offers can't be made at this stage: the case is now '{Status(case.status).label}'.",
        )
    option = Option.objects.select_for_update().get(pk=option.pk)
    if option.case_id != case.pk:
        raise DomainError(ErrorCode.OPTION_NOT_ON_CASE, "That option belongs to another case.")
    if option.status not in selectors.LIVE_OPTION_STATUSES:
        raise DomainError(ErrorCode.OPTION_WITHDRAWN, "That option is no longer on the table.")
    return option


def _covered(actor, case: Case, option: Option, amount: Decimal) -> bool:
    """K4: the actor's own authority covers this much (a customer's statutory right lifting the money
    limit as it does for a recommendation, K4.statutory), or someone with authority approved the option
    for at least this much (an approval is for the option as it stood, so never for more)."""
    request = replace(cases.entitled_request(case, option), amount=amount)
    if not authority_engine.decide(limit_for_user(actor), request).needs_approval:
        return True
    return (
        amount <= option.amount
        and Approval.objects.filter(option=option, status=Approval.Status.APPROVED).exists()
    )


def _offer_create(*, case, option, party, kind, amount, terms, method, actor, responds_to=None) -> Offer:
    return Offer.objects.create(
        case=case,
        option=option,
        party=party,
        kind=kind,
        amount=amount,
        terms=terms,
        method=method,
        responds_to=responds_to,
        recorded_by=actor,
        created_at=clock.now(),
    )


def _offer_after(offer: Offer) -> dict:
    return selectors.offer_record_data(offer)


def offer_make(*, actor, option: Option, method: str, amount=None, terms: str = "") -> Offer:
    """K3: we offer the customer an option's terms (by phone, email or in person); they get it in writing.

    K4: an offer beyond the actor's authority is refused until someone with authority has approved the
    option (recommend it, and it goes for approval), so nobody promises more than they may.
    """
    cases.require_staff(actor)
    method = _method(method)
    terms = _terms(terms)
    with transaction.atomic():
        case = cases.case_lock(option.case)
        option = _negotiable(case, option)
        value = option.amount if amount is None else _money(amount, field="Amount")
        if not _covered(actor, case, option, value):
            raise DomainError(
                ErrorCode.APPROVAL_REQUIRED,
                f"An offer of £{value:,.2f} for \u201c{option.title}\u201d is beyond your authority: "
                "recommend the option so someone with authority can approve it first.",
            )
        offer = _offer_create(
            case=case,
            option=option,
            party=Offer.Party.ORGANISATION,
            kind=Offer.Kind.OFFER,
            amount=value,
            terms=terms,
            method=method,
            actor=actor,
        )
        cases.case_touch(case)
        cases.case_event(
            case,
            actor,
            "offer.made",
            f"We offered: {option.title}, £{value:,.2f} ({METHOD_WORDS[method]})"
            + (f": {terms}" if terms else ""),
            after=_offer_after(offer),
            customer_visible=True,
        )
        lines = [f"As we discussed, we offer to put things right as follows: {option.title}."]
        if value:
            lines.append(f"Value: £{value:,.2f}.")
        if terms:
            lines.append(f"Terms: {terms}")
        lines.append("Tell us whether this works for you, or what would, by replying on your case link.")
        cases.customer_tell(case, "Our offer to put things right", "\n".join(lines), author=actor)
    return offer


def _counter_record(
    *,
    case: Case,
    option: Option,
    value: Decimal,
    terms: str,
    method: str,
    actor,
    how: str,
    responds_to: Offer | None = None,
) -> Offer:
    """The customer's counter-offer onto the locked case, its timeline (visible to them) and the record."""
    offer = _offer_create(
        case=case,
        option=option,
        party=Offer.Party.CUSTOMER,
        kind=Offer.Kind.COUNTER_OFFER,
        amount=value,
        terms=terms,
        method=method,
        actor=actor,
        responds_to=responds_to,
    )
    cases.case_touch(case)
    cases.case_event(
        case,
        actor,
        "offer.countered",
        f"Customer's counter-offer on {option.title}: £{value:,.2f} ({how})"
        + (f": {terms}" if terms else ""),
        after=_offer_after(offer),
        customer_visible=True,
        as_customer=actor is None,
    )
    return offer


def offer_counter_record(*, actor, option: Option, amount, method: str, terms: str = "") -> Offer:
    """K3: the customer's counter-offer, as they told the agent (by phone, email or in person)."""
    cases.require_staff(actor)
    method = _method(method)
    terms = _terms(terms)
    value = _money(amount, field="Amount")
    with transaction.atomic():
        case = cases.case_lock(option.case)
        option = _negotiable(case, option)
        return _counter_record(
            case=case,
            option=option,
            value=value,
            terms=terms,
            method=method,
            actor=actor,
            how=METHOD_WORDS[method],
        )


def offer_counter_from_customer(*, case: Case, amount, terms: str = "") -> Offer:
    """K3 on the customer's own case link: they answer our open offer with an amount of their own.

    Their handler is alerted, to settle it (through the usual approval when beyond authority),
    reject it or offer again. Only our newest unanswered offer can be countered, and only once.
    """
    terms = _terms(terms)
    value = _money(amount, field="Amount")
    with transaction.atomic():
        case = cases.case_lock(case)
        cases.case_guard(case, "negotiate")
        ours = selectors.open_organisation_offer(case=case)
        if ours is None:
            raise DomainError(ErrorCode.OFFER_NOT_OPEN, "There is no offer of ours waiting for your answer.")
        ours = _open_offer(case, ours)
        option = _negotiable(case, ours.option)
        counter = _counter_record(
            case=case,
            option=option,
            value=value,
            terms=terms,
            method=AgreementMethod.PORTAL,
            actor=None,
            how="on their case link",
            responds_to=ours,
        )
        channels.alert_create(
            recipient=case.assignee,
            case=case,
            kind=Alert.Kind.CUSTOMER_MESSAGE,
            text=f"{case.reference}: the customer countered our offer on {option.title} with £{value:,.2f}",
        )
    return counter


def _open_offer(case: Case, offer: Offer) -> Offer:
    offer = Offer.objects.select_for_update().select_related("option").get(pk=offer.pk)
    if offer.case_id != case.pk:
        raise DomainError(ErrorCode.OPTION_NOT_ON_CASE, "That offer belongs to another case.")
    if offer.kind not in (Offer.Kind.OFFER, Offer.Kind.COUNTER_OFFER) or offer.responses.exists():
        raise DomainError(ErrorCode.OFFER_NOT_OPEN, "That offer has already been answered.")
    return offer


def offer_reject(*, actor, offer: Offer, method: str, reason: str = "") -> Offer:
    """K3: an offer turned down — the customer's answer to ours, or ours to the customer's counter-offer."""
    cases.require_staff(actor)
    method = _method(method)
    reason = _terms(reason)
    with transaction.atomic():
        case = cases.case_lock(offer.case)
        offer = _open_offer(case, offer)
        option = _negotiable(case, offer.option)
        ours = offer.party == Offer.Party.ORGANISATION
        answer = _offer_create(
            case=case,
            option=option,
            party=Offer.Party.CUSTOMER if ours else Offer.Party.ORGANISATION,
            kind=Offer.Kind.REJECTED,
            amount=offer.amount,
            terms=reason,
            method=method,
            actor=actor,
            responds_to=offer,
        )
        cases.case_touch(case)
        who = "The customer turned down our offer" if ours else "We turned down the customer's counter-offer"
        cases.case_event(
            case,
            actor,
            "offer.rejected",
            f"{who} of £{offer.amount:,.2f} on {option.title}" + (f": {reason}" if reason else ""),
            before={"offer": offer.pk},
            after=_offer_after(answer),
            customer_visible=True,
        )
        if not ours:
            cases.customer_tell(
                case,
                "About your counter-offer",
                f"Thank you for your counter-offer of £{offer.amount:,.2f} for {option.title}. "
                "We are not able to accept it" + (f": {reason}" if reason else ".") + "\n"
                "We will keep working with you to find a way to put things right.",
                author=actor,
            )
    return answer


def _option_terms_set(
    *, actor, case: Case, option: Option, amount: Decimal, terms: str, reason: str
) -> Option:
    """Give a listed option the value and terms agreed in negotiation, on the record.

    Private to ``offer_settle``, which recommends the option straight after: a new value always goes
    through the authority check (K4) again, so an earlier approval never covers a larger amount.
    """
    value = _money(amount, field="Amount")
    before = {"amount": option.amount, "description": option.description}
    option.amount = value
    if terms:
        option.description = (
            option.description + "\n\n" if option.description else ""
        ) + f"Agreed terms: {terms}"
    option.save(update_fields=["amount", "description"])
    cases.case_touch(case)
    cases.case_event(
        case,
        actor,
        "option.terms_changed",
        f"{option.title}: value £{before['amount']:,.2f} \u2192 £{value:,.2f} ({reason})",
        before=before,
        after={"option": option.pk, "amount": value, "description": option.description},
    )
    return option


def offer_settle(*, actor, offer: Offer, note: str = "") -> Offer:
    """K3: accept the customer's counter-offer. The option takes the agreed amount and terms and is
    recommended on them — so K4 applies as always: beyond the actor's authority it goes to someone who
    may approve it, and only then to the customer to confirm (A1)."""
    cases.require_staff(actor)
    note = _terms(note)
    with transaction.atomic():
        case = cases.case_lock(offer.case)
        offer = _open_offer(case, offer)
        if offer.party != Offer.Party.CUSTOMER or offer.kind != Offer.Kind.COUNTER_OFFER:
            raise DomainError(
                ErrorCode.OFFER_NOT_OPEN, "Only the customer's counter-offer can be accepted here."
            )
        option = _negotiable(case, offer.option)
        if case.status == Status.AWAITING_CUSTOMER:
            if case.recommended_option_id != option.pk:
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION,
                    "Another option is with the customer: withdraw that recommendation first.",
                )
            # The customer countered our proposal: it goes back on the table, to be proposed again on
            # the terms now agreed.
            before = {"status": case.status, "option_status": option.status}
            option.status = OptionStatus.PROPOSED
            option.save(update_fields=["status"])
            case.status = Status.OPTIONS
            case.recommended_option = None
            cases.case_touch(case, "status", "recommended_option")
            cases.case_event(
                case,
                actor,
                "option.reopened_for_terms",
                f"{option.title} goes back on the table to be proposed on the customer's terms",
                before=before,
                after={"status": case.status, "option_status": option.status},
            )
        elif option.status != OptionStatus.PROPOSED:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "This option is recommended and waiting for approval: withdraw the recommendation first.",
            )
        accepted = _offer_create(
            case=case,
            option=option,
            party=Offer.Party.ORGANISATION,
            kind=Offer.Kind.ACCEPTED,
            amount=offer.amount,
            terms=offer.terms,
            method=offer.method,
            actor=actor,
            responds_to=offer,
        )
        cases.case_event(
            case,
            actor,
            "offer.accepted",
            f"We accepted the customer's counter-offer of £{offer.amount:,.2f} on {option.title}"
            + (f": {note}" if note else ""),
            before={"offer": offer.pk, "amount": option.amount},
            after=_offer_after(accepted),
            customer_visible=True,
        )
        option = _option_terms_set(
            actor=actor,
            case=case,
            option=option,
            amount=offer.amount,
            terms=offer.terms,
            reason="settled on the customer's counter-offer",
        )
        justification = f"Settled on the customer's own counter-offer of £{offer.amount:,.2f}." + (
            f" {note}" if note else ""
        )
        cases.option_recommend(
            actor=actor,
            option=option,
            justification=justification,
            factors=[JustificationFactor.CUSTOMER_PREFERENCE, JustificationFactor.RELATIONSHIP],
        )
    return accepted
