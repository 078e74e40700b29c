#pragma once
// Copies of one IT session with a trials column edited by h5py (the test's python), for the
// e2e tests of what `neuropop run` refuses, skips or drops.

#include <filesystem>
#include <string>

#include "tests/support/support.hpp"

namespace neuropop::test::edits {

// The IT session every edit starts from.
inline std::filesystem::path it_session() {
    return it_sessions_dir() / "zhang-desimone-it-1001.nwb";
}

// Copies it_session() to `file`, then runs `python` with `f` the open /intervals/trials group
// (h5py, "r+") and `np` numpy.
inline void edit_trials(const std::filesystem::path& file, const std::string& python) {
    std::filesystem::copy_file(it_session(), file);
    run_python("import sys, h5py, numpy as np\n"
               "with h5py.File(sys.argv[1], 'r+') as h:\n"
               "    f = h['intervals/trials']\n" +
                   python,
               {file.string()});
}

// "path: attribute" of a results file (strings joined by newlines), or a dataset's shape.
inline std::string read_attribute(const std::filesystem::path& results, const std::string& path,
                                  const std::string& name) {
    return run_python(R"(import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    v = f[sys.argv[2]].attrs[sys.argv[3]]
    if isinstance(v, np.ndarray):
        print("\n".join(x.decode() if isinstance(x, bytes) else str(x) for x in v))
    else:
        print(v.decode() if isinstance(v, bytes) else v)
)",
                      {results.string(), path, name});
}

} // namespace neuropop::test::edits
