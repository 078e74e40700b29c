#!/usr/bin/env bash
# The layering rules of docs/DESIGN.md, checked on the source text (run by scripts/test before
# the build): every HDF5 call lives in the wrapper io/h5.{hpp,cpp}; MPI calls only in engine's
# runtime (engine/runtime/), the run and merge drivers (engine/drivers/run.cpp, merge.cpp) and io's
# parallel-HDF5 setup (io/h5.cpp); no include climbs a layer (kernels <- io <- jobs <-
# engine/runtime, engine/items <- engine/drivers <- cli; also enforced by the compiler:
# cmake/NeuropopLayers.cmake); HDF5's header reaches no file above io/, not even through an io
# header; every C++ file is clang-formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "layering: $1" >&2; fail=1; }

sources=(--include='*.cpp' --include='*.hpp' --include='*.inc')
hits=$(grep -rnE '\bH5[A-Z][A-Za-z0-9_]*\s*\(' "${sources[@]}" kernels jobs engine cli benchmarks tests || true)
[ -z "$hits" ] || report "HDF5 calls outside io/:"$'\n'"$hits"
hits=$(grep -rnE '\bH5[A-Z][A-Za-z0-9_]*\s*\(' "${sources[@]}" io | grep -vE '^io/h5\.(hpp|cpp):' || true)
[ -z "$hits" ] || report "HDF5 calls in io/ outside the wrapper io/h5.{hpp,cpp}:"$'\n'"$hits"
mpi_runtime='^(engine/runtime/[a-z_]+\.(hpp|cpp)|engine/drivers/(run|merge)\.cpp|io/h5\.(hpp|cpp)):'
hits=$(grep -rnE '\bMPI_[A-Z][A-Za-z0-9_]*\s*\(' "${sources[@]}" kernels io jobs engine cli benchmarks tests |
  grep -vE "$mpi_runtime" || true)
[ -z "$hits" ] || report "MPI calls outside engine's runtime and io's parallel-HDF5 setup (use engine::Context or NEUROPOP_MPI_OR_THROW):"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](io|jobs|engine|cli)/' kernels || true)
[ -z "$hits" ] || report "kernels/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](jobs|engine|cli)/' io || true)
[ -z "$hits" ] || report "io/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](engine|cli)/' jobs || true)
[ -z "$hits" ] || report "jobs/ includes engine/ or cli/:"$'\n'"$hits"
hits=$(grep -rnlE '#include [<"](hdf5|mpi)\.h[>"]' kernels jobs || true)
[ -z "$hits" ] || report "kernels/ or jobs/ include <hdf5.h> or <mpi.h>:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](hdf5(_hl)?\.h|io/h5\.hpp|io/[a-z_]*detail\.hpp)[>"]' engine cli jobs benchmarks || true)
[ -z "$hits" ] || report "engine/, cli/, jobs/ or benchmarks/ include HDF5 or io's internals (io/h5_error.hpp has h5::Error):"$'\n'"$hits"
# The io headers those layers include must not bring <hdf5.h> either.
for header in $(grep -rhoE '#include "io/[A-Za-z0-9_]+\.hpp"' engine cli jobs benchmarks | sort -u |
  sed -E 's/#include "(.*)"/\1/'); do
  if [ -f "$header" ] && grep -qE '#include [<"](hdf5(_hl)?\.h|io/h5\.hpp)[>"]' "$header"; then
    report "$header (included above io/) includes HDF5 or io/h5.hpp"
  fi
done

# engine/runtime/ knows no analysis: it includes none of kernels, io, jobs, the items, the
# drivers or the CLI (its target links MPI and oneTBB only).
hits=$(grep -rnE '#include [<"](kernels|io|jobs|cli|engine/items|engine/drivers)/' engine/runtime || true)
[ -z "$hits" ] || report "engine/runtime/ includes an analysis layer:"$'\n'"$hits"
# engine/items/ builds without the MPI runtime: no <mpi.h>, and of engine/runtime/ only the
# headers that do not bring <mpi.h> in (directly or through another runtime header).
mpi_headers=$(grep -rlE '#include [<"]mpi\.h[>"]' --include='*.hpp' engine/runtime || true)
while :; do
  more=$mpi_headers
  for h in $mpi_headers; do
    more+=$'\n'$(grep -rlF "#include \"$h\"" --include='*.hpp' engine/runtime || true)
  done
  more=$(echo "$more" | sed '/^$/d' | sort -u)
  [ "$more" = "$mpi_headers" ] && break
  mpi_headers=$more
done
hits=$(grep -rnE '#include [<"]mpi\.h[>"]' engine/items || true)
for h in $mpi_headers; do
  hits+=$'\n'$(grep -rnF "#include \"$h\"" engine/items || true)
done
hits=$(echo "$hits" | sed '/^$/d')
[ -z "$hits" ] || report "engine/items/ includes <mpi.h> or a runtime header that does:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](engine/drivers|cli)/' engine/items || true)
[ -z "$hits" ] || report "engine/items/ includes the drivers or the CLI:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"]cli/' engine/drivers || true)
[ -z "$hits" ] || report "engine/drivers/ includes cli/:"$'\n'"$hits"

if command -v clang-format >/dev/null; then
  if ! git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror 2>/dev/null; then
    report "files not clang-formatted (run: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i)"
  fi
fi
[ "$fail" -eq 0 ] && echo "layering and format: ok"
exit "$fail"
