"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from lerend_netwerk import create_app

app = create_app()
