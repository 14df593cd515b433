#!/usr/bin/env bash
# One command: set up everything the tests need (venv, Debian chromium, PostgreSQL running) and run them all.
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/setup_env.sh requirements-dev.txt || exit 1

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || { echo "could not install chromium" >&2; exit 1; }
  else
    echo "Debian's chromium is needed: sudo apt-get install -y chromium" >&2; exit 1
  fi
fi
# nginx: tests/test_scaleout.py serves deploy/nginx/cccd.conf in front of two app processes (its own
# config, pid and logs; RUNLEVEL=1 keeps the package from starting the system's nginx).
if [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null || { echo "could not install nginx-light" >&2; exit 1; }
  else
    echo "Debian's nginx is needed for tests/test_scaleout.py: sudo apt-get install -y nginx-light" >&2; exit 1
  fi
fi
# LibreOffice and poppler: tests/test_print_layout.py converts the handouts to PDF as the offices open them (it says what to install when not root).
if [ "$(id -u)" = 0 ] && ! { command -v soffice && command -v pdftotext; } >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-impress libreoffice-calc poppler-utils) >/dev/null || { echo "could not install libreoffice/poppler-utils" >&2; exit 1; }
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

# The PostgreSQL and browser tests must run, not skip.
export CCCD_REQUIRE_PG=1 CCCD_REQUIRE_BROWSER=1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$rc"
