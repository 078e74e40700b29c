#!/usr/bin/env bash
# Fixture setup: starts the local single-node cluster (slurm/local-cluster start) unless one is
# running already, then checks that a second start is a no-op.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
marker=$NEUROPOP_TEST_WORK/cluster-started-by-tests
mkdir -p "$NEUROPOP_TEST_WORK"
rm -f "$marker"
if "$cluster" status >/dev/null 2>&1; then
  echo "a local cluster is already running in $NEUROPOP_SLURM_DIR: the tests use it and leave it running"
  exit 0
fi
# Marked before starting, so that the cleanup also stops a cluster that failed half-way.
touch "$marker"
"$cluster" start || fail "local-cluster start failed"
pids="$(cat "$NEUROPOP_SLURM_DIR/run/slurmctld.pid" "$NEUROPOP_SLURM_DIR/run/slurmd.pid")"
again=$("$cluster" start) || fail "second local-cluster start failed"
[[ $again == *"already running"* ]] || fail "second start did not say 'already running': $again"
[ "$pids" = "$(cat "$NEUROPOP_SLURM_DIR/run/slurmctld.pid" "$NEUROPOP_SLURM_DIR/run/slurmd.pid")" ] ||
  fail "second start replaced the daemons"
echo "started; second start: $again"
