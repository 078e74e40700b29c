#!/usr/bin/env bash
# The layering rules of docs/DESIGN.md, checked on the source text (run by scripts/test before
# the build): every HDF5 call lives in io/; MPI calls only in engine/runtime/, engine/drivers/ and
# io/ (parallel HDF5); no include climbs a layer (kernels <- io <- jobs <- engine/runtime,
# engine/items <- engine/drivers <- cli); every C++ file is clang-formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "layering: $1" >&2; fail=1; }

hits=$(grep -rnE '\bH5[A-Z][A-Za-z_]*\s*\(' --include='*.cpp' --include='*.hpp' kernels jobs engine cli benchmarks tests || true)
[ -z "$hits" ] || report "HDF5 calls outside io/:"$'\n'"$hits"
hits=$(grep -rnE '\bMPI_[A-Z][A-Za-z_]*\s*\(' --include='*.cpp' --include='*.hpp' kernels jobs engine/items || true)
[ -z "$hits" ] || report "MPI calls in kernels/, jobs/ or engine/items/:"$'\n'"$hits"
# cli/ reaches MPI through engine/runtime/mpi_context.hpp. cmd_run.cpp and cmd_merge.cpp still ask
# MPI_Initialized / MPI_Comm_rank themselves for the rank of an error report: those two calls
# are allowed there until they move behind the runtime; any other MPI call in cli/ fails.
hits=$(grep -rnE '\bMPI_[A-Z][A-Za-z_]*\s*\(' --include='*.cpp' --include='*.hpp' cli |
  grep -vE '^cli/cmd_(run|merge)\.cpp:[0-9]+:\s*(if \(up\) )?MPI_(Initialized|Comm_rank)\(' || true)
[ -z "$hits" ] || report "MPI calls in cli/ (use engine/runtime/):"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](io|jobs|engine|cli)/' kernels || true)
[ -z "$hits" ] || report "kernels/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](jobs|engine|cli)/' io || true)
[ -z "$hits" ] || report "io/ includes a higher layer:"$'\n'"$hits"
hits=$(grep -rnE '#include [<"](engine|cli)/' jobs || true)
[ -z "$hits" ] || report "jobs/ includes engine/ or cli/:"$'\n'"$hits"
hits=$(grep -rnlE '#include [<"](hdf5|mpi)\.h[>"]' kernels jobs || true)
[ -z "$hits" ] || report "kernels/ or jobs/ include <hdf5.h> or <mpi.h>:"$'\n'"$hits"

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
