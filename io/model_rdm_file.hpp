#pragma once
// Model RDMs from a CSV file (geometry.model_file): one model per line,
//   name, d_01, d_02, ..., d_0(K-1), d_12, ..., d_(K-2)(K-1)
// i.e. the model's name and its upper triangle row by row, over the condition set's conditions
// sorted by label (the order of condition_labels in the results). Blank lines and lines whose
// first non-blank character is '#' are skipped. Every model must have the same number of
// values, K (K - 1) / 2 for some K >= 2, all finite; names are unique and non-empty.

#include <cstddef>
#include <string>
#include <vector>

namespace neuropop::io {

struct ModelRdm {
    std::string name;
    std::vector<double> upper; // K (K - 1) / 2 values, row by row above the diagonal
};

struct ModelRdmFile {
    std::string file;
    std::size_t conditions = 0; // K
    std::vector<ModelRdm> models;
    // The K x K symmetric matrix (zero diagonal) of model `i`, row-major.
    std::vector<double> matrix(std::size_t i) const;
};

// Reads and validates the file; throws InputError(file, "line N" or "", rule) on the first
// problem (unreadable file, no model, a bad number, unequal or non-triangular lengths, a
// repeated name).
ModelRdmFile read_model_rdm_file(const std::string& file);

} // namespace neuropop::io
