#pragma once
// Input checks of the [geometry] section against the dataset, run with the inventory so that a
// bad condition column, a model that does not fit, a model file of the wrong size or too few
// trials per condition stop the job (exit 2) before any work starts.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/model_rdm_file.hpp"
#include "io/nwb_reader.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::jobs::geometry {

class InventoryCheck {
public:
    // Reads geometry.model_file (when geometry is enabled and it is set); a bad file is a
    // problem.
    InventoryCheck(const JobSpec& spec, std::vector<std::string>& problems);
    // The checks of one session's trials table (`shown`: the file as messages name it).
    void session(const std::string& shown, const io::SessionInfo& info,
                 std::vector<std::string>& problems);
    // Problems only visible across sessions: a model column or a model file that fits no
    // condition set anywhere.
    void finish(std::vector<std::string>& problems) const;

private:
    const JobSpec& spec_;
    std::optional<io::ModelRdmFile> model_file_;
    std::map<std::string, std::string> model_misfit_; // column -> last reason it did not fit
    std::set<std::string> model_fits_;                // columns that fit some set somewhere
    std::set<std::size_t> set_sizes_;                 // condition counts seen
    bool checked_sets_ = false;
};

} // namespace neuropop::jobs::geometry
