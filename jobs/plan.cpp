#include "jobs/plan.hpp"

namespace neuropop::jobs {

std::string WorkItem::name() const {
    std::string n = to_string(kind) + "/" + session_key + "/" + region;
    if (!target.empty()) n += "/" + target;
    return n + "/" + std::to_string(block);
}

std::uint64_t WorkItem::rng_key() const {
    std::uint64_t h = 14695981039346656037ULL;
    const std::string key =
        session_key + "/" + region + "/" + (scope.empty() ? to_string(kind) : scope);
    for (unsigned char c : key) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

} // namespace neuropop::jobs
