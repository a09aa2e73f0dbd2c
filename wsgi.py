"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

import sys

from lms import ConfigError, ContentError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Lantern cannot start: {error}")
except ContentError as error:
    # Every problem on its own path:line line, as `flask lms courses check` prints them.
    sys.exit(f"Lantern cannot start: {error}")
