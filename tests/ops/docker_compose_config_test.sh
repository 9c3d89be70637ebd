#!/usr/bin/env bash
# `docker-compose config -q` (Debian's docker-compose, no Docker daemon needed) on
# compose/docker-compose.yml, and the check shown to fail: a copy with a misspelt
# service key must be refused.
set -euo pipefail
src=${1:?usage: docker_compose_config_test.sh SOURCE_DIR}
scratch=$(mktemp -d /tmp/xacoord-compose.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# docker-compose keeps nothing between runs, but may look for a config in $HOME.
export HOME=$scratch

docker-compose -f "$src/compose/docker-compose.yml" config -q
echo "compose/docker-compose.yml: valid"

cp -r "$src/compose" "$scratch/compose"
sed -i 's/^  prometheus:$/  prometheus:\n    restrat: always/' "$scratch/compose/docker-compose.yml"
grep -q "restrat: always" "$scratch/compose/docker-compose.yml"
if docker-compose -f "$scratch/compose/docker-compose.yml" config -q 2>"$scratch/err"; then
  echo "a compose file with a misspelt key passed docker-compose config" >&2
  exit 1
fi
grep -q "restrat" "$scratch/err" || { cat "$scratch/err" >&2; exit 1; }
echo "a misspelt key is refused: $(head -c 200 "$scratch/err")"
