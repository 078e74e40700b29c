#include "io/h5.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <hdf5_hl.h>

#include "io/io_bytes.hpp"

namespace neuropop::io {

namespace {
// Relaxed: each counter is only summed; items read on the main thread, compute threads do no I/O.
std::atomic<std::uint64_t> bytes_read{0}, bytes_written{0};
thread_local int uncounted_reads = 0; // UncountedReads alive on this thread
} // namespace

UncountedReads::UncountedReads() {
    ++uncounted_reads;
}
UncountedReads::~UncountedReads() {
    --uncounted_reads;
}

IoBytes io_bytes() {
    return {bytes_read.load(std::memory_order_relaxed),
            bytes_written.load(std::memory_order_relaxed)};
}

} // namespace neuropop::io

namespace neuropop::h5 {

namespace {

// Adds a finished transfer of `elements` of `mem_type` to a counter of io_bytes(). The size
// query cannot fail on a type the transfer just used; 0 (its error value) adds nothing.
void tally(std::atomic<std::uint64_t>& counter, hid_t mem_type, hsize_t elements) {
    if (&counter == &io::bytes_read && io::uncounted_reads > 0) return;
    counter.fetch_add(static_cast<std::uint64_t>(elements) * H5Tget_size(mem_type),
                      std::memory_order_relaxed);
}

// Innermost (most specific) description on the current error stack.
herr_t innermost(unsigned n, const H5E_error2_t* err, void* out) {
    auto* s = static_cast<std::string*>(out);
    if (n == 0 && err && err->desc) *s = err->desc;
    return 0;
}

std::string stack_message() {
    std::string msg;
    // Already reporting a failure: if walking or clearing the stack fails too, the generic text
    // below is all there is to say.
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &msg) < 0) msg.clear();
    (void)H5Eclear2(H5E_DEFAULT);
    return msg.empty() ? std::string("HDF5 call failed") : msg;
}

// The H5T getters report failure in-band: a negative class, sign or character set, a size of 0.
H5T_class_t class_of(hid_t type, std::string_view where) {
    const H5T_class_t c = H5Tget_class(type);
    if (c < 0) throw Error("H5Tget_class", std::string(where), stack_message());
    return c;
}

std::size_t size_of(hid_t type, std::string_view where) {
    const std::size_t n = H5Tget_size(type);
    if (n == 0) throw Error("H5Tget_size", std::string(where), stack_message());
    return n;
}

H5T_cset_t cset_of(hid_t type, std::string_view where) {
    const H5T_cset_t c = H5Tget_cset(type);
    if (c < 0) throw Error("H5Tget_cset", std::string(where), stack_message());
    return c;
}

bool is_variable_str(hid_t type, std::string_view where) {
    return check(H5Tis_variable_str(type), "H5Tis_variable_str", where) > 0;
}

bool is_unsigned(hid_t type, std::string_view where) {
    const H5T_sign_t sign = H5Tget_sign(type);
    if (sign < 0) throw Error("H5Tget_sign", std::string(where), stack_message());
    return sign == H5T_SGN_NONE;
}

// Length of a name an H5*get_name-style call returns (negative on failure).
std::size_t checked_length(ssize_t n, const char* call, std::string_view where) {
    if (n < 0) throw Error(call, std::string(where), stack_message());
    return static_cast<std::size_t>(n);
}

std::string trim_fixed(const char* p, std::size_t n) {
    std::size_t len = strnlen(p, n);
    while (len > 0 && p[len - 1] == ' ')
        --len;
    return std::string(p, len);
}

// Reads every string of an attribute or dataset whose type is `ftype`.
template <typename ReadFn>
std::vector<std::string> read_strings_of(hid_t ftype, std::size_t n, ReadFn&& read,
                                         std::string_view where) {
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0) return out;
    const H5T_cset_t cset = cset_of(ftype, where);
    if (is_variable_str(ftype, where)) {
        Handle mt = own_type(check(H5Tcopy(H5T_C_S1), "H5Tcopy", where));
        check(H5Tset_size(mt.id(), H5T_VARIABLE), "H5Tset_size", where);
        check(H5Tset_cset(mt.id(), cset), "H5Tset_cset", where);
        std::vector<char*> ptrs(n, nullptr);
        read(mt.id(), ptrs.data());
        for (char* p : ptrs) {
            out.emplace_back(p ? p : "");
            std::free(p); // HDF5 allocated with the default (malloc) allocator
        }
        return out;
    }
    const std::size_t width = size_of(ftype, where);
    Handle mt = own_type(check(H5Tcopy(H5T_C_S1), "H5Tcopy", where));
    check(H5Tset_size(mt.id(), width), "H5Tset_size", where);
    check(H5Tset_cset(mt.id(), cset), "H5Tset_cset", where);
    check(H5Tset_strpad(mt.id(), H5T_STR_NULLPAD), "H5Tset_strpad", where);
    std::vector<char> buf(n * width);
    read(mt.id(), buf.data());
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(trim_fixed(buf.data() + i * width, width));
    return out;
}

