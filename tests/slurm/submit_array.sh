#!/usr/bin/env bash
# slurm/submit --array 3 --throttle 2: three array tasks each run `run JOB --shard i/3 --output
# OUT.shard-i.h5`, at most two at a time, then the merge job (afterok) runs `merge OUT
# OUT.shard-0.h5 OUT.shard-1.h5 OUT.shard-2.h5` once all three succeeded. An mpicc-built probe
# stands in for neuropop and creates each --output file. Then shard 1 alone, rerun with
# sbatch --array=1, is still shard 1/3.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir submit_array)
build_mpi_probe "$d"
export NEUROPOP_BIN=$d/probe
printf '[data]\nsessions = sessions/\n' >"$d/study.ini"
submitted=$(cd "$d" && "$root/slurm/submit" study.ini --array 3 --throttle 2 --output res/out.h5) ||
  fail "submit failed: $submitted"
echo "$submitted"
ids=$(sed -n 's/^submit: array job \([0-9]*\) (3 shards), merge job \([0-9]*\) .*/\1 \2/p' <<<"$submitted")
read -r array_id merge_id <<<"$ids"
[ -n "${merge_id:-}" ] || fail "submit printed no array and merge job ids"
track "$array_id"
track "$merge_id"
[ "$(job_field "$array_id" ArrayTaskThrottle)" = 2 ] || fail "array throttle is not 2"
wait_gone "$array_id" 60
wait_gone "$merge_id" 30
# afterok: the merge started no earlier than the last shard ended (ISO times sort as strings).
last_end=$(scontrol show job "$array_id" -o | grep -o 'EndTime=[^ ]*' | cut -d= -f2 | sort | tail -n 1)
merge_start=$(job_field "$merge_id" StartTime)
[[ ! $merge_start < $last_end ]] || fail "merge started at $merge_start, before the last shard ended at $last_end"
shards=()
for i in 0 1 2; do
  log=$d/neuropop-study-shard-${array_id}_$i.out
  cat "$log"
  grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: run $d/study.ini --shard $i/3 --output $d/res/out.shard-$i.h5 --threads 1" "$log" ||
    fail "array task $i did not run shard $i/3 into res/out.shard-$i.h5"
  shards+=("$d/res/out.shard-$i.h5")
done
log=$d/neuropop-study-merge-$merge_id.out
cat "$log"
[ "$(job_field "$merge_id" JobState)" = COMPLETED ] || fail "merge job ended $(job_field "$merge_id" JobState)"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: merge $d/res/out.h5 ${shards[*]}" "$log" ||
  fail "merge job did not run 'merge OUT SHARD...'"

# One shard rerun alone (after a failure) is still shard 1 of 3, not shard 0 of 1.
rerun=$(cd "$d" && sbatch --parsable --array=1 --export="ALL,NEUROPOP_ROOT=$root" \
  "$root/slurm/array.sbatch" study.ini res/out.h5 3) || fail "sbatch of shard 1 alone failed"
track "$rerun"
wait_gone "$rerun" 30
log=$d/neuropop-shard-${rerun}_1.out
cat "$log"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: run study.ini --shard 1/3 --output res/out.shard-1.h5 --threads 1" "$log" ||
  fail "shard 1 rerun alone did not run --shard 1/3"
