#pragma once
// Rank 0's merge layout held packed (io/result_layout_packed.cpp): the datasets of a whole
// results file as 32-bit words, with every string that repeats (path prefixes, names, attribute
// names and values, axis labels) stored once in a table.
//
// Why: rank 0 holds the layout from the plan to the end of the serial pass. As LayoutDatasets
// (strings, vectors, attributes on the heap) it took ~1.2 KB per results dataset with the index
// scales' values, and was what made rank 0's merge peak grow with the dataset count (+18 MB from
// 5 000 to 20 000 datasets in neuropop_bench_merge, measured with heaptrack;
// benchmarks/results/2026-12-07-vm-merge-memory.md). Packed it takes ~0.1 KB per dataset.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/result_block.hpp"

namespace neuropop::io {

struct LayoutDataset;

// Strings stored once each, named by a 32-bit id in order of first use.
class StringTable {
public:
    std::uint32_t id(std::string_view s);
    const std::string& at(std::uint32_t id) const { return strings_.at(id); }
    std::size_t size() const { return strings_.size(); }
    std::size_t bytes() const; // heap bytes held, approximately (strings and the index)

private:
    std::deque<std::string> strings_; // stable addresses: the index's keys view them
    std::unordered_map<std::string_view, std::uint32_t> ids_;
};

// LayoutDatasets in layout order, packed; read back whole (operator[]) or changed in the few
// places the planner fills in after adding (scales of unnamed axes, placement).
class PackedDatasets {
public:
    void push_back(const LayoutDataset& d);
    std::size_t size() const { return offsets_.size(); }
    bool empty() const { return offsets_.empty(); }
    LayoutDataset operator[](std::size_t i) const;
    // Replaces dataset i's scales (at most max(scales, dims) of the dataset as added).
    void set_scales(std::size_t i, const std::vector<std::string>& scales);
    void set_placement(std::size_t i, bool is_scale, bool collective, std::int32_t owner);
    // A 64-bit name of `path` (its prefix and last name in the table): equal paths, equal keys.
    std::uint64_t key(const std::string& path);
    std::size_t bytes() const; // heap bytes held, approximately
    // Drops the room the vectors' doubling left (up to as much again as they hold), once the
    // planner is done adding.
    void shrink_to_fit() {
        words_.shrink_to_fit();
        offsets_.shrink_to_fit();
    }

private:
    std::vector<std::uint32_t> words_;
    std::vector<std::uint32_t> offsets_; // first word of each dataset
    StringTable strings_;
};

} // namespace neuropop::io