TypeClass classify(hid_t type, std::string_view where) {
    switch (class_of(type, where)) {
    case H5T_INTEGER:
        return TypeClass::Integer;
    case H5T_FLOAT:
        return TypeClass::Float;
    case H5T_STRING:
        return TypeClass::String;
    case H5T_REFERENCE:
        return TypeClass::Reference;
    case H5T_COMPOUND:
        return TypeClass::Compound;
    default:
        return TypeClass::Other;
    }
}

hsize_t space_size(hid_t space, std::string_view where) {
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) throw Error("H5Sget_simple_extent_npoints", std::string(where), stack_message());
    return static_cast<hsize_t>(n);
}

int space_rank(hid_t space, std::string_view where) {
    return check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", where);
}

// Bytes the file holding `object` has, or 0 when HDF5 cannot say.
hsize_t file_bytes(hid_t object) {
    const hid_t file = H5Iget_file_id(object);
    if (file < 0) return 0;
    hsize_t size = 0;
    if (H5Fget_filesize(file, &size) < 0) size = 0;
    H5Fclose(file);
    return size;
}

// Declared elements against stored bytes (see Dataset::require_stored); `call` names the API that
// gave the stored size. The stored size comes from the same (possibly damaged) header as the
// dataspace, so it is capped by the file's own size: no dataset stores more than its file holds
// (neuropop reads no external-storage datasets). Every element takes at least one byte before
// compression whatever its type says (a damaged type can claim 0 bytes): a read's allocation is
// then at most 1100 x the file's size times the in-memory size of one element.
void require_plausible(hsize_t elements, std::size_t element_bytes, hsize_t stored, hsize_t file,
                       const char* call, const std::string& where) {
    constexpr double max_ratio = 1100.0;
    constexpr double floor_bytes = 1 << 20;
    const double kept = file > 0 ? std::min(static_cast<double>(stored), static_cast<double>(file))
                                 : static_cast<double>(stored);
    const double declared = static_cast<double>(elements) *
                            static_cast<double>(std::max<std::size_t>(element_bytes, 1));
    if (declared <= floor_bytes || declared <= kept * max_ratio) return;
    throw Error(call, where,
                "declares " + std::to_string(elements) + " elements of " +
                    std::to_string(element_bytes) + " bytes but the file stores " +
                    std::to_string(static_cast<std::uint64_t>(kept)) +
                    " bytes for them (damaged dataspace or missing data)");
}

} // namespace

Error::Error(std::string call, std::string object, std::string detail)
    : std::runtime_error(object + ": " + detail + " (" + call + ")"), call_(std::move(call)),
      object_(std::move(object)), detail_(std::move(detail)) {}

void silence_errors() {
    static std::once_flag once;
    std::call_once(once, [] {
        check(H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr), "H5Eset_auto2", "error stack");
    });
}

bool error_printing_on() {
    H5E_auto2_t handler = nullptr;
    void* client = nullptr;
    check(H5Eget_auto2(H5E_DEFAULT, &handler, &client), "H5Eget_auto2", "error stack");
    return handler != nullptr;
}

hid_t check(hid_t rc, const char* call, std::string_view object) {
    if (rc < 0) throw Error(call, std::string(object), stack_message());
    return rc;
}

herr_t check(herr_t rc, const char* call, std::string_view object) {
    if (rc < 0) throw Error(call, std::string(object), stack_message());
    return rc;
}

Handle& Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        reset();
        id_ = o.id_;
        closer_ = o.closer_;
        o.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void Handle::reset() {
    // Runs in destructors, where nothing can be thrown; a failed close leaves HDF5's own
    // clean-up at exit to release the object.
    if (id_ >= 0 && closer_) (void)closer_(id_);
    id_ = H5I_INVALID_HID;
}

Handle own_type(hid_t id) {
    return Handle(id, H5Tclose);
}
Handle own_space(hid_t id) {
    return Handle(id, H5Sclose);
}
Handle own_plist(hid_t id) {
    return Handle(id, H5Pclose);
}

Handle vlen_utf8_type() {
    Handle t = own_type(check(H5Tcopy(H5T_C_S1), "H5Tcopy", "string type"));
    check(H5Tset_size(t.id(), H5T_VARIABLE), "H5Tset_size", "string type");
    check(H5Tset_cset(t.id(), H5T_CSET_UTF8), "H5Tset_cset", "string type");
    return t;
}

// ---- Attribute -------------------------------------------------------------------------------

TypeClass Attribute::type_class() const {
    Handle t = own_type(check(H5Aget_type(h_.id()), "H5Aget_type", where_));
    return classify(t.id(), where_);
}

int Attribute::rank() const {
    Handle s = own_space(check(H5Aget_space(h_.id()), "H5Aget_space", where_));
    return space_rank(s.id(), where_);
}

