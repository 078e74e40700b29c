#!/usr/bin/env bash
# A requeued slurm/run.sbatch job continues with --resume: the first run (restart 0) gets no
# --resume, the rerun after `scontrol requeue` (restart 1) does, and both append to one log.
# The probe standing in for neuropop sleeps on its first run so that it can be requeued.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir submit_requeue)
build_mpi_probe "$d"
cat >"$d/bin.sh" <<S
#!/bin/bash
$d/probe "\$@"
[ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ] || sleep 60
S
chmod +x "$d/bin.sh"
export NEUROPOP_BIN=$d/bin.sh
printf '[data]\nsessions = sessions/\n' >"$d/study.ini"
submitted=$(cd "$d" && "$root/slurm/submit" study.ini --ntasks 1 --output out.h5) || fail "submit failed"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id: $submitted"
track "$id"
log=$d/neuropop-study-$id.out
wait_state "$id" RUNNING 30
for ((i = 0; i < 60; i++)); do grep -q '^rank 0' "$log" 2>/dev/null && break; sleep 0.25; done
grep -q '^rank 0' "$log" || fail "first run never started the binary"
scontrol requeue "$id" || fail "scontrol requeue $id failed"
release_requeued "$id"
wait_gone "$id" 30
cat "$log"
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
args="run $d/study.ini --threads 1 --output $d/out.h5"
[ "$(grep -c '^rank 0' "$log")" = 2 ] || fail "expected two runs in $log"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: $args" "$log" || fail "first run was not '$args'"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: $args --resume" "$log" || fail "rerun was not '$args --resume'"
