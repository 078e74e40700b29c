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
#include <stdexcept>
#include <vector>

namespace neuropop::bench {

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

} // namespace neuropop::bench
