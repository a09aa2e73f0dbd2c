"""The baseline: a one-line Flask view, served with the same gunicorn settings as Lantern."""

from flask import Flask

from bench.shim import SpreadClients

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Return a short fixed text."""
    return "Hello, World!"


app.wsgi_app = SpreadClients(app.wsgi_app)  # type: ignore[method-assign]
