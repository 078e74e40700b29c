#include "tests/fuzz/job_parser_harness.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "jobs/job_parser.hpp"

namespace neuropop::fuzz {

namespace {

namespace fs = std::filesystem;

// The job is read from a file as `neuropop run` reads it; one per process, removed at exit.
class ScratchJob {
public:
    ScratchJob() {
        const fs::path dir =
            fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        path_ = (dir / ("neuropop-fuzz-" + std::to_string(::getpid()) + ".ini")).string();
    }
    ~ScratchJob() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    const std::string& write(const std::string& text) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw std::runtime_error("cannot write the fuzz scratch job " + path_);
        return path_;
    }

private:
    std::string path_;
};

} // namespace

JobInput split_job_input(std::span<const std::uint8_t> bytes) {
    const std::string all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    JobInput in;
    const auto nul = all.find('\0');
    in.ini_text = all.substr(0, nul);
    if (nul == std::string::npos) return in;
    std::string rest = all.substr(nul + 1);
    std::size_t from = 0;
    while (from <= rest.size()) {
        const auto end = rest.find('\n', from);
        std::string arg = rest.substr(from, end == std::string::npos ? end : end - from);
        if (!arg.empty()) in.flags.push_back(std::move(arg));
        if (end == std::string::npos) break;
        from = end + 1;
    }
    return in;
}

std::size_t check_job_input(const JobInput& input) {
    static const ScratchJob scratch;
    const std::string& file = scratch.write(input.ini_text);
    const jobs::ParseResult first = jobs::check_job(file, input.flags);
    if (!first.problems.empty()) return first.problems.size();
    // Results files store the rendered job and `neuropop merge` parses it again: it must mean
    // the same job.
    const jobs::ParseResult again = jobs::check_job_text(first.spec.job_text, file, {});
    if (!again.problems.empty())
        throw std::logic_error("rendered job refused when parsed again: " + again.problems.front() +
                               "\n--- rendered job:\n" + first.spec.job_text);
    if (again.spec.job_text != first.spec.job_text)
        throw std::logic_error("rendered job renders differently when parsed again:\n--- first:\n" +
                               first.spec.job_text + "\n--- again:\n" + again.spec.job_text);
    return 0;
}

std::size_t check_job_bytes(std::span<const std::uint8_t> bytes) {
    return check_job_input(split_job_input(bytes));
}

} // namespace neuropop::fuzz
