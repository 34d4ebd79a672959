"""Entry point for gunicorn: `gunicorn wsgi:app`. A server started this way is production unless told otherwise."""
import os

os.environ.setdefault("APP_ENV", "production")

from greensmile import create_app  # noqa: E402

app = create_app()
