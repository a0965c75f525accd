from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AuthorityConfig(AppConfig):
    name = "putright.authority"
    label = "authority"
    # Two configs live here: this one is the app's own, the admin one is named in INSTALLED_APPS.
    default = True
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the sign-in signal that notes whether a new session's person enrolled an app.
        from putright.authority import two_factor  # noqa: F401, PLC0415 — AppConfig.ready()


class PutrightAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with our site as the default one (its login throttled like ``/login/``)."""

    # A dotted path, imported only once the models are loaded: the site's forms need them.
    default = False
    default_site = "putright.authority.admin_site.PutrightAdminSite"
