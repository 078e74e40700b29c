// Defaults that work on small populations: cvpca.fit_first = 11 (Stringer's range) leaves no
// component to fit for 10 units, so the fit range is clipped to the data, said once on stderr,
// recorded in the cvpca group, and the exponent is finite (docs/ANALYSES.md §2).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

TEST_CASE("cvPCA on a 10-unit population with the default fit_first: clipped fit range, one "
          "warning, finite exponent",
          "[e2e][cvpca][small]") {
    TempDir tmp("small-population-cvpca");
    auto g = run_command(shell_quote(binary().string()) + " generate --out " +
                         shell_quote((tmp / "data").string()) +
                         " --quiet --sessions 1 --subjects 1 --regions VISp --units 10 "
                         "--trials 80 --conditions 4 --seed 3");
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    // 16 bins x 4 conditions = 64 stimuli; 10 units: the spectrum is fitted up to k = 10 - 2.
    std::ofstream(tmp / "job.ini") << "[data]\nsessions = data\n"
                                      "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                                      "bin_width = 0.05\n[conditions]\ncolumns = stimulus\n"
                                      "[output]\npath = results.h5\n"
                                      "[pca]\nenabled = false\n[fa]\nenabled = false\n"
                                      "[cvpca]\nshuffles = 3\n";
    auto r = run::neuropop_run(0, {(tmp / "job.ini").string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string warning =
        "/VISp: cvpca: cvpca.fit_first = 11 leaves fewer than 2 components (10 units, 64 stimuli: "
        "the spectrum is fitted up to k = 8); power law fitted over k = 1..8";
    CHECK(r.err.find(warning) != std::string::npos);
    CHECK(r.err.find(warning) == r.err.rfind(warning)); // once
    const auto got = run_python(R"(import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    (key,) = list(f["sessions"])
    g = f["sessions/%s/VISp/cvpca" % key]
    a = g.attrs
    alpha = g["alpha"][()]
    s = g["spectrum"][:]
    # numpy's weighted least squares over k = 1..8 (weights 1/k), positive entries only.
    k = np.arange(1, 9); v = s[:8]; m = v > 0
    k, v = k[m], v[m] / s.sum()
    w = 1 / k; x = np.log(k); y = np.log(v)
    mx = (w * x).sum() / w.sum(); my = (w * y).sum() / w.sum()
    ref = -((w * (x - mx) * (y - my)).sum() / (w * (x - mx) ** 2).sum())
    print(a["fit_first_requested"], a["fit_first"], a["fit_last"], a["n_units"],
          bool(np.isfinite(alpha)), bool(abs(alpha - ref) <= 1e-9 * max(1, abs(ref))))
)",
                                {(tmp / "results.h5").string()});
    CHECK(got == "11 1 8 10 True True\n");
}