std::vector<std::string> Attribute::read_strings() const {
    Handle t = own_type(check(H5Aget_type(h_.id()), "H5Aget_type", where_));
    if (class_of(t.id(), where_) != H5T_STRING)
        throw Error("H5Aread", where_, "attribute is not a string");
    Handle s = own_space(check(H5Aget_space(h_.id()), "H5Aget_space", where_));
    // H5Aget_storage_size returns 0 both on failure and for no data: either way the declared
    // size must then be small to pass.
    require_plausible(space_size(s.id(), where_), size_of(t.id(), where_),
                      H5Aget_storage_size(h_.id()), file_bytes(h_.id()), "H5Aget_storage_size",
                      where_);
    auto n = static_cast<std::size_t>(space_size(s.id(), where_));
    return read_strings_of(
        t.id(), n,
        [&](hid_t mt, void* buf) { check(H5Aread(h_.id(), mt, buf), "H5Aread", where_); }, where_);
}

std::string Attribute::read_string() const {
    auto v = read_strings();
    if (v.empty()) throw Error("H5Aread", where_, "empty string attribute");
    return v.front();
}

std::vector<double> Attribute::read_doubles() const {
    Handle s = own_space(check(H5Aget_space(h_.id()), "H5Aget_space", where_));
    require_plausible(space_size(s.id(), where_), sizeof(double), H5Aget_storage_size(h_.id()),
                      file_bytes(h_.id()), "H5Aget_storage_size", where_);
    std::vector<double> out(static_cast<std::size_t>(space_size(s.id(), where_)));
    if (!out.empty()) check(H5Aread(h_.id(), H5T_NATIVE_DOUBLE, out.data()), "H5Aread", where_);
    return out;
}

std::int64_t Attribute::read_int64() const {
    Handle s = own_space(check(H5Aget_space(h_.id()), "H5Aget_space", where_));
    if (space_size(s.id(), where_) != 1)
        throw Error("H5Aread", where_, "attribute is not a single number");
    std::int64_t v = 0;
    check(H5Aread(h_.id(), H5T_NATIVE_INT64, &v), "H5Aread", where_);
    return v;
}

std::string Attribute::read_reference_path() const {
    Handle t = own_type(check(H5Aget_type(h_.id()), "H5Aget_type", where_));
    if (class_of(t.id(), where_) != H5T_REFERENCE)
        throw Error("H5Aread", where_, "attribute is not an object reference");
    hobj_ref_t ref{};
    check(H5Aread(h_.id(), H5T_STD_REF_OBJ, &ref), "H5Aread", where_);
    hid_t file = check(H5Iget_file_id(h_.id()), "H5Iget_file_id", where_);
    Handle f(file, H5Fclose);
    ssize_t len = H5Rget_name(f.id(), H5R_OBJECT, &ref, nullptr, 0);
    if (len <= 0) throw Error("H5Rget_name", where_, "dangling object reference");
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    checked_length(H5Rget_name(f.id(), H5R_OBJECT, &ref, name.data(), name.size()), "H5Rget_name",
                   where_);
    name.resize(static_cast<std::size_t>(len));
    return name;
}

// ---- Object ----------------------------------------------------------------------------------

bool Object::has_attribute(const std::string& name) const {
    return check(H5Aexists(id(), name.c_str()), "H5Aexists", path_ + "@" + name) > 0;
}

Attribute Object::attribute(const std::string& name) const {
    std::string where = path_ + "@" + name;
    return Attribute(
        Handle(check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "H5Aopen", where), H5Aclose), where);
}

namespace {
// One callback for H5Aiterate2 (Info = H5A_info_t) and H5Literate (H5L_info_t): collects names.
template <typename Info>
herr_t collect_name(hid_t, const char* name, const Info*, void* out) {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
}
} // namespace

std::vector<std::string> Object::attribute_names() const {
    std::vector<std::string> names;
    hsize_t idx = 0;
    check(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name<H5A_info_t>, &names),
          "H5Aiterate2", path_);
    return names;
}

std::optional<std::string> Object::string_attribute(const std::string& name) const {
    if (!has_attribute(name)) return std::nullopt;
    Attribute a = attribute(name);
    if (a.type_class() != TypeClass::String) return std::nullopt;
    auto v = a.read_strings();
    if (v.empty()) return std::nullopt;
    return v.front();
}

namespace {
void replace_attribute(hid_t obj, const std::string& name, const std::string& where) {
    if (check(H5Aexists(obj, name.c_str()), "H5Aexists", where) > 0)
        check(H5Adelete(obj, name.c_str()), "H5Adelete", where);
}
} // namespace

void Object::write_attribute(const std::string& name, std::string_view value) const {
    std::string where = path_ + "@" + name;
    replace_attribute(id(), name, where);
    Handle t = vlen_utf8_type();
    Handle s = own_space(check(H5Screate(H5S_SCALAR), "H5Screate", where));
    Handle a(check(H5Acreate2(id(), name.c_str(), t.id(), s.id(), H5P_DEFAULT, H5P_DEFAULT),
                   "H5Acreate2", where),
             H5Aclose);
    std::string copy(value);
    const char* p = copy.c_str();
    check(H5Awrite(a.id(), t.id(), &p), "H5Awrite", where);
}

