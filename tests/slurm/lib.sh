# shellcheck shell=bash disable=SC2034
# Shared by the slurm-tier test scripts (sourced). Each test prints what it checks and fails
# with one line naming the check; it exits 77 (CTest: skipped) when the Slurm packages are
# not installed, so a machine without them says so instead of passing silently.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cluster=$root/slurm/local-cluster
export NEUROPOP_SLURM_DIR=${NEUROPOP_SLURM_DIR:-/tmp/neuropop-slurm}
export SLURM_CONF=$NEUROPOP_SLURM_DIR/slurm.conf

# Jobs a test submitted are cancelled when it exits, so a failed test leaves the node idle.
submitted_jobs=()
track() { submitted_jobs+=("$1"); }
cancel_tracked() {
  ((${#submitted_jobs[@]} == 0)) || scancel "${submitted_jobs[@]}" 2>/dev/null || true
}
trap cancel_tracked EXIT

# Prints the reason, then the end of the cluster's logs (they go with the cluster at cleanup).
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$NEUROPOP_SLURM_DIR"/log/slurmctld.log "$NEUROPOP_SLURM_DIR"/log/slurmd.log; do
    [ -r "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}

require_slurm() {
  local b
  for b in sbatch srun squeue scontrol slurmctld slurmd munged; do
    if ! command -v "$b" >/dev/null; then
      echo "SKIP: '$b' not found: the Slurm packages are not installed" \
        "(apt-get install slurm-wlm munge libpmix-dev, or scripts/deps.sh)"
      exit 77
    fi
  done
}

# A fresh folder for this test's files, under the build tree (jobs run there as root).
workdir() {
  local d=$NEUROPOP_TEST_WORK/$1
  rm -rf "$d"
  mkdir -p "$d"
  echo "$d"
}

job_field() { scontrol show job "$1" -o 2>/dev/null | grep -o "$2=[^ ]*" | head -n 1 | cut -d= -f2; }

# Waits until job ID (or every task of array job ID) has left the queue, at most SECONDS.
wait_gone() {
  local id=$1 limit=$2 i
  for ((i = 0; i < limit * 4; i++)); do
    [ -z "$(squeue -h -j "$id" -o %i 2>/dev/null)" ] && return 0
    sleep 0.25
  done
  squeue -j "$id" >&2 || true
  fail "job $id still queued after $limit s"
}

# Waits for job ID to reach STATE (e.g. RUNNING, PENDING), at most SECONDS.
wait_state() {
  local id=$1 want=$2 limit=$3 i state=""
  for ((i = 0; i < limit * 4; i++)); do
    state=$(job_field "$id" JobState)
    [ "$state" = "$want" ] && return 0
    sleep 0.25
  done
  fail "job $id is $state, not $want, after $limit s"
}

# Moves requeued job ID, pending in Slurm's hold of about two minutes (BeginTime), to run now.
# Two races the hold normally hides are waited out first: a rerun started while the step
# daemons of the previous run linger reuses their step ids and fails (pmix: "Cannot bind() ...
# Address already in use"); one started in the same second as the kill is refused by slurmd
# ("Job credential revoked": revocation times have one-second resolution).
release_requeued() {
  local id=$1 i now
  wait_state "$id" PENDING 30
  for ((i = 0; i < 120; i++)); do
    pgrep -f "^slurmstepd: \[$id\." >/dev/null || break
    sleep 0.25
  done
  ! pgrep -f "^slurmstepd: \[$id\." >/dev/null || fail "step daemons of job $id still running 30 s after it ended"
  now=$(date +%s)
  while [ "$(date +%s)" -le "$now" ]; do sleep 0.1; done
  scontrol update JobId="$id" StartTime=now || fail "could not move the start time of job $id"
}

# A tiny MPI program, compiled with mpicc: each rank prints its rank, the world size, the sum of
# all ranks (an Allreduce, so the ranks really talk to each other), OMPI_MCA_fcoll and its
# arguments; rank 0 creates the file after --output, as neuropop run would.
build_mpi_probe() {
  local d=$1
  cat >"$d/probe.c" <<'C'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 0, sum = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    const char* fcoll = getenv("OMPI_MCA_fcoll");
    printf("rank %d of %d sum %d fcoll %s args:", rank, size, sum, fcoll ? fcoll : "unset");
    for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
    printf("\n");
    for (int i = 1; rank == 0 && i + 1 < argc; ++i) {
        if (strcmp(argv[i], "--output") == 0) {
            FILE* f = fopen(argv[i + 1], "w");
            if (!f) return 1;
            fclose(f);
        }
    }
    MPI_Finalize();
    return 0;
}
C
  mpicc -O1 -o "$d/probe" "$d/probe.c" || fail "mpicc could not build the MPI probe"
}

# The neuropop binary under test (the build tree's, passed by CTest as NEUROPOP_BIN).
require_neuropop() {
  [ -n "${NEUROPOP_BIN:-}" ] && [ -x "$NEUROPOP_BIN" ] || fail "NEUROPOP_BIN is not an executable: '${NEUROPOP_BIN:-}'"
}

# A small real job: three sessions of the Zhang & Desimone IT recordings in the repository
# (data/zhang-desimone-it, see its README), the analyses of examples/jobs/zhang-desimone-it.ini with
# fewer cvPCA shuffles so that it runs in seconds.
write_small_job() {
  local nwb=$root/data/zhang-desimone-it/nwb
  cat >"$1" <<INI
[data]
sessions = $nwb/zhang-desimone-it-1001.nwb, $nwb/zhang-desimone-it-1002.nwb, $nwb/zhang-desimone-it-1003.nwb
regions = IT
min_units = 4
[align]
event = stim_on_time
start = -0.5
stop = 0.5
bin_width = 0.05
[conditions]
columns = stimulus_ID, stimulus_position
[run]
seed = 2011
[pca]
components = 4
windows = baseline:-0.4:0, response:0.1:0.5
[cvpca]
shuffles = 2
[fa]
factors = 2
window = response:0.1:0.5
INI
}

# Fails unless results files A and B hold the same analysis results: h5diff of /binned and
# /sessions (exact: the results are bitwise the same whatever the rank count; the root
# attributes and /progress record ranks and timings, so they differ).
same_results() {
  local g
  for g in /binned /sessions; do
    h5diff "$1" "$2" "$g" "$g" >/dev/null || fail "$1 and $2 differ in $g: $(h5diff "$1" "$2" "$g" "$g" 2>&1 | head -n 4)"
  done
}

# A small generated job for the array tests: 4 sessions of two regions (so 3 shards hold two,
# one and one sessions), written by `neuropop generate` into DIR/nwb, job file DIR/study.ini.
write_generated_job() {
  local d=$1
  "$NEUROPOP_BIN" generate --out "$d/nwb" --sessions 4 --subjects 2 --regions VISp,CA1 \
    --units 20 --trials 80 --conditions 3 --seed 5 >/dev/null || fail "neuropop generate failed"
  cat >"$d/study.ini" <<INI
[data]
sessions = nwb
[align]
event = stim_on_time
start = -0.2
stop = 0.6
bin_width = 0.05
[conditions]
columns = stimulus, control
[run]
seed = 7
[pca]
components = 3
windows = response:0.05:0.45
[cvpca]
shuffles = 2
[fa]
factors = 2
window = response:0.05:0.45
INI
}

# The same job run at once under mpirun (2 ranks): the reference for merged shards.
run_under_mpirun() {
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 \
    "$NEUROPOP_BIN" run "$1" --output "$2" --threads 1 --quiet || fail "the mpirun run of $1 failed"
}

# Fails unless MERGED (a merge of shards) differs from SINGLE (the whole job run at once) only
# where engine/drivers/merge.hpp says it may: root attributes of the invocation and the read/write
# totals, /progress rank, seconds and bytes read; and always in the job's output path and the
# merge's own attribute. With a third argument "resumed", a shard was resumed: its items say so,
# as after a resumed single run (/progress/status "resumed", /@items_resumed), and must.
same_as_single() {
  local single=$1 merged=$2 resumed=${3:-} diffs line
  diffs=$(/usr/bin/python3 "$root/tests/slurm/results_diff.py" "$single" "$merged") ||
    fail "results_diff.py failed on $single $merged"
  while IFS= read -r line; do
    case $line in
      "" | /@created | "/@job(run flags)" | /@ranks | /@threads | /@mpio_collective_writes | \
        /@mpio_independent_writes | /progress/rank | /progress/seconds | /progress/bytes_read | \
        /progress/bytes_written | \
        /@bytes_read | /@bytes_read_item_files | /@bytes_read_populations | /@bytes_read_sources | \
        /@bytes_written | /@cache_hits | /@cache_misses | /@cache_evictions | /@cache_mb_per_rank | \
        /@items_on_holding_rank | \
        "only in B: /@merged_shards") ;;
      /@items_resumed | /progress/status) [ "$resumed" = resumed ] || fail "$merged differs from $single in $line" ;;
      *) fail "$merged differs from $single in $line" ;;
    esac
  done <<<"$diffs"
  if [ "$resumed" = resumed ]; then
    grep -qx /@items_resumed <<<"$diffs" || fail "$merged does not count the resumed items"
  fi
  grep -qx "only in B: /@merged_shards" <<<"$diffs" || fail "$merged has no merged_shards attribute"
  grep -qx "/@job(run flags)" <<<"$diffs" || fail "$merged: job text not as expected"
  for g in /binned /sessions /inventory /summary /pseudo; do
    # /summary and /pseudo only when the job writes them.
    case $g in /summary | /pseudo) h5ls "$single/${g#/}" >/dev/null 2>&1 || continue ;; esac
    h5diff "$single" "$merged" "$g" "$g" >/dev/null || fail "$single and $merged differ in $g"
  done
  echo "$merged equals $single except: $(tr '\n' ' ' <<<"$diffs")"
}

# slurm/submit an array of 3 shards of $1/study.ini and its chained merge (output res/out.h5),
# wait for both, print the merge log and fail unless the merge completed. Sets array_id,
# merge_id and log (the merge job's output file).
submit_array_and_merge() {
  local d=$1 submitted ids
  submitted=$(cd "$d" && "$root/slurm/submit" study.ini --array 3 --throttle 2 --output res/out.h5) ||
    fail "submit failed: $submitted"
  echo "$submitted"
  ids=$(sed -n 's/^submit: array job \([0-9]*\) (3 shards), merge job \([0-9]*\) .*/\1 \2/p' <<<"$submitted")
  read -r array_id merge_id <<<"$ids"
  [ -n "${merge_id:-}" ] || fail "submit printed no array and merge job ids"
  track "$array_id"
  track "$merge_id"
  wait_gone "$array_id" 90
  wait_gone "$merge_id" 60
  log=$d/neuropop-study-merge-$merge_id.out
  cat "$log"
  [ "$(job_field "$merge_id" JobState)" = COMPLETED ] || fail "merge job ended $(job_field "$merge_id" JobState)"
}
