"""The changes insights makes: the organisation's metric targets and its measuring windows (an
administrator decides both; the admin pages call these), and one's own weekly digest (the account page)."""

from __future__ import annotations

from django.db import transaction

from putright import clock
from putright.authority.models import Role
from putright.authority.selectors import has_role_at_least
from putright.engines.metrics import BY_ID
from putright.errors import DomainError, ErrorCode, PermissionDenied
from putright.insights.digest import may_receive
from putright.insights.models import DigestPreference, InsightsSettings, MetricTarget


def may_set_targets(user) -> bool:
    return bool(
        user and user.is_active and (user.is_superuser or has_role_at_least(user, Role.ADMINISTRATOR))
    )


def metric_target_save(*, actor, target: MetricTarget) -> MetricTarget:
    """Set (or change) the organisation's target for one metric of the catalogue."""
    if not may_set_targets(actor):
        raise PermissionDenied("only an administrator may set metric targets")
    if target.metric_id not in BY_ID:
        raise DomainError(ErrorCode.INVALID_INPUT, f"There is no metric {target.metric_id!r}.")
    definition = BY_ID[target.metric_id]
    if definition.is_rate and not 0.0 <= target.target <= 1.0:
        raise DomainError(ErrorCode.INVALID_INPUT, "A rate's target is a fraction from 0 to 1, e.g. 0.85.")
    if target.target < 0 and target.metric_id != "nps":
        raise DomainError(ErrorCode.INVALID_INPUT, "A target cannot be below zero.")
    with transaction.atomic():
        target.set_by = actor
        target.set_at = clock.now()
        target.save()
    return target


def insights_settings_save(*, actor, settings_row: InsightsSettings) -> InsightsSettings:
    """Change the windows the metrics measure over (one row, pk 1)."""
    if not may_set_targets(actor):
        raise PermissionDenied("only an administrator may change the measuring windows")
    with transaction.atomic():
        InsightsSettings.objects.select_for_update().filter(pk=1).first()
        settings_row.pk = 1
        settings_row.save()
    return settings_row


def digest_preference_set(*, actor, weekly_digest: bool) -> DigestPreference:
    """Switch one's own weekly digest on or off. Supervisors and above may have it (managers and
    administrators have it unless they switch it off); agents may not."""
    if not may_receive(actor):
        raise PermissionDenied("the weekly digest is for supervisors, managers and administrators")
    with transaction.atomic():
        row, _ = DigestPreference.objects.select_for_update().get_or_create(
            user=actor, defaults={"weekly_digest": weekly_digest}
        )
        if row.weekly_digest != weekly_digest:
            row.weekly_digest = weekly_digest
            row.save(update_fields=["weekly_digest"])
    return row
