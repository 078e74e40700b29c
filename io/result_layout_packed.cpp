// Rank 0's merge layout, packed (io/result_layout_packed.hpp).
//
// One dataset is a run of 32-bit words:
//   path prefix, path name, type | flags << 8, n_shape | n_dims << 8 | n_scales << 16 |
//   n_slots << 24, source, inline_block, owner,
//   shape (2 words per axis), dims (1 per axis), scale slots (2 each: prefix, name),
//   attribute count, then per attribute: name, tag, value (string: 1; strings: count + 1 each;
//   double or int64: 2).
// A path is split at its last '/' into a prefix (without the '/') and a name, both string ids;
// a path without '/' has the prefix no_slash. Joining them back gives the path exactly.

#include "io/result_layout_packed.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "io/result_store.hpp"

namespace neuropop::io {

namespace {

constexpr std::uint32_t no_slash = 0xFFFFFFFFu;
constexpr std::size_t header_words = 7;
constexpr std::size_t max_axes = 255;

std::uint32_t lo(std::uint64_t v) {
    return static_cast<std::uint32_t>(v & 0xFFFFFFFFu);
}
std::uint32_t hi(std::uint64_t v) {
    return static_cast<std::uint32_t>(v >> 32);
}
std::uint64_t join(std::uint32_t h, std::uint32_t l) {
    return (static_cast<std::uint64_t>(h) << 32) | l;
}

std::uint32_t axes(std::size_t n, const std::string& path) {
    if (n > max_axes)
        throw std::runtime_error("merge: dataset " + path + " has more than 255 axes");
    return static_cast<std::uint32_t>(n);
}

} // namespace

std::uint32_t StringTable::id(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    if (strings_.size() >= no_slash) throw std::runtime_error("merge: too many distinct strings");
    const auto id = static_cast<std::uint32_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(std::string_view(strings_.back()), id);
    return id;
}

std::size_t StringTable::bytes() const {
    std::size_t n = 0;
    for (const auto& s : strings_)
        n += sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
    // A node (key, value, next pointer, cached hash) per string and a bucket pointer.
    n += ids_.size() * (sizeof(std::string_view) + 3 * sizeof(void*)) +
         ids_.bucket_count() * sizeof(void*);
    return n;
}

std::uint64_t PackedDatasets::key(const std::string& path) {
    const auto pos = path.rfind('/');
    if (pos == std::string::npos) return join(no_slash, strings_.id(path));
    const std::string_view v(path);
    return join(strings_.id(v.substr(0, pos)), strings_.id(v.substr(pos + 1)));
}

void PackedDatasets::push_back(const LayoutDataset& d) {
    if (words_.size() > 0xFFFFFFFFull)
        throw std::runtime_error("merge: the layout outgrew its packed form");
    offsets_.push_back(static_cast<std::uint32_t>(words_.size()));
    const std::size_t slots = std::max(d.scales.size(), d.dims.size());
    const std::uint64_t path = key(d.path);
    words_.push_back(hi(path));
    words_.push_back(lo(path));
    words_.push_back(static_cast<std::uint32_t>(d.type) |
                     static_cast<std::uint32_t>((d.is_scale ? 1 : 0) | (d.collective ? 2 : 0))
                         << 8);
    words_.push_back(axes(d.shape.size(), d.path) | axes(d.dims.size(), d.path) << 8 |
                     axes(d.scales.size(), d.path) << 16 | axes(slots, d.path) << 24);
    words_.push_back(static_cast<std::uint32_t>(d.source));
    words_.push_back(d.inline_block);
    words_.push_back(static_cast<std::uint32_t>(d.owner));
    for (auto n : d.shape) {
        words_.push_back(hi(n));
        words_.push_back(lo(n));
    }
    for (const auto& l : d.dims)
        words_.push_back(strings_.id(l));
    for (std::size_t s = 0; s < slots; ++s) {
        const std::uint64_t k = key(s < d.scales.size() ? d.scales[s] : std::string());
        words_.push_back(hi(k));
        words_.push_back(lo(k));
    }
    words_.push_back(static_cast<std::uint32_t>(d.attributes.size()));
    for (const auto& a : d.attributes) {
        words_.push_back(strings_.id(a.name));
        words_.push_back(static_cast<std::uint32_t>(a.value.index()));
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    words_.push_back(strings_.id(v));
                } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                    words_.push_back(static_cast<std::uint32_t>(v.size()));
                    for (const auto& s : v)
                        words_.push_back(strings_.id(s));
                } else {
                    std::uint64_t bits;
                    static_assert(sizeof bits == sizeof v);
                    std::memcpy(&bits, &v, sizeof bits);
                    words_.push_back(hi(bits));
                    words_.push_back(lo(bits));
                }
            },
            a.value);
    }
}

