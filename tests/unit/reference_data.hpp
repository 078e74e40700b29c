#pragma once
// Shared helpers for the dimensionality-reduction tests: matrices exchanged with the Python
// reference computations as text, Gaussian test data from the counter-based RNG, and Python
// snippets that read the real IT sessions with h5py.

#include <filesystem>
#include <string>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::test {

// Text format shared with python_matrix_io(): a line "rows cols", then the values row by row,
// written with 17 significant digits so doubles round-trip exactly.
Eigen::MatrixXd read_matrix(const std::filesystem::path& file);
void write_matrix(const std::filesystem::path& file, const Eigen::Ref<const Eigen::MatrixXd>& m);

// Independent N(0, 1) entries by the Box–Muller transform of rng.uniform() pairs, column by column.
Eigen::MatrixXd gaussian_matrix(Eigen::Index rows, Eigen::Index cols, kernels::CounterRng& rng);

// A random orthogonal n × n matrix (Q of the QR decomposition of a Gaussian matrix).
Eigen::MatrixXd random_orthogonal(Eigen::Index n, kernels::CounterRng& rng);

// Python definitions: read_matrix(path) and write_matrix(path, M) in the format above.
std::string python_matrix_io();

// Python definition: it_counts(nwb_path, start, stop, width) -> (counts, labels), counts
// [trials, units, bins] (float64) of spikes in [stim_on + start + k·width, … + (k+1)·width)
// counted with numpy.searchsorted (side='left', half-open bins as in docs/ANALYSES.md §1), labels a
// dict of the trials table's stimulus_ID and stimulus_position as numpy string arrays.
std::string python_it_counts();

// data/zhang-desimone-it/nwb/zhang-desimone-it-<session>.nwb
std::string it_session(int session);

} // namespace neuropop::test
