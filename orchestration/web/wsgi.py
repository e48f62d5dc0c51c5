"""WSGI entry point for a production server (gunicorn/uwsgi): orchestration.web.wsgi:application."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestration.web.settings")
application = get_wsgi_application()
