from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from putright.authority.selectors import is_staff_member, role_label
from putright.authority.two_factor import second_step_pending
from putright.cases.models import Case
from putright.channels.models import Alert
from putright.procedures.models import Acknowledgement
from putright.vocab import OPEN_STATUSES


def _count(qs, outer: str) -> Coalesce:
    counted = (
        qs.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def staff_nav(request):
    """Navigation facts for staff pages: role, unread alerts, the open cases in *My queue* and what is left
    in *My reading*.

    The counts come in one query, so every staff page pays one query for them, as it did for one.
    """
    user = getattr(request, "user", None)
    # A session that still owes its two-factor code sees no staff navigation: it can reach none of it.
    if user is None or not user.is_authenticated or not is_staff_member(user) or second_step_pending(request):
        return {"is_staff_member": False}
    unread, mine, to_read = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=_count(Alert.objects.filter(read_at__isnull=True), "recipient"),
            mine=_count(Case.objects.filter(status__in=OPEN_STATUSES), "assignee"),
            # Issue 14 §3: what they have been asked to read and not yet acknowledged ("My reading").
            to_read=_count(Acknowledgement.objects.filter(acknowledged_at__isnull=True), "user"),
        )
        .values_list("unread", "mine", "to_read")
        .get()
    )
    return {
        "is_staff_member": True,
        "role_label": role_label(user),
        "unread_alert_count": unread,
        "my_open_case_count": mine,
        "to_read_count": to_read,
    }
