"""The bulk writer: the history acts on top of the common steps, and the writer that plays them."""

from __future__ import annotations

from datetime import UTC

from putright.authority.selectors import limit_for_user, staff_users
from putright.cases.models import Case, UnresolvedReason
from putright.cases.services import reference_next
from putright.demo.acts import Plan
from putright.demo.bulk.choosing import ChoosingActs
from putright.demo.bulk.resolving import ResolvingActs
from putright.demo.bulk.understanding import UnderstandingActs
from putright.engines.authority import limits as authority_engine
from putright.regulation import services as regulation


class HistoryCase(UnderstandingActs, ChoosingActs, ResolvingActs):
    """One history case: every act the demo plans, each a method named after it."""


class BulkWriter:
    """Writes history cases. Reads the regime settings and authority limits once for all of them."""

    def __init__(self, *, users: dict, categories: dict):
        self.users = users
        self.by_pk = {user.pk: user for user in users.values()}
        self.categories = categories
        # Read when the first history case is written: the settings the services would read then.
        self.settings_row = None
        self.calendar = None
        self._limits: dict[int, object] = {}
        self._staff: list | None = None
        # The administrator's reason codes for closing unresolved, by code (read with the settings).
        self.unresolved_reasons: dict[str, UnresolvedReason] = {}

    def write(self, plan: Plan) -> Case:
        if self.settings_row is None:
            self.settings_row = regulation.regime_settings_get()
            self.calendar = regulation.calendar_for(self.settings_row)
            self.unresolved_reasons = {r.code: r for r in UnresolvedReason.objects.all()}
        draft = HistoryCase(self, plan)
        for act in plan.acts:
            if act.prepare is not None:
                act.prepare(act)
            # The services run frozen at the act's time in UTC; the rows carry that time.
            draft.now = act.at.astimezone(UTC)
            getattr(draft, act.kind)(act, **act.params)
        return draft.flush()

    # ------------------------------------------------------------ what the services would read

    def reference_next(self, now) -> str:
        """The case's reference, as ``case_report`` takes it."""
        return reference_next(now)

    def limit(self, user):
        if user.pk not in self._limits:
            self._limits[user.pk] = limit_for_user(user)
        return self._limits[user.pk]

    def approvers(self, request: authority_engine.OptionRequest, *, exclude) -> list:
        """As ``authority.selectors.approvers_for``, with each colleague and their limit read once:
        people whose own authority covers the option, lowest authority first."""
        if self._staff is None:
            self._staff = [self.by_pk.get(user.pk, user) for user in staff_users()]
        candidates = []
        for user in self._staff:
            limit = self.limit(user)
            if user.pk != exclude.pk and authority_engine.may_approve(limit, request):
                candidates.append((limit.rank if limit else 0, user.pk, user))
        candidates.sort(key=lambda t: (t[0], t[1]))
        return [user for _, _, user in candidates]
