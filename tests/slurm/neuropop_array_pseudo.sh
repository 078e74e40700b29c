#!/usr/bin/env bash
# Slurm arrays pool across sessions: a job with [pseudo] (pooled PCA per region and per animal,
# with nulls; tests/mpi/test_merge.cpp covers pooled decoding) split by slurm/submit --array 3
# into three shards, none of which pools anything; the chained merge job (one srun rank) runs
# the resamples, nulls and their summaries over the shards' /binned. Then the same shards merged again with srun --ntasks=2. Both merged files
# equal the job run at once under mpirun (same_as_single: /pseudo and /summary included).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
require_neuropop
d=$(workdir neuropop_array_pseudo)
write_generated_job "$d"
cat >>"$d/study.ini" <<INI
[pseudo]
enabled = true
analyses = pca
trials = 8
resamples = 2
nulls = 4
nulls_per_item = 2
per_animal = true
bootstrap = 20
INI
run_under_mpirun "$d/study.ini" "$d/direct.h5"
h5ls "$d/direct.h5/pseudo" >/dev/null 2>&1 || fail "the mpirun run wrote no /pseudo"

submit_array_and_merge "$d"
grep -q "^neuropop merge: .*3 shards.*items across sessions" "$log" ||
  fail "the merge in $log ran no pooled items"
for i in 0 1 2; do
  f=$d/res/out.shard-$i.h5
  [ -f "$f" ] || fail "no shard file $f"
  ! h5ls "$f/pseudo" >/dev/null 2>&1 || fail "shard $i pooled sessions: it has /pseudo"
done
[ ! -e "$d/res/out.h5.partial" ] && [ ! -e "$d/res/out.h5.partial.d" ] ||
  fail "the merge left out.h5.partial or out.h5.partial.d"
same_as_single "$d/direct.h5" "$d/res/out.h5"

# The same shards merged by two srun ranks.
mv "$d/res/out.h5" "$d/res/out-1rank.h5"
merge2=$(cd "$d" && sbatch --parsable --ntasks=2 --export="ALL,NEUROPOP_ROOT=$root,NEUROPOP_BIN=$NEUROPOP_BIN" \
  "$root/slurm/merge.sbatch" res/out.h5 3) || fail "sbatch of the 2-rank merge failed"
merge2=${merge2%%;*}
track "$merge2"
wait_gone "$merge2" 60
cat "$d/neuropop-merge-$merge2.out"
[ "$(job_field "$merge2" JobState)" = COMPLETED ] || fail "2-rank merge job ended $(job_field "$merge2" JobState)"
grep -q "^neuropop merge: .*items across sessions.*2 ranks" "$d/neuropop-merge-$merge2.out" ||
  fail "the 2-rank merge did not run on 2 ranks with pooled items"
same_as_single "$d/direct.h5" "$d/res/out.h5"
echo "array job $array_id + merges $merge_id (1 rank), $merge2 (2 ranks): identical to the mpirun run"
