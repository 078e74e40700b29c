#include "io/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "io/errors.hpp"
#include "io/h5.hpp"

namespace neuropop::io {

namespace {

std::string short_number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
}

// Features per block: as many as fit in `block_values` numbers over every stimulus and repeat.
std::size_t block_features(const ModelLayerInfo& l, std::size_t block_values) {
    const std::size_t per_feature = std::max<std::size_t>(l.stimuli * l.repeats, 1);
    return std::max<std::size_t>(block_values / per_feature, 1);
}

// Raw values [stimulus][repeat][feature in block], row-major.
std::vector<double> read_raw_block(const h5::Dataset& d, const ModelLayerInfo& l, std::size_t first,
                                   std::size_t count) {
    const bool three = d.dims().size() == 3;
    std::vector<hsize_t> start, n;
    if (three) {
        start = {0, 0, first};
        n = {l.stimuli, l.repeats, count};
    } else {
        start = {0, first};
        n = {l.stimuli, count};
    }
    return d.read_block<double>(start, n);
}

} // namespace

const ModelLayerInfo& ModelFileInfo::layer(const std::string& name) const {
    for (const auto& l : layers)
        if (l.name == name) return l;
    throw std::out_of_range(file + ": no layer '" + name + "'");
}

ModelFileInfo read_model_file_info(const std::string& file) {
    if (!std::filesystem::is_regular_file(file))
        throw InputError(file, "", "no such file (models.file)");
    ModelFileInfo out;
    out.file = file;
    h5::File f;
    try {
        f = h5::File::open(file);
    } catch (const h5::Error& e) {
        throw InputError(file, "", std::string("not a readable HDF5 file: ") + e.what());
    }
    try {
        if (!f.is_dataset("stimuli"))
            throw InputError(file, "/stimuli", "missing: one label per stimulus is required");
        const auto s = f.open_dataset("stimuli");
        if (s.dims().size() != 1)
            throw InputError(file, "/stimuli", "must be 1-D (one label per stimulus)");
        const auto cls = s.type_class();
        if (cls == h5::TypeClass::String) {
            out.stimulus_strings = s.read_strings();
            std::set<std::string> seen;
            for (const auto& v : out.stimulus_strings)
                if (!seen.insert(v).second)
                    throw InputError(file, "/stimuli", "label '" + v + "' appears twice");
        } else if (cls == h5::TypeClass::Integer || cls == h5::TypeClass::Float) {
            out.numeric_stimuli = true;
            out.stimulus_numbers = s.read<double>();
            std::set<double> seen;
            for (std::size_t i = 0; i < out.stimulus_numbers.size(); ++i) {
                const double v = out.stimulus_numbers[i];
                if (!std::isfinite(v))
                    throw InputError(file, "/stimuli",
                                     "label " + std::to_string(i) + " is not a finite number");
                if (!seen.insert(v).second)
                    throw InputError(file, "/stimuli",
                                     "label " + short_number(v) + " appears twice");
            }
        } else {
            throw InputError(file, "/stimuli",
                             "must hold strings or numbers, not " + s.type_description());
        }
        const std::size_t n = out.stimuli();
        if (n < 4)
            throw InputError(file, "/stimuli",
                             std::to_string(n) +
                                 " stimuli; the comparisons need at least 4 (debiased CKA)");

        if (!f.is_group("layers"))
            throw InputError(file, "/layers", "missing: one group per layer is required");
        const auto layers = f.open_group("layers");
        auto names = layers.children();
        if (names.empty()) throw InputError(file, "/layers", "holds no layer");
        if (layers.has_attribute("order")) {
            auto order = layers.attribute("order").read_strings();
            std::set<std::string> in_order(order.begin(), order.end());
            if (in_order.size() != order.size())
                throw InputError(file, "/layers", "attribute order names a layer twice");
            for (const auto& o : order)
                if (std::find(names.begin(), names.end(), o) == names.end())
                    throw InputError(file, "/layers",
                                     "attribute order names '" + o + "', which is not a layer");
            for (const auto& c : names)
                if (in_order.count(c) == 0)
                    throw InputError(file, "/layers",
                                     "layer '" + c + "' is missing from attribute order");
            names = std::move(order);
        }
        for (const auto& name : names) {
            ModelLayerInfo l;
            l.name = name;
            l.path = "/layers/" + name + "/activations";
            if (!layers.is_group(name) || !layers.open_group(name).is_dataset("activations"))
                throw InputError(file, l.path, "missing: each layer is a group with activations");
            const auto d = f.open_dataset(l.path.substr(1));
            const auto info = d.element_info();
            if (info.type_class != h5::TypeClass::Float || (info.bytes != 4 && info.bytes != 8))
                throw InputError(file, l.path,
                                 "must be float32 or float64, not " + d.type_description());
            l.single_precision = info.bytes == 4;
            const auto dims = d.dims();
            if (dims.size() == 2) {
                l.stimuli = static_cast<std::size_t>(dims[0]);
                l.features = static_cast<std::size_t>(dims[1]);
            } else if (dims.size() == 3) {
                l.stimuli = static_cast<std::size_t>(dims[0]);
                l.repeats = static_cast<std::size_t>(dims[1]);
                l.features = static_cast<std::size_t>(dims[2]);
                if (l.repeats == 0)
                    throw InputError(file, l.path, "[stimulus, repeat, feature] with no repeat");
            } else {
                throw InputError(
                    file, l.path,
                    "must be [stimulus, feature] or [stimulus, repeat, feature], not " +
                        std::to_string(dims.size()) + "-D");
            }
            if (l.stimuli != n)
                throw InputError(file, l.path,
                                 std::to_string(l.stimuli) + " rows but /stimuli has " +
                                     std::to_string(n) + " labels (one row per stimulus)");
            if (l.features < 2)
                throw InputError(file, l.path,
                                 std::to_string(l.features) +
                                     " feature(s); a layer needs at least 2 to have a geometry");
            d.require_stored();
            out.layers.push_back(std::move(l));
        }
    } catch (const h5::Error& e) {
        throw InputError(file, "", std::string("unreadable: ") + e.what());
    }
    return out;
}

