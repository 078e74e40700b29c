#pragma once
// key=value arguments shared by the benchmark drivers, so benchmarks/run can pass sizes and
// data folders the same way to each of them.

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

namespace neuropop::bench {

using Args = std::map<std::string, std::string>;

inline Args parse_args(int argc, char** argv) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto eq = a.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("expected key=value, got " + a);
        args[a.substr(0, eq)] = a.substr(eq + 1);
    }
    return args;
}

inline std::size_t get_size(const Args& args, const std::string& key, std::size_t fallback) {
    auto it = args.find(key);
    return it == args.end() ? fallback : std::stoull(it->second);
}

inline double get_double(const Args& args, const std::string& key, double fallback) {
    auto it = args.find(key);
    return it == args.end() ? fallback : std::stod(it->second);
}

} // namespace neuropop::bench
