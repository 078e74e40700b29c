#!/usr/bin/env bash
# A batch script submitted with sbatch runs on the node and its output file appears, named by
# job id, holding what the script printed; the job ends COMPLETED with exit code 0.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir sbatch_output)
cat >"$d/hello.sh" <<'S'
#!/bin/bash
echo "hello from job $SLURM_JOB_ID on $(hostname -s) in $PWD"
S
id=$(cd "$d" && sbatch --parsable --job-name=np-hello --output=%x-%j.out hello.sh) || fail "sbatch failed"
track "$id"
wait_gone "$id" 30
[ "$(job_field "$id" JobState)" = COMPLETED ] || fail "job $id ended $(job_field "$id" JobState)"
[ "$(job_field "$id" ExitCode)" = 0:0 ] || fail "job $id exit code $(job_field "$id" ExitCode)"
log=$d/np-hello-$id.out
[ -s "$log" ] || fail "no output file $log"
want="hello from job $id on $(hostname -s) in $d"
[ "$(cat "$log")" = "$want" ] || fail "output is '$(cat "$log")', expected '$want'"
echo "job $id: $(cat "$log")"
