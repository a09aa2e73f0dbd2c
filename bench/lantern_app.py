"""Lantern exactly as `gunicorn wsgi:app` serves it, behind the bench's client-address shim."""

from bench.shim import SpreadClients
from wsgi import app

app.wsgi_app = SpreadClients(app.wsgi_app)  # type: ignore[method-assign]

__all__ = ["app"]
