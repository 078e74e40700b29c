// The merge writes every numeric dataset of at least mpio_collective_min_bytes with collective
// MPI-IO (smaller ones go with the strings in rank 0's serial pass): the root attributes carry
// the transfer modes H5Pget_mpio_actual_io_mode reported after each write, summed over ranks.

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

TEST_CASE("under mpirun -np 2 every large numeric dataset of the results file is written "
          "collectively",
          "[mpi]") {
    TempDir tmp("collective");
    auto out = tmp / "it.h5";
    auto r = run::neuropop_run(2, run::it_args(out, {"--quiet"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Expected: every rank takes part in the write of every non-empty numeric dataset.
    auto text = run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    n = []
    def visit(name, obj):
        if (isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu" and obj.size > 0
                and obj.nbytes >= int(f.attrs["mpio_collective_min_bytes"])):
            n.append(1)
    f.visititems(visit)
    print(len(n), int(f.attrs["ranks"]), int(f.attrs["mpio_collective_writes"]),
          int(f.attrs["mpio_independent_writes"]))
)",
                           {out.string()});
    // Expected: every rank takes part in the write of every large numeric dataset.
    auto v = parse_doubles(text);
    REQUIRE(v.size() == 4);
    const double numeric = v[0], ranks = v[1], collective = v[2], independent = v[3];
    REQUIRE(ranks == 2);
    REQUIRE(numeric >= 21); // at least the 21 count tensors (134-370 kB each)
    REQUIRE(independent == 0);
    REQUIRE(collective == numeric * ranks);
}
