"""Lantern as `gunicorn wsgi:app` serves it, behind the bench's client-address shim.

The only addition is the bench's signed-in floor page (bench/floor.py), a reference point.
"""

from bench.floor import add_floor_route
from bench.shim import SpreadClients
from wsgi import app

add_floor_route(app)

app.wsgi_app = SpreadClients(app.wsgi_app)  # type: ignore[method-assign]

__all__ = ["app"]
