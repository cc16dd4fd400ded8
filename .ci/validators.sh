#!/usr/bin/env bash
# Installs the validators the export tests run (idempotent; a no-op when all are present):
#   systemd-analyze (Debian's systemd), docker-compose (Debian's 1.29), and the npm package
#   kubernetes-models under tests/validators (the Kubernetes OpenAPI schemas).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "validators: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -f tests/validators/node_modules/kubernetes-models/package.json ] || [ ! -f tests/validators/node_modules/yaml/package.json ]; then
  echo "validators: npm ci in tests/validators"
  (cd tests/validators && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "validators: systemd $(dpkg-query -W -f '${Version}' systemd), docker-compose $(dpkg-query -W -f '${Version}' docker-compose)," \
  "kubernetes-models $(sed -n 's/^  "version": "\(.*\)",$/\1/p' tests/validators/node_modules/kubernetes-models/package.json)"
