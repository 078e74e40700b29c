#!/usr/bin/env bash
# srun --mpi=pmix -n 2 launches an MPI program compiled with mpicc as one MPI world of 2 ranks:
# both report, each sees size 2, and an Allreduce of the ranks gives 0 + 1 = 1 on both.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
d=$(workdir srun_pmix)
build_mpi_probe "$d"
out=$(cd "$d" && timeout 60 srun --mpi=pmix -n 2 ./probe 2>&1) || fail "srun failed: $out"
echo "$out"
for r in 0 1; do
  grep -q "^rank $r of 2 sum 1 " <<<"$out" || fail "rank $r did not report as rank $r of 2 with sum 1"
done
[ "$(grep -c '^rank ' <<<"$out")" = 2 ] || fail "expected exactly 2 rank lines"
