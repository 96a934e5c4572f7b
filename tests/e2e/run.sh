#!/usr/bin/env bash
# End-to-end layer: install the pinned npm packages, then drive real MCP servers under
# $MCPWARDEN (default build/mcpwarden). Fails (never skips) when BPF cannot be loaded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install.sh"
exec python3 "$here/e2e.py" "$@"
