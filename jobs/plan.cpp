#include "jobs/plan.hpp"

#include "kernels/hash.hpp"

namespace neuropop::jobs {

std::string WorkItem::name() const {
    std::string n = to_string(kind) + "/" + session_key + "/" + region;
    if (!target.empty()) n += "/" + target;
    return n + "/" + std::to_string(block);
}

std::uint64_t WorkItem::rng_key() const {
    return kernels::fnv1a64(session_key + "/" + region + "/" +
                            (scope.empty() ? to_string(kind) : scope));
}

} // namespace neuropop::jobs
