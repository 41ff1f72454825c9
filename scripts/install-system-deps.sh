#!/usr/bin/env bash
# System packages some tests use: a real IMAP server (dovecot) for the live email check, and
# PostgreSQL and MariaDB server binaries for query timing (the tests start their own throwaway
# servers on free ports; the packages' own services are not used). Tests that need them skip
# with a reason when absent, except in CI (LAUNCHREADY_REQUIRE_SYSTEM_DEPS=1 fails instead).
set -euo pipefail
packages=(dovecot-imapd postgresql mariadb-server)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Installing may start the packages' own services; the tests do not need them. Leave a
  # PostgreSQL that was already serving 127.0.0.1:5432 alone (the machine's own service).
  (service dovecot stop || true) >/dev/null 2>&1
else
  echo "note: missing system packages (${missing[*]}); the tests that need them will be skipped" >&2
fi
