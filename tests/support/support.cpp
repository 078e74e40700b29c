#include "tests/support/support.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace neuropop::test {

namespace fs = std::filesystem;

fs::path repo_data() {
    return NEUROPOP_REPO_DATA;
}
fs::path it_sessions_dir() {
    return repo_data() / "zhang-desimone-it" / "nwb";
}
fs::path binary() {
    return NEUROPOP_BINARY;
}

TempDir::TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("neuropop-test-" + tag + "-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

const char* const generated_job_head = "[data]\nsessions = data\n"
                                       "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                                       "bin_width = 0.05\n"
                                       "[conditions]\ncolumns = stimulus\n"
                                       "[output]\npath = results.h5\n"
                                       "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                                       "[fa]\nenabled = false\n";

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

fs::path with_suffix(fs::path p, const char* suffix) {
    p += suffix;
    return p;
}

CommandResult run_command(const std::string& command_line) {
    TempDir tmp("cmd");
    fs::path out = tmp / "stdout", err = tmp / "stderr";
    std::string full = "(" + command_line + ") >" + shell_quote(out.string()) + " 2>" +
                       shell_quote(err.string()) + " </dev/null";
    int status = std::system(full.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

std::string run_python(const std::string& script, const std::vector<std::string>& args) {
    TempDir tmp("py");
    fs::path file = tmp / "script.py";
    std::ofstream(file) << script;
    std::string cmd = std::string(NEUROPOP_PYTHON) + " " + shell_quote(file.string());
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    CommandResult r = run_command(cmd);
    if (r.exit_code != 0)
        throw std::runtime_error("python reference failed (exit " + std::to_string(r.exit_code) +
                                 "): " + r.err);
    return r.out;
}

std::vector<double> parse_doubles(const std::string& text) {
    std::istringstream in(text);
    std::vector<double> v;
    std::string tok;
    while (in >> tok)
        v.push_back(std::stod(tok));
    return v;
}

} // namespace neuropop::test
