"""Teams (issue 12 §3): the list of teams with who is in them, their open and unassigned cases and who is
away; a team's page, where managers and administrators rename it, set its lead and members, each handler's
cap and availability; everyone's own availability; and the assignment rules administrators keep.

Everyone on the staff reads these pages; the services refuse changes from anyone else (403, nothing changed).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from putright.authority import teams
from putright.authority.models import Team
from putright.authority.selectors import staff_users
from putright.cases.access import forbidden, staff_required
from putright.cases.models import AssignmentRule
from putright.errors import DomainError
from putright.pages.team_forms import AvailabilityForm, CapForm, RuleForm, TeamForm
from putright.routing import rules as assignment_rules
from putright.validators import MAX_ROW_ID

MAX_ID = MAX_ROW_ID


def _get(model, pk: int):
    if pk > MAX_ID:
        raise Http404("No such row")  # beyond any id: never sent to the database
    return get_object_or_404(model, pk=pk)


def _auto_id(key: str) -> str:
    return f"id_{key}_%s"


def queue_url(team: Team) -> str:
    return f"{reverse('cases:queue')}?{urlencode({'scope': 'all', 'team': team.pk})}"


def _team_row(team: Team) -> dict:
    members = list(team.members.all())
    for member in members:
        member.status = teams.status_of(member)
        member.unavailable = teams.unavailable_reason(member)
    return {
        "team": team,
        "members": members,
        "away": [m for m in members if m.status.away],
        "queue_url": queue_url(team),
    }


# ---------------------------------------------------------------- teams


@staff_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    manages = teams.may_manage_teams(request.user)
    form = TeamForm(auto_id=_auto_id("team"))
    status = 200
    if request.method == "POST":
        if not manages:
            return forbidden(request)
        form = TeamForm(request.POST, auto_id=_auto_id("team"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                team = teams.team_create(
                    actor=request.user, name=d["name"], lead=d["lead"], members=d["members"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Team {team.name} created.")
                return redirect("teams:detail", team_id=team.pk)
        status = 400
    return render(
        request,
        "teams/list.html",
        {
            "rows": [_team_row(t) for t in teams.teams_overview()],
            "mine": set(teams.team_ids_of(request.user)),
            "form": form if manages else None,
            "error_form": form if form.errors else None,
            "manages": manages,
            "nav": "teams",
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _get(Team, team_id)
    manages = teams.may_manage_teams(request.user)
    initial = {
        "name": team.name,
        "lead": team.lead_id,
        "members": list(team.members.values_list("pk", flat=True)),
    }
    form = TeamForm(initial=initial, auto_id=_auto_id("team"))
    status = 200
    if request.method == "POST":
        if not manages:
            return forbidden(request)
        form = TeamForm(request.POST, auto_id=_auto_id("team"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                teams.team_update(
                    actor=request.user, team=team, name=d["name"], lead=d["lead"], members=d["members"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Team {d['name']} saved.")
                return redirect("teams:detail", team_id=team.pk)
        status = 400
    row = _team_row(teams.teams_overview(team_id=team.pk)[0])
    if manages:
        for member in row["members"]:
            member.cap_form = CapForm(
                initial={"max_open_cases": member.status.max_open_cases}, auto_id=_auto_id(f"cap{member.pk}")
            )
    nxt = teams.next_handler(row["team"])
    return render(
        request,
        "teams/detail.html",
        {
            **row,
            "next_handler": nxt,
            "rules": list(team.assignment_rules.select_related("category").order_by("position", "pk")),
            "form": form if manages else None,
            "error_form": form if form.errors else None,
            "manages": manages,
            "nav": "teams",
        },
        status=status,
    )


@staff_required
@require_POST
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _get(Team, team_id)
    try:
        teams.team_delete(actor=request.user, team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("teams:detail", team_id=team.pk)
    messages.success(request, f"Team {team.name} deleted; its cases are in no team now.")
    return redirect("teams:list")


def _staff_member_or_404(user_id: int):
    if user_id > MAX_ID:
        raise Http404("No such colleague")
    return get_object_or_404(staff_users(), pk=user_id)


@staff_required
@require_POST
def handler_cap(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _get(Team, team_id)
    handler = _staff_member_or_404(user_id)
    if not teams.may_manage_teams(request.user):
        return forbidden(request)
    form = CapForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"Cap for {handler.get_username()}: {' '.join(form.errors['max_open_cases'])}"
        )
    else:
        teams.cap_set(actor=request.user, user=handler, cap=form.cleaned_data["max_open_cases"])
        messages.success(
            request, f"{handler.get_username()} takes up to {form.cleaned_data['max_open_cases']} open cases."
        )
    return redirect("teams:detail", team_id=team.pk)


@staff_required
@require_POST
def handler_availability(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    """A manager marks a colleague away (off sick, say) or back, from the team page."""
    team = _get(Team, team_id)
    handler = _staff_member_or_404(user_id)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep the note to one line of at most 200 characters.")
        return redirect("teams:detail", team_id=team.pk)
    d = form.cleaned_data
    teams.availability_set(actor=request.user, user=handler, away=d["away"], note=d["away_note"])
    messages.success(request, f"{handler.get_username()} is {'away' if d['away'] else 'back'}.")
    return redirect("teams:detail", team_id=team.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """A handler's own availability: away (with a note) or back."""
    current = teams.status_of(request.user)
    form = AvailabilityForm(
        initial={"away": current.away, "away_note": current.away_note}, auto_id=_auto_id("availability")
    )
    status = 200
    if request.method == "POST":
        form = AvailabilityForm(request.POST, auto_id=_auto_id("availability"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                teams.availability_set(
                    actor=request.user, user=request.user, away=d["away"], note=d["away_note"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    "You are marked away: assignment rules give you no new cases."
                    if d["away"]
                    else "Welcome back: assignment rules give you new cases again.",
                )
                return redirect("teams:availability")
        status = 400
    return render(
        request,
        "teams/availability.html",
        {
            "status": current,
            "form": form,
            "error_form": form if form.errors else None,
            "my_teams": Team.objects.filter(pk__in=teams.team_ids_of(request.user)),
            "nav": "teams",
        },
        status=status,
    )


# ---------------------------------------------------------------- assignment rules


def _rule_page(
    request: HttpRequest, form: RuleForm, rule: AssignmentRule | None, status: int
) -> HttpResponse:
    return render(
        request,
        "teams/rules.html",
        {
            "rules": list(
                AssignmentRule.objects.select_related("category", "team").order_by("position", "pk")
            ),
            "form": form if assignment_rules.may_manage_rules(request.user) else None,
            "editing": rule,
            "error_form": form if form.errors else None,
            "manages": assignment_rules.may_manage_rules(request.user),
            "has_teams": Team.objects.exists(),
            "nav": "teams",
        },
        status=status,
    )


def _rule_from(request: HttpRequest, form: RuleForm, rule: AssignmentRule | None) -> HttpResponse:
    if form.is_valid():
        d = form.cleaned_data
        try:
            saved = assignment_rules.rule_save(
                actor=request.user,
                rule=rule,
                name=d["name"],
                team=d["team"],
                category=d["category"],
                channel=d["channel"],
                assign_round_robin=d["assign_round_robin"],
                active=d["active"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect("teams:rules")
    return _rule_page(request, form, rule, 400)


@staff_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not assignment_rules.may_manage_rules(request.user):
            return forbidden(request)
        return _rule_from(request, RuleForm(request.POST, auto_id=_auto_id("rule")), None)
    return _rule_page(request, RuleForm(auto_id=_auto_id("rule")), None, 200)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _get(AssignmentRule, rule_id)
    if not assignment_rules.may_manage_rules(request.user):
        return forbidden(request)
    if request.method == "POST":
        return _rule_from(request, RuleForm(request.POST, auto_id=_auto_id("rule")), rule)
    initial = {
        "name": rule.name,
        "category": rule.category_id,
        "channel": rule.channel,
        "team": rule.team_id,
        "assign_round_robin": rule.assign_round_robin,
        "active": rule.active,
    }
    return _rule_page(request, RuleForm(initial=initial, auto_id=_auto_id("rule")), rule, 200)


@staff_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _get(AssignmentRule, rule_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, "Move a rule up or down.")
        return redirect("teams:rules")
    assignment_rules.rule_move(actor=request.user, rule=rule, up=direction == "up")
    return redirect(f"{reverse('teams:rules')}#rule-{rule.pk}")


@staff_required
@require_POST
def rule_active(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch a rule on or off from the list (the rest of it unchanged)."""
    rule = _get(AssignmentRule, rule_id)
    active = request.POST.get("active") == "1"
    assignment_rules.rule_save(
        actor=request.user,
        rule=rule,
        name=rule.name,
        team=rule.team,
        category=rule.category,
        channel=rule.channel,
        assign_round_robin=rule.assign_round_robin,
        active=active,
    )
    messages.success(request, f"Rule “{rule.name}” {'activated' if active else 'deactivated'}.")
    return redirect("teams:rules")


@staff_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _get(AssignmentRule, rule_id)
    assignment_rules.rule_delete(actor=request.user, rule=rule)
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("teams:rules")