void Object::write_attribute(const std::string& name,
                             const std::vector<std::string>& values) const {
    std::string where = path_ + "@" + name;
    replace_attribute(id(), name, where);
    Handle t = vlen_utf8_type();
    hsize_t n = values.size();
    Handle s = own_space(check(H5Screate_simple(1, &n, nullptr), "H5Screate_simple", where));
    Handle a(check(H5Acreate2(id(), name.c_str(), t.id(), s.id(), H5P_DEFAULT, H5P_DEFAULT),
                   "H5Acreate2", where),
             H5Aclose);
    std::vector<const char*> ptrs;
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    if (!ptrs.empty()) check(H5Awrite(a.id(), t.id(), ptrs.data()), "H5Awrite", where);
}

namespace {
template <typename T>
void write_scalar_attribute(hid_t obj, const std::string& name, T value, const std::string& where) {
    replace_attribute(obj, name, where);
    Handle s = own_space(check(H5Screate(H5S_SCALAR), "H5Screate", where));
    Handle a(
        check(H5Acreate2(obj, name.c_str(), native_type<T>(), s.id(), H5P_DEFAULT, H5P_DEFAULT),
              "H5Acreate2", where),
        H5Aclose);
    check(H5Awrite(a.id(), native_type<T>(), &value), "H5Awrite", where);
}
} // namespace

void Object::write_attribute(const std::string& name, double value) const {
    write_scalar_attribute(id(), name, value, path_ + "@" + name);
}

void Object::write_attribute(const std::string& name, std::int64_t value) const {
    write_scalar_attribute(id(), name, value, path_ + "@" + name);
}

void Object::write_reference_attribute(const std::string& name,
                                       const std::string& target_path) const {
    std::string where = path_ + "@" + name;
    replace_attribute(id(), name, where);
    hobj_ref_t ref{};
    check(H5Rcreate(&ref, id(), target_path.c_str(), H5R_OBJECT, -1), "H5Rcreate",
          where + " -> " + target_path);
    Handle s = own_space(check(H5Screate(H5S_SCALAR), "H5Screate", where));
    Handle a(
        check(H5Acreate2(id(), name.c_str(), H5T_STD_REF_OBJ, s.id(), H5P_DEFAULT, H5P_DEFAULT),
              "H5Acreate2", where),
        H5Aclose);
    check(H5Awrite(a.id(), H5T_STD_REF_OBJ, &ref), "H5Awrite", where);
}

// ---- Dataset ---------------------------------------------------------------------------------

std::vector<hsize_t> Dataset::dims() const {
    Handle s = own_space(check(H5Dget_space(id()), "H5Dget_space", path_));
    const int rank = space_rank(s.id(), path_);
    std::vector<hsize_t> d(static_cast<std::size_t>(rank));
    if (rank > 0)
        check(H5Sget_simple_extent_dims(s.id(), d.data(), nullptr), "H5Sget_simple_extent_dims",
              path_);
    return d;
}

hsize_t Dataset::size() const {
    Handle s = own_space(check(H5Dget_space(id()), "H5Dget_space", path_));
    return space_size(s.id(), path_);
}

TypeClass Dataset::type_class() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    return classify(t.id(), path_);
}

ElementInfo Dataset::element_info() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    ElementInfo info;
    info.type_class = classify(t.id(), path_);
    info.bytes = size_of(t.id(), path_);
    info.is_unsigned = info.type_class == TypeClass::Integer && is_unsigned(t.id(), path_);
    return info;
}

bool Dataset::is_variable_string() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    return class_of(t.id(), path_) == H5T_STRING && is_variable_str(t.id(), path_);
}

std::string Dataset::type_description() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    std::size_t bits = size_of(t.id(), path_) * 8;
    switch (class_of(t.id(), path_)) {
    case H5T_INTEGER:
        return (is_unsigned(t.id(), path_) ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
        return "float" + std::to_string(bits);
    case H5T_STRING: {
        std::string cs = cset_of(t.id(), path_) == H5T_CSET_UTF8 ? "utf-8" : "ascii";
        if (is_variable_str(t.id(), path_)) return "vlen " + cs + " string";
        return "fixed " + cs + " string[" + std::to_string(bits / 8) + "]";
    }
    case H5T_REFERENCE:
        return "reference";
    case H5T_COMPOUND:
        return "compound";
    default:
        return "other";
    }
}

void Dataset::require_stored() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    // H5Dget_storage_size returns 0 both on failure and for unallocated storage: either way the
    // declared size must then be small to pass.
    require_plausible(size(), size_of(t.id(), path_), H5Dget_storage_size(id()), file_bytes(id()),
                      "H5Dget_storage_size", path_);
}

