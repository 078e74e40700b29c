// DynamicTable columns and the trials table: which columns can be read as one value per row,
// reading them, and the small queries on the value types of io/nwb_reader.hpp.

#include <algorithm>
#include <cmath>
#include <set>

#include "io/nwb_detail.hpp"

namespace neuropop::io {

std::size_t Column::distinct() const {
    if (is_string) return std::set<std::string>(strings.begin(), strings.end()).size();
    // NaN != NaN, so NaNs are counted apart as one value ("missing").
    std::vector<double> v;
    v.reserve(numbers.size());
    bool any_nan = false;
    for (double x : numbers) {
        if (std::isnan(x))
            any_nan = true;
        else
            v.push_back(x);
    }
    std::sort(v.begin(), v.end());
    auto n = static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
    return n + (any_nan ? 1 : 0);
}

const Column* TrialsTable::find(const std::string& name) const {
    for (const auto& c : columns)
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> SessionInfo::regions() const {
    std::set<std::string> s(unit_regions.begin(), unit_regions.end());
    return {s.begin(), s.end()};
}

std::vector<std::size_t> SessionInfo::units_in(const std::string& region) const {
    std::vector<std::size_t> rows;
    for (std::size_t u = 0; u < unit_regions.size(); ++u)
        if (unit_regions[u] == region) rows.push_back(u);
    return rows;
}

namespace detail {

Column read_column(const h5::Dataset& ds, const std::string& name, const std::string& file) {
    require_1d(ds, file);
    Column c;
    c.name = name;
    c.dtype = ds.type_description();
    switch (ds.type_class()) {
    case h5::TypeClass::Integer:
    case h5::TypeClass::Float:
        c.numbers = ds.read<double>();
        break;
    case h5::TypeClass::String:
        c.is_string = true;
        c.strings = ds.read_strings();
        break;
    default:
        fail(file, ds.path(),
             "column of dtype " + c.dtype + " cannot be read as numbers or strings");
    }
    return c;
}

std::string unreadable_column_reason(const h5::Group& table, const h5::Dataset& ds,
                                     const std::string& name) {
    if (table.exists(name + "_index"))
        return "ragged (has " + name + "_index), several values per row";
    if (ds.string_attribute("neurodata_type") == std::string("DynamicTableRegion"))
        return "DynamicTableRegion (row references into another table)";
    switch (ds.type_class()) {
    case h5::TypeClass::Reference:
        return "object references";
    case h5::TypeClass::Compound:
        return "compound dtype";
    case h5::TypeClass::Other:
        return "dtype " + ds.type_description();
    default:
        break;
    }
    if (ds.dims().size() != 1) return std::to_string(ds.dims().size()) + "-D values per row";
    return "";
}

namespace {

// colnames as stored (vlen or fixed strings); without the attribute, every dataset of the group
// except id and the *_index partners, in name order.
std::vector<std::string> column_names(const h5::Group& g) {
    if (g.has_attribute("colnames")) return g.attribute("colnames").read_strings();
    std::vector<std::string> names;
    for (const auto& child : g.children()) {
        bool is_index = child.size() > 6 && child.compare(child.size() - 6, 6, "_index") == 0;
        if (child != "id" && !is_index && g.is_dataset(child)) names.push_back(child);
    }
    return names;
}

} // namespace

TrialsTable read_trials(const h5::Group& g, const std::string& file) {
    TrialsTable t;
    h5::Dataset id = require_dataset(g, "id", file, "trial ids");
    t.ids = read_integers(id, file);
    std::vector<std::string> names = column_names(g);
    for (const char* required : {"stop_time", "start_time"})
        if (std::find(names.begin(), names.end(), required) == names.end())
            names.insert(names.begin(), required);
    for (const auto& name : names) {
        h5::Dataset ds = require_dataset(g, name, file, "listed in colnames");
        bool is_time = name == "start_time" || name == "stop_time";
        if (is_time) {
            require_1d(ds, file);
            require_class(ds, h5::TypeClass::Float, file);
        } else if (std::string why = unreadable_column_reason(g, ds, name); !why.empty()) {
            t.skipped.push_back(name + ": " + why);
            continue;
        }
        Column c = read_column(ds, name, file);
        if (c.size() != t.ids.size())
            fail(file, ds.path(),
                 "trial column length " + std::to_string(c.size()) +
                     " != " + std::to_string(t.ids.size()) + " trial ids (" + id.path() + ")");
        if (name == "start_time") t.start_time = c.numbers;
        if (name == "stop_time") t.stop_time = c.numbers;
        t.columns.push_back(std::move(c));
    }
    return t;
}

} // namespace detail

} // namespace neuropop::io