void for_each_feature_block(const ModelFileInfo& info, const ModelLayerInfo& layer,
                            std::size_t block_values, const FeatureBlockFn& f) {
    const auto file = h5::File::open(info.file);
    const auto d = file.open_dataset(layer.path.substr(1));
    const std::size_t step = block_features(layer, block_values);
    std::vector<double> mean;
    for (std::size_t first = 0; first < layer.features; first += step) {
        const std::size_t count = std::min(step, layer.features - first);
        auto raw = read_raw_block(d, layer, first, count);
        if (layer.repeats == 1) {
            f(raw, first, count);
            continue;
        }
        // Mean over repeats, each term divided before summing in repeat order (fixed bits).
        mean.assign(layer.stimuli * count, 0.0);
        const double r = static_cast<double>(layer.repeats);
        for (std::size_t s = 0; s < layer.stimuli; ++s)
            for (std::size_t k = 0; k < layer.repeats; ++k)
                for (std::size_t j = 0; j < count; ++j)
                    mean[s * count + j] += raw[(s * layer.repeats + k) * count + j] / r;
        f(mean, first, count);
    }
}

void check_model_values(const ModelFileInfo& info, const std::vector<std::string>& layers,
                        std::size_t block_values) {
    const auto file = h5::File::open(info.file);
    for (const auto& l : info.layers) {
        if (!layers.empty() && std::find(layers.begin(), layers.end(), l.name) == layers.end())
            continue;
        const auto d = file.open_dataset(l.path.substr(1));
        const std::size_t step = block_features(l, block_values);
        for (std::size_t first = 0; first < l.features; first += step) {
            const std::size_t count = std::min(step, l.features - first);
            const auto raw = read_raw_block(d, l, first, count);
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (std::isfinite(raw[i])) continue;
                const std::size_t j = i % count, row = i / count;
                const std::size_t s = row / l.repeats, k = row % l.repeats;
                throw InputError(
                    info.file, l.path,
                    std::string(std::isnan(raw[i]) ? "NaN" : "infinite value") + " at stimulus " +
                        std::to_string(s) + (l.repeats > 1 ? ", repeat " + std::to_string(k) : "") +
                        ", feature " + std::to_string(first + j) + " (activations must be finite)");
            }
        }
    }
}

void write_model_file(const std::string& file, const std::vector<std::string>& stimuli,
                      const std::vector<std::string>& names,
                      const std::vector<std::vector<double>>& values,
                      const std::vector<std::size_t>& features) {
    auto f = h5::File::create(file, true);
    f.write_strings("stimuli", stimuli);
    const auto layers = f.create_group("layers");
    layers.write_attribute("order", names);
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto g = layers.create_group(names[i]);
        const auto d =
            g.create_dataset<double>("activations", {static_cast<hsize_t>(stimuli.size()),
                                                     static_cast<hsize_t>(features[i])});
        d.write(values[i]);
    }
}

} // namespace neuropop::io
