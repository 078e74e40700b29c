// Decode targets that cannot be decoded stop `neuropop run` before any work starts: exit 2, one
// stderr line per problem naming the file, /intervals/trials/<column> and the rule, and no
// results file (nor its .partial) appears.

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

// A copy of an IT session with three extra trials columns: `single` (one value in every
// trial), `withnan` (numeric, NaN in rows 3 and 7) and `rare` (class 'b' in 3 trials only).
void write_session(const fs::path& file) {
    fs::copy_file(it_sessions_dir() / "zhang-desimone-it-1001.nwb", file);
    run_python(R"(import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    t = f["intervals/trials"]
    n = t["id"].shape[0]
    def add(name, data):
        d = t.create_dataset(name, data=data)
        d.attrs["neurodata_type"] = "VectorData"
        d.attrs["namespace"] = "hdmf-common"
        d.attrs["description"] = "test column " + name
        cols = [c.decode() if isinstance(c, bytes) else c for c in t.attrs["colnames"]]
        t.attrs["colnames"] = np.array(cols + [name], dtype=h5py.string_dtype())
    add("single", np.array(["x"] * n, dtype=h5py.string_dtype()))
    v = (np.arange(n) % 2).astype(float); v[[3, 7]] = np.nan
    add("withnan", v)
    rare = np.array(["a"] * n, dtype=object); rare[[0, 5, 9]] = "b"
    add("rare", rare.astype(h5py.string_dtype()))
)",
               {file.string()});
}

} // namespace

TEST_CASE("decode: missing column, single class, NaN labels and a class below the fold count "
          "are refused before work starts, one line each",
          "[e2e][decode][bad-input]") {
    TempDir tmp("decode-bad");
    const auto session = tmp / "session.nwb";
    write_session(session);
    const auto out = tmp / "results.h5";
    auto r = run::neuropop_run(
        0, run::it_args(out, {"--quiet", "--data.sessions", session.string(), "--decode.enabled",
                              "true", "--decode.targets", "nope, single, withnan, rare",
                              "--decode.folds", "5"}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    // Nothing was written: no results file, no partial file, no work folder.
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(tmp / "results.h5.partial"));
    CHECK_FALSE(fs::exists(tmp / "results.h5.partial.d"));
    CHECK(r.err.find("4 problems, nothing was run") != std::string::npos);

    // Each problem on its own line: the file, the column's HDF5 path and the rule.
    std::istringstream lines(r.err);
    std::string line;
    std::vector<std::string> problems;
    while (std::getline(lines, line))
        if (line.find("/intervals/trials/") != std::string::npos) problems.push_back(line);
    REQUIRE(problems.size() == 4);
    const struct {
        const char* column;
        const char* rule;
    } expected[] = {{"nope", "no such column"},
                    {"single", "a single class ('x'"},
                    {"withnan", "hold NaN or infinity (rows 3, 7)"},
                    {"rare", "class 'b' (3) with fewer trials than decode.folds = 5"}};
    for (const auto& e : expected) {
        INFO(e.column);
        int found = 0;
        for (const auto& p : problems)
            if (p.find("session.nwb: /intervals/trials/" + std::string(e.column) + ": ") !=
                    std::string::npos &&
                p.find(e.rule) != std::string::npos)
                ++found;
        CHECK(found == 1);
    }
}
