#pragma once
// Result blocks that cover what the results store (io/result_store.hpp) carries: every element
// type (float64, int64, uint32, strings), scalars and n-D datasets, axes with and without a
// coordinate, every attribute kind, and values at the edges of their type. Shared by the io
// tier (item files, merge plan, layout encoding) and the mpi tier (the collective write).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "io/result_block.hpp"
#include "io/result_store.hpp"

namespace neuropop::test::results {

// Every field of a merge layout's dataset equal (packed and unpacked, encoded and decoded).
inline void check_same_dataset(const io::LayoutDataset& x, const io::LayoutDataset& y) {
    INFO(x.path);
    CHECK(y.path == x.path);
    CHECK(y.type == x.type);
    CHECK(y.shape == x.shape);
    CHECK(y.attributes == x.attributes);
    CHECK(y.dims == x.dims);
    CHECK(y.scales == x.scales);
    CHECK(y.is_scale == x.is_scale);
    CHECK(y.collective == x.collective);
    CHECK(y.source == x.source);
    CHECK(y.inline_block == x.inline_block);
    CHECK(y.owner == x.owner);
}

inline io::ResultBlock item_a() {
    io::ResultBlock b;
    const std::string g = "/sessions/s1/VISp";
    b.group(g, {{"method", std::string("pca")},
                {"windows", std::vector<std::string>{"baseline", "response"}},
                {"alpha", 0.5},
                {"seed", std::int64_t{-3}}});
    b.add_f64(g + "/time", {4}, {0.0, 0.25, 0.5, 0.75}, "s", "bin centres", {{"time", "time"}});
    b.add_f64(g + "/rates", {2, 4},
              {1.5, -2.0, std::numeric_limits<double>::infinity(), 0.0, -0.0, 1e-300, 3.25, 1e300},
              "Hz", "rates per unit and bin", {{"unit", ""}, {"time", "time"}});
    b.add_i64(g + "/unit_ids", {2},
              {std::numeric_limits<std::int64_t>::min(), std::int64_t{1} << 40}, "1", "unit ids",
              {{"unit", ""}});
    std::vector<std::uint32_t> counts(2 * 4 * 3);
    for (std::size_t i = 0; i < counts.size(); ++i)
        counts[i] = static_cast<std::uint32_t>(i * 7);
    counts.back() = std::numeric_limits<std::uint32_t>::max();
    b.add_u32(g + "/counts", {2, 4, 3}, counts, "count", "spikes per trial, unit and bin",
              {{"trial", ""}, {"time", "time"}, {"bin", ""}});
    b.add_strings(g + "/conditions", {"\u00e9t\u00e9", "", "stim_1"}, "condition of each trial",
                  {{"condition", ""}});
    auto& r2 = b.add_scalar(g + "/r2", 0.75, "1", "fit");
    r2.attributes.push_back({"extra", std::int64_t{9}});
    r2.attributes.push_back({"note", std::string("scalar")});
    return b;
}

inline io::ResultBlock item_b() {
    io::ResultBlock b;
    const std::string g = "/sessions/s2/CA1";
    b.group(g, {{"method", std::string("fa")}});
    b.add_f64(g + "/loadings", {3, 2}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, "1", "factor loadings",
              {{"unit", ""}, {"factor", ""}});
    b.add_strings(g + "/names", {"a", "b", "c"}, "unit names", {{"unit", ""}});
    return b;
}

// A block built in memory on rank 0 (as the inventory and /progress are).
inline io::ResultBlock inline_block() {
    io::ResultBlock b;
    b.group("/inventory", {{"skipped", std::vector<std::string>{"s3/MOs: 2 units"}}});
    b.add_strings("/inventory/sessions/key", {"s1", "s2"}, "session keys", {{"session", ""}});
    b.add_i64("/inventory/sessions/n_units", {2}, {2, 3}, "1", "units", {{"session", ""}});
    return b;
}

inline io::Attributes sorted(io::Attributes a) {
    std::sort(a.begin(), a.end(),
              [](const io::Attribute& x, const io::Attribute& y) { return x.name < y.name; });
    return a;
}

// Values compared as bytes: -0.0 against 0.0 and infinities must survive, as h5diff would see.
inline bool same_bits(const io::DatasetValues& a, const io::DatasetValues& b) {
    if (a.index() != b.index()) return false;
    return std::visit(
        [&](const auto& x) {
            using V = std::decay_t<decltype(x)>;
            const auto& y = std::get<V>(b);
            if constexpr (std::is_same_v<typename V::value_type, std::string>)
                return x == y;
            else
                return x.size() == y.size() &&
                       std::equal(x.begin(), x.end(), y.begin(), [](auto p, auto q) {
                           return std::memcmp(&p, &q, sizeof p) == 0;
                       });
        },
        a);
}

// `got` holds what `want` was written with; `scales` as the reader reports them.
inline void require_same_dataset(const io::DatasetBlock& want, const io::DatasetBlock& got,
                                 const std::vector<std::string>& scales) {
    INFO(want.path);
    CHECK(got.path == want.path);
    CHECK(got.type() == want.type());
    CHECK(got.shape == want.shape);
    CHECK(same_bits(got.values, want.values));
    CHECK(got.units == want.units);
    CHECK(got.description == want.description);
    CHECK(got.dims == want.dims);
    CHECK(got.scales == scales);
    CHECK(sorted(got.attributes) == sorted(want.attributes));
}

} // namespace neuropop::test::results
