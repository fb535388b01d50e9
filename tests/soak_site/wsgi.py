"""WSGI entry point of the soak site (``gunicorn tests.soak_site.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.soak_site.settings")

application = get_wsgi_application()