void Dataset::require_range(hsize_t start, hsize_t count) const {
    const auto d = dims();
    if (d.size() != 1 || start > d[0] || count > d[0] - start)
        throw Error("H5Sselect_hyperslab", path_,
                    "rows [" + std::to_string(start) + ", " + std::to_string(start) + " + " +
                        std::to_string(count) + ") outside the dataset's " +
                        (d.size() == 1 ? std::to_string(d[0]) + " rows"
                                       : std::to_string(d.size()) + " dimensions"));
}

void Dataset::require_block(const std::vector<hsize_t>& start,
                            const std::vector<hsize_t>& count) const {
    const auto d = dims();
    bool ok = start.size() == d.size() && count.size() == d.size();
    for (std::size_t i = 0; ok && i < d.size(); ++i)
        ok = start[i] <= d[i] && count[i] <= d[i] - start[i];
    if (!ok)
        throw Error("H5Sselect_hyperslab", path_,
                    "a block of rank " + std::to_string(count.size()) +
                        " outside the dataset's extent (rank " + std::to_string(d.size()) + ")");
}

void Dataset::read_slab(hid_t mem_type, void* buffer, const std::vector<hsize_t>& start,
                        const std::vector<hsize_t>& count) const {
    Handle fs = own_space(check(H5Dget_space(id()), "H5Dget_space", path_));
    check(
        H5Sselect_hyperslab(fs.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        "H5Sselect_hyperslab", path_);
    Handle ms =
        own_space(check(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                        "H5Screate_simple", path_));
    check(H5Dread(id(), mem_type, ms.id(), fs.id(), H5P_DEFAULT, buffer), "H5Dread", path_);
}

void Dataset::read_raw(hid_t mem_type, void* buffer) const {
    check(H5Dread(id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer), "H5Dread", path_);
    tally(io::bytes_read, mem_type, size());
}

void Dataset::read_slab_1d(hid_t mem_type, void* buffer, hsize_t start, hsize_t count) const {
    Handle fs = own_space(check(H5Dget_space(id()), "H5Dget_space", path_));
    check(H5Sselect_hyperslab(fs.id(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
          "H5Sselect_hyperslab", path_);
    Handle ms = own_space(check(H5Screate_simple(1, &count, nullptr), "H5Screate_simple", path_));
    check(H5Dread(id(), mem_type, ms.id(), fs.id(), H5P_DEFAULT, buffer), "H5Dread", path_);
    tally(io::bytes_read, mem_type, count);
}

void Dataset::write_raw(hid_t mem_type, const void* buffer) const {
    check(H5Dwrite(id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer), "H5Dwrite", path_);
    tally(io::bytes_written, mem_type, size());
}

void Dataset::write_vlen(hid_t mem_type, const std::vector<const char*>& ptrs) const {
    if (ptrs.empty()) return;
    // Variable-length data go through HDF5's type conversion, which by default allocates and
    // zeroes a 1 MB conversion buffer and a 1 MB background buffer for every write, however few
    // the strings. Writing an item's handful of labels then costs ~2 MB of fresh pages (35 % of
    // neuropop_bench_merge's item writing in a perf profile), and so does every string dataset
    // of the merge's serial pass, where the free lists are capped. A buffer sized to the data
    // (32 bytes per element covers the pointer in memory and the 16-byte file descriptor) gives
    // the same file.
    const std::size_t bytes = std::clamp<std::size_t>(ptrs.size() * 32, 4096, 1u << 20);
    Handle dxpl = own_plist(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path_));
    check(H5Pset_buffer(dxpl.id(), bytes, nullptr, nullptr), "H5Pset_buffer", path_);
    check(H5Dwrite(id(), mem_type, H5S_ALL, H5S_ALL, dxpl.id(), ptrs.data()), "H5Dwrite", path_);
    tally(io::bytes_written, mem_type, size());
}

void Dataset::write_strings(const std::vector<std::string>& values) const {
    Handle t = vlen_utf8_type();
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    write_vlen(t.id(), ptrs);
}

bool Dataset::write_collective_raw(hid_t mem_type, const void* buffer, bool participate,
                                   const Handle& dxpl) const {
    Handle fs = own_space(check(H5Dget_space(id()), "H5Dget_space", path_));
    Handle ms = own_space(check(H5Scopy(fs.id()), "H5Scopy", path_));
    const char nothing = 0;
    if (!participate) {
        check(H5Sselect_none(fs.id()), "H5Sselect_none", path_);
        check(H5Sselect_none(ms.id()), "H5Sselect_none", path_);
        // Any valid address: nothing is read when nothing is selected, but a null buffer is
        // refused by some HDF5 and MPI-IO versions.
        if (buffer == nullptr) buffer = &nothing;
    }
    check(H5Dwrite(id(), mem_type, ms.id(), fs.id(), dxpl.id(), buffer), "H5Dwrite", path_);
    if (participate) tally(io::bytes_written, mem_type, size());
    H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
    check(H5Pget_mpio_actual_io_mode(dxpl.id(), &mode), "H5Pget_mpio_actual_io_mode", path_);
    return mode != H5D_MPIO_NO_COLLECTIVE;
}

void Dataset::make_scale(const std::string& name) const {
    check(H5DSset_scale(id(), name.c_str()), "H5DSset_scale", path_);
}

bool Dataset::is_scale() const {
    return check(H5DSis_scale(id()), "H5DSis_scale", path_) > 0;
}

void Dataset::attach_scale(const Dataset& scale, unsigned axis) const {
    check(H5DSattach_scale(id(), scale.id(), axis), "H5DSattach_scale",
          path_ + " <- " + scale.path());
}

void Dataset::set_axis_label(unsigned axis, const std::string& label) const {
    check(H5DSset_label(id(), axis, label.c_str()), "H5DSset_label", path_);
}

std::string Dataset::axis_label(unsigned axis) const {
    const std::size_t n =
        checked_length(H5DSget_label(id(), axis, nullptr, 0), "H5DSget_label", path_);
    if (n == 0) return {};
    std::string label(n + 1, '\0');
    checked_length(H5DSget_label(id(), axis, label.data(), label.size()), "H5DSget_label", path_);
    label.resize(n);
    return label;
}

int Dataset::scale_count(unsigned axis) const {
    return check(H5DSget_num_scales(id(), axis), "H5DSget_num_scales", path_);
}

namespace {
struct ScalePath {
    std::string path;
    std::string error; // why the name could not be read
};

herr_t first_scale(hid_t, unsigned, hid_t scale, void* out) {
    auto* s = static_cast<ScalePath*>(out);
    const ssize_t n = H5Iget_name(scale, nullptr, 0);
    if (n <= 0) {
        s->error = n < 0 ? stack_message() : "dimension scale without a name";
        return -1;
    }
    std::string name(static_cast<std::size_t>(n) + 1, '\0');
    if (H5Iget_name(scale, name.data(), name.size()) < 0) {
        s->error = stack_message();
        return -1;
    }
    name.resize(static_cast<std::size_t>(n));
    s->path = std::move(name);
    return 1; // stop at the first scale
}
} // namespace

std::optional<std::string> Dataset::first_scale_path(unsigned axis) const {
    if (scale_count(axis) <= 0) return std::nullopt;
    ScalePath out;
    int idx = 0;
    if (H5DSiterate_scales(id(), axis, &idx, first_scale, &out) < 0) {
        const std::string detail = out.error.empty() ? stack_message() : out.error;
        throw Error(out.error.empty() ? "H5DSiterate_scales" : "H5Iget_name", path_, detail);
    }
    return out.path;
}

std::vector<std::string> Dataset::read_strings() const {
    Handle t = own_type(check(H5Dget_type(id()), "H5Dget_type", path_));
    if (class_of(t.id(), path_) != H5T_STRING)
        throw Error("H5Dread", path_, "dataset is not a string");
    require_stored();
    return read_strings_of(
        t.id(), static_cast<std::size_t>(size()),
        [&](hid_t mt, void* buf) {
            check(H5Dread(id(), mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "H5Dread", path_);
            tally(io::bytes_read, mt, size());
        },
        path_);
}

std::string Dataset::read_string() const {
    auto v = read_strings();
    if (v.empty()) throw Error("H5Dread", path_, "empty string dataset");
    return v.front();
}

// ---- Group -----------------------------------------------------------------------------------

std::string Group::child_path(const std::string& relative) const {
    if (!relative.empty() && relative.front() == '/') return relative;
    if (path_.empty() || path_ == "/") return "/" + relative;
    return path_ + "/" + relative;
}

bool Group::exists(const std::string& relative) const {
    std::string prefix;
    std::size_t pos = 0;
    if (!relative.empty() && relative.front() == '/') {
        prefix = "/";
        pos = 1;
    }
    while (pos <= relative.size()) {
        std::size_t next = relative.find('/', pos);
        std::string part =
            relative.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (!part.empty()) {
            prefix += part;
            // Negative (e.g. a component below a dataset): the path does not name an object,
            // which is the answer asked for, not a failure.
            if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0 ||
                H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT) <= 0) {
                (void)H5Eclear2(H5E_DEFAULT);
                return false;
            }
            prefix += "/";
        }
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return true;
}

namespace {
H5O_type_t object_type(hid_t loc, const std::string& rel, const std::string& where) {
    H5O_info_t info{};
    check(H5Oget_info_by_name2(loc, rel.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
          "H5Oget_info_by_name2", where);
    return info.type;
}
} // namespace

bool Group::is_group(const std::string& relative) const {
    return exists(relative) && object_type(id(), relative, child_path(relative)) == H5O_TYPE_GROUP;
}

bool Group::is_dataset(const std::string& relative) const {
    return exists(relative) &&
           object_type(id(), relative, child_path(relative)) == H5O_TYPE_DATASET;
}

Group Group::open_group(const std::string& relative) const {
    std::string p = child_path(relative);
    return Group(
        Handle(check(H5Gopen2(id(), relative.c_str(), H5P_DEFAULT), "H5Gopen2", p), H5Gclose), p);
}

Dataset Group::open_dataset(const std::string& relative) const {
    std::string p = child_path(relative);
    return Dataset(
        Handle(check(H5Dopen2(id(), relative.c_str(), H5P_DEFAULT), "H5Dopen2", p), H5Dclose), p);
}

std::vector<std::string> Group::children() const {
    std::vector<std::string> names;
    hsize_t idx = 0;
    check(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name<H5L_info_t>, &names),
          "H5Literate", path_);
    return names;
}

Group Group::create_group(const std::string& name) const {
    std::string p = child_path(name);
    return Group(Handle(check(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              "H5Gcreate2", p),
                        H5Gclose),
                 p);
}

Dataset Group::create_dataset(const std::string& name, hid_t file_type,
                              const std::vector<hsize_t>& dims, const Handle* dcpl) const {
    std::string p = child_path(name);
    Handle s = own_space(
        dims.empty() ? check(H5Screate(H5S_SCALAR), "H5Screate", p)
                     : check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             "H5Screate_simple", p));
    return Dataset(Handle(check(H5Dcreate2(id(), name.c_str(), file_type, s.id(), H5P_DEFAULT,
                                           dcpl ? dcpl->id() : H5P_DEFAULT, H5P_DEFAULT),
                                "H5Dcreate2", p),
                          H5Dclose),
                   p);
}

Dataset Group::create_string_dataset(const std::string& name,
                                     const std::vector<hsize_t>& dims) const {
    Handle t = vlen_utf8_type();
    return create_dataset(name, t.id(), dims); // keeps the default fill: VL data needs it
}

Dataset Group::write_strings(const std::string& name, const std::vector<std::string>& values,
                             bool scalar) const {
    std::vector<hsize_t> dims;
    if (!(scalar && values.size() == 1)) dims.push_back(values.size());
    Dataset d = create_string_dataset(name, dims);
    d.write_strings(values);
    return d;
}

Dataset Group::write_ascii_strings(const std::string& name, const std::vector<std::string>& values,
                                   bool scalar) const {
    std::string p = child_path(name);
    Handle t = own_type(check(H5Tcopy(H5T_C_S1), "H5Tcopy", p));
    check(H5Tset_size(t.id(), H5T_VARIABLE), "H5Tset_size", p);
    check(H5Tset_cset(t.id(), H5T_CSET_ASCII), "H5Tset_cset", p);
    std::vector<hsize_t> dims;
    if (!(scalar && values.size() == 1)) dims.push_back(values.size());
    Dataset d = create_dataset(name, t.id(), dims);
    std::vector<const char*> ptrs;
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    d.write_vlen(t.id(), ptrs);
    return d;
}

Dataset Group::write_references(const std::string& name,
                                const std::vector<std::string>& target_paths) const {
    std::string p = child_path(name);
    std::vector<hobj_ref_t> refs(target_paths.size());
    for (std::size_t i = 0; i < refs.size(); ++i)
        check(H5Rcreate(&refs[i], id(), target_paths[i].c_str(), H5R_OBJECT, -1), "H5Rcreate",
              p + " -> " + target_paths[i]);
    Dataset d = create_dataset(name, H5T_STD_REF_OBJ, {static_cast<hsize_t>(refs.size())});
    if (!refs.empty()) d.write_raw(H5T_STD_REF_OBJ, refs.data());
    return d;
}

void Group::link_soft(const std::string& target, const std::string& name) const {
    check(H5Lcreate_soft(target.c_str(), id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
          "H5Lcreate_soft", child_path(name));
}

// ---- File ------------------------------------------------------------------------------------

File::File(Handle h, std::string filename)
    : Group(std::move(h), "/"), filename_(std::move(filename)) {}

File File::open(const std::string& filename, Mode mode, const Handle* fapl) {
    silence_errors();
    unsigned flags = mode == Mode::ReadOnly ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
    hid_t id = H5Fopen(filename.c_str(), flags, fapl ? fapl->id() : H5P_DEFAULT);
    if (id < 0) throw Error("H5Fopen", filename, stack_message());
    return File(Handle(id, H5Fclose), filename);
}

File File::create(const std::string& filename, bool truncate, const Handle* fapl) {
    silence_errors();
    hid_t id = H5Fcreate(filename.c_str(), truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT,
                         fapl ? fapl->id() : H5P_DEFAULT);
    if (id < 0) throw Error("H5Fcreate", filename, stack_message());
    return File(Handle(id, H5Fclose), filename);
}

File File::create_in_memory(const std::string& name) {
    silence_errors();
    Handle fapl = own_plist(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", name));
    // 1 MiB growth steps: item files are small, and a larger one grows without a copy per write.
    check(H5Pset_fapl_core(fapl.id(), 1 << 20, 0), "H5Pset_fapl_core", name);
    hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
    if (id < 0) throw Error("H5Fcreate", name, stack_message());
    return File(Handle(id, H5Fclose), name);
}

File File::open_image(const std::vector<char>& image, const std::string& name) {
    silence_errors();
    Handle fapl = own_plist(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", name));
    check(H5Pset_fapl_core(fapl.id(), 1 << 20, 0), "H5Pset_fapl_core", name);
    // HDF5 copies the image: the caller's bytes stay untouched and may go away after this.
    check(H5Pset_file_image(fapl.id(), const_cast<char*>(image.data()), image.size()),
          "H5Pset_file_image", name);
    // The core driver refuses an image whose name is a file on disk (an item file's image is
    // named after its file): a name no file has.
    const std::string in_memory = name + " (image in memory)";
    hid_t id = H5Fopen(in_memory.c_str(), H5F_ACC_RDONLY, fapl.id());
    if (id < 0) throw Error("H5Fopen", in_memory, stack_message());
    return File(Handle(id, H5Fclose), in_memory);
}

std::vector<char> File::image() const {
    check(H5Fflush(id(), H5F_SCOPE_GLOBAL), "H5Fflush", filename_);
    const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
    if (size < 0) throw Error("H5Fget_file_image", filename_, stack_message());
    std::vector<char> bytes(static_cast<std::size_t>(size));
    if (H5Fget_file_image(id(), bytes.data(), bytes.size()) != size)
        throw Error("H5Fget_file_image", filename_, stack_message());
    return bytes;
}

void File::flush() const {
    check(H5Fflush(id(), H5F_SCOPE_GLOBAL), "H5Fflush", filename_);
}

void File::close() {
    const hid_t id = h_.release();
    if (id >= 0 && H5Fclose(id) < 0) throw Error("H5Fclose", filename_, stack_message());
}

// ---- property lists and the parallel-HDF5 setup ----------------------------------------------

Handle dataset_create_without_fill() {
    Handle dcpl = own_plist(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", "dataset creation"));
    check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time", "dataset creation");
    return dcpl;
}

namespace {

std::string mpi_error_text(int code) {
    char text[MPI_MAX_ERROR_STRING] = {};
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        return "MPI error " + std::to_string(code);
    return std::string(text, static_cast<std::size_t>(len));
}

// The MPI calls of the parallel setup report as HDF5 calls do: the call, the file, the reason.
void check_mpi(int rc, const char* call, std::string_view where) {
    if (rc != MPI_SUCCESS) throw Error(call, std::string(where), mpi_error_text(rc));
}

// An MPI_Info owned for the length of one property-list call.
class Info {
public:
    explicit Info(std::string_view where) {
        check_mpi(MPI_Info_create(&info_), "MPI_Info_create", where);
    }
    // Freeing can only fail on an invalid handle, which the constructor rules out.
    ~Info() { (void)MPI_Info_free(&info_); }
    Info(const Info&) = delete;
    Info& operator=(const Info&) = delete;
    MPI_Info get() const { return info_; }

private:
    MPI_Info info_ = MPI_INFO_NULL;
};

} // namespace

Handle file_access_mpio(MPI_Comm comm,
                        const std::vector<std::pair<std::string, std::string>>& hints,
                        std::string_view where) {
    Handle fapl = own_plist(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", where));
    const Info info(where);
    for (const auto& [key, value] : hints)
        check_mpi(MPI_Info_set(info.get(), key.c_str(), value.c_str()), "MPI_Info_set", where);
    check(H5Pset_fapl_mpio(fapl.id(), comm, info.get()), "H5Pset_fapl_mpio", where);
    return fapl;
}

void limit_metadata_cache(const Handle& fapl, std::size_t max_bytes, std::string_view where) {
    H5AC_cache_config_t config{};
    config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    check(H5Pget_mdc_config(fapl.id(), &config), "H5Pget_mdc_config", where);
    config.set_initial_size = true;
    config.initial_size = max_bytes / 4;
    config.min_size = max_bytes / 4;
    config.max_size = max_bytes;
    check(H5Pset_mdc_config(fapl.id(), &config), "H5Pset_mdc_config", where);
}

void collective_metadata_write(const Handle& fapl, std::string_view where) {
    check(H5Pset_coll_metadata_write(fapl.id(), true), "H5Pset_coll_metadata_write", where);
}

void set_free_list_limits(int reg_global, int reg_list, int arr_global, int arr_list,
                          int blk_global, int blk_list, std::string_view where) {
    check(H5set_free_list_limits(reg_global, reg_list, arr_global, arr_list, blk_global, blk_list),
          "H5set_free_list_limits", where);
}

Handle collective_transfer(std::string_view where) {
    Handle dxpl = own_plist(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", where));
    check(H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", where);
    return dxpl;
}

int mpi_rank(MPI_Comm comm, std::string_view where) {
    int rank = 0;
    check_mpi(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank", where);
    return rank;
}

} // namespace neuropop::h5
