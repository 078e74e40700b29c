#pragma once
// Input checks of the [models] section (docs/MODELS.md) against the dataset, run with the
// inventory so that a bad activations file stops the job (exit 2, one line per problem naming
// the file, the HDF5 path and the rule) before any work starts: the layout
// (io::read_model_file_info), every value finite (io::check_model_values, read in blocks), the
// layers asked for present, the trials column present, and every /stimuli label equal to a value
// of that column in some session.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/model_file.hpp"
#include "io/nwb_reader.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::jobs::models {

// The stimulus labels as trials-column labels (numbers in their shortest exact form, as
// engine::TrialColumn::label writes them), in the file's order.
std::vector<std::string> stimulus_labels(const io::ModelFileInfo& info);

// The layers the job compares: models.layers, or every layer in the file's order.
std::vector<std::string> selected_layers(const JobSpec& spec, const io::ModelFileInfo& info);

// Numbers per block when reading activations (32 MiB of float64).
inline constexpr std::size_t block_values = std::size_t{1} << 22;

class InventoryCheck {
public:
    InventoryCheck(const JobSpec& spec, std::vector<std::string>& problems);
    void session(const std::string& shown, const io::SessionInfo& info,
                 std::vector<std::string>& problems);
    void finish(std::vector<std::string>& problems) const;

private:
    const JobSpec& spec_;
    std::optional<io::ModelFileInfo> info_;
    std::set<std::string> values_; // the column's values over every session
    bool any_column_ = false;
};

} // namespace neuropop::jobs::models
