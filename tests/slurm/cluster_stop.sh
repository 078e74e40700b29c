#!/usr/bin/env bash
# Fixture cleanup: stops the cluster the setup started and checks that its daemons are gone,
# its folder removed and `status` reports it stopped.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_slurm
marker=$NEUROPOP_TEST_WORK/cluster-started-by-tests
if [ ! -e "$marker" ]; then
  echo "the tests did not start the running cluster: left running"
  exit 0
fi
rm -f "$marker"
pids="$(cat "$NEUROPOP_SLURM_DIR/run/slurmctld.pid" "$NEUROPOP_SLURM_DIR/run/slurmd.pid" 2>/dev/null || true)"
"$cluster" stop || fail "local-cluster stop failed"
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || fail "daemon pid $pid still alive after stop"
done
[ ! -e "$NEUROPOP_SLURM_DIR" ] || fail "$NEUROPOP_SLURM_DIR still exists after stop"
if "$cluster" status >/dev/null 2>&1; then fail "status says running after stop"; fi
echo "stopped daemons $pids"
