#!/usr/bin/env bash
# Regenerate berrys_client/rest (the typed client of every REST route) from the app's OpenAPI
# document, with the pinned openapi-python-client in a throwaway venv. Run after changing a route;
# tests/api/test_sdk_coverage.py fails while an operation has no generated function.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q openapi-python-client==0.29.1 2> >(grep -v '^WARNING: Location' >&2)
(cd "$root" && LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python -c \
  'import json; from berrys_app.api.app import create_api; print(json.dumps(create_api().openapi()))') > "$tmp/openapi.json"
rm -rf "$here/berrys_client/rest"
PATH="$tmp/venv/bin:$PATH" "$tmp/venv/bin/openapi-python-client" generate --path "$tmp/openapi.json" \
  --meta none --output-path "$here/berrys_client/rest"
