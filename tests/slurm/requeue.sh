#!/usr/bin/env bash
# `scontrol requeue` of a running batch job kills it and runs it again: the output file (opened
# in append mode) then holds a first run with SLURM_RESTART_COUNT 0 and a second with 1.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir requeue)
cat >"$d/long.sh" <<'S'
#!/bin/bash
echo "run restart=${SLURM_RESTART_COUNT:-0}"
[ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && exit 0
sleep 60
S
id=$(cd "$d" && sbatch --parsable --requeue --open-mode=append --job-name=np-requeue \
  --output=%x-%j.out long.sh) || fail "sbatch failed"
track "$id"
wait_state "$id" RUNNING 30
log=$d/np-requeue-$id.out
for ((i = 0; i < 40; i++)); do grep -q 'restart=0' "$log" 2>/dev/null && break; sleep 0.25; done
scontrol requeue "$id" || fail "scontrol requeue $id failed"
release_requeued "$id"
wait_gone "$id" 30
[ "$(job_field "$id" Restarts)" = 1 ] || fail "job $id Restarts=$(job_field "$id" Restarts), expected 1"
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
grep -q 'restart=0' "$log" || fail "no first run in $log"
grep -q 'restart=1' "$log" || fail "no second run after the requeue in $log"
cat "$log"
