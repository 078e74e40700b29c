#!/usr/bin/env bash
# slurm/submit + slurm/run.sbatch, with an mpicc-built probe standing in for the neuropop binary
# (NEUROPOP_BIN), so that what the template hands to the binary is seen exactly:
#  1. --ntasks 2 --cpus-per-task 1: two ranks of one MPI world, `run JOB --threads 1 --output
#     OUT`, OMPI_MCA_fcoll=dynamic_gen2, log named <name>-<jobid>.out, no --resume;
#  2. --ntasks 1 --cpus-per-task 2 with the work folder OUT.partial.d of an interrupted run:
#     one rank, --threads 2, --resume;
#  3. no --output, OUT.partial at the job file's [output] path: --resume.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir submit_run)
build_mpi_probe "$d"
export NEUROPOP_BIN=$d/probe
printf '[data]\nsessions = sessions/\n' >"$d/study.ini"

submitted=$(cd "$d" && "$root/slurm/submit" study.ini --ntasks 2 --cpus-per-task 1 --time 5 \
  --output out.h5) || fail "submit failed: $submitted"
echo "$submitted"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id"
track "$id"
grep -qx "  progress: tail -f $d/neuropop-study-$id.out" <<<"$submitted" || fail "no progress hint naming the log"
wait_gone "$id" 30
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
log=$d/neuropop-study-$id.out
cat "$log"
args="run $d/study.ini --threads 1 --output $d/out.h5"
for r in 0 1; do
  grep -qx "rank $r of 2 sum 1 fcoll dynamic_gen2 args: $args" "$log" ||
    fail "rank $r of 2 did not run '$args' with fcoll dynamic_gen2"
done
[ -e "$d/out.h5" ] || fail "the binary was not given --output $d/out.h5"

rm -f "$d/out.h5"
mkdir "$d/out.h5.partial.d"
submitted=$(cd "$d" && "$root/slurm/submit" study.ini --name resumed --ntasks 1 --cpus-per-task 2 \
  --output out.h5) || fail "submit failed: $submitted"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id"
track "$id"
wait_gone "$id" 30
log=$d/resumed-$id.out
cat "$log"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: run $d/study.ini --threads 2 --output $d/out.h5 --resume" "$log" ||
  fail "with out.h5.partial.d present the run was not one rank with --threads 2 --resume"

# 3. No --output: the partial file is looked for at the job file's [output] path, taken
#    relative to the job file's folder, as neuropop does.
mkdir -p "$d/jobs" "$d/res"
printf '[data]\nsessions = sessions/\n[output]\n# path = elsewhere.h5\npath = ../res/study.h5  # results\n' >"$d/jobs/study.ini"
touch "$d/res/study.h5.partial"
submitted=$(cd "$d" && "$root/slurm/submit" jobs/study.ini --name ini-path --ntasks 1) ||
  fail "submit failed: $submitted"
id=$(sed -n 's/^submit: job \([0-9]*\)$/\1/p' <<<"$submitted")
[ -n "$id" ] || fail "submit printed no job id"
track "$id"
wait_gone "$id" 30
log=$d/ini-path-$id.out
cat "$log"
grep -qx "rank 0 of 1 sum 0 fcoll dynamic_gen2 args: run $d/jobs/study.ini --threads 1 --resume" "$log" ||
  fail "with res/study.h5.partial present (the job file's output.path) the run had no --resume"
