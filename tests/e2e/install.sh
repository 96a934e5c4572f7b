#!/usr/bin/env bash
# Install the pinned MCP SDK and reference servers for the e2e tests into
# tests/e2e/node_modules (npm ci from package-lock.json). Does nothing when
# node_modules is already newer than package-lock.json. --force reinstalls.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
E2E_DIR=$(pwd)

die() {
    echo "install.sh: ERROR: $*" >&2
    exit 1
}

force=0
case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    *) die "usage: install.sh [--force]" ;;
esac

command -v node >/dev/null 2>&1 || die "node is not installed (need Node.js >= 20; Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian: apt-get install npm)"

# npm writes node_modules/.package-lock.json on every install; use it as the stamp.
# Two folders: the current releases here, known-vulnerable ones in vulnerable/ (kept apart
# because their bins would shadow the current ones in node_modules/.bin).
install_dir() {
    local dir=$1
    shift
    local stamp=node_modules/.package-lock.json
    (
        cd "$dir"
        [ -f package-lock.json ] || die "$dir/package-lock.json is missing"
        if [ "$force" = 0 ] && [ -d node_modules ] && [ -f "$stamp" ] && \
           [ ! package-lock.json -nt "$stamp" ] && [ ! package.json -nt "$stamp" ]; then
            echo "install.sh: $dir/node_modules is up to date"
            exit 0
        fi
        echo "install.sh: npm ci in $dir (node $(node --version), npm $(npm --version))"
        if ! npm ci --no-audit --no-fund; then
            die "'npm ci --no-audit --no-fund' failed in $dir (is the npm registry reachable? is package-lock.json in sync with package.json?)"
        fi
        touch "$stamp"
        for f in "$@"; do
            [ -f "$f" ] || die "npm ci succeeded but $dir/$f is missing"
        done
    )
}

install_dir "$E2E_DIR" \
    node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js \
    node_modules/@modelcontextprotocol/server-filesystem/dist/index.js \
    node_modules/@modelcontextprotocol/server-everything/dist/index.js \
    node_modules/@modelcontextprotocol/server-memory/dist/index.js
install_dir "$E2E_DIR/vulnerable" \
    node_modules/@modelcontextprotocol/server-filesystem/dist/index.js
echo "install.sh: done"
