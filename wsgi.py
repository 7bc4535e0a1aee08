"""Entry point for `flask --app wsgi` and for gunicorn (`gunicorn wsgi:app`) in a source checkout;
an installed package has the same as `booking.wsgi`."""

from booking.wsgi import app

__all__ = ["app"]
