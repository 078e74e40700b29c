#!/usr/bin/env bash
# The running cluster: `status` succeeds and lists the node idle in the default partition
# `debug`, with the CPU count slurmd itself measures and the pmix MPI plugin as default.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
out=$("$cluster" status) || fail "local-cluster status exited non-zero: $out"
echo "$out"
host=$(hostname -s)
state=$(sinfo -h -N -n "$host" -o %T)
[ "$state" = idle ] || fail "node $host is '$state', not idle"
[ "$(sinfo -h -o %P)" = "debug*" ] || fail "partitions are '$(sinfo -h -o %P)', not the single default 'debug*'"
cpus=$(slurmd -C | grep -o 'CPUs=[0-9]*' | cut -d= -f2)
[ "$(sinfo -h -N -n "$host" -o %c)" = "$cpus" ] || fail "node has $(sinfo -h -N -n "$host" -o %c) CPUs, slurmd -C says $cpus"
[ "$(scontrol show config | sed -n 's/^MpiDefault *= *//p')" = pmix ] || fail "MpiDefault is not pmix"
[ "$(scontrol show config | sed -n 's/^SelectTypeParameters *= *//p')" = CR_CORE ] || fail "SelectTypeParameters is not CR_CORE"
echo "node $host idle with $cpus CPUs, MpiDefault=pmix, CR_Core"
