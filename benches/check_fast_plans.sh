#!/usr/bin/env bash
# Fast-strategy (or, with STRATEGY=windows, time-window) plans of generated
# documents, every generator flag, checked
# by an independent plan checker (a separate program, given by its path:
# it reads `DOC PLAN` and exits 0 when the plan holds every constraint and
# its costs add up).
#
#   [STRATEGY=windows] benches/check_fast_plans.sh CHECKER [DOCUMENTS] [BIN]
#
# Prints each plan the checker refuses and a summary line. A document whose
# model is a MILP gets the exact strategy's plan, checked the same way.
set -euo pipefail
checker=${1:?usage: benches/check_fast_plans.sh CHECKER [DOCUMENTS] [BIN]}
count=${2:-120}
bin=${3:-target/release/chainplan}
strategy=${STRATEGY:-fast}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ok=0 refused=0 fast=0 failed=0
for seed in $(seq 1 "$count"); do
  flags=()
  (( seed % 5 == 1 )) && flags+=(--setups)
  (( seed % 7 == 3 )) && flags+=(--renovations 1)
  (( seed % 4 >= 2 )) && flags+=(--shares)
  (( seed % 3 == 0 )) && flags+=(--carbon)
  doc=$work/d$seed.json plan=$work/p$seed.json
  "$bin" generate --suppliers $((3 + seed % 8)) --items-per-tier $((1 + seed % 3)) \
    --periods $((4 + seed % 10)) --customers $((1 + seed % 3)) --seed "$seed" \
    "${flags[@]}" --out "$doc"
  if ! "$bin" solve "$doc" --strategy "$strategy" --time-limit 60 --format json --out "$plan" 2>/dev/null; then
    failed=$((failed + 1)); echo "seed $seed: no plan"; continue
  fi
  grep -q "\"strategy\": \"$strategy\"" "$plan" && fast=$((fast + 1))
  if python3 "$checker" "$doc" "$plan" > "$work/check.txt" 2>/dev/null; then
    ok=$((ok + 1))
  else
    refused=$((refused + 1)); echo "seed $seed ${flags[*]}: $(head -3 "$work/check.txt")"
  fi
done
echo "documents $count, $strategy plans $fast, checker ok $ok, refused $refused, no plan $failed"
