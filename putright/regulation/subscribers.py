"""What regulation does when the case core announces a step (``putright.cases.hooks``).

All run inside the core's transaction: a clock must start together with the step it runs from, and
the step's own event and message say what the clock means for the customer.
"""

from __future__ import annotations

from putright.cases import hooks
from putright.regulation import progress_digest, reopening, services


def on_reported(event: hooks.CaseReported) -> None:
    """E4: the deadlines the organisation's regimes set run from receipt; F5: the acknowledgement says
    when the final response is due."""
    clocks = services.clocks_start(case=event.case)
    event.event_after["clocks"] = [{"kind": c.kind, "rule_id": c.rule_id, "due": c.due_date} for c in clocks]
    event.customer_notes.append(services.acknowledgement_note(clocks))


def on_classified(event: hooks.CaseClassified) -> None:
    """Marking a case as a regulated complaint starts the regulator's clocks, counted from receipt."""
    if event.became_regulated:
        services.clocks_start(case=event.case)


def on_agreed(event: hooks.OptionAgreed) -> None:
    """G11/C3: an agreed refund must be paid within 14 days; its clock starts on the agreement's event."""
    refund = services.refund_clock_on_agreement(
        case=event.case, option=event.option, agreed_at=event.agreement.created_at
    )
    if refund is None:
        return
    refund_by = services.day_text(refund.due_date)
    event.summary_notes.append(f"; refund due by {refund_by}")
    event.event_after["clock"] = services.clock_record(refund)
    event.customer_notes.append(f" We will pay your refund by {refund_by} at the latest.")


def on_sweep(event: hooks.SweepTick) -> None:
    """E4: alert owners of clocks at risk or missed; end summary-resolution windows that passed."""
    result = services.clocks_sweep(now=event.now)
    event.figures["deadlines_at_risk"] = result.at_risk
    event.figures["deadlines_missed"] = result.missed


def on_delivered(event: hooks.CaseDelivered) -> None:
    """Issue 15 §6: progress not yet told opens the message asking whether the problem is resolved."""
    event.customer_notes.append(progress_digest.progress_on_delivery(event.case))


def on_sweep_progress(event: hooks.SweepTick) -> None:
    """Issue 15 §6: the day's progress message for each case whose done steps the customer is to hear of."""
    event.figures["progress_sent"] = progress_digest.progress_digest_sweep(now=event.now).sent


def on_reopened(event: hooks.CaseReopened) -> None:
    """Issue 15 §5: a closed case reopened: only the own resolve clock restarts (``regulation.reopening``)."""
    if not event.closed_status:
        return
    changed = reopening.clocks_on_reopen(case=event.case, actor=event.actor)
    event.event_after["clocks"] = {"resolve_due": changed["resolve_due"], "resumed": changed["resumed"]}
    event.customer_notes.append(changed["customer"])


def subscribe() -> None:
    hooks.subscribe(hooks.CaseReported, on_reported, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.CaseClassified, on_classified, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.OptionAgreed, on_agreed, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.CaseDelivered, on_delivered, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.CaseReopened, on_reopened, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.SweepTick, on_sweep, phase=hooks.Phase.IN_TRANSACTION)
    hooks.subscribe(hooks.SweepTick, on_sweep_progress, phase=hooks.Phase.IN_TRANSACTION)
