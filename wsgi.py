"""Entry point for gunicorn: `gunicorn wsgi:app`."""
from greensmile import create_app

app = create_app()
