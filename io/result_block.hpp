#pragma once
// What one work item contributes to the results file, as plain data: groups with their
// parameters and datasets with values, units, a description and named axes. Items build a
// ResultBlock without touching HDF5; io writes it to the item's own file and the final merge
// copies every block into the one results file (io/result_store.hpp).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace neuropop::io {

using AttributeValue = std::variant<std::string, std::vector<std::string>, double, std::int64_t>;

struct Attribute {
    std::string name;
    AttributeValue value;
    bool operator==(const Attribute&) const = default;
};
using Attributes = std::vector<Attribute>;

// Element types of results datasets; numbers are float64 unless a count or an index. The
// values are the index of the matching alternative of DatasetValues and are what the merge
// layout encodes (io/result_layout.cpp), so they never change.
enum class ElementType : std::uint8_t { Float64 = 0, Int64 = 1, UInt32 = 2, String = 3 };

// A dataset's values, row-major; strings are stored as variable-length UTF-8. The alternative
// is the element type, so an empty vector still says what the dataset holds (a block read
// without values keeps only types and shapes).
using DatasetValues = std::variant<std::vector<double>, std::vector<std::int64_t>,
                                   std::vector<std::uint32_t>, std::vector<std::string>>;

// An empty DatasetValues of `type`.
DatasetValues empty_values(ElementType type);
// Appends `from` to `to`; std::invalid_argument when their element types differ.
void append_values(DatasetValues& to, const DatasetValues& from);
// Number of values held.
std::size_t value_count(const DatasetValues& values);

struct DatasetBlock {
    std::string path;                 // absolute path in the results file
    DatasetValues values;             // float64 unless set otherwise
    std::vector<std::uint64_t> shape; // empty: a scalar
    std::string units, description;
    std::vector<std::string> dims; // a label per axis
    // Per axis: name of a dataset in the same group that is this axis's dimension scale
    // (coordinate), or "" when the axis has none.
    std::vector<std::string> scales;
    Attributes attributes;          // further attributes beyond units and description
    std::uint64_t elements() const; // product of shape
    ElementType type() const { return static_cast<ElementType>(values.index()); }
    // The values as the named type; std::bad_variant_access when they are of another.
    const std::vector<double>& f64() const { return std::get<std::vector<double>>(values); }
    std::vector<double>& f64() { return std::get<std::vector<double>>(values); }
    const std::vector<std::int64_t>& i64() const {
        return std::get<std::vector<std::int64_t>>(values);
    }
    const std::vector<std::uint32_t>& u32() const {
        return std::get<std::vector<std::uint32_t>>(values);
    }
    const std::vector<std::string>& text() const {
        return std::get<std::vector<std::string>>(values);
    }
};

struct GroupBlock {
    std::string path; // absolute
    Attributes attributes;
};

class ResultBlock {
public:
    std::vector<GroupBlock> groups;
    std::vector<DatasetBlock> datasets;

    // Adds (or extends the attributes of) a group.
    GroupBlock& group(const std::string& path, Attributes attributes = {});

    // Axis description for the builders below: {label, scale-dataset name or ""}.
    struct Axis {
        std::string label;
        std::string scale;
    };
    DatasetBlock& add_f64(const std::string& path, std::vector<std::uint64_t> shape,
                          std::vector<double> values, std::string units, std::string description,
                          std::vector<Axis> axes = {});
    DatasetBlock& add_i64(const std::string& path, std::vector<std::uint64_t> shape,
                          std::vector<std::int64_t> values, std::string units,
                          std::string description, std::vector<Axis> axes = {});
    DatasetBlock& add_u32(const std::string& path, std::vector<std::uint64_t> shape,
                          std::vector<std::uint32_t> values, std::string units,
                          std::string description, std::vector<Axis> axes = {});
    // Text datasets: units "n/a".
    DatasetBlock& add_strings(const std::string& path, std::vector<std::string> values,
                              std::string description, std::vector<Axis> axes = {});
    DatasetBlock& add_scalar(const std::string& path, double value, std::string units,
                             std::string description);

    const DatasetBlock* find(const std::string& path) const; // nullptr when absent
    const DatasetBlock& at(const std::string& path) const;   // std::out_of_range when absent
};

// Joins a group path and a child name ("/a" + "b" -> "/a/b").
std::string join_path(const std::string& group, const std::string& name);
// Parent group of an absolute path ("/a/b" -> "/a", "/a" -> "/").
std::string parent_path(const std::string& path);
// Last component ("/a/b" -> "b").
std::string base_name(const std::string& path);
// A name usable as one HDF5 path component: '/' and control characters become '_', and "."
// / ".." / "" are prefixed with '_'.
std::string path_safe(const std::string& name);

} // namespace neuropop::io
