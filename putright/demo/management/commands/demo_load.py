"""``manage.py demo_load``: the Harbour & Hearth demo organisation, with a few hundred lived-in cases."""

from __future__ import annotations

import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from putright import clock
from putright.cases.models import Case
from putright.channels.portal_links import portal_url
from putright.demo import content
from putright.demo.history import MONTHS as HISTORY_MONTHS
from putright.demo.loader import DemoLoader, DemoResult, progress_bar
from putright.vocab import Status

MAX_HISTORY_MONTHS = 36


class Command(BaseCommand):
    help = (
        "Load the Harbour & Hearth Ltd demo organisation (staff, categories and lived-in cases) "
        "into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=240, help="how many cases to create (default 240)")
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="random seed: the same seed writes the same staff, customers and stories (times follow the clock)",
        )
        parser.add_argument(
            "--history-months",
            type=int,
            default=HISTORY_MONTHS,
            help=f"months of closed cases before the story's present (default {HISTORY_MONTHS}; 0 for none): "
            "the history every chart of /insights/ reads",
        )
        parser.add_argument(
            "--reset-if-empty",
            action="store_true",
            help="load only if there are no cases yet; otherwise say 'demo already loaded' and exit 0",
        )

    def handle(self, *args, **opts):
        count = opts["cases"]
        if count < 1:
            raise CommandError("--cases must be at least 1.")
        months = opts["history_months"]
        if not 0 <= months <= MAX_HISTORY_MONTHS:
            raise CommandError(f"--history-months must be from 0 to {MAX_HISTORY_MONTHS}.")
        existing = Case.objects.count()
        if existing:
            if opts["reset_if_empty"]:
                self.stdout.write("demo already loaded")
                return
            raise CommandError(
                f"This database already has {existing} case(s); demo_load only loads into an empty one, so "
                "nothing was added. Use a fresh database, or --reset-if-empty to skip quietly."
            )
        started = time.monotonic()
        write = lambda s: self.stderr.write(s, style_func=lambda m: m, ending="")  # noqa: E731
        interactive = self.stderr.isatty()
        bar = progress_bar(count, write=write, flush=self.stderr.flush, interactive=interactive)
        history_bar = progress_bar(
            1, write=write, flush=self.stderr.flush, interactive=interactive, label="Loading demo history "
        )
        loader = DemoLoader(
            seed=opts["seed"], now=clock.now(), history_months=months, history_bar=history_bar
        )
        result = loader.load(count, bar)
        self._report(result, seconds=time.monotonic() - started)

    def _report(self, result: DemoResult, *, seconds: float) -> None:
        out, site = self.stdout, settings.SITE_URL
        pks = [c.pk for c in result.cases]
        statuses = Counter(Case.objects.filter(pk__in=pks).values_list("status", flat=True))
        out.write(
            self.style.SUCCESS(
                f"\n{content.organisation_name()}: {len(result.cases)} cases loaded in {seconds:.1f}s."
            )
        )
        for status in Status:
            out.write(f"  {status.label:<32} {statuses.get(status, 0):>4}")
        history = result.history
        if history is not None and history.cases:
            marks = history.planted
            out.write(
                f"  History: {history.cases} closed cases reported from {history.first:%d %b %Y} to "
                f"{history.last:%d %b %Y} ({history.months} months), {len(history.problems)} problems of their "
                f"time; the year's trends: {site}{reverse('insights')}"
            )
            out.write(
                f"  Planted for improvement cycles: promises kept in {marks.promise_category} rise from "
                f"{marks.promise_change_date:%d %b %Y}; the new acknowledgement of "
                f"{marks.ack_change_date:%d %b %Y} changes no satisfaction figure"
            )
        out.write(
            f"  Promises broken: {result.broken}; at risk: {result.at_risk}; "
            f"customers waiting too long for an update: {result.flagged}"
        )
        out.write(f"  Handling scorecards: {result.scored} closed cases scored")
        out.write(f"\nOpen {site}/ and sign in as one of the staff:")
        for member in content.staff():
            who = f"{member.first_name} {member.last_name}, {member.role}"
            extra = " (also Django admin at /admin/)" if member.superuser else ""
            out.write(f"  {member.username:<11} password {member.password:<22} {who}{extra}")
        out.write(f"\nReport a problem as a customer: {site}{reverse('portal:report')}")
        newest = Case.objects.filter(pk__in=pks).select_related("customer").order_by("-created_at")
        proposal = newest.filter(status=Status.AWAITING_CUSTOMER).first()
        sample = proposal or newest.first()
        what = "answer our proposal" if proposal else "follow the case"
        out.write(
            f"Follow a case as its customer ({sample.customer.name}, {sample.reference}) and {what}:\n"
            f"  {portal_url(sample)}"
        )
        deadlines = result.deadlines
        out.write(
            f"\nPurchase facts recorded on {len(result.enriched)} cases (their statutory position shows on the "
            f"case page); deadlines at risk: {deadlines['at_risk']}, missed: {deadlines['missed']}: "
            f"{site}{reverse('regulation:deadlines')}"
        )
        problem = result.problem
        if problem is not None:
            out.write(
                f"\nA burst of similar complaints raised suspected problem {problem.pk} ({problem.title}), "
                f"owned by {problem.owner.get_username() if problem.owner else 'nobody'}: "
                f"{site}{reverse('problems:detail', kwargs={'pk': problem.pk})}"
            )
        signals = result.signals
        if signals.breach is not None:
            out.write(
                f"\nDelivery delays breached '{signals.threshold.name}': problem {signals.breach.problem_id} "
                f"opened and {signals.notified} customers told unprompted: "
                f"{site}{reverse('monitoring:breach', args=[signals.breach.pk])}"
            )
