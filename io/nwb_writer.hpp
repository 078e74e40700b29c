#pragma once
// NWB 2.x writer for units + trials sessions, in the layout pynwb 2.x writes (checked against
// data/nwb-reference/synthetic_units_trials.nwb): root attributes neurodata_type/namespace/
// nwb_version/object_id, DynamicTables with colnames and typed columns, VectorIndex.target and
// DynamicTableRegion.table as object references, one ElectrodeGroup per region with a soft link
// to its Device, ISO 8601 datetimes as ASCII strings. Not written: the cached specification
// (/specifications) and pynwb's optional metadata. Index columns use the smallest unsigned type
// that holds their largest value, as pynwb does (uint8/16/32/64).
//
// Files are written to `<file>.partial` and renamed when complete, so a crash never leaves a
// truncated file under the final name.

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/binning.hpp"
#include "kernels/coupling_generator.hpp"
#include "kernels/generator_model.hpp"

namespace neuropop::io {

using ColumnValues = std::variant<std::vector<double>, std::vector<std::int64_t>,
                                  std::vector<std::uint64_t>, std::vector<std::string>>;

// A VectorData column (float64, int64, uint64 or vlen UTF-8 strings).
struct TableColumn {
    std::string name, description;
    ColumnValues values;
};

// A group under /scratch (e.g. ground_truth) with a description and string attributes.
struct ScratchGroup {
    std::string path; // relative to /scratch
    std::string description;
    std::vector<std::pair<std::string, std::string>> attributes;
};

// A ScratchData dataset under /scratch; missing parent groups are created.
struct ScratchArray {
    std::string path; // relative to /scratch, e.g. "ground_truth/latent_dim"
    std::string description;
    std::vector<std::size_t> shape; // row-major; empty: 1-D of all values, or a scalar
    bool scalar = false;            // one value written as an HDF5 scalar
    ColumnValues values;
};

// Everything of a session but its spikes.
struct NwbSession {
    std::string identifier, session_description, session_id;
    std::string session_start_time; // ISO 8601 with offset, e.g. 2024-01-01T00:00:00+00:00
    std::string experiment_description;
    std::string subject_id, species, subject_description;
    std::string device_name = "probe", device_description = "recording device";
    // One row per unit; each unit gets its own electrode, in an ElectrodeGroup per region.
    std::vector<std::int64_t> unit_ids;
    std::vector<std::string> unit_regions;
    std::string units_description = "units of the session";
    std::vector<double> trial_start, trial_stop;
    std::vector<TableColumn> trial_columns; // after start_time, stop_time, in this order
    std::vector<ScratchGroup> scratch_groups;
    std::vector<ScratchArray> scratch;
    // object_id UUIDs are drawn from CounterRng(object_id_seed, hash(identifier)): unique per
    // identifier and reproducible.
    std::uint64_t object_id_seed = 0;
};

// Writes one NWB file. Throws InputError when the file exists and !overwrite, or when the
// content is inconsistent (row counts); h5::Error on HDF5 failures.
void write_nwb(const std::string& filename, const NwbSession& session,
               const kernels::SpikeTrains& spikes, bool overwrite);

// ---- synthetic sessions (neuropop generate) -----------------------------------------------------

// "sub-<subject>_ses-<session>.nwb", e.g. sub-m01_ses-003.nwb.
std::string generated_file_name(const kernels::GeneratorConfig& config, std::size_t session);

// The generator's session as NWB content: trials table (start_time, stop_time, stim_on_time,
// stimulus, stimulus_id, control) and the ground truth under /scratch/ground_truth.
NwbSession describe_generated(const kernels::SessionModel& model);

void write_generated_session(const std::string& filename, const kernels::SessionModel& model,
                             const kernels::SpikeTrains& spikes, bool overwrite);

struct GeneratedFile {
    std::string path, subject_id;
    std::size_t units = 0, trials = 0;
    std::uint64_t spikes = 0;
    double model_seconds = 0.0, write_seconds = 0.0;
};

// Draws, simulates and writes session `session` of `config` into `dir` (which must exist). With
// `coupling` enabled, the coupled regions' spikes are redrawn by kernels::simulate_coupling and
// their truth goes under /scratch/ground_truth/coupling (add_coupling_truth); without it the file
// is exactly what it was before coupling existed.
GeneratedFile generate_session_file(const kernels::GeneratorConfig& config, std::size_t session,
                                    const std::string& dir, bool overwrite,
                                    const kernels::CouplingConfig& coupling = {});

// The truth of kernels::simulate_coupling under /scratch/ground_truth/coupling/<region group>
// (io/nwb_coupling_truth.cpp).
void add_coupling_truth(NwbSession& session, const kernels::SessionModel& model,
                        const kernels::CouplingConfig& coupling,
                        const std::vector<kernels::CoupledRegionTruth>& truths);

} // namespace neuropop::io