LayoutDataset PackedDatasets::operator[](std::size_t i) const {
    const std::uint32_t* w = words_.data() + offsets_.at(i);
    const auto path = [&](std::uint32_t prefix, std::uint32_t name) {
        if (prefix == no_slash) return strings_.at(name);
        return strings_.at(prefix) + "/" + strings_.at(name);
    };
    LayoutDataset d;
    d.path = path(w[0], w[1]);
    d.type = static_cast<ElementType>(w[2] & 0xFFu);
    d.is_scale = (w[2] >> 8 & 1u) != 0;
    d.collective = (w[2] >> 8 & 2u) != 0;
    const std::size_t n_shape = w[3] & 0xFFu, n_dims = w[3] >> 8 & 0xFFu,
                      n_scales = w[3] >> 16 & 0xFFu, n_slots = w[3] >> 24;
    d.source = static_cast<std::int32_t>(w[4]);
    d.inline_block = w[5];
    d.owner = static_cast<std::int32_t>(w[6]);
    w += header_words;
    d.shape.resize(n_shape);
    for (auto& n : d.shape) {
        n = join(w[0], w[1]);
        w += 2;
    }
    d.dims.resize(n_dims);
    for (auto& l : d.dims)
        l = strings_.at(*w++);
    d.scales.resize(n_scales);
    for (std::size_t s = 0; s < n_slots; ++s, w += 2)
        if (s < n_scales) d.scales[s] = path(w[0], w[1]);
    d.attributes.resize(*w++);
    for (auto& a : d.attributes) {
        a.name = strings_.at(*w++);
        const std::uint32_t tag = *w++;
        switch (tag) {
        case 0:
            a.value = strings_.at(*w++);
            break;
        case 1: {
            std::vector<std::string> v(*w++);
            for (auto& s : v)
                s = strings_.at(*w++);
            a.value = std::move(v);
            break;
        }
        case 2:
        case 3: {
            const std::uint64_t bits = join(w[0], w[1]);
            w += 2;
            if (tag == 2) {
                double x;
                std::memcpy(&x, &bits, sizeof x);
                a.value = x;
            } else {
                std::int64_t x;
                std::memcpy(&x, &bits, sizeof x);
                a.value = x;
            }
            break;
        }
        default:
            throw std::logic_error("packed layout: bad attribute tag");
        }
    }
    return d;
}

void PackedDatasets::set_scales(std::size_t i, const std::vector<std::string>& scales) {
    std::uint32_t* w = words_.data() + offsets_.at(i);
    const std::size_t n_shape = w[3] & 0xFFu, n_dims = w[3] >> 8 & 0xFFu, n_slots = w[3] >> 24;
    if (scales.size() > n_slots)
        throw std::logic_error("packed layout: more scales than the dataset has room for");
    w[3] = (w[3] & 0xFF00FFFFu) | static_cast<std::uint32_t>(scales.size()) << 16;
    std::uint32_t* slot = w + header_words + 2 * n_shape + n_dims;
    for (std::size_t s = 0; s < n_slots; ++s, slot += 2) {
        const std::uint64_t k = key(s < scales.size() ? scales[s] : std::string());
        slot[0] = hi(k);
        slot[1] = lo(k);
    }
}

void PackedDatasets::set_placement(std::size_t i, bool is_scale, bool collective,
                                   std::int32_t owner) {
    std::uint32_t* w = words_.data() + offsets_.at(i);
    w[2] = (w[2] & 0xFFu) | static_cast<std::uint32_t>((is_scale ? 1 : 0) | (collective ? 2 : 0))
                                << 8;
    w[6] = static_cast<std::uint32_t>(owner);
}

std::size_t PackedDatasets::bytes() const {
    return words_.capacity() * sizeof(std::uint32_t) + offsets_.capacity() * sizeof(std::uint32_t) +
           strings_.bytes();
}

} // namespace neuropop::io
