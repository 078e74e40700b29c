#pragma once
// What a pseudo-population is pooled by, per analysis: the decoding target's classes, a geometry
// condition set's joint labels, or the job's conditions (PCA). The planner counts these labels in
// each session's trials table to decide which sessions can contribute; the resample items apply
// the same rule to the columns the bin item copied.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "jobs/item_kind.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

// One pooled analysis of a region: the analysis, its target ("" for PCA; the decode column; the
// geometry set's columns joined by '*'; "" for models) and the trials columns whose joint label
// pools trials (models: models.column, so each pooled condition is one stimulus of the file).
struct PseudoTarget {
    PseudoAnalysis analysis = PseudoAnalysis::Pca;
    std::string target;
    std::vector<std::string> columns;
    std::vector<std::string> classes; // decode class subset (empty: every value)
    std::string name() const;         // "decode:stimulus_ID", "geometry:a*b", "pca", "models"
};

std::vector<PseudoTarget> pseudo_targets(const JobSpec& spec);

// The per-population kind a pooled analysis runs on every resample (Decode, Geometry, Pca,
// Models), and its name (the kind's: "decode", "geometry", "pca", "models").
ItemKind pooled_kind(PseudoAnalysis a);
const char* analysis_name(PseudoAnalysis a);

// The pooling label of each trial: the columns' labels joined by '|' ("" when a row's value is
// outside the class subset or NaN — such trials are left out). `columns[k]` holds column k's
// labels per trial; `rows` trials (every label "all" without columns).
std::vector<std::string> pooling_labels(const PseudoTarget& t,
                                        const std::vector<std::vector<std::string>>& columns,
                                        std::size_t rows);

// Trials per non-empty label.
std::map<std::string, std::size_t> label_counts(const std::vector<std::string>& labels);

} // namespace neuropop::jobs
