#!/usr/bin/env bash
# The real path: slurm/submit --ntasks 2 runs `srun --mpi=pmix neuropop run` as 2 MPI ranks on a
# small real job; it completes, leaves only the results file (no OUT.partial, no work folder),
# logs neuropop's summary, and its results equal those of the same job run directly in one
# process without Slurm.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
require_neuropop
d=$(workdir neuropop_run)
write_small_job "$d/study.ini"
"$NEUROPOP_BIN" run "$d/study.ini" --output "$d/direct.h5" --threads 1 --quiet ||
  fail "the direct run failed"

submitted=$(cd "$d" && "$root/slurm/submit" study.ini --ntasks 2 --cpus-per-task 1 --output slurm.h5) ||
  fail "submit failed: $submitted"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id: $submitted"
track "$id"
wait_gone "$id" 90
log=$d/neuropop-study-$id.out
cat "$log"
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
[ -f "$d/slurm.h5" ] || fail "no results file slurm.h5"
[ ! -e "$d/slurm.h5.partial" ] && [ ! -e "$d/slurm.h5.partial.d" ] || fail "partial files left behind"
grep -q "2 ranks x 1 thread" "$log" || fail "neuropop's summary in the log does not say 2 ranks x 1 thread"
same_results "$d/direct.h5" "$d/slurm.h5"
echo "job $id: 2 ranks under srun --mpi=pmix, results identical to the direct run"
