#!/bin/sh
# Installs the locked dependencies (Node 24 included, from the npm registry) when node_modules is
# missing or was installed from another package-lock.json. A no-op otherwise, so `npm start` and
# `npm test` stay fast after the first run.
#
# Why `npm install --no-save` and not `npm ci`: the registry these machines reach serves only the
# Linux builds of Biome's platform packages, so the lock cannot list the macOS/Windows/musl ones and
# `npm ci` refuses it as "out of sync". `npm install --no-save` installs exactly the locked versions
# and never rewrites package-lock.json.
set -eu
cd "$(dirname "$0")/.."
stamp=node_modules/.install-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing dependencies (npm install --no-save, from package-lock.json)..." >&2
  npm install --no-save --no-audit --no-fund
  echo "$want" > "$stamp"
fi
