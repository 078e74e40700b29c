#!/usr/bin/env bash
# A failing shard: one work item of shard 1 fails (NEUROPOP_TEST_FAIL_ITEMS), so array task 1
# ends FAILED and the merge job stays pending, DependencyNeverSatisfied, never running. Then,
# as slurm/README.md says: cancel that merge, rerun shard 1 alone (sbatch --array=1, which
# resumes from the shard's completed items) and a new merge after it; the result equals the
# whole job run at once under mpirun.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
require_neuropop
d=$(workdir neuropop_array_fail)
write_generated_job "$d"
run_under_mpirun "$d/study.ini" "$d/direct.h5"
# Shard 1 of 3 holds the session at key position 1.
key=$(/usr/bin/python3 -c 'import sys, h5py; print(h5py.File(sys.argv[1], "r")["inventory/sessions/key"][1].decode())' "$d/direct.h5")
item=fa/$key/CA1/0

submitted=$(cd "$d" && NEUROPOP_TEST_FAIL_ITEMS=$item "$root/slurm/submit" study.ini --array 3 \
  --output res/out.h5) || fail "submit failed: $submitted"
ids=$(sed -n 's/^submit: array job \([0-9]*\) (3 shards), merge job \([0-9]*\) .*/\1 \2/p' <<<"$submitted")
read -r array_id merge_id <<<"$ids"
[ -n "${merge_id:-}" ] || fail "submit printed no array and merge job ids: $submitted"
track "$array_id"
track "$merge_id"
wait_gone "$array_id" 90
[ "$(job_field "${array_id}_1" JobState)" = FAILED ] || fail "shard 1 ended $(job_field "${array_id}_1" JobState)"
for i in 0 2; do
  [ "$(job_field "${array_id}_$i" JobState)" = COMPLETED ] || fail "shard $i ended $(job_field "${array_id}_$i" JobState)"
done
grep -q "injected failure" "$d/neuropop-study-shard-${array_id}_1.out" || fail "shard 1 log does not name the failure"
for ((i = 0; i < 60; i++)); do
  [ "$(job_field "$merge_id" Reason)" = DependencyNeverSatisfied ] && break
  sleep 0.5
done
[ "$(job_field "$merge_id" JobState)" = PENDING ] || fail "merge job is $(job_field "$merge_id" JobState), not PENDING"
[ "$(job_field "$merge_id" Reason)" = DependencyNeverSatisfied ] ||
  fail "merge job waits for $(job_field "$merge_id" Reason), not DependencyNeverSatisfied"
[ ! -e "$d/res/out.h5" ] || fail "a merge ran despite the failed shard"
scancel "$merge_id"

# Shard 1 alone, then a new merge after it (the commands slurm/README.md gives).
rerun=$(cd "$d" && sbatch --parsable --array=1 --export="ALL,NEUROPOP_ROOT=$root" \
  "$root/slurm/array.sbatch" study.ini res/out.h5 3) || fail "sbatch of shard 1 alone failed"
rerun=${rerun%%;*}
track "$rerun"
merge2=$(cd "$d" && sbatch --parsable --dependency="afterok:$rerun" --export="ALL,NEUROPOP_ROOT=$root" \
  "$root/slurm/merge.sbatch" res/out.h5 3) || fail "sbatch of the new merge failed"
merge2=${merge2%%;*}
track "$merge2"
wait_gone "$rerun" 60
wait_gone "$merge2" 60
log=$d/neuropop-shard-${rerun}_1.out
cat "$log"
[ "$(job_field "$rerun" JobState)" = COMPLETED ] || fail "shard 1 rerun ended $(job_field "$rerun" JobState)"
grep -q -- "--shard 1/3 .*--resume$" "$log" || fail "the rerun of shard 1 did not resume"
cat "$d/neuropop-merge-$merge2.out"
[ "$(job_field "$merge2" JobState)" = COMPLETED ] || fail "the new merge ended $(job_field "$merge2" JobState)"
same_as_single "$d/direct.h5" "$d/res/out.h5" resumed
echo "failed shard held the merge back; shard 1 rerun alone + new merge: identical to the mpirun run"
