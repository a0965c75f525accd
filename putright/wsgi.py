import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "putright.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    if settings.configured:
        raise
    # A setting refused a value from the environment. The WSGI server owns this process and decides how to
    # report a failed import (gunicorn stops: "Worker failed to boot"), so raise rather than exit; raised
    # afresh, what it prints ends at this line with the sentence, not deep in the settings.
    raise ImproperlyConfigured(str(exc)) from None
