#!/usr/bin/env bash
# Rebuilds Muster's self-hosted copy of @cloudflare/blindrsa-ts (the exact version pinned in
# package-lock.json) as one ES module, and its licence file. Muster runs from the committed
# files; run this only to update them:  clients/blindrsa/build.sh
set -euo pipefail
cd "$(dirname "$0")"
VENDOR=../../service/web/static/vendor
VERSION=$(node -p "require('./package-lock.json').packages['node_modules/@cloudflare/blindrsa-ts'].version")
[ -d node_modules/@cloudflare/blindrsa-ts ] || npm ci --no-audit --no-fund
OUT="$VENDOR/blindrsa-ts-$VERSION.js"
./node_modules/.bin/esbuild entry.js --bundle --format=esm --target=es2020 \
  --legal-comments=inline --charset=utf8 \
  --banner:js="// @cloudflare/blindrsa-ts $VERSION (Apache-2.0, with SJCL under BSD-2-Clause): see blindrsa-ts-$VERSION.LICENSE.txt. Built by clients/blindrsa/build.sh; do not edit." \
  --outfile="$OUT"
{
  echo "Muster serves $OUT as built from the npm package @cloudflare/blindrsa-ts $VERSION"
  echo "(https://github.com/cloudflare/blindrsa-ts), which includes a copy of the Stanford"
  echo "JavaScript Crypto Library (SJCL). Their licences follow."
  echo
  echo "=== @cloudflare/blindrsa-ts: Apache License 2.0 ==="
  echo
  cat node_modules/@cloudflare/blindrsa-ts/LICENSE.txt
  echo
  echo "=== SJCL (bundled inside @cloudflare/blindrsa-ts): BSD 2-Clause ==="
  echo
  cat node_modules/sjcl/LICENSE.txt
} | sed "s#$VENDOR/##" > "$VENDOR/blindrsa-ts-$VERSION.LICENSE.txt"
echo "wrote $OUT"
