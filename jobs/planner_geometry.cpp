#include "jobs/planner_detail.hpp"

namespace neuropop::jobs::detail {

void add_geometry_items(const JobSpec& spec, const std::vector<Population>& populations,
                        double bins, Plan& plan) {
    (void)spec;
    (void)populations;
    (void)bins;
    (void)plan;
}

} // namespace neuropop::jobs::detail
