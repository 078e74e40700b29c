#!/usr/bin/env bash
# The array path with the real binary: slurm/submit --array 3 --throttle 2 runs
# `neuropop run --shard i/3` in three array tasks, then the chained merge job runs `neuropop
# merge`; the merged file equals the same job run at once under mpirun, except where
# engine/drivers/merge.hpp says it may differ (same_as_single), and no shard's partial files are left.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
require_neuropop
d=$(workdir neuropop_array)
write_generated_job "$d"
run_under_mpirun "$d/study.ini" "$d/direct.h5"

submit_array_and_merge "$d"
grep -q "^neuropop merge: .*3 shards" "$log" || fail "no neuropop merge summary in $log"
for i in 0 1 2; do
  f=$d/res/out.shard-$i.h5
  [ -f "$f" ] || fail "no shard file $f"
  [ ! -e "$f.partial" ] && [ ! -e "$f.partial.d" ] || fail "shard $i left partial files"
done
[ ! -e "$d/res/out.h5.partial" ] || fail "the merge left out.h5.partial"
same_as_single "$d/direct.h5" "$d/res/out.h5"
echo "array job $array_id + merge $merge_id: identical to the mpirun run"
