#!/usr/bin/env bash
# System packages some tests use: a real IMAP server (dovecot) for the live email check.
# PostgreSQL server binaries are expected from the machine (initdb/pg_ctl on PATH or under
# /usr/lib/postgresql); tests that need them skip with a reason when absent, except in CI.
set -euo pipefail
packages=(dovecot-imapd)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package's own service is not needed: tests start their own dovecot on a free port.
  (service dovecot stop || true) >/dev/null 2>&1
else
  echo "note: missing system packages (${missing[*]}); the tests that need them will be skipped" >&2
fi
