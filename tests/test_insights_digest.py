"""The weekly digest e-mail (issue 13 §4): who gets it, once a week through the outbox, what it says
(exact figures on a hand-counted fixture), the job retried when sending fails, and the account page.

The jobs run as the worker runs them (the database task backend): the sweep writes a job row, the test
runs it with its id, so the claim, the retry and the bookkeeping are the real ones.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from putright import clock
from putright.authority.models import Team
from putright.cases.models import Case
from putright.cases.services.sweep import sweep_run
from putright.errors import PermissionDenied
from putright.insights import digest
from putright.insights.models import DigestPreference
from putright.insights.services import digest_preference_set
from putright.jobs import queues
from putright.jobs.models import Job
from putright.vocab import Status
from tests.insights_fixtures import at, case, message

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(queues.ALL)}}
# Monday 13 July 2026, 07:00 in London (BST): the week's moment with the default settings.
MOMENT = at(2026, 7, 13, 7, 0)


@pytest.fixture(autouse=True)
def _database_backend(settings):
    settings.TASKS = DB_TASKS
    settings.SITE_URL = "https://putright.example"
    settings.PUTRIGHT = {**settings.PUTRIGHT, "DIGEST_WEEKDAY": 0, "DIGEST_HOUR": 7}


@pytest.fixture
def admin_user(django_user_model):
    user = django_user_model.objects.create_user(
        username="ada", password="correct-horse-battery", email="ada@putright.example", first_name="Ada"
    )
    user.groups.add(Group.objects.get(name="administrator"))
    return user


def digest_jobs() -> list[Job]:
    return list(Job.objects.filter(task=digest.send_digest.module_path).order_by("pk"))


def run_job(job: Job):
    """What the worker does with the job's task: call it with the job's id."""
    return digest.send_digest.call(job_id=job.pk)


def sweep(when):
    with clock.frozen(when):
        sweep_run(now=when)


# ---------------------------------------------------------------- who gets it


def test_managers_and_administrators_get_it_by_default_supervisors_when_they_switch_it_on(
    db, alice, bob, carol, admin_user
):
    assert [u.username for u in digest.recipients()] == ["ada", "carol"]
    assert not digest.digest_wanted(bob) and not digest.digest_wanted(alice)
    digest.DigestPreference.objects.create(user=alice, weekly_digest=True)  # an agent: never, whatever
    digest_preference_set(actor=bob, weekly_digest=True)
    digest_preference_set(actor=carol, weekly_digest=False)
    assert [u.username for u in digest.recipients()] == ["ada", "bob"]
    admin_user.email = ""
    admin_user.save()
    assert [u.username for u in digest.recipients()] == ["bob"]  # no address: nothing to send to


def test_an_agent_cannot_switch_it_on_and_nothing_changes(db, alice):
    with pytest.raises(PermissionDenied):
        digest_preference_set(actor=alice, weekly_digest=True)
    assert not DigestPreference.objects.exists()


# ---------------------------------------------------------------- once a week


def test_the_sweep_sends_it_once_a_week_from_the_configured_moment(db, carol, bob, mailbox):
    sweep(at(2026, 7, 12, 23, 0))  # Sunday night: last week's moment is more than two days past
    assert digest_jobs() == []
    sweep(at(2026, 7, 13, 6, 59))  # a minute before this week's moment
    assert digest_jobs() == []
    sweep(at(2026, 7, 13, 7, 5))
    jobs = digest_jobs()
    assert [(j.args[0], j.args[1], j.queue) for j in jobs] == [(carol.pk, MOMENT.isoformat(), "mail")]
    sweep(at(2026, 7, 13, 7, 10))  # a second sweep in the same week: the job is there already
    assert len(digest_jobs()) == 1
    with clock.frozen(at(2026, 7, 13, 7, 11)):
        assert run_job(jobs[0]) == "sent"
    sweep(at(2026, 7, 15, 12, 0))  # later in the week: sent, nothing scheduled
    assert len(digest_jobs()) == 1
    assert mailbox.subjects_to("carol@putright.example") == [
        "[Putright] Weekly digest: 6 Jul 2026 to 12 Jul 2026"
    ]
    assert mailbox.to("bob@putright.example") == []  # a supervisor who did not switch it on
    assert DigestPreference.objects.get(user=carol).last_sent_at == at(2026, 7, 13, 7, 11)

    sweep(at(2026, 7, 20, 7, 0))  # the next Monday
    assert [j.args[1] for j in digest_jobs()] == [MOMENT.isoformat(), at(2026, 7, 20, 7).isoformat()]


def test_a_digest_is_sent_late_up_to_two_days_after_its_moment_then_left_for_next_week(db, carol):
    sweep(at(2026, 7, 15, 6, 59))  # the worker was down since Monday morning: Wednesday, still in time
    assert [j.args[1] for j in digest_jobs()] == [MOMENT.isoformat()]
    Job.objects.all().delete()
    sweep(at(2026, 7, 15, 7, 1))  # two days and a minute late: stale, next Monday's will come
    assert digest_jobs() == []


def test_a_second_copy_of_the_job_or_a_rerun_after_a_crash_sends_nothing(db, carol, mailbox):
    sweep(at(2026, 7, 13, 7, 5))
    (job,) = digest_jobs()
    with clock.frozen(at(2026, 7, 13, 7, 6)):
        assert digest.digest_send(user_id=carol.pk, moment=MOMENT) == "sent"
        # The job itself (say, handed over again after its worker was presumed dead) finds it sent.
        assert run_job(job) == "sent already"
    assert len(mailbox.to("carol@putright.example")) == 1


def test_switched_off_after_the_job_was_scheduled_sends_nothing(db, carol, mailbox):
    sweep(at(2026, 7, 13, 7, 5))
    (job,) = digest_jobs()
    digest_preference_set(actor=carol, weekly_digest=False)
    with clock.frozen(at(2026, 7, 13, 7, 6)):
        assert run_job(job) == "not wanted"
    sweep(at(2026, 7, 13, 8, 0))
    assert mailbox.to("carol@putright.example") == []
    assert len(digest_jobs()) == 1


def test_the_job_is_retried_when_sending_fails_and_then_sends_once(db, carol, mailbox, settings):
    sweep(at(2026, 7, 13, 7, 5))
    (job,) = digest_jobs()
    with socket.socket() as probe:  # a port nobody listens on: the SMTP connection is refused
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    good_port, settings.EMAIL_PORT = settings.EMAIL_PORT, closed_port
    with clock.frozen(at(2026, 7, 13, 7, 6)), pytest.raises(ConnectionRefusedError):
        run_job(job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.PENDING, 1)
    assert job.available_at == at(2026, 7, 13, 7, 6) + timedelta(seconds=30)
    assert job.error.startswith("ConnectionRefusedError")
    assert DigestPreference.objects.get(user=carol).last_sent_at is None  # the stamp was put back
    assert mailbox.to("carol@putright.example") == []

    settings.EMAIL_PORT = good_port
    with clock.frozen(at(2026, 7, 13, 7, 7)):
        assert run_job(job) == "sent"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert len(mailbox.to("carol@putright.example")) == 1


# ---------------------------------------------------------------- what it says


def _fixture_week(author):
    """The week of 6-12 July against 29 June-5 July (local dates), counted by hand:

    before: D (30 Jun, acknowledged by a person 6 h later), E (1 Jul, 6 h);
    this week: A (7 Jul, 2 h), B (8 Jul, 4 h), C (9 Jul, not yet); D closed resolved on 8 Jul.
    """
    d = case(at(2026, 6, 30, 9), status=Status.CLOSED_RESOLVED, closed=at(2026, 7, 8, 9))
    message(d, at(2026, 6, 30, 15), author=author)
    e = case(at(2026, 7, 1, 9))
    message(e, at(2026, 7, 1, 15), author=author)
    a = case(at(2026, 7, 7, 9))
    message(a, at(2026, 7, 7, 9, 1), automatic=True)  # the automatic acknowledgement does not count
    message(a, at(2026, 7, 7, 11), author=author)
    b = case(at(2026, 7, 8, 9))
    message(b, at(2026, 7, 8, 13), author=author)
    case(at(2026, 7, 9, 9))


def test_the_digest_lists_the_headline_figures_and_the_three_that_changed_most(db, carol, alice):
    _fixture_week(alice)
    subject, body = digest.compose(carol, MOMENT)
    assert subject == "[Putright] Weekly digest: 6 Jul 2026 to 12 Jul 2026"
    assert body == (
        "Hello Carol,\n"
        "\n"
        "How the service did in the 7 days 6 Jul 2026 to 12 Jul 2026, against the 7 days 29 Jun 2026 to "
        "5 Jul 2026. All teams.\n"
        "\n"
        "HEADLINE FIGURES\n"
        "  Cases opened              3 (was 2, +50.0%)\n"
        "  Time to acknowledge       3.0 h (was 6.0 h, -50.0%, better)\n"
        "  Time to resolve           192.0 h (was no figure)\n"
        "  First contact resolution  100.0% (was no figure)\n"
        "  Satisfaction (CSAT)       no figure (was no figure)\n"
        "  Net promoter score (NPS)  no figure (was no figure)\n"
        "  Deadlines met             no figure (was no figure)\n"
        "  Promises kept             no figure (was no figure)\n"
        "  Escalation rate           0.0% (was 0.0%)\n"
        "  Backlog by age            4 (was 2, +100.0%, worse)\n"
        "\n"
        "WHAT CHANGED MOST\n"
        "  1. Backlog by age: 4 (was 2, +100.0%, worse)\n"
        "     https://putright.example/insights/?from=2026-07-06&to=2026-07-12&metric=backlog_age#backlog_age\n"
        "  2. Workload: 4 (was 2, +100.0%)\n"
        "     https://putright.example/insights/?from=2026-07-06&to=2026-07-12&metric=workload#workload\n"
        "  3. Cases opened: 3 (was 2, +50.0%)\n"
        "     https://putright.example/insights/?from=2026-07-06&to=2026-07-12&metric=volume#volume\n"
        "\n"
        "The dashboard: https://putright.example/insights/?from=2026-07-06&to=2026-07-12\n"
        "You get this e-mail every week; to stop it: https://putright.example/account/digest/\n"
        "\n"
        "Putright\n"
    )


def test_a_supervisor_reads_the_figures_of_their_own_teams(db, bob, alice):
    _fixture_week(alice)
    team = Team.objects.create(name="Deliveries", lead=bob)
    team.members.add(bob)
    Case.objects.filter(created_at__gte=at(2026, 7, 8, 0)).update(team=team)  # B and C
    _, body = digest.compose(bob, MOMENT)
    assert "Your teams: Deliveries." in body
    assert "  Cases opened              2 (was 0)\n" in body


def test_an_empty_week_says_nothing_changed(db, carol):
    _, body = digest.compose(carol, MOMENT)
    assert "  Cases opened              0 (was 0)\n" in body
    assert "WHAT CHANGED MOST\n  Nothing changed against the week before.\n" in body


# ---------------------------------------------------------------- the account page

URL = "/account/digest/"


def test_the_page_shows_the_choice_with_a_label_and_a_manager_switches_it_off(db, client, carol):
    client.force_login(carol)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_digest_weekly_digest">E-mail me the weekly digest</label>' in html
    assert 'name="weekly_digest"' in html and "checked" in html
    assert "Mondays at 07:00" in html
    answer = client.post(URL, {})  # an unticked box is not sent
    assert answer.status_code == 302 and answer["Location"] == URL
    assert DigestPreference.objects.get(user=carol).weekly_digest is False
    assert digest.recipients() == []


def test_a_supervisor_switches_it_on(db, client, bob):
    client.force_login(bob)
    assert "checked" not in client.get(URL).content.decode().split('name="weekly_digest"')[1][:40]
    assert client.post(URL, {"weekly_digest": "on"}).status_code == 302
    assert DigestPreference.objects.get(user=bob).weekly_digest is True


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_agents_and_outsiders_are_refused_and_nothing_changes(db, client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"weekly_digest": "on"}).status_code == 403
    assert not DigestPreference.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(db, client):
    answer = client.get(URL)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_a_post_without_the_csrf_token_is_refused_and_nothing_changes(db, carol):
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(carol)
    assert guarded.post(URL, {}).status_code == 403
    assert not DigestPreference.objects.exists()
