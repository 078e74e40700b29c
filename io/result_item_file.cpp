// Item files: one small serial HDF5 file per completed work item (io/result_store.hpp).

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include <zlib.h>

#include "io/io_bytes.hpp"
#include "io/result_detail.hpp"
#include "io/result_store.hpp"

namespace neuropop::io {

namespace detail {

void write_attribute(const h5::Object& object, const Attribute& attribute) {
    std::visit([&](const auto& v) { object.write_attribute(attribute.name, v); }, attribute.value);
}

void write_attributes(const h5::Object& object, const Attributes& attributes) {
    for (const auto& a : attributes)
        write_attribute(object, a);
}

Attributes read_attributes(const h5::Object& object) {
    Attributes out;
    for (const auto& name : object.attribute_names()) {
        h5::Attribute a = object.attribute(name);
        const int rank = a.rank();
        switch (a.type_class()) {
        case h5::TypeClass::String: {
            auto values = a.read_strings();
            if (rank == 0 && values.size() == 1)
                out.push_back({name, values.front()});
            else
                out.push_back({name, values});
            break;
        }
        case h5::TypeClass::Float:
        case h5::TypeClass::Integer: {
            if (rank != 0)
                throw h5::Error("H5Aread", object.path() + "@" + name,
                                "numeric attribute is not a scalar");
            if (a.type_class() == h5::TypeClass::Float)
                out.push_back({name, a.read_doubles().front()});
            else
                out.push_back({name, a.read_int64()});
            break;
        }
        default:
            // DIMENSION_LIST, REFERENCE_LIST and the like are not results attributes.
            break;
        }
    }
    return out;
}

h5::Group require_group(const h5::File& file, const std::string& path) {
    if (path == "/" || path.empty()) return file.open_group("/");
    std::string current;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        std::size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        current += '/';
        current.append(path, pos, next - pos);
        if (!file.exists(current)) file.create_group(current);
        pos = next + 1;
    }
    return file.open_group(path);
}

ElementType element_type_of(const h5::Dataset& dataset) {
    const h5::ElementInfo info = dataset.element_info();
    switch (info.type_class) {
    case h5::TypeClass::Float:
        return ElementType::Float64;
    case h5::TypeClass::String:
        return ElementType::String;
    case h5::TypeClass::Integer:
        if (info.is_unsigned && info.bytes == 4) return ElementType::UInt32;
        return ElementType::Int64;
    default:
        throw h5::Error("H5Dget_type", dataset.path(), "not a results dataset type");
    }
}

namespace {
template <typename V>
using element_of = typename std::decay_t<V>::value_type;
template <typename V>
constexpr bool holds_strings = std::is_same_v<element_of<V>, std::string>;
} // namespace

h5::Dataset create_dataset(const h5::Group& parent, const std::string& name, ElementType type,
                           const std::vector<std::uint64_t>& shape, const h5::Handle* dcpl) {
    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    return std::visit(
        [&](const auto& empty) {
            if constexpr (holds_strings<decltype(empty)>)
                return parent.create_string_dataset(name, dims);
            else
                return parent.create_dataset<element_of<decltype(empty)>>(name, dims, dcpl);
        },
        empty_values(type));
}

void write_values(const h5::Dataset& ds, const DatasetValues& values) {
    std::visit(
        [&](const auto& v) {
            if (v.empty()) return;
            if constexpr (holds_strings<decltype(v)>)
                ds.write_strings(v);
            else
                ds.write(v);
        },
        values);
}

DatasetValues read_values(const h5::Dataset& ds, ElementType type) {
    DatasetValues out = empty_values(type);
    std::visit(
        [&](auto& v) {
            if constexpr (holds_strings<decltype(v)>)
                v = ds.read_strings();
            else
                v = ds.read<element_of<decltype(v)>>();
        },
        out);
    return out;
}

void read_elements(const h5::Dataset& dataset, DatasetBlock& d, bool values) {
    const ElementType type = element_type_of(dataset);
    d.shape.clear();
    for (auto n : dataset.dims())
        d.shape.push_back(n);
    d.values =
        type == ElementType::String || values ? read_values(dataset, type) : empty_values(type);
}

} // namespace detail

