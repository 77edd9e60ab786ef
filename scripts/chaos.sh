#!/usr/bin/env bash
# The chaos suite (issue 11): the real wecom-guard binary against the
# standalone fake WeCom API (cmd/wecom-fake) failing 30 % of its answers
# (busy, 45009, 45033, HTTP 500, replies lost after delivery), each scenario
# on its own redis-server with AOF: Redis killed and restarted, a replica
# killed with -9 mid-delivery and restarted, two replicas with one killed.
# It counts the alerts delivered, lost and duplicated from the fake's record
# and fails unless 0 are lost and 0 duplicated.
#
#   scripts/chaos.sh            # N = 100 callbacks per scenario (CI)
#   scripts/chaos.sh 1000       # the long run
#   CHAOS_RUN=TwoReplicas scripts/chaos.sh 100   # one scenario
#
# Needs Go and redis-server on PATH; uses only loopback ports it picks.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-${CHAOS_N:-100}}"
if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n == 0 || n % 5 != 0 )); then
  echo "chaos: N=$n: use a positive multiple of 5 (each member sends 5 callbacks)" >&2
  exit 2
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "chaos: redis-server is not installed (apt-get install redis-server)" >&2
  exit 2
fi
exec go test -tags chaos -count=1 -v -timeout "${CHAOS_TIMEOUT:-60m}" \
  -run "${CHAOS_RUN:-TestChaos}" ./scripts/chaos/ -chaos.n "$n" -chaos.faults "${CHAOS_FAULTS:-0.30}"
