#pragma once
// What one [decode] target means for one session's trials: which trials take part, their class
// (or numeric value for ridge), and every reason the target cannot be decoded. The inventory
// calls it on the NWB trials table before any work starts (a problem there is exit 2); the
// decode items call it again on the columns the bin item copied, so both see the same labels.

#include <cstddef>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

struct DecodeLabels {
    bool regression = false;          // decoder = ridge: `values`, else `classes` + `labels`
    std::vector<std::size_t> trials;  // positions (into the given rows) of the trials decoded
    std::vector<std::string> classes; // distinct labels: numbers by value, strings by text
    std::vector<int> labels;          // class index of each decoded trial
    std::vector<double> values;       // regression target of each decoded trial
};

// `rows` lists the positions of the column to consider (e.g. the trials that can be aligned).
// A class subset keeps only the trials whose label is listed; without one, every row counts.
// Appends one rule text per problem (no file or path: the caller prefixes them):
// - decoder = ridge on a string column; a NaN/infinite value (ridge, or a numeric label);
// - a subset class that is no value of the column;
// - fewer than 2 classes; a class with fewer trials than decode.folds;
// - (ridge) fewer trials than decode.folds.
DecodeLabels decode_labels(const DecodeSection& decode, const DecodeSection::Target& target,
                           bool is_string, const std::vector<std::string>& strings,
                           const std::vector<double>& numbers, const std::vector<std::size_t>& rows,
                           std::vector<std::string>& problems);

// The label text of a numeric value (shortest exact form, as condition labels use).
std::string numeric_label(double v);

} // namespace neuropop::jobs
