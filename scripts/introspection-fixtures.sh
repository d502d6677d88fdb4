#!/usr/bin/env bash
# Writes tests/fixtures/introspection/: the exact introspection queries mainstream clients send,
# printed by graphql-js itself (GraphiQL, Apollo devtools, graphql-codegen and Postman all call
# its `getIntrospectionQuery`). The tests send each to a gateway with default limits.
#
# Usage: scripts/introspection-fixtures.sh    (needs npm and node; writes only that folder)
#
# graphql@16.15.0 is the current graphql-js 16; graphql@16.11.0 is the copy bundled inside the
# GraphiQL 4.1.2 the gateway embeds (scripts/graphiql-assets.sh), which sends its query with
# its default options (no schema description, no input value deprecation).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=tests/fixtures/introspection
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

print_queries() { # version, then "file-name options-json" pairs
  local version="$1"
  shift
  (cd "$work" && npm pack --silent "graphql@$version" >/dev/null && mkdir -p "graphql-$version" &&
    tar -xzf "graphql-$version.tgz" -C "graphql-$version")
  while [ "$#" -gt 0 ]; do
    node -e 'const { getIntrospectionQuery } = require(process.argv[1]);
             process.stdout.write(getIntrospectionQuery(JSON.parse(process.argv[2])) + "\n");' \
      "$work/graphql-$version/package" "$2" >"$OUT/$1"
    shift 2
  done
}

rm -rf "$OUT"
mkdir -p "$OUT"
print_queries 16.15.0 \
  graphql-js-16.15.0.graphql '{}' \
  graphql-js-16.15.0-input-value-deprecation.graphql '{"inputValueDeprecation":true}' \
  graphql-js-16.15.0-every-option.graphql \
  '{"descriptions":true,"specifiedByUrl":true,"directiveIsRepeatable":true,"schemaDescription":true,"inputValueDeprecation":true,"oneOf":true}' \
  graphql-js-16.15.0-no-descriptions.graphql '{"descriptions":false}'
print_queries 16.11.0 graphiql-4.1.2.graphql '{"inputValueDeprecation":false,"schemaDescription":false}'
echo "wrote $(ls "$OUT" | wc -l) queries to $OUT"
