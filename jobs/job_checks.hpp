#pragma once
// Checks that involve more than one key (the window against the bin width, analyses against
// the conditions...), run after every key has been read on its own.

#include <set>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs::detail {

// Appends one line per problem. Keys in `bad_keys` already failed on their own and are not
// checked again (their field still holds the default, which would only add noise).
void check_spec(const JobSpec& spec, const std::set<std::string>& bad_keys,
                std::vector<std::string>& problems);

} // namespace neuropop::jobs::detail
