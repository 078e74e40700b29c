#pragma once
// Shared helpers for tests: data locations, temporary folders, running the CLI and Python.

#include <filesystem>
#include <string>
#include <vector>

namespace neuropop::test {

// data/ in this repository: the IT sessions, the small real NWB files and the reference NWB file
// (data/*/README.md says where each comes from and under which licence).
std::filesystem::path repo_data();
std::filesystem::path it_sessions_dir(); // data/zhang-desimone-it/nwb
std::filesystem::path binary();          // the built neuropop executable

// A fresh folder under the build tree's tmp, removed when the object dies.
class TempDir {
public:
    explicit TempDir(const std::string& tag);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

struct CommandResult {
    int exit_code = -1;
    std::string out, err;
};

// Runs a shell command line, capturing stdout and stderr separately.
CommandResult run_command(const std::string& command_line);

// Runs `/usr/bin/python3 -c SCRIPT` with ARGS; returns stdout. Fails the test on non-zero exit.
std::string run_python(const std::string& script, const std::vector<std::string>& args = {});

// Parses whitespace-separated doubles (e.g. the output of a Python reference computation).
std::vector<double> parse_doubles(const std::string& text);

std::string shell_quote(const std::string& s);

// The head of a job on generated sessions in the work folder's data/: aligned on stim_on_time over
// [-0.2, 0.6) s in 0.05 s bins, conditions by stimulus, results in results.h5, PCA, cvPCA and FA
// off. The test's analysis sections follow it.
extern const char* const generated_job_head;

// A file's bytes (binary); "" when it cannot be read.
std::string slurp(const std::filesystem::path& p);
// `p` with `suffix` appended to its last component ("out.h5" + ".partial.d").
std::filesystem::path with_suffix(std::filesystem::path p, const char* suffix);

} // namespace neuropop::test
