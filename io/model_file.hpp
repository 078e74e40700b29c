#pragma once
// Network-layer activations in (models.file; the layout is docs/MODELS.md):
//   /stimuli                      1-D, strings or numbers: one label per stimulus, equal to values
//                                 of a trials column (models.column)
//   /layers/<name>/activations    [stimulus, feature] or [stimulus, repeat, feature], float32 or
//                                 float64 (repeats: a stochastic network's draws, averaged)
//   /layers attribute "order"     the layer names in network order (absent: name order)
//
// Reading is split so that a large layer (10^5 features x 10^3 stimuli, 800 MB as float64) is
// never held whole: read_model_file_info opens the metadata only, and for_each_feature_block
// hands the caller one block of features at a time (every stimulus, repeats averaged), sized so a
// block holds at most `block_values` numbers. Every structural rule is checked by
// read_model_file_info; check_model_values scans the values (NaN, inf) in the same blocks. Both
// throw InputError(file, HDF5 path, rule), which the job turns into one line and exit 2 before
// any work starts.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace neuropop::io {

struct ModelLayerInfo {
    std::string name;
    std::string path; // /layers/<name>/activations
    std::size_t stimuli = 0, repeats = 1, features = 0;
    bool single_precision = false; // float32 stored (read as float64)
};

struct ModelFileInfo {
    std::string file;
    bool numeric_stimuli = false;
    std::vector<double> stimulus_numbers;      // when numeric_stimuli
    std::vector<std::string> stimulus_strings; // otherwise
    std::vector<ModelLayerInfo> layers;        // in the file's layer order
    std::size_t stimuli() const {
        return numeric_stimuli ? stimulus_numbers.size() : stimulus_strings.size();
    }
    // The layer named `name`; std::out_of_range when absent.
    const ModelLayerInfo& layer(const std::string& name) const;
};

// Opens the file for its metadata and checks the layout: /stimuli present, 1-D, numbers or
// strings, at least 4 stimuli (debiased CKA needs n >= 4), finite and unique labels; /layers
// present with at least one layer; the order attribute (if any) names each layer once;
// every activations dataset float32/float64, 2-D or 3-D, as many rows as /stimuli, at least one
// repeat and at least 2 features (one feature has no geometry to compare).
ModelFileInfo read_model_file_info(const std::string& file);

// Calls `f(values, first, count)` for consecutive blocks of the layer's features, in order:
// `values` is stimuli x count, row-major, the mean over repeats, in float64. At most
// `block_values` numbers per block (at least one feature per block).
using FeatureBlockFn =
    std::function<void(const std::vector<double>& values, std::size_t first, std::size_t count)>;
void for_each_feature_block(const ModelFileInfo& info, const ModelLayerInfo& layer,
                            std::size_t block_values, const FeatureBlockFn& f);

// Scans every value of every layer in `layers` (all when empty) for NaN and inf, in blocks
// (before repeats are averaged); throws InputError naming the layer, the stimulus and feature.
void check_model_values(const ModelFileInfo& info, const std::vector<std::string>& layers,
                        std::size_t block_values);

// Writes a file in this layout (the generator's model file): string stimulus labels, one float64
// [stimulus, feature] layer per name (`values[i]` row-major, stimuli x features[i]), the order
// attribute in the given order. Throws h5::Error when the file cannot be written.
void write_model_file(const std::string& file, const std::vector<std::string>& stimuli,
                      const std::vector<std::string>& names,
                      const std::vector<std::vector<double>>& values,
                      const std::vector<std::size_t>& features);

} // namespace neuropop::io
