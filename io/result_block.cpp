#include "io/result_block.hpp"

#include <stdexcept>
#include <type_traits>

namespace neuropop::io {

DatasetValues empty_values(ElementType type) {
    switch (type) {
    case ElementType::Float64:
        return std::vector<double>{};
    case ElementType::Int64:
        return std::vector<std::int64_t>{};
    case ElementType::UInt32:
        return std::vector<std::uint32_t>{};
    case ElementType::String:
        return std::vector<std::string>{};
    }
    throw std::invalid_argument("empty_values: element type " +
                                std::to_string(static_cast<int>(type)));
}

void append_values(DatasetValues& to, const DatasetValues& from) {
    std::visit(
        [&](auto& out) {
            using V = std::decay_t<decltype(out)>;
            const auto* in = std::get_if<V>(&from);
            if (!in) throw std::invalid_argument("append_values: element types differ");
            out.insert(out.end(), in->begin(), in->end());
        },
        to);
}

std::size_t value_count(const DatasetValues& values) {
    return std::visit([](const auto& v) { return v.size(); }, values);
}

std::uint64_t DatasetBlock::elements() const {
    std::uint64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

GroupBlock& ResultBlock::group(const std::string& path, Attributes attributes) {
    for (auto& g : groups) {
        if (g.path != path) continue;
        for (auto& a : attributes)
            g.attributes.push_back(std::move(a));
        return g;
    }
    groups.push_back({path, std::move(attributes)});
    return groups.back();
}

namespace {

DatasetBlock make(const std::string& path, DatasetValues values, std::vector<std::uint64_t> shape,
                  std::string units, std::string description, std::vector<ResultBlock::Axis> axes) {
    if (axes.size() != shape.size())
        throw std::logic_error(path + ": " + std::to_string(axes.size()) + " axis names for " +
                               std::to_string(shape.size()) + " axes");
    DatasetBlock d;
    d.path = path;
    d.values = std::move(values);
    d.shape = std::move(shape);
    d.units = std::move(units);
    d.description = std::move(description);
    for (auto& a : axes) {
        d.dims.push_back(std::move(a.label));
        d.scales.push_back(std::move(a.scale));
    }
    if (value_count(d.values) != d.elements())
        throw std::logic_error(d.path + ": " + std::to_string(value_count(d.values)) +
                               " values for shape of " + std::to_string(d.elements()));
    return d;
}

} // namespace

DatasetBlock& ResultBlock::add_f64(const std::string& path, std::vector<std::uint64_t> shape,
                                   std::vector<double> values, std::string units,
                                   std::string description, std::vector<Axis> axes) {
    datasets.push_back(make(path, std::move(values), std::move(shape), std::move(units),
                            std::move(description), std::move(axes)));
    return datasets.back();
}

DatasetBlock& ResultBlock::add_i64(const std::string& path, std::vector<std::uint64_t> shape,
                                   std::vector<std::int64_t> values, std::string units,
                                   std::string description, std::vector<Axis> axes) {
    datasets.push_back(make(path, std::move(values), std::move(shape), std::move(units),
                            std::move(description), std::move(axes)));
    return datasets.back();
}

DatasetBlock& ResultBlock::add_u32(const std::string& path, std::vector<std::uint64_t> shape,
                                   std::vector<std::uint32_t> values, std::string units,
                                   std::string description, std::vector<Axis> axes) {
    datasets.push_back(make(path, std::move(values), std::move(shape), std::move(units),
                            std::move(description), std::move(axes)));
    return datasets.back();
}

DatasetBlock& ResultBlock::add_strings(const std::string& path, std::vector<std::string> values,
                                       std::string description, std::vector<Axis> axes) {
    std::vector<std::uint64_t> shape{values.size()};
    datasets.push_back(make(path, std::move(values), std::move(shape), "n/a",
                            std::move(description), std::move(axes)));
    return datasets.back();
}

DatasetBlock& ResultBlock::add_scalar(const std::string& path, double value, std::string units,
                                      std::string description) {
    return add_f64(path, {}, {value}, std::move(units), std::move(description));
}

const DatasetBlock* ResultBlock::find(const std::string& path) const {
    for (const auto& d : datasets)
        if (d.path == path) return &d;
    return nullptr;
}

const DatasetBlock& ResultBlock::at(const std::string& path) const {
    if (const auto* d = find(path)) return *d;
    throw std::out_of_range("result block has no dataset " + path);
}

std::string join_path(const std::string& group, const std::string& name) {
    if (group.empty() || group == "/") return "/" + name;
    return group + "/" + name;
}

std::string parent_path(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos || pos == 0) return "/";
    return path.substr(0, pos);
}

std::string base_name(const std::string& path) {
    auto pos = path.find_last_of('/');
    return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string path_safe(const std::string& name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name)
        out += (c == '/' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
    if (out.empty() || out == "." || out == "..") out = "_" + out;
    return out;
}

} // namespace neuropop::io
