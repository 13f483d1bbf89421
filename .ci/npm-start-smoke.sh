#!/usr/bin/env bash
# The README's two commands on a fresh clone: `npm install && npm start`, then wait for /readyz,
# take the printed first-admin step (the setup link), upload one photo and see it `processed`.
# Usage: .ci/npm-start-smoke.sh [REVISION] (default HEAD).
# Needs the npm registry (or its cache) and ../shared/faces next to this repository.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rev="${1:-HEAD}"
work="$(mktemp -d)"
port="${SMOKE_PORT:-3917}"
photo="$repo/../shared/faces/lfw-dev/AJ_Cook/AJ_Cook_0001.jpg"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone --quiet --no-local "$repo" "$work/faceflow"
cd "$work/faceflow"
git checkout --quiet "$rev"
npm install --no-audit --no-fund --prefer-offline
PORT="$port" ENGINE_THREADS=1 setsid npm start >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; echo "smoke: not ready" >&2; exit 1; }
grep -q "faceflow is running at http://127.0.0.1:$port" "$work/server.log" || { echo "smoke: URL not printed" >&2; exit 1; }

# The printed first-admin step, as a person would take it: the setup link's token creates the admin.
token=$(sed -n 's|.*/setup#token=\([A-Za-z0-9._~-]*\).*|\1|p' "$work/server.log" | head -1)
[ -n "$token" ] || { cat "$work/server.log"; echo "smoke: no first-admin setup link printed" >&2; exit 1; }
access=$(curl -fsS -H 'content-type: application/json' \
  -d "{\"token\":\"$token\",\"name\":\"admin\",\"password\":\"smoke-test-password-42\"}" \
  "http://127.0.0.1:$port/api/auth/setup" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).accessToken))')
auth="authorization: Bearer $access"

id=$(curl -fsS -H "$auth" -F "file=@$photo" "http://127.0.0.1:$port/api/images" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).images[0].id))')
for _ in $(seq 1 120); do
  status=$(curl -fsS -H "$auth" "http://127.0.0.1:$port/api/images/$id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).status))')
  [ "$status" = processed ] && { echo "smoke: photo $id processed on a fresh clone"; exit 0; }
  [ "$status" = failed ] && { echo "smoke: photo failed" >&2; exit 1; }
  sleep 1
done
echo "smoke: photo not processed in time (status $status)" >&2
exit 1
