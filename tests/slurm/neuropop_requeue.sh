#!/usr/bin/env bash
# A neuropop run killed part-way and requeued continues where it stopped: the first run (2 ranks
# under slurm/run.sbatch) is SIGKILLed after 3 work items by neuropop's test hook
# NEUROPOP_TEST_KILL_AFTER_ITEMS, so the job fails leaving its work folder; `scontrol requeue`
# reruns it with --resume (SLURM_RESTART_COUNT 1, without the hook), it completes, and its
# results equal those of an uninterrupted direct run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
require_neuropop
d=$(workdir neuropop_requeue)
write_small_job "$d/study.ini"
"$NEUROPOP_BIN" run "$d/study.ini" --output "$d/direct.h5" --threads 1 --quiet ||
  fail "the direct run failed"
cat >"$d/neuropop.sh" <<S
#!/bin/bash
[ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ] || export NEUROPOP_TEST_KILL_AFTER_ITEMS=3
exec "$NEUROPOP_BIN" "\$@"
S
chmod +x "$d/neuropop.sh"

submitted=$(cd "$d" && NEUROPOP_BIN=$d/neuropop.sh "$root/slurm/submit" study.ini --ntasks 2 \
  --output slurm.h5) || fail "submit failed: $submitted"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id: $submitted"
track "$id"
wait_gone "$id" 90
log=$d/neuropop-study-$id.out
[ "$(job_field "$id" JobState)" = FAILED ] || { cat "$log"; fail "killed run ended $(job_field "$id" JobState), not FAILED"; }
[ ! -e "$d/slurm.h5" ] || fail "a killed run left a complete results file"
items=$(find "$d/slurm.h5.partial.d/items" -name '*.h5' 2>/dev/null | wc -l)
((items >= 3)) || fail "the killed run left $items completed items, expected at least 3"

scontrol requeue "$id" || fail "scontrol requeue $id failed"
release_requeued "$id"
wait_gone "$id" 90
cat "$log"
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "requeued run ended $(job_field "$id" JobState)"
[ "$(job_field "$id" Restarts)" = 1 ] || fail "Restarts=$(job_field "$id" Restarts), expected 1"
grep -q "^run.sbatch: srun .* --output $d/slurm.h5 --resume$" "$log" || fail "the rerun had no --resume"
[ -f "$d/slurm.h5" ] || fail "no results file after the rerun"
[ ! -e "$d/slurm.h5.partial.d" ] || fail "work folder left behind after the rerun"
same_results "$d/direct.h5" "$d/slurm.h5"
echo "job $id: killed after $items items, requeued, resumed, results identical to the direct run"
