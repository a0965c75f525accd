from putright.authority.selectors import is_staff_member, role_label


def staff_nav(request):
    """Navigation facts for staff pages: role and unread alerts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_staff_member(user):
        return {"is_staff_member": False}
    return {
        "is_staff_member": True,
        "role_label": role_label(user),
        "unread_alert_count": user.alerts.filter(read_at__isnull=True).count(),
    }
