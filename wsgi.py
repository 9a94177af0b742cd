"""WSGI entry point: `gunicorn -w 4 wsgi:app` (set LMS_CONFIG=production)."""

from lms import create_app

app = create_app()
