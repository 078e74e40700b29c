#pragma once
// Internal pieces shared by io/result_*.cpp; not part of the io contract.

#include <string>

#include "io/h5.hpp"
#include "io/result_block.hpp"

namespace neuropop::io::detail {

// Attribute names the item files use to carry axis names and scales to the merge.
inline constexpr const char* dims_attribute = "_dims";
inline constexpr const char* scales_attribute = "_scales";

void write_attribute(const h5::Object& object, const Attribute& attribute);
void write_attributes(const h5::Object& object, const Attributes& attributes);
// Every attribute of an object, in name order, as Attribute values (integers widened to int64,
// floats to double; 1-D numeric attributes are not used by the results file and are refused).
Attributes read_attributes(const h5::Object& object);

// Opens `path` in `file`, creating any missing groups on the way.
h5::Group require_group(const h5::File& file, const std::string& path);

ElementType element_type_of(const h5::Dataset& dataset);

// Creates `name` in `parent` for elements of `type` (strings as variable-length UTF-8); `dcpl`
// (may be null) for numbers only, as variable-length data needs its fill value.
h5::Dataset create_dataset(const h5::Group& parent, const std::string& name, ElementType type,
                           const std::vector<std::uint64_t>& shape, const h5::Handle* dcpl);
// Writes every element of `values` to `ds` (serially).
void write_values(const h5::Dataset& ds, const DatasetValues& values);
// Every element of `ds` as DatasetValues of `type`.
DatasetValues read_values(const h5::Dataset& ds, ElementType type);

// Fills d.values' type and d.shape from `dataset`, and its elements: strings always, numbers
// only with `values` (item files and results files store them alike; only their axes differ).
void read_elements(const h5::Dataset& dataset, DatasetBlock& d, bool values);

} // namespace neuropop::io::detail