namespace {

void write_dataset(const h5::File& file, const DatasetBlock& d) {
    h5::Group parent = detail::require_group(file, parent_path(d.path));
    if (value_count(d.values) != d.elements())
        throw std::logic_error(d.path + ": " + std::to_string(value_count(d.values)) +
                               " values for shape of " + std::to_string(d.elements()));
    const h5::Dataset ds =
        detail::create_dataset(parent, base_name(d.path), d.type(), d.shape, nullptr);
    detail::write_values(ds, d.values);
    ds.write_attribute("units", d.units);
    ds.write_attribute("description", d.description);
    detail::write_attributes(ds, d.attributes);
    if (!d.dims.empty()) {
        ds.write_attribute(detail::dims_attribute, d.dims);
        ds.write_attribute(detail::scales_attribute, d.scales);
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
        else if (a.name == detail::dims_attribute)
            d.dims = std::get<std::vector<std::string>>(a.value);
        else if (a.name == detail::scales_attribute)
            d.scales = std::get<std::vector<std::string>>(a.value);
        else
            d.attributes.push_back(std::move(a));
    }
    if (d.dims.size() != d.shape.size() || d.scales.size() != d.shape.size())
        throw h5::Error("read_item_file", path, "axis names do not match the dataset's rank");
    out.datasets.push_back(std::move(d));
}

void read_group(const h5::File& file, const std::string& path, bool values, ResultBlock& out) {
    h5::Group g = file.open_group(path);
    if (path != "/") {
        GroupBlock gb{path, detail::read_attributes(g)};
        out.groups.push_back(std::move(gb));
    }
    for (const auto& child : g.children()) {
        std::string p = join_path(path, child);
        if (file.is_group(p))
            read_group(file, p, values, out);
        else
            read_dataset(file, p, values, out);
    }
}

} // namespace

namespace {

// An item file starts with a 512-byte user block that HDF5 skips (it finds its signature at 512)
// and we fill with
// "neuropop-item 1 size <bytes> crc32 <8 hex digits>\n": the size and CRC-32 of the file's
// remaining bytes. A resumed run recomputes both, so a truncated or corrupted item file is
// recomputed instead of merged as garbage (HDF5 itself reads many corruptions without error).
constexpr std::size_t checksum_block = 512;
constexpr const char* checksum_magic = "neuropop-item 1";

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// CRC-32 and byte count of the file from `offset` to its end.
std::pair<std::uint32_t, std::uint64_t> crc_from(int fd, const std::string& path, off_t offset) {
    std::vector<unsigned char> buf(1 << 20);
    uLong crc = crc32(0L, Z_NULL, 0);
    std::uint64_t n = 0;
    for (;;) {
        const ssize_t got = ::pread(fd, buf.data(), buf.size(), offset + static_cast<off_t>(n));
        if (got < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        if (got == 0) break;
        crc = crc32(crc, buf.data(), static_cast<uInt>(got));
        n += static_cast<std::uint64_t>(got);
    }
    return {static_cast<std::uint32_t>(crc), n};
}

std::string checksum_line(std::uint32_t crc, std::uint64_t size) {
    char line[96];
    std::snprintf(line, sizeof line, "%s size %llu crc32 %08x\n", checksum_magic,
                  static_cast<unsigned long long>(size), static_cast<unsigned>(crc));
    return line;
}

// Writes all of `bytes` parts to a new file `path`; any failure (ENOSPC above all) throws with
// the system's reason and leaves no file behind.
void write_file(const std::string& path, const std::string& head, const std::vector<char>& body) {
    Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
    auto put = [&](const char* data, std::size_t n) {
        while (n > 0) {
            const ssize_t done = ::write(f.fd, data, n);
            if (done < 0 && errno == EINTR) continue;
            if (done < 0) {
                const int err = errno;
                ::unlink(path.c_str());
                throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
            }
            data += done;
            n -= static_cast<std::size_t>(done);
        }
    };
    put(head.data(), head.size());
    put(body.data(), body.size());
    if (::close(f.fd) != 0) {
        const int err = errno;
        f.fd = -1;
        ::unlink(path.c_str());
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
    }
    f.fd = -1;
}

} // namespace

std::optional<std::string> check_item_file(const std::string& path) {
    Fd f{::open(path.c_str(), O_RDONLY)};
    if (f.fd < 0) return std::string("cannot open: ") + std::strerror(errno);
    char head[checksum_block] = {};
    const ssize_t got = ::pread(f.fd, head, sizeof head - 1, 0);
    if (got < static_cast<ssize_t>(std::strlen(checksum_magic)) ||
        std::strncmp(head, checksum_magic, std::strlen(checksum_magic)) != 0)
        return std::string("no neuropop item checksum (not an item file, or truncated)");
    unsigned long long size = 0;
    unsigned crc = 0;
    const std::string fmt = std::string(checksum_magic) + " size %llu crc32 %8x";
    if (std::sscanf(head, fmt.c_str(), &size, &crc) != 2)
        return std::string("unreadable checksum line");
    try {
        const auto [now_crc, now_size] = crc_from(f.fd, path, static_cast<off_t>(checksum_block));
        if (now_size != size)
            return "size " + std::to_string(now_size) + " bytes after the user block, " +
                   std::to_string(size) + " when written (truncated or extended)";
        if (now_crc != crc) return std::string("CRC-32 differs from the one written (corrupted)");
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

void write_item_file(const std::string& path, const ItemHeader& header, const ResultBlock& block,
                     std::vector<char>* image_out) {
    // Built in memory and written with plain POSIX calls: a full disk then fails here, with the
    // system's reason, instead of inside HDF5 (which leaves a half-closed file that crashes the
    // library's clean-up at exit).
    std::vector<char> image;
    {
        h5::File f = h5::File::create_in_memory(path);
        f.write_attribute("item_id", static_cast<std::int64_t>(header.id));
        f.write_attribute("item_name", header.name);
        f.write_attribute("item_rank", header.rank);
        f.write_attribute("item_seconds", header.seconds);
        for (const auto& g : block.groups)
            detail::write_attributes(detail::require_group(f, g.path), g.attributes);
        for (const auto& d : block.datasets)
            write_dataset(f, d);
        image = f.image();
    }
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(image.data()),
                            static_cast<uInt>(image.size()));
    std::string head = checksum_line(static_cast<std::uint32_t>(crc), image.size());
    head.resize(checksum_block, '\0');
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    write_file(tmp, head, image);
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp);
        throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
    }
    if (image_out != nullptr) *image_out = std::move(image);
}

