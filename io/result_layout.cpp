// The merge layout: what rank 0 learns from the item files and every rank needs to create the
// results file collectively, and its byte encoding for MPI_Bcast.

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "io/result_store.hpp"

namespace neuropop::io {

std::uint64_t LayoutDataset::elements() const {
    std::uint64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

std::uint64_t LayoutDataset::bytes() const {
    return elements() * (type == ElementType::UInt32 ? 4u : 8u);
}

namespace {

void merge_attributes(Attributes& into, const Attributes& from) {
    for (const auto& a : from) {
        bool present = std::any_of(into.begin(), into.end(),
                                   [&](const Attribute& b) { return b.name == a.name; });
        if (!present) into.push_back(a);
    }
}

// Index datasets for the axes that name no dimension scale, and those axes pointed at them.
// An axis labelled L of length n in group G uses G/L when that is (or becomes) a 1-D dataset of n
// elements, else G/L_index, G/L_index2, ...: deterministic, as the datasets come in item order.
constexpr const char* index_scale_prefix = "position along the ";
constexpr const char* index_scale_suffix =
    " axis (0-based), for the datasets of this group that have no other coordinate for it";

// Builds rank 0's layout one block at a time into its packed form. What it keeps besides
// (dropped when done): one key per dataset path and the length of each 1-D dataset, for the
// duplicate-path, scale and index-scale rules, which look at the whole layout.
class LayoutBuilder {
public:
    explicit LayoutBuilder(MergeLayout& layout) : layout_(layout) {}

    void add(const ResultBlock& block, std::int32_t source, std::uint32_t inline_block,
             const std::string& origin) {
        const auto origin_id = static_cast<std::uint32_t>(origins_.size());
        origins_.push_back(origin);
        for (const auto& g : block.groups)
            add_group(g.path, g.attributes);
        for (const auto& d : block.datasets) {
            const std::uint64_t key = layout_.packed.key(d.path);
            auto [it, fresh] = origin_of_.emplace(key, origin_id);
            if (!fresh)
                throw std::runtime_error("results dataset " + d.path + " is written by both " +
                                         origins_.at(it->second) + " and " + origin);
            add_group(parent_path(d.path), {});
            LayoutDataset l;
            l.path = d.path;
            l.type = d.type();
            l.shape = d.shape;
            l.attributes = {{"units", d.units}, {"description", d.description}};
            for (const auto& a : d.attributes)
                l.attributes.push_back(a);
            l.dims = d.dims;
            for (const auto& s : d.scales)
                l.scales.push_back(s.empty() ? std::string() : join_path(parent_path(d.path), s));
            l.source = source;
            l.inline_block = inline_block;
            if (l.shape.size() == 1) length_of_[key] = l.shape[0];
            layout_.packed.push_back(l);
        }
    }

    // The index scales (see above), added after every block as datasets of their own.
    void index_scales() {
        auto& packed = layout_.packed;
        const std::size_t n_datasets = packed.size();
        const auto origin_id = static_cast<std::uint32_t>(origins_.size());
        origins_.push_back("index scales");
        for (std::size_t i = 0; i < n_datasets; ++i) {
            LayoutDataset d = packed[i];
            bool changed = false;
            for (std::size_t axis = 0; axis < d.dims.size() && axis < d.shape.size(); ++axis) {
                if (axis < d.scales.size() && !d.scales[axis].empty()) continue;
                const std::string group = parent_path(d.path);
                const std::string label = path_safe(d.dims[axis]);
                const std::uint64_t n = d.shape[axis];
                std::string path = join_path(group, label);
                for (int k = 1;; ++k) {
                    const std::uint64_t key = packed.key(path);
                    auto it = length_of_.find(key);
                    if (it != length_of_.end() && it->second == n) break; // reuse
                    if (!origin_of_.count(key)) {
                        origin_of_.emplace(key, origin_id);
                        length_of_[key] = n;
                        // As an inline block's dataset of dims {label}, scale itself.
                        LayoutDataset x;
                        x.path = path;
                        x.type = ElementType::Int64;
                        x.shape = {n};
                        x.attributes = {{"units", std::string("1")},
                                        {"description",
                                         index_scale_prefix + d.dims[axis] + index_scale_suffix}};
                        x.dims = {d.dims[axis]};
                        x.scales = {join_path(parent_path(path), base_name(path))};
                        x.source = index_scale_source;
                        packed.push_back(x);
                        break;
                    }
                    path = join_path(group, label + "_index" + (k > 1 ? std::to_string(k) : ""));
                }
                d.scales.resize(d.dims.size());
                d.scales[axis] = path;
                changed = true;
            }
            if (changed) packed.set_scales(i, d.scales);
        }
    }

    void finish(int ranks, std::uint64_t collective_min_bytes) {
        auto& packed = layout_.packed;
        std::sort(layout_.groups.begin(), layout_.groups.end(),
                  [](const GroupBlock& a, const GroupBlock& b) { return a.path < b.path; });
        std::unordered_set<std::uint64_t> scales;
        for (std::size_t i = 0; i < packed.size(); ++i)
            for (const auto& s : packed[i].scales)
                if (!s.empty() && scales.insert(packed.key(s)).second &&
                    !origin_of_.count(packed.key(s)))
                    throw std::runtime_error("dimension scale " + s + " is not a results dataset");
        // Spread the large numeric datasets over ranks, to the least loaded rank in dataset
        // order; the small numeric ones by item file (source i to rank i mod ranks), so each
        // rank reads whole item files; strings go to rank 0's serial pass. Inline blocks and
        // index scales live in rank 0's memory, so their datasets are rank 0's too.
        const std::size_t n_ranks = static_cast<std::size_t>(std::max(ranks, 1));
        std::vector<std::uint64_t> load(n_ranks, 0);
        for (std::size_t i = 0; i < packed.size(); ++i) {
            LayoutDataset d = packed[i];
            d.is_scale = scales.count(packed.key(d.path)) > 0;
            d.owner = 0;
            d.collective = d.type != ElementType::String && d.elements() > 0 &&
                           d.bytes() >= collective_min_bytes;
            if (d.source >= 0) {
                if (d.written_at_creation())
                    d.owner =
                        static_cast<std::int32_t>(static_cast<std::size_t>(d.source) % n_ranks);
                if (d.collective) {
                    auto least = std::min_element(load.begin(), load.end());
                    d.owner = static_cast<std::int32_t>(least - load.begin());
                    *least += std::max<std::uint64_t>(d.bytes(), 1);
                }
            }
            packed.set_placement(i, d.is_scale, d.collective, d.owner);
        }
        packed.shrink_to_fit();
    }

private:
    void add_group(const std::string& path, const Attributes& attributes) {
        if (path.empty() || path == "/") return;
        auto it = group_index_.find(path);
        if (it == group_index_.end()) {
            add_group(parent_path(path), {});
            group_index_.emplace(path, layout_.groups.size());
            layout_.groups.push_back({path, attributes});
        } else {
            merge_attributes(layout_.groups[it->second].attributes, attributes);
        }
    }

    MergeLayout& layout_;
    std::map<std::string, std::size_t> group_index_;
    std::vector<std::string> origins_;                           // what add() was given, per call
    std::unordered_map<std::uint64_t, std::uint32_t> origin_of_; // path key -> origins_ index
    std::unordered_map<std::uint64_t, std::uint64_t> length_of_; // 1-D datasets: length
};

// ---- byte encoding ---------------------------------------------------------------------------

class Writer {
public:
    void u8(std::uint8_t v) { bytes.push_back(v); }
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void i64(std::int64_t v) { raw(&v, sizeof v); }
    void f64(double v) { raw(&v, sizeof v); }
    void str(const std::string& s) {
        u64(s.size());
        raw(s.data(), s.size());
    }
    void strs(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v)
            str(s);
    }
    void attrs(const Attributes& a) {
        u64(a.size());
        for (const auto& x : a) {
            str(x.name);
            u8(static_cast<std::uint8_t>(x.value.index()));
            std::visit(
                [&](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::string>)
                        str(v);
                    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
                        strs(v);
                    else if constexpr (std::is_same_v<T, double>)
                        f64(v);
                    else
                        i64(v);
                },
                x.value);
        }
    }
    std::vector<std::uint8_t> bytes;

private:
    void raw(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
};

class Reader {
public:
    explicit Reader(const std::vector<std::uint8_t>& b) : bytes_(b) {}
    std::uint8_t u8() {
        need(1);
        return bytes_[pos_++];
    }
    std::uint64_t u64() { return get<std::uint64_t>(); }
    std::int64_t i64() { return get<std::int64_t>(); }
    double f64() { return get<double>(); }
    std::string str() {
        auto n = static_cast<std::size_t>(u64());
        need(n);
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    std::vector<std::string> strs() {
        std::vector<std::string> v(static_cast<std::size_t>(u64()));
        for (auto& s : v)
            s = str();
        return v;
    }
    Attributes attrs() {
        Attributes a(static_cast<std::size_t>(u64()));
        for (auto& x : a) {
            x.name = str();
            switch (u8()) {
            case 0:
                x.value = str();
                break;
            case 1:
                x.value = strs();
                break;
            case 2:
                x.value = f64();
                break;
            case 3:
                x.value = i64();
                break;
            default:
                throw std::runtime_error("merge layout: bad attribute tag");
            }
        }
        return a;
    }
    bool done() const { return pos_ == bytes_.size(); }

private:
    template <typename T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    void need(std::size_t n) const {
        if (bytes_.size() - pos_ < n) throw std::runtime_error("merge layout: truncated");
    }
    const std::vector<std::uint8_t>& bytes_;
    std::size_t pos_ = 0;
};

} // namespace

bool is_index_scale(const DatasetBlock& d) {
    const std::string prefix = index_scale_prefix, suffix = index_scale_suffix;
    return d.type() == ElementType::Int64 && d.shape.size() == 1 && d.dims.size() == 1 &&
           d.scales.size() == 1 && d.scales[0] == base_name(d.path) &&
           d.description.size() > prefix.size() + suffix.size() &&
           d.description.compare(0, prefix.size(), prefix) == 0 &&
           d.description.compare(d.description.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<LayoutDataset> MergeLayout::all_datasets() const {
    std::vector<LayoutDataset> all;
    all.reserve(dataset_count());
    for (std::size_t i = 0; i < dataset_count(); ++i)
        all.push_back(dataset(i));
    return all;
}

namespace {

// Adds what every source holds (block_of(i) of source i, read when asked for: one at a time, so
// rank 0 never holds more than one item file's metadata), then the inline blocks and the index
// scales, and places every dataset.
template <typename BlockOf>
MergeLayout plan(const std::vector<std::string>& sources, BlockOf&& block_of,
                 const std::vector<ResultBlock>& inline_blocks, const Attributes& root, int ranks,
                 std::uint64_t collective_min_bytes) {
    MergeLayout layout;
    layout.root = root;
    layout.sources = sources;
    LayoutBuilder builder(layout);
    for (std::size_t i = 0; i < sources.size(); ++i)
        builder.add(block_of(i), static_cast<std::int32_t>(i), 0, sources[i]);
    for (std::size_t j = 0; j < inline_blocks.size(); ++j)
        builder.add(inline_blocks[j], -1, static_cast<std::uint32_t>(j),
                    "in-memory block " + std::to_string(j));
    builder.index_scales();
    builder.finish(ranks, collective_min_bytes);
    return layout;
}

} // namespace

MergeLayout plan_merge(const std::vector<std::string>& item_files,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks, std::uint64_t collective_min_bytes) {
    return plan(
        item_files, [&](std::size_t i) { return read_item_file(item_files[i], false); },
        inline_blocks, root, ranks, collective_min_bytes);
}

MergeLayout plan_merge(const std::vector<std::string>& sources,
                       const std::vector<ResultBlock>& blocks,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks, std::uint64_t collective_min_bytes) {
    if (blocks.size() != sources.size())
        throw std::invalid_argument("plan_merge: one block per source file");
    return plan(
        sources, [&](std::size_t i) -> const ResultBlock& { return blocks[i]; }, inline_blocks,
        root, ranks, collective_min_bytes);
}

MergeLayout plan_merge(const std::vector<std::string>& sources, const BlockOf& block_of,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks, std::uint64_t collective_min_bytes) {
    return plan(sources, block_of, inline_blocks, root, ranks, collective_min_bytes);
}

std::vector<std::uint8_t> encode(const MergeLayout& layout) {
    Writer w;
    w.attrs(layout.root);
    w.u64(layout.groups.size());
    for (const auto& g : layout.groups) {
        w.str(g.path);
        w.attrs(g.attributes);
    }
    w.u64(layout.dataset_count());
    for (std::size_t i = 0; i < layout.dataset_count(); ++i) {
        const LayoutDataset d = layout.dataset(i);
        w.str(d.path);
        w.u8(static_cast<std::uint8_t>(d.type));
        w.u64(d.shape.size());
        for (auto n : d.shape)
            w.u64(n);
        w.attrs(d.attributes);
        w.strs(d.dims);
        w.strs(d.scales);
        w.u8(static_cast<std::uint8_t>((d.is_scale ? 1 : 0) | (d.collective ? 2 : 0)));
        w.i64(d.source);
        w.u64(d.inline_block);
        w.i64(d.owner);
    }
    w.strs(layout.sources);
    return std::move(w.bytes);
}

MergeLayout decode(const std::vector<std::uint8_t>& bytes) {
    Reader r(bytes);
    MergeLayout layout;
    layout.root = r.attrs();
    layout.groups.resize(static_cast<std::size_t>(r.u64()));
    for (auto& g : layout.groups) {
        g.path = r.str();
        g.attributes = r.attrs();
    }
    layout.datasets.resize(static_cast<std::size_t>(r.u64()));
    for (auto& d : layout.datasets) {
        d.path = r.str();
        auto type = r.u8();
        if (type > static_cast<std::uint8_t>(ElementType::String))
            throw std::runtime_error("merge layout: bad element type");
        d.type = static_cast<ElementType>(type);
        d.shape.resize(static_cast<std::size_t>(r.u64()));
        for (auto& n : d.shape)
            n = r.u64();
        d.attributes = r.attrs();
        d.dims = r.strs();
        d.scales = r.strs();
        const auto flags = r.u8();
        d.is_scale = (flags & 1) != 0;
        d.collective = (flags & 2) != 0;
        d.source = static_cast<std::int32_t>(r.i64());
        d.inline_block = static_cast<std::uint32_t>(r.u64());
        d.owner = static_cast<std::int32_t>(r.i64());
    }
    layout.sources = r.strs();
    if (!r.done()) throw std::runtime_error("merge layout: trailing bytes");
    return layout;
}

} // namespace neuropop::io
