"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

import sys

from lms import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Lantern cannot start: {error}")
