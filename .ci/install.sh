#!/usr/bin/env bash
# System packages the tests need beyond the .NET SDK (CI runs as root on Debian):
#   dnsmasq-base — a real DNS server on 127.0.0.1 for the DNS-SRV resolver tests.
set -euo pipefail
if command -v dnsmasq >/dev/null 2>&1; then
  exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dnsmasq-base
