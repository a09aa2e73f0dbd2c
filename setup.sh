#!/usr/bin/env bash
# Set up Lantern on Debian or Ubuntu and either serve it or run every test.
#   bash setup.sh serve   create .venv, install, migrate, seed demo accounts once, serve :5000
#                         (PORT=5001 bash setup.sh serve for another port)
#   bash setup.sh test    create .venv, install, check services, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

command="${1:-serve}"
PYTHON="${PYTHON:-python3}"
VENV=.venv
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }
apt_install() {
  # Install Debian packages when we can; otherwise print the exact command and stop.
  if is_root && command -v apt-get >/dev/null; then
    say "Installing system packages: $*"
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "missing system packages. Please run: sudo apt-get install -y $*"
  fi
}

check_python() {
  command -v "$PYTHON" >/dev/null || apt_install python3 python3-venv
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Lantern needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)"
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
}

check_weasyprint_libraries() {
  # WeasyPrint renders certificates with Pango; DejaVu is the certificate font.
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

install_python_packages() {
  [ -x "$VENV/bin/python" ] || { say "Creating $VENV"; "$PYTHON" -m venv "$VENV"; }
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    say "Installing Lantern and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[test]'
    rm -f "$VENV"/.installed-* && touch "$stamp"
  fi
}

check_chromium() {
  # Browser tests drive Debian's chromium; never a downloaded browser build.
  [ -x /usr/bin/chromium ] || apt_install chromium
}

install_verifiers() {
  # Independent credential verifiers (npm, pinned by package-lock.json) run against Lantern's
  # credentials in tests/verifiers; Node and npm come from Debian's packages.
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  local folder=tests/verifiers/node
  local stamp="$folder/node_modules/.installed-$(sha256sum "$folder/package-lock.json" | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    say "Installing the independent verifiers into $folder"
    # --ignore-scripts: no package needs a build step, and none gets to run code at install.
    (cd "$folder" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

postgres_url() {
  # Use the PostgreSQL test database on 127.0.0.1:5432, installing and starting it if needed.
  if ! command -v pg_isready >/dev/null; then apt_install postgresql; fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if is_root && command -v pg_ctlcluster >/dev/null; then
      say "Starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL is not running on 127.0.0.1:5432; start it (sudo pg_ctlcluster 15 main start) and run again"
  fi
  if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
    if is_root; then
      su postgres -c "psql -Atc \"select 1 from pg_database where datname='test'\"" | grep -q 1 \
        || su postgres -c "createdb test" || true
    fi
    psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1 \
      || die "cannot connect to postgresql://postgres@127.0.0.1:5432/test; set LMS_TEST_DATABASE_URL to a PostgreSQL database the tests may use"
  fi
  echo "postgresql+psycopg://postgres@127.0.0.1:5432/test"
}

redis_url() {
  # Use the Redis on 127.0.0.1:6379 (database 15) for the shared rate-limit tests.
  if ! command -v redis-cli >/dev/null; then apt_install redis-server; fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if command -v redis-server >/dev/null; then
      say "Starting Redis"
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
      for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    fi
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 \
      || die "Redis is not running on 127.0.0.1:6379; start it (sudo systemctl start redis-server) and run again"
  fi
  echo "redis://127.0.0.1:6379/15"
}

port_is_free() {
  "$VENV/bin/python" -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

port_answers() {
  "$VENV/bin/python" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()' "$1" 2>/dev/null
}

serve() {
  export LMS_ENV="${LMS_ENV:-development}"
  PORT="${PORT:-5000}"
  case "$PORT" in ''|*[!0-9]*) die "PORT must be a port number, such as 5001; it is '$PORT'" ;; esac
  # Printed links and QR codes follow the port unless an address was chosen on purpose.
  export LMS_BASE_URL="${LMS_BASE_URL:-http://127.0.0.1:$PORT}"
  port_is_free "$PORT" || die "port $PORT on 127.0.0.1 is already taken, perhaps by another Lantern.
Stop that program, or serve on another port, for example:  PORT=$((PORT + 1)) bash setup.sh serve"
  say "Applying database migrations"
  "$VENV/bin/flask" --app wsgi db upgrade
  logins="$(mktemp)"  # global: the exit trap reads it after serve() returns
  "$VENV/bin/flask" --app wsgi lms demo >"$logins" 2>&1 \
    || "$VENV/bin/flask" --app wsgi lms demo-logins >"$logins" 2>/dev/null || true
  # In development each message is delivered as soon as its request commits.
  say "$("$VENV/bin/flask" --app wsgi lms outbox where)"
  say "Starting the development server on $LMS_BASE_URL (for trying Lantern; see the README's Production section to run it for real)"
  "$VENV/bin/flask" --app wsgi run --host 127.0.0.1 --port "$PORT" &
  server=$!
  trap 'kill "$server" 2>/dev/null; rm -f "$logins"' INT TERM EXIT
  for _ in $(seq 1 100); do
    port_answers "$PORT" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$server" 2>/dev/null || { wait "$server" || true; die "the server stopped; see the lines above"; }
  # The logins come last, set apart, so they are easy to find among the start-up lines.
  printf '\n==================================================================\n'
  printf ' Lantern is running at %s  (Ctrl+C to stop)\n' "$LMS_BASE_URL"
  printf '==================================================================\n'
  cat "$logins"
  printf '==================================================================\n\n'
  rm -f "$logins"
  wait "$server"
}

run_tests() {
  check_chromium
  install_verifiers
  if [ -z "${LMS_TEST_DATABASE_URL:-}" ]; then LMS_TEST_DATABASE_URL="$(postgres_url)"; fi
  if [ -z "${LMS_TEST_REDIS_URL:-}" ]; then LMS_TEST_REDIS_URL="$(redis_url)"; fi
  export LMS_TEST_DATABASE_URL LMS_TEST_REDIS_URL
  say "Linting with ruff, the import contracts (lint-imports) and the type checker (mypy)"
  "$VENV/bin/ruff" check --no-cache .
  "$VENV/bin/lint-imports" --no-cache
  "$VENV/bin/mypy" --no-incremental
  say "Running every test: SQLite, PostgreSQL, Redis and the browser"
  exec "$VENV/bin/python" -m pytest -p no:cacheprovider "${@}"
}

check_python
check_weasyprint_libraries
install_python_packages
case "$command" in
  serve) serve ;;
  test) shift; run_tests "$@" ;;
  *) die "usage: bash setup.sh [serve|test]" ;;
esac