std::optional<ItemHeader> read_item_header(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) return std::nullopt;
    try {
        h5::File f = h5::File::open(path);
        ItemHeader h;
        bool has_id = false;
        for (const auto& a : detail::read_attributes(f)) {
            if (a.name == "item_id") {
                h.id = static_cast<std::uint64_t>(std::get<std::int64_t>(a.value));
                has_id = true;
            }
            if (a.name == "item_name") h.name = std::get<std::string>(a.value);
            if (a.name == "item_rank") h.rank = std::get<std::int64_t>(a.value);
            if (a.name == "item_seconds") h.seconds = std::get<double>(a.value);
        }
        if (!has_id) return std::nullopt;
        return h;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

namespace {

ResultBlock read_all(const h5::File& f, bool values) {
    ResultBlock out;
    read_group(f, "/", values, out);
    return out;
}

ResultBlock read_wanted(const h5::File& f, const WantedValues& wanted) {
    ResultBlock out;
    read_group(f, "/", false, out);
    std::vector<std::size_t> chosen;
    for (std::size_t i = 0; i < out.datasets.size(); ++i)
        if (out.datasets[i].type() != ElementType::String && wanted(out, out.datasets[i]))
            chosen.push_back(i);
    for (auto i : chosen) {
        auto& d = out.datasets[i];
        d.values = detail::read_values(f.open_dataset(d.path), d.type());
    }
    return out;
}

} // namespace

ResultBlock read_item_file(const std::string& path, bool values) {
    return read_all(h5::File::open(path), values);
}

ResultBlock read_item_file(const std::string& path, const WantedValues& wanted) {
    return read_wanted(h5::File::open(path), wanted);
}

ResultBlock read_item_image(const std::vector<char>& image, const std::string& name, bool values) {
    const UncountedReads memory;
    return read_all(h5::File::open_image(image, name), values);
}

ResultBlock read_item_image(const std::vector<char>& image, const std::string& name,
                            const WantedValues& wanted) {
    const UncountedReads memory;
    return read_wanted(h5::File::open_image(image, name), wanted);
}

} // namespace neuropop::io
