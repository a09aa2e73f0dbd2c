"""An app worker never imports the libraries only some requests or commands need.

Each is several megabytes per worker (docs/performance.md, worker memory): PDF reading and
JSON-LD for checking uploaded credentials, QR codes for PDFs and two-step set-up, multiformats
for keys and proofs, Flask-Migrate with Alembic and Mako for `flask db`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DEFERRED = ("pypdf", "pyld", "lxml", "segno", "multiformats", "flask_migrate", "alembic", "mako",
            "schemathesis", "weasyprint")

SCRIPT = """
import json, sys
from lms import create_app
from lms.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 32,
                  "RATELIMIT_STORAGE_URI": "memory://", "LMS_BASE_URL": "http://localhost"})
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [client.get(path).status_code for path in
            ("/sign-in", "/verify", "/verify/AAAA-AAAA-AAAA-AAAA",
             "/verify/AAAA-AAAA-AAAA-AAAA.json", "/healthz")]
print(json.dumps({"statuses": statuses,
                  "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_a_serving_worker_does_not_import_the_deferred_libraries(tmp_path: Path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'w.db'}"],
                          capture_output=True, text=True, timeout=300, check=True,
                          cwd=Path(__file__).parent.parent)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert 500 not in found["statuses"], found["statuses"]
    assert [name for name in DEFERRED if name in found["loaded"]] == []


def test_the_deferred_migration_settings_are_flask_migrates(app):
    from flask_migrate import _MigrateConfig

    from lms.extensions import db

    settings = app.extensions["migrate"]
    assert settings.directory == str(Path(__file__).parent.parent / "lms" / "migrations")
    assert settings.db is db and settings.metadata is db.metadata
    assert isinstance(settings._real, _MigrateConfig)
