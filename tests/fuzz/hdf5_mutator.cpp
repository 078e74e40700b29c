#include "tests/fuzz/hdf5_mutator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

namespace neuropop::fuzz {

namespace {

// A byte range [begin, end) of the image.
struct Place {
    std::size_t begin = 0, end = 0;
};

enum class Kind { Float, Signed, Unsigned };

// The raw data of one contiguous or compact dataset of fixed-point or floating-point elements.
struct DataRegion {
    std::size_t begin = 0, bytes = 0;
    std::size_t element = 0; // 1, 2, 4 or 8 bytes
    Kind kind = Kind::Unsigned;
};

struct ImageMap {
    std::vector<Place> metadata;
    std::vector<std::size_t> structures; // addresses of structures: targets for address fields
    std::vector<DataRegion> data;
};

constexpr std::size_t undefined = std::numeric_limits<std::size_t>::max();

std::uint64_t load(const std::uint8_t* data, std::size_t size, std::size_t at, std::size_t width) {
    if (at > size || width > size - at) return undefined;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) // HDF5 stores its fields little-endian
        v |= std::uint64_t{data[at + i]} << (8 * i);
    return v;
}

void store(std::uint8_t* data, std::size_t at, std::size_t width, std::uint64_t v) {
    for (std::size_t i = 0; i < width; ++i)
        data[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Offset of the superblock (HDF5 looks at 0, 512, 1024, 2048...), or `undefined`.
std::size_t find_superblock(const std::uint8_t* data, std::size_t size) {
    static const std::uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (std::size_t at = 0; at + 8 <= size; at = at == 0 ? 512 : at * 2)
        if (std::memcmp(data + at, signature, 8) == 0) return at;
    return undefined;
}

// Walks the messages of a version-1 object header at `addr` (no signature; 16-byte prefix, then
// messages of type(2) size(2) flags(1) reserved(3) data), following continuation messages. Every
// message's data becomes a metadata place; a contiguous or compact dataset's raw data, with its
// element type, becomes a data region.
void walk_v1_header(const std::uint8_t* data, std::size_t size, std::size_t addr, ImageMap& map) {
    if (load(data, size, addr, 1) != 1) return;
    const std::uint64_t header_bytes = load(data, size, addr + 8, 4);
    if (header_bytes == undefined) return;
    map.metadata.push_back({addr, addr + 16});
    std::vector<Place> blocks{{addr + 16, addr + 16 + header_bytes}};
    std::size_t element = 0;
    Kind kind = Kind::Unsigned;
    Place raw{};
    for (std::size_t b = 0; b < blocks.size() && b < 16; ++b) {
        std::size_t at = blocks[b].begin;
        const std::size_t end = std::min(blocks[b].end, size);
        for (int guard = 0; at + 8 <= end && guard < 256; ++guard) {
            const auto type = load(data, size, at, 2);
            const auto bytes = load(data, size, at + 2, 2);
            const std::size_t body = at + 8;
            if (body + bytes > end) break;
            if (bytes > 0) map.metadata.push_back({body, body + bytes});
            if (type == 0x10 && bytes >= 16) { // continuation: address, length
                const auto cont = load(data, size, body, 8), len = load(data, size, body + 8, 8);
                if (cont < size && len <= size - cont) blocks.push_back({cont, cont + len});
            } else if (type == 0x03 && bytes >= 8) { // datatype: class, bit fields, size
                const auto cls = data[body] & 0x0f;
                element = static_cast<std::size_t>(load(data, size, body + 4, 4));
                if (cls == 1)
                    kind = Kind::Float;
                else if (cls == 0)
                    kind = (data[body + 1] & 0x08) ? Kind::Signed : Kind::Unsigned;
                else
                    element = 0;
            } else if (type == 0x08 && bytes >= 4 && data[body] == 3) { // layout version 3
                if (data[body + 1] == 1 && bytes >= 18) {               // contiguous
                    const auto where = load(data, size, body + 2, 8);
                    const auto len = load(data, size, body + 10, 8);
                    if (where < size && len <= size - where) raw = {where, where + len};
                } else if (data[body + 1] == 0) { // compact: size(2), then the data
                    const auto len = load(data, size, body + 2, 2);
                    if (len <= bytes - 4) raw = {body + 4, body + 4 + len};
                }
            }
            at = body + bytes;
        }
    }
    const bool sized = element == 1 || element == 2 || element == 4 || element == 8;
    if (sized && raw.end > raw.begin && (kind != Kind::Float || element >= 4))
        map.data.push_back({raw.begin, raw.end - raw.begin, element, kind});
}

ImageMap map_image(const std::uint8_t* data, std::size_t size) {
    ImageMap map;
    const std::size_t sb = find_superblock(data, size);
    std::set<std::size_t> headers;
    if (sb != undefined) {
        map.structures.push_back(sb);
        map.metadata.push_back({sb, std::min(size, sb + 96)});
        const auto version = load(data, size, sb + 8, 1);
        // Root group's object header address: in the root symbol-table entry (versions 0, 1),
        // or a plain field (versions 2, 3, whose object headers carry "OHDR").
        std::size_t root = undefined;
        if (version == 0 || version == 1)
            root = static_cast<std::size_t>(load(data, size, sb + (version == 0 ? 64 : 68), 8));
        if (root != undefined && root < size) headers.insert(sb + root);
    }
    // Structures with a signature: a window from the signature on (their header and first
    // entries) is the place to change.
    struct Signature {
        std::string_view name;
        std::size_t window;
    };
    static constexpr Signature signatures[] = {
        {"TREE", 64},  {"HEAP", 32},  {"SNOD", 8 + 8 * 40}, {"GCOL", 256},
        {"OHDR", 256}, {"OCHK", 128}, {"FRHP", 128},        {"FHDB", 64},
        {"FHIB", 64},  {"BTHD", 64},  {"BTLF", 64},         {"BTIN", 64},
        {"FSHD", 64},  {"FSSE", 64},  {"SMTB", 64},         {"SMLI", 64},
    };
    for (const auto& sig : signatures) {
        const auto* p = data;
        const auto* end = data + size;
        while (p < end) {
            const auto* hit = static_cast<const std::uint8_t*>(
                memmem(p, static_cast<std::size_t>(end - p), sig.name.data(), sig.name.size()));
            if (hit == nullptr) break;
            const auto at = static_cast<std::size_t>(hit - data);
            map.structures.push_back(at);
            map.metadata.push_back({at + 4, std::min(size, at + sig.window)});
            // Symbol-table node entries: name offset(8), object header address(8), cache type,
            // reserved, scratch (40 bytes each) after an 8-byte node header.
            if (sig.name == "SNOD" && sb != undefined) {
                const auto n = load(data, size, at + 6, 2);
                for (std::size_t i = 0; n != undefined && i < n && i < 64; ++i) {
                    const auto oh = load(data, size, at + 8 + 40 * i + 8, 8);
                    if (oh != undefined && oh < size - sb) headers.insert(sb + oh);
                }
            }
            p = hit + 1;
        }
    }
    for (std::size_t h : headers) {
        map.structures.push_back(h);
        walk_v1_header(data, size, h, map);
    }
    return map;
}

template <typename T>
const T& pick(const std::vector<T>& v, std::mt19937_64& rng) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

std::uint64_t interesting_field(std::uint64_t v, std::size_t width, std::size_t size,
                                const ImageMap& map, std::mt19937_64& rng) {
    const std::uint64_t ones =
        width == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
    const std::uint64_t small = 1 + rng() % 8;
    switch (rng() % 8) {
    case 0:
        return 0;
    case 1:
        return ones; // HDF5's undefined address, or the largest length
    case 2:
        return v + small;
    case 3:
        return v - small;
    case 4:
        return size; // just past the end of the file
    case 5:
        return v * 2 + 1;
    case 6:
        return map.structures.empty() ? small : pick(map.structures, rng);
    default:
        return small;
    }
}

} // namespace

std::size_t mutate_hdf5_metadata(std::uint8_t* data, std::size_t size, std::mt19937_64& rng) {
    const ImageMap map = map_image(data, size);
    std::vector<Place> places;
    for (const auto& p : map.metadata)
        if (p.end > p.begin && p.end <= size) places.push_back(p);
    if (places.empty()) return 0;
    const Place& place = pick(places, rng);
    const std::size_t at = place.begin + rng() % (place.end - place.begin);
    switch (rng() % 4) {
    case 0:
        data[at] = static_cast<std::uint8_t>(rng());
        break;
    case 1:
        data[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
    default: {
        // A field of 1, 2, 4 or 8 bytes starting at `at` (sizes, counts, addresses are such).
        std::size_t width = std::size_t{1} << (rng() % 4);
        width = std::min(width, size - at);
        const std::uint64_t v = load(data, size, at, width);
        store(data, at, width, interesting_field(v, width, size, map, rng));
        break;
    }
    }
    return size;
}

std::size_t mutate_hdf5_values(std::uint8_t* data, std::size_t size, std::mt19937_64& rng) {
    const ImageMap map = map_image(data, size);
    std::vector<DataRegion> regions;
    for (const auto& r : map.data)
        if (r.bytes >= r.element) regions.push_back(r);
    if (regions.empty()) return 0;
    const DataRegion& r = pick(regions, rng);
    const std::size_t n = r.bytes / r.element;
    const std::size_t i = rng() % n;
    const std::size_t at = r.begin + i * r.element;
    const std::size_t w = r.element;
    if (rng() % 4 == 0 && n > 1) { // swap with a neighbour: breaks sorted times and indexes
        const std::size_t j = i + 1 < n ? i + 1 : i - 1;
        std::uint8_t tmp[8];
        std::memcpy(tmp, data + at, w);
        std::memmove(data + at, data + r.begin + j * w, w);
        std::memcpy(data + r.begin + j * w, tmp, w);
        return size;
    }
    if (r.kind == Kind::Float && w == 8) {
        double v;
        std::memcpy(&v, data + at, 8);
        double neighbour = v;
        if (n > 1) std::memcpy(&neighbour, data + r.begin + (i + 1 < n ? i + 1 : i - 1) * 8, 8);
        const double choices[] = {std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  0.0,
                                  -v,
                                  1e300,
                                  std::nextafter(neighbour, -1e308),
                                  std::nextafter(neighbour, 1e308),
                                  neighbour,
                                  std::numeric_limits<double>::denorm_min()};
        const double x = choices[rng() % std::size(choices)];
        std::memcpy(data + at, &x, 8);
        return size;
    }
    const std::uint64_t v = load(data, size, at, w);
    const std::uint64_t ones = w == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * w)) - 1;
    const std::uint64_t max = r.kind == Kind::Signed ? ones >> 1 : ones;
    const std::uint64_t choices[] = {
        0,    ones /* -1 when signed */, max, v + 1, v - 1, max + 1 /* most negative when signed */,
        v * 2};
    store(data, at, w, choices[rng() % std::size(choices)]);
    return size;
}

} // namespace neuropop::fuzz
