#pragma once
// Helpers every benchmark driver uses: best-of-N timing (wall and CPU) and raw binary output
// that the Python peers read with numpy.fromfile.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/runtime/malloc_tuning.hpp"

namespace neuropop::bench {

// Every bench process starts with the malloc thresholds `neuropop` sets in main
// (engine/runtime/malloc_tuning.hpp), so a kernel is timed as it runs in a rank, not in a fresh
// process whose temporaries all come from fresh pages.
inline const bool malloc_tuned = neuropop::engine::tune_malloc();

struct Timing {
    double seconds = 1e300, cpu_seconds = 1e300;
};

// Best wall and CPU time over `repeats` runs of `work`.
inline Timing time_best(int repeats, const std::function<void()>& work) {
    Timing t;
    for (int r = 0; r < repeats; ++r) {
        const auto w0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        work();
        const std::clock_t c1 = std::clock();
        const auto w1 = std::chrono::steady_clock::now();
        t.seconds = std::min(t.seconds, std::chrono::duration<double>(w1 - w0).count());
        t.cpu_seconds = std::min(t.cpu_seconds, static_cast<double>(c1 - c0) /
                                                    static_cast<double>(CLOCKS_PER_SEC));
    }
    return t;
}

// `count` elements as raw little-endian bytes.
template <typename T>
void write_raw(const std::filesystem::path& file, const T* data, std::size_t count) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

template <typename T>
void write_raw(const std::filesystem::path& file, const std::vector<T>& v) {
    write_raw(file, v.data(), v.size());
}

// Peak resident memory of one part of a run: Linux keeps the process's high-water mark
// (VmHWM) and resets it to the current RSS when "5" is written to /proc/self/clear_refs
// (Linux >= 4.0), so reset before the part and read after it; the part's own memory is the
// peak minus the RSS at the reset (which holds what earlier parts left alive). NaN where the
// figures are unavailable.
inline double status_mb(const std::string& key) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(key + ":", 0) == 0) {
            std::istringstream fields(line.substr(key.size() + 1));
            double kb = 0;
            if (fields >> kb) return kb / 1024.0;
        }
    return std::numeric_limits<double>::quiet_NaN();
}

// Resets the high-water mark; returns the resident MB at that moment.
inline double reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
    return status_mb("VmRSS");
}

inline double peak_rss_mb() {
    return status_mb("VmHWM");
}

// Mean of the values (0 for none): the accuracy a bench reports over folds or permutations.
inline double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v)
        s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

} // namespace neuropop::bench
