#pragma once
// The progress line rank 0 prints while items run: done/total, failures, rate and ETA, at most
// once a second. On a terminal it rewrites one line with '\r'; into a file or pipe (Slurm's
// output) it prints plain lines, so the log stays readable.

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace neuropop::engine {

struct ProgressCounts {
    std::size_t total = 0;
    std::size_t finished = 0; // done or failed, resumed ones included
    std::size_t failed = 0;
    std::size_t resumed = 0; // finished by an earlier run
};

class Progress {
public:
    using Clock = std::chrono::steady_clock;
    // `enabled` false (--quiet) prints nothing at all.
    Progress(std::ostream& out, bool enabled, bool terminal);
    // Prints when a second has passed since the last line (or on the first call).
    void update(const ProgressCounts& counts, Clock::time_point now = Clock::now());
    // The line for `counts` at `elapsed` seconds since start (for tests and update()).
    static std::string line(const ProgressCounts& counts, double elapsed);
    // Ends the '\r' line and prints the summary.
    void finish(const std::string& summary);

private:
    std::ostream& out_;
    bool enabled_, terminal_;
    Clock::time_point start_;
    Clock::time_point last_{};
    bool printed_ = false;
};

// True when file descriptor `fd` is a terminal.
bool is_terminal(int fd);

// "4.2 s", "3 min 05 s", "1 h 02 min".
std::string format_duration(double seconds);

} // namespace neuropop::engine
