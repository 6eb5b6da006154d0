#!/bin/sh
# Installs the locked dependencies (Node 24 included, from the npm registry) when node_modules is
# missing or was installed from another package-lock.json. A no-op otherwise, so `npm start` and
# `npm test` stay fast after the first run.
set -eu
cd "$(dirname "$0")/.."
stamp=node_modules/.install-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
