"""WSGI entry point of the matrix site (``gunicorn tests.matrix_site.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.matrix_site.settings")

application = get_wsgi_application()

from . import faults  # noqa: E402  (imports layouts_cbv: once Django is set up)

faults.install()
