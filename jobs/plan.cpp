#include "jobs/plan.hpp"

namespace neuropop::jobs {

std::string WorkItem::name() const {
    return analysis + "/" + session_key + "/" + region + "/" + std::to_string(block);
}

} // namespace neuropop::jobs
