#!/usr/bin/env bash
# The layering rules of docs/DESIGN.md, checked on the source text (run by scripts/test before
# the build): every HDF5 call lives in io/; MPI calls only in engine/ and io/ (parallel HDF5);
# no include climbs a layer (kernels <- io <- jobs <- engine); every C++ file is clang-formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "layering: $1" >&2; fail=1; }

hits=$(grep -rnE '\bH5[A-Z][A-Za-z_]*\s*\(' --include='*.cpp' --include='*.hpp' kernels jobs engine benchmarks tests || true)
[ -z "$hits" ] || report "HDF5 calls outside io/:"$'\n'"$hits"
hits=$(grep -rnE '\bMPI_[A-Z][A-Za-z_]*\s*\(' --include='*.cpp' --include='*.hpp' kernels jobs || true)
[ -z "$hits" ] || report "MPI calls in kernels/ or jobs/:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](io|jobs|engine)/' kernels || true)
[ -z "$hits" ] || report "kernels/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](jobs|engine)/' io || true)
[ -z "$hits" ] || report "io/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"]engine/' jobs || true)
[ -z "$hits" ] || report "jobs/ includes engine/:"$'\n'"$hits"
hits=$(grep -rnlE '#include [<"](hdf5|mpi)\.h[>"]' kernels jobs || true)
[ -z "$hits" ] || report "kernels/ or jobs/ include <hdf5.h> or <mpi.h>:"$'\n'"$hits"

if command -v clang-format >/dev/null; then
  if ! git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror 2>/dev/null; then
    report "files not clang-formatted (run: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i)"
  fi
fi
[ "$fail" -eq 0 ] && echo "layering and format: ok"
exit "$fail"
