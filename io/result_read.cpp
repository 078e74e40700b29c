// Reading a complete results file back into ResultBlock data, so that `neuropop merge` can plan
// a merge of shard results files exactly like one of item files (io/result_store.hpp).

#include <stdexcept>

#include "io/result_detail.hpp"
#include "io/result_store.hpp"

namespace neuropop::io {

namespace {

// HDF5's dimension-scale bookkeeping: write_collective recreates it from dims and scales.
bool is_scale_bookkeeping(const std::string& name) {
    return name == "CLASS" || name == "NAME" || name == "DIMENSION_LABELS" ||
           name == "DIMENSION_LIST" || name == "REFERENCE_LIST";
}

void read_axes(const h5::Dataset& ds, DatasetBlock& d) {
    const bool self_scale = ds.is_scale();
    for (unsigned axis = 0; axis < d.shape.size(); ++axis) {
        std::string label = ds.axis_label(axis);
        std::string scale;
        if (self_scale) {
            // A scale cannot carry scales; a 1-D one is its own axis's coordinate.
            if (d.shape.size() == 1) scale = base_name(d.path);
        } else if (const auto path = ds.first_scale_path(axis)) {
            // The first scale of the axis is the one the results file attaches.
            if (parent_path(*path) != parent_path(d.path))
                throw h5::Error("H5DSiterate_scales", d.path,
                                "dimension scale " + *path + " is not in the dataset's group");
            scale = base_name(*path);
        }
        d.dims.push_back(std::move(label));
        d.scales.push_back(std::move(scale));
    }
}

void read_dataset(const h5::File& file, const std::string& path, bool values, ResultBlock& out) {
    h5::Dataset ds = file.open_dataset(path);
    DatasetBlock d;
    d.path = path;
    detail::read_elements(ds, d, values);
    for (auto& a : detail::read_attributes(ds)) {
        if (a.name == "units")
            d.units = std::get<std::string>(a.value);
        else if (a.name == "description")
            d.description = std::get<std::string>(a.value);
        else if (!is_scale_bookkeeping(a.name))
            d.attributes.push_back(std::move(a));
    }
    read_axes(ds, d);
    out.datasets.push_back(std::move(d));
}

void read_group(const h5::File& file, const std::string& path, bool values, ResultBlock& out) {
    h5::Group g = file.open_group(path);
    out.groups.push_back({path, detail::read_attributes(g)});
    for (const auto& child : g.children()) {
        const std::string p = join_path(path, child);
        if (file.is_group(p))
            read_group(file, p, values, out);
        else
            read_dataset(file, p, values, out);
    }
}

} // namespace

ResultBlock read_results_group(const std::string& path, const std::string& group, bool values) {
    h5::File f = h5::File::open(path);
    ResultBlock out;
    if (group == "/" || group.empty())
        throw std::invalid_argument("read_results_group: name a group below the root");
    read_group(f, group, values, out);
    return out;
}

Attributes read_root_attributes(const std::string& path) {
    h5::File f = h5::File::open(path);
    return detail::read_attributes(f);
}

std::vector<std::string> read_root_groups(const std::string& path) {
    h5::File f = h5::File::open(path);
    std::vector<std::string> out;
    for (const auto& child : f.children())
        if (f.is_group("/" + child)) out.push_back("/" + child);
    return out;
}

} // namespace neuropop::io
