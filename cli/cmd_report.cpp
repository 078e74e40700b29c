// `neuropop report RESULTS.h5 [--out DIR] [--format png|svg] [--regions R ...]`: figures of a
// results file and an index.html, drawn by report/neuropop_report.py with Debian's
// matplotlib. The plotting lives in Python because matplotlib is what the field reads figures
// in; this command only finds the script and runs it, so the same binary works from the build
// tree, an install tree or a source checkout.

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/cli_options.hpp"
#include "cli/commands.hpp"
#include "engine/drivers/output_guard.hpp"
#include "io/errors.hpp"

namespace neuropop::cli {

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

constexpr const char* script_name = "neuropop_report.py";

const char* const about =
    "usage: neuropop report RESULTS.h5 [--out DIR] [--format png|svg] [--regions R ...]\n\n"
    "Draws one figure per analysis and population of a neuropop results file (dimensionality,\n"
    "decoding, geometry, pseudo-populations, summaries: whichever the file holds) and an\n"
    "index.html with captions, into DIR (default: RESULTS next to itself with '-report'\n"
    "instead of '.h5'). Prints the path of index.html. Uses /usr/bin/python3 with matplotlib\n"
    "and h5py (NEUROPOP_PYTHON overrides the interpreter).\n\n"
    "Exit codes: 0 success; 2 missing file, not a neuropop results file, or bad options;\n"
    "1 internal error.\n\n"
    "options";

// The script's folder: next to the build tree's binary (copied there by CMake), the install
// tree (bin/../share/neuropop), then the source checkout.
std::optional<fs::path> find_script() {
    std::vector<fs::path> candidates;
#ifdef NEUROPOP_BUILD_SHARE_DIR
    candidates.emplace_back(NEUROPOP_BUILD_SHARE_DIR);
#endif
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(self.parent_path().parent_path() / "share" / "neuropop");
    candidates.push_back(fs::path(NEUROPOP_SOURCE_DIR) / "report");
    for (const auto& dir : candidates)
        if (fs::is_regular_file(dir / script_name, ec)) return dir / script_name;
    return std::nullopt;
}

// Runs the interpreter without a shell, so no argument needs quoting; returns its exit code.
int run_python(const std::string& python, const std::vector<std::string>& argv_strings) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(python.c_str()));
    for (const auto& a : argv_strings)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::execv(python.c_str(), argv.data());
        // Only async-signal-safe calls between fork and _exit.
        const char msg[] = "neuropop report: cannot execute the Python interpreter\n";
        [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    throw std::runtime_error("the report script was killed by signal " +
                             std::to_string(WTERMSIG(status)));
}

} // namespace

int report(const Args& args) {
    po::options_description visible(about);
    visible.add_options()("help,h", "show this help")("out", po::value<std::string>(),
                                                      "folder for the figures and index.html")(
        "format", po::value<std::string>()->default_value("png"),
        "png or svg")("regions", po::value<std::vector<std::string>>()->multitoken(),
                      "only these regions (names separated by spaces or commas)");
    const auto parsed = parse_with_positional(args, visible, "results");
    if (!parsed) return exit_ok;
    const po::variables_map& vm = *parsed;
    if (!vm.count("results")) throw po::error("no results file given");
    const auto results = vm["results"].as<std::vector<std::string>>();
    if (results.size() != 1) throw po::error("one results file at a time");
    const std::string format = vm["format"].as<std::string>();
    if (format != "png" && format != "svg")
        throw po::error("--format must be png or svg, not '" + format + "'");
    const fs::path file = results.front();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw io::InputError(file.string(), "/", "no such file");

    const auto script = find_script();
    if (!script)
        throw std::runtime_error(std::string("cannot find ") + script_name +
                                 " in the build tree, the install tree or " NEUROPOP_SOURCE_DIR
                                 "/report");
    const char* env_python = std::getenv("NEUROPOP_PYTHON");
    const std::string python = env_python && *env_python ? env_python : "/usr/bin/python3";

    // The figures' folder (RESULTS-report by default, as the script names it) must be a folder
    // that is not, and does not hold, the results file.
    std::string out = vm.count("out")
                          ? vm["out"].as<std::string>()
                          : (fs::absolute(file).replace_extension().string() + "-report");
    const auto problems =
        engine::check_outputs({{out, "--out", true}}, {{file.string(), "results file"}});
    if (!problems.empty()) {
        std::cerr << "neuropop report: " << problems.front() << "\n";
        return exit_bad_input;
    }
    std::vector<std::string> script_args{script->string(), file.string(), "--format", format};
    if (vm.count("out")) {
        script_args.push_back("--out");
        script_args.push_back(out);
    }
    if (vm.count("regions")) {
        script_args.push_back("--regions");
        for (const auto& r : vm["regions"].as<std::vector<std::string>>())
            script_args.push_back(r);
    }
    const int code = run_python(python, script_args);
    if (code == exit_ok || code == exit_bad_input) return code;
    // The script printed its traceback; 127 is our own exec failure above.
    std::cerr << "neuropop report: internal error: " << python << " exited with " << code << "\n";
    return exit_internal;
}

} // namespace neuropop::cli
