#!/usr/bin/env bash
# Make sure the services the test suite talks to are installed and running on this machine:
# PostgreSQL (with a `parcours` role), Redis, and Debian's Chromium for the browser tests.
# Safe to run again: it only installs or starts what is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
APT_UPDATED=0

apt_install() {
    if [ "$APT_UPDATED" = "0" ]; then
        $SUDO apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installation de PostgreSQL…"
    apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    echo "Démarrage de PostgreSQL…"
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
# The `parcours` role (password auth works whether the server trusts local connections or not).
run_psql() {
    if psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
    else
        $SUDO -u postgres psql -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
    fi
}
if [ "$(run_psql "SELECT 1 FROM pg_roles WHERE rolname = 'parcours'")" != "1" ]; then
    run_psql "CREATE ROLE parcours LOGIN CREATEDB PASSWORD 'parcours'" >/dev/null
fi
if [ "$(run_psql "SELECT 1 FROM pg_database WHERE datname = 'parcours'")" != "1" ]; then
    run_psql "CREATE DATABASE parcours OWNER parcours" >/dev/null
fi

# Redis
if ! command -v redis-server >/dev/null 2>&1; then
    echo "Installation de Redis…"
    apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "Démarrage de Redis…"
    $SUDO mkdir -p /var/lib/redis /var/log/redis
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/parcours.log
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

# Chromium for the browser tests (Playwright drives Debian's build: no browser download).
if [ ! -x /usr/bin/chromium ]; then
    echo "Installation de Chromium…"
    apt_install chromium chromium-driver fonts-dejavu-core
fi
# Pango for WeasyPrint (the PDF export of a person's data).
if ! ldconfig -p | grep -q "libpangoft2-1.0"; then
    echo "Installation de Pango (export PDF)…"
    apt_install libpango-1.0-0 libpangoft2-1.0-0
fi
echo "Services prêts : PostgreSQL, Redis, Chromium, Pango."
