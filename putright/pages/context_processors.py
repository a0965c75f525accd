from putright.authority.selectors import is_staff_member, role_label
from putright.authority.two_factor import second_step_pending


def staff_nav(request):
    """Navigation facts for staff pages: role and unread alerts."""
    user = getattr(request, "user", None)
    # A session that still owes its two-factor code sees no staff navigation: it can reach none of it.
    if user is None or not user.is_authenticated or not is_staff_member(user) or second_step_pending(request):
        return {"is_staff_member": False}
    return {
        "is_staff_member": True,
        "role_label": role_label(user),
        "unread_alert_count": user.alerts.filter(read_at__isnull=True).count(),
    }
