#include "engine/runtime/progress.hpp"

#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace neuropop::engine {

bool is_terminal(int fd) {
    return ::isatty(fd) == 1;
}

std::string format_duration(double seconds) {
    char buf[64];
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    if (seconds < 60) {
        std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    } else if (seconds < 3600) {
        auto s = static_cast<long>(std::lround(seconds));
        std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
    } else {
        auto m = static_cast<long>(std::lround(seconds / 60));
        std::snprintf(buf, sizeof buf, "%ld h %02ld min", m / 60, m % 60);
    }
    return buf;
}

Progress::Progress(std::ostream& out, bool enabled, bool terminal)
    : out_(out), enabled_(enabled), terminal_(terminal), start_(Clock::now()) {}

std::string Progress::line(const ProgressCounts& c, double elapsed) {
    std::string s =
        "neuropop run: " + std::to_string(c.finished) + "/" + std::to_string(c.total) + " items";
    if (c.failed) s += ", " + std::to_string(c.failed) + " failed";
    // The rate counts only items run now: resumed ones took no time in this run.
    const double run = static_cast<double>(c.finished - std::min(c.resumed, c.finished));
    char buf[96];
    if (elapsed > 0 && run > 0) {
        const double rate = run / elapsed;
        const double eta = static_cast<double>(c.total - c.finished) / rate;
        std::snprintf(buf, sizeof buf, ", %.1f items/s, ETA %s", rate,
                      format_duration(eta).c_str());
        s += buf;
    }
    return s;
}

void Progress::update(const ProgressCounts& counts, Clock::time_point now) {
    if (!enabled_) return;
    if (printed_ && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    printed_ = true;
    std::string text = line(counts, std::chrono::duration<double>(now - start_).count());
    if (terminal_)
        out_ << '\r' << text << "\x1b[K" << std::flush; // \x1b[K: clear the rest of the line
    else
        out_ << text << '\n' << std::flush;
}

void Progress::finish(const std::string& summary) {
    if (!enabled_) return;
    if (terminal_ && printed_) out_ << '\r' << "\x1b[K";
    out_ << summary << '\n' << std::flush;
}

} // namespace neuropop::engine
