#pragma once
// Helpers for tests that run `neuropop run` as a process (alone or under mpirun) and compare
// results files. Shared by the e2e and mpi tiers.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

namespace neuropop::test::run {

inline std::string it_job() {
    return std::string(NEUROPOP_SOURCE_DIR) + "/examples/jobs/zhang-desimone-it.ini";
}

// The IT job writing to `output`, with `extra` flags. cvPCA runs 2 shuffles instead of the
// job's 10: each shuffle eigen-decomposes a 420 x 420 stimulus Gram matrix per session, which is
// most of the job's time, and 2 shuffles exercise the same code. [geometry], [decode] and
// [pseudo] are off unless `extra` sets them: their own tests (test_run_geometry.cpp,
// test_run_decode_it.cpp, test_run_pseudo.cpp) run them, and the others keep the job's 84
// items (21 sessions x bin, pca, cvpca, fa). A key in `extra` replaces its default here (a flag
// given twice is an error).
inline std::vector<std::string> it_args(const std::filesystem::path& output,
                                        std::vector<std::string> extra = {}) {
    std::vector<std::string> a{it_job(), "--output", output.string()};
    const std::vector<std::pair<const char*, const char*>> defaults{{"--cvpca.shuffles", "2"},
                                                                    {"--geometry.enabled", "false"},
                                                                    {"--decode.enabled", "false"},
                                                                    {"--pseudo.enabled", "false"}};
    for (const auto& [flag, value] : defaults)
        if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
            a.emplace_back(flag);
            a.emplace_back(value);
        }
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// `neuropop generate --out DIR ARGS` (ARGS as one shell string); the test fails with the
// generator's stderr unless it succeeds.
inline void generate(const std::filesystem::path& dir, const std::string& args) {
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote(dir.string()) + " " + args);
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
}

// `mpirun -np N` as root, more ranks than cores allowed; np == 0: no mpirun at all.
inline std::string launcher(int np) {
    if (np == 0) return "";
    return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np " +
           std::to_string(np) + " ";
}

// Runs `[env] [mpirun -np N] neuropop run ARGS...`.
inline CommandResult neuropop_run(int np, const std::vector<std::string>& args,
                                  const std::string& env = "") {
    std::string cmd = env.empty() ? "" : env + " ";
    cmd += launcher(np) + shell_quote(binary().string()) + " run";
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    return run_command(cmd);
}

// h5diff without tolerance on one object path (group compared recursively, attributes
// included). Returns h5diff's exit code: 0 identical, 1 different, 2 error; `report` gets its
// output.
inline int h5diff(const std::filesystem::path& a, const std::filesystem::path& b,
                  const std::string& object, std::string& report) {
    auto r = run_command("h5diff " + shell_quote(a.string()) + " " + shell_quote(b.string()) + " " +
                         shell_quote(object) + " " + shell_quote(object));
    report = r.out + r.err;
    return r.exit_code;
}

// Counts datasets below `group` (so an identity of two empty groups cannot pass as equal).
inline int count_datasets(const std::filesystem::path& file, const std::string& group) {
    auto out = run_python(R"(import sys, h5py
n = []
with h5py.File(sys.argv[1], "r") as f:
    f[sys.argv[2]].visititems(lambda name, obj: n.append(1) if isinstance(obj, h5py.Dataset) else None)
print(len(n))
)",
                          {file.string(), group});
    return std::stoi(out);
}

// /binned and /sessions of two results files are identical (h5diff without tolerance).
inline void require_same_results(const std::filesystem::path& a, const std::filesystem::path& b) {
    for (const char* group : {"/binned", "/sessions"}) {
        std::string report;
        const int rc = h5diff(a, b, group, report);
        INFO(group << ": " << report);
        REQUIRE(rc == 0);
    }
}

} // namespace neuropop::test::run
