#!/usr/bin/env bash
# Vendors the GraphiQL explorer the gateway serves at `/` into api/assets/graphiql/, so the page
# loads nothing from outside the gateway's own origin (air-gapped hosts, strict CSPs, no CDN
# serving script into our origin). The files are embedded into the binary at build time
# (api/src/graphiql/mod.rs) and checked against MANIFEST.sha256 by a test.
#
# Usage: scripts/graphiql-assets.sh    (needs npm and the npm registry; writes only that folder)
#
# Versions are pinned, and each package tarball is checked against the registry integrity
# recorded here, so running the script again writes byte-identical files. To upgrade: change a
# version, run the script, paste the integrity it prints into INTEGRITY, review the diff.
# GraphiQL stays on 4.x: 5.x is ESM-only (Monaco, needs a bundler) and ships no UMD build.
# GraphiQL 4.1.2's UMD bundle already contains the graphql-ws client (`graphql-transport-ws`)
# that `GraphiQL.createFetcher({ subscriptionUrl })` uses, and graphql-js 16.11.0.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=api/assets/graphiql

PACKAGES=(react@18.3.1 react-dom@18.3.1 graphiql@4.1.2)
declare -A INTEGRITY=(
  [react@18.3.1]="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  [react-dom@18.3.1]="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
  [graphiql@4.1.2]="sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg=="
)
# package file (inside the tarball) -> vendored file name
FILES=(
  "react@18.3.1 package/umd/react.production.min.js react.production.min.js"
  "react@18.3.1 package/LICENSE LICENSE.react"
  "react-dom@18.3.1 package/umd/react-dom.production.min.js react-dom.production.min.js"
  "react-dom@18.3.1 package/LICENSE LICENSE.react-dom"
  "graphiql@4.1.2 package/graphiql.min.js graphiql.min.js"
  "graphiql@4.1.2 package/graphiql.min.css graphiql.min.css"
  "graphiql@4.1.2 package/LICENSE LICENSE.graphiql"
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for package in "${PACKAGES[@]}"; do
  (cd "$work" && npm pack --silent --json "$package" >"$package.json")
  integrity="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].integrity)' "$work/$package.json")"
  if [ "$integrity" != "${INTEGRITY[$package]}" ]; then
    echo "$package: registry integrity $integrity differs from the pinned ${INTEGRITY[$package]}" >&2
    exit 1
  fi
  mkdir -p "$work/$package"
  tarball="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].filename)' "$work/$package.json")"
  tar -xzf "$work/$tarball" -C "$work/$package"
done

rm -rf "$OUT"
mkdir -p "$OUT"
for entry in "${FILES[@]}"; do
  read -r package source target <<<"$entry"
  cp "$work/$package/$source" "$OUT/$target"
  chmod 644 "$OUT/$target"
done

# Source maps are left out (the bundles end with a sourceMappingURL comment; browsers only
# fetch it with devtools open, and the gateway answers 404).
(cd "$OUT" && LC_ALL=C sha256sum -- $(LC_ALL=C ls | grep -v '^MANIFEST.sha256$') >MANIFEST.sha256)
{
  echo "# Vendored by scripts/graphiql-assets.sh from the npm registry:"
  for package in "${PACKAGES[@]}"; do echo "#   $package ${INTEGRITY[$package]}"; done
  cat "$OUT/MANIFEST.sha256"
} >"$work/manifest" && mv "$work/manifest" "$OUT/MANIFEST.sha256"
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
