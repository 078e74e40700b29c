#!/usr/bin/env bash
# slurm/submit --dry-run prints the exact sbatch commands (absolute paths, the options given,
# the chained merge) and submits nothing; bad usage exits 2 with one line. Needs no Slurm.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
d=$(workdir submit_dry_run)
printf '[data]\nsessions = sessions/\n' >"$d/study.ini"
cd "$d" || fail "cannot enter $d"
export PATH=/usr/local/bin:/usr/bin:/bin # sbatch is never called: a dry run works without it

out=$("$root/slurm/submit" study.ini --nodes 2 --ntasks 8 --cpus-per-task 4 --time 2:00:00 \
  --partition compute --output results/study.h5 --dry-run 2>/dev/null) || fail "dry run failed"
want="sbatch --parsable --export=ALL,NEUROPOP_ROOT=$root --job-name=neuropop-study --nodes=2 --ntasks=8 --cpus-per-task=4 --time=2:00:00 --partition=compute $root/slurm/run.sbatch $d/study.ini $d/results/study.h5"
[ "$out" = "$want" ] || fail "single run: got
$out
expected
$want"

out=$("$root/slurm/submit" study.ini --array 16 --throttle 4 --ntasks 2 --partition compute \
  --output "my results/study.h5" --name np --dry-run 2>/dev/null) || fail "array dry run failed"
want="sbatch --parsable --export=ALL,NEUROPOP_ROOT=$root --job-name=np-shard --array=0-15%4 --ntasks=2 --partition=compute $root/slurm/array.sbatch $d/study.ini '$d/my results/study.h5' 16
sbatch --parsable --export=ALL,NEUROPOP_ROOT=$root --job-name=np-merge '--dependency=afterok:<array-job-id>' --partition=compute $root/slurm/merge.sbatch '$d/my results/study.h5' 16"
[ "$out" = "$want" ] || fail "array: got
$out
expected
$want"
[ ! -e "$d/my results" ] || fail "a dry run created the output folder"

# Without --time and --mem, a single run gets both from `neuropop plan` (the IT job: real data).
out=$("$root/slurm/submit" "$root/examples/jobs/zhang-desimone-it.ini" --ntasks 2 --cpus-per-task 1 \
  --dry-run 2>"$d/plan.err") || fail "dry run with an estimate failed: $(cat "$d/plan.err")"
[[ $out =~ --time=([0-9][0-9]):([0-9][0-9]):([0-9][0-9]) ]] || fail "no proposed --time in: $out"
[[ $out =~ --mem=([0-9]+)M ]] || fail "no proposed --mem in: $out"
((BASH_REMATCH[1] >= 80)) || fail "proposed --mem=${BASH_REMATCH[1]}M is below the process baseline"
grep -q '"core_hours"' "$d/plan.err" || fail "the estimate was not shown: $(cat "$d/plan.err")"
out=$("$root/slurm/submit" "$root/examples/jobs/zhang-desimone-it.ini" --time 0:30:00 --mem 2G --dry-run \
  2>/dev/null) || fail "dry run with --time and --mem failed"
[[ $out == *"--time=0:30:00 --mem=2G "* ]] || fail "--time/--mem not kept as given: $out"

expect_usage_error() {
  local msg=$1 got rc=0
  shift
  got=$("$root/slurm/submit" "$@" --dry-run 2>&1 >/dev/null) || rc=$?
  [ "$rc" = 2 ] || fail "submit $* exited $rc, expected 2"
  [[ $got == *"$msg"* ]] || fail "submit $*: message '$got' lacks '$msg'"
}
expect_usage_error "--array needs --output" study.ini --array 4
expect_usage_error "--throttle needs --array" study.ini --throttle 2
expect_usage_error "--ntasks needs a positive integer, got '0'" study.ini --ntasks 0
expect_usage_error "cannot read job file 'missing.ini'" missing.ini
expect_usage_error "unknown option --bogus" study.ini --bogus
echo "dry-run commands and usage errors as expected"
