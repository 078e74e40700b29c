#pragma once
// Thin RAII layer over the HDF5 C API. Every H5* call of the project is in io/h5.cpp
// (scripts/check_layers.sh fails otherwise): the rest of io/ uses these handles and helpers. Every
// return value is checked; a failing call throws h5::Error (io/h5_error.hpp) naming the call, the
// object's path and the innermost message of HDF5's error stack, and HDF5's own printing is
// silenced. The parallel-HDF5 setup of the results merge (mpio file access, collective transfer,
// metadata cache) lives here too, so its few MPI calls (the info hints) are checked in one place.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <hdf5.h>
#include <mpi.h>

#include "io/h5_error.hpp"

namespace neuropop::h5 {

// Throws Error if rc < 0, with HDF5's innermost message.
hid_t check(hid_t rc, const char* call, std::string_view object);
herr_t check(herr_t rc, const char* call, std::string_view object);

// Move-only owner of one hid_t; the closer matches its kind (file, group, dataset...).
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    void reset();
    // Gives up ownership without closing: the caller closes (and checks) the id.
    hid_t release() {
        const hid_t id = id_;
        id_ = H5I_INVALID_HID;
        return id;
    }
    hid_t id() const { return id_; }
    explicit operator bool() const { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

Handle own_type(hid_t id);
Handle own_space(hid_t id);
Handle own_plist(hid_t id);

template <typename T>
hid_t native_type() {
    if constexpr (std::is_same_v<T, double>)
        return H5T_NATIVE_DOUBLE;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_NATIVE_FLOAT;
    else if constexpr (std::is_same_v<T, std::int8_t>)
        return H5T_NATIVE_INT8;
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        return H5T_NATIVE_UINT8;
    else if constexpr (std::is_same_v<T, std::int16_t>)
        return H5T_NATIVE_INT16;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
        return H5T_NATIVE_UINT16;
    else if constexpr (std::is_same_v<T, std::int32_t>)
        return H5T_NATIVE_INT32;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return H5T_NATIVE_UINT32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return H5T_NATIVE_INT64;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return H5T_NATIVE_UINT64;
    else
        static_assert(sizeof(T) == 0, "no native HDF5 type for T");
}

// The kinds of element a reader needs to tell apart.
enum class TypeClass { Integer, Float, String, Reference, Compound, Other };

// Class, width and sign of a stored element type.
struct ElementInfo {
    TypeClass type_class = TypeClass::Other;
    std::size_t bytes = 0;
    bool is_unsigned = false; // integers only
};

class Object;

// An attribute on a group or dataset.
class Attribute {
public:
    Attribute(Handle h, std::string where) : h_(std::move(h)), where_(std::move(where)) {}
    TypeClass type_class() const;
    std::vector<std::string> read_strings() const; // scalar or 1-D, vlen or fixed
    std::string read_string() const;               // first element of read_strings()
    std::vector<double> read_doubles() const;
    std::int64_t read_int64() const; // a scalar integer (or float) attribute, converted by HDF5
    int rank() const;                // 0 for a scalar
    // Path of the object an object-reference attribute points to (e.g. DynamicTableRegion.table).
    std::string read_reference_path() const;
    hid_t id() const { return h_.id(); }

private:
    Handle h_;
    std::string where_;
};

// Shared by groups, datasets and files: attributes and a path for messages.
class Object {
public:
    Object() = default;
    Object(Handle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}
    hid_t id() const { return h_.id(); }
    const std::string& path() const { return path_; }
    bool has_attribute(const std::string& name) const;
    Attribute attribute(const std::string& name) const;
    std::optional<std::string> string_attribute(const std::string& name) const;
    std::vector<std::string> attribute_names() const; // in name order

    void write_attribute(const std::string& name, std::string_view value) const;
    void write_attribute(const std::string& name, const std::vector<std::string>& values) const;
    void write_attribute(const std::string& name, double value) const;
    void write_attribute(const std::string& name, std::int64_t value) const;
    // Scalar object-reference attribute to `target_path` (absolute, same file), e.g. the
    // `target` of a VectorIndex or the `table` of a DynamicTableRegion.
    void write_reference_attribute(const std::string& name, const std::string& target_path) const;

protected:
    Handle h_;
    std::string path_;
};

// A dataset: shape, element class, whole or hyperslab reads of numbers and strings.
class Dataset : public Object {
public:
    using Object::Object;
    std::vector<hsize_t> dims() const;
    hsize_t size() const; // product of dims (1 for scalar)
    TypeClass type_class() const;
    ElementInfo element_info() const;
    bool is_variable_string() const;
    std::string type_description() const; // e.g. "uint16", "float64", "vlen utf-8 string"

    template <typename T>
    std::vector<T> read() const {
        require_stored();
        std::vector<T> out(static_cast<std::size_t>(size()));
        if (!out.empty()) read_raw(native_type<T>(), out.data());
        return out;
    }
    // 1-D hyperslab [start, start+count).
    template <typename T>
    std::vector<T> read_range(hsize_t start, hsize_t count) const {
        require_stored();
        require_range(start, count); // before allocating `count` elements
        std::vector<T> out(static_cast<std::size_t>(count));
        if (count > 0) read_slab_1d(native_type<T>(), out.data(), start, count);
        return out;
    }
    // N-d hyperslab: `count[d]` elements from `start[d]` on every axis, row-major (a block of
    // columns of a wide matrix, read without reading the rest).
    template <typename T>
    std::vector<T> read_block(const std::vector<hsize_t>& start,
                              const std::vector<hsize_t>& count) const {
        require_stored();
        std::size_t n = 1;
        for (auto c : count)
            n *= static_cast<std::size_t>(c);
        require_block(start, count); // before allocating
        std::vector<T> out(n);
        if (n > 0) read_slab(native_type<T>(), out.data(), start, count);
        return out;
    }
    std::vector<std::string>
    read_strings() const; // vlen or fixed, ASCII or UTF-8, trailing NUL/space trimmed for fixed
    std::string read_string() const;

    // Every element, row-major; `values` must hold size() of them.
    template <typename T>
    void write(std::span<const T> values) const {
        write_raw(native_type<T>(), values.data());
    }
    template <typename T>
    void write(const std::vector<T>& values) const {
        write(std::span<const T>(values));
    }
    // Every element of a variable-length string dataset, as UTF-8.
    void write_strings(const std::vector<std::string>& values) const;
    // One collective transfer (`dxpl` from collective_transfer()) of every element when
    // `participate`, of no element otherwise: every rank of the file's communicator calls it, and
    // only the rank that holds the values passes them. Returns whether the transfer was collective
    // (H5Pget_mpio_actual_io_mode; HDF5 may fall back to independent I/O).
    template <typename T>
    bool write_collective(std::span<const T> values, bool participate, const Handle& dxpl) const {
        return write_collective_raw(native_type<T>(), values.data(), participate, dxpl);
    }

    // Throws Error when the dataspace declares far more bytes than the file stores for the
    // dataset (more than 1100 x, deflate's ratio is at most about 1032:1, and over 1 MiB): a
    // damaged dataspace, which every read would otherwise try to allocate memory for.
    void require_stored() const;
    // Throws Error unless the dataset is 1-D and [start, start+count) lies within it.
    void require_range(hsize_t start, hsize_t count) const;
    // Throws Error unless start and count have the dataset's rank and the block lies within it.
    void require_block(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count) const;

    // ---- dimension scales (the HDF5 high-level H5DS API) ----
    // Makes this dataset a dimension scale named `name`.
    void make_scale(const std::string& name) const;
    bool is_scale() const;
    void attach_scale(const Dataset& scale, unsigned axis) const;
    void set_axis_label(unsigned axis, const std::string& label) const;
    std::string axis_label(unsigned axis) const; // "" when the axis has none
    int scale_count(unsigned axis) const;
    // Path of the first scale attached to `axis`; nullopt when none is.
    std::optional<std::string> first_scale_path(unsigned axis) const;

private:
    friend class Group; // writes the string and reference datasets it creates
    void read_raw(hid_t mem_type, void* buffer) const;
    void read_slab_1d(hid_t mem_type, void* buffer, hsize_t start, hsize_t count) const;
    void read_slab(hid_t mem_type, void* buffer, const std::vector<hsize_t>& start,
                   const std::vector<hsize_t>& count) const;
    void write_raw(hid_t mem_type, const void* buffer) const;
    void write_vlen(hid_t mem_type, const std::vector<const char*>& ptrs) const;
    bool write_collective_raw(hid_t mem_type, const void* buffer, bool participate,
                              const Handle& dxpl) const;
};

class Group : public Object {
public:
    using Object::Object;
    // True if every component of the relative path exists (no error when a parent is missing).
    bool exists(const std::string& relative) const;
    bool is_group(const std::string& relative) const;
    bool is_dataset(const std::string& relative) const;
    Group open_group(const std::string& relative) const;
    Dataset open_dataset(const std::string& relative) const;
    std::vector<std::string> children() const; // link names, in name order

    Group create_group(const std::string& name) const;
    // `dcpl`: a dataset-creation property list (e.g. dataset_create_without_fill()), or none.
    Dataset create_dataset(const std::string& name, hid_t file_type,
                           const std::vector<hsize_t>& dims, const Handle* dcpl = nullptr) const;
    template <typename T>
    Dataset create_dataset(const std::string& name, const std::vector<hsize_t>& dims,
                           const Handle* dcpl = nullptr) const {
        return create_dataset(name, native_type<T>(), dims, dcpl);
    }
    // Variable-length UTF-8 strings of the given shape, not yet written.
    Dataset create_string_dataset(const std::string& name, const std::vector<hsize_t>& dims) const;
    template <typename T>
    Dataset write_dataset(const std::string& name, std::span<const T> values) const {
        Dataset d = create_dataset(name, native_type<T>(), {static_cast<hsize_t>(values.size())});
        if (!values.empty()) d.write(values);
        return d;
    }
    template <typename T>
    Dataset write_dataset(const std::string& name, const std::vector<T>& values) const {
        return write_dataset(name, std::span<const T>(values));
    }
    // Variable-length UTF-8 strings, 1-D (or scalar when scalar == true and one value).
    Dataset write_strings(const std::string& name, const std::vector<std::string>& values,
                          bool scalar = false) const;
    // Variable-length ASCII strings (pynwb stores its ISO 8601 datetimes this way).
    Dataset write_ascii_strings(const std::string& name, const std::vector<std::string>& values,
                                bool scalar = false) const;
    // 1-D dataset of object references to absolute paths in the same file.
    Dataset write_references(const std::string& name,
                             const std::vector<std::string>& target_paths) const;
    void link_soft(const std::string& target, const std::string& name) const;

    std::string child_path(const std::string& relative) const;
};

// An open HDF5 file; its root group is the file itself.
class File : public Group {
public:
    enum class Mode { ReadOnly, ReadWrite };
    File() = default;
    // `fapl`: a file-access property list (e.g. file_access_mpio()), or none.
    static File open(const std::string& filename, Mode mode = Mode::ReadOnly,
                     const Handle* fapl = nullptr);
    static File create(const std::string& filename, bool truncate, const Handle* fapl = nullptr);
    // A file that lives in memory only (the core driver without a backing store): `name` is for
    // messages. HDF5 never touches the disk, so a full disk cannot fail inside HDF5; image()
    // gives the bytes to write.
    static File create_in_memory(const std::string& name);
    // Read-only, a file whose bytes image() gave (kept in memory: no storage is touched).
    static File open_image(const std::vector<char>& image, const std::string& name);
    // The file's bytes as HDF5 would write them (H5Fget_file_image), starting at the signature.
    std::vector<char> image() const;
    const std::string& filename() const { return filename_; }
    void flush() const;
    // Closes the file now and throws if HDF5 fails to (a failed flush of its metadata, e.g. on
    // a full disk); the destructor cannot report that. Every object opened in it must be closed.
    void close();

private:
    File(Handle h, std::string filename);
    std::string filename_;
};

// Variable-length UTF-8 string type for writing.
Handle vlen_utf8_type();

// ---- property lists and the parallel-HDF5 setup (io/result_merge.cpp) ------------------------

// Dataset creation without a fill value: for datasets whose every element is written (parallel
// HDF5 allocates contiguous storage at creation and would otherwise write the fill value with
// collective I/O, once per dataset).
Handle dataset_create_without_fill();
// File access with the mpio driver over `comm`, with MPI-IO `hints` (key, value) passed as an
// MPI_Info (HDF5 keeps its own copy).
Handle file_access_mpio(MPI_Comm comm,
                        const std::vector<std::pair<std::string, std::string>>& hints,
                        std::string_view where);
// Caps HDF5's metadata cache of files opened with `fapl` at `max_bytes` (starting at a quarter).
void limit_metadata_cache(const Handle& fapl, std::size_t max_bytes, std::string_view where);
// Metadata written collectively at close instead of as one rank's many small writes.
void collective_metadata_write(const Handle& fapl, std::string_view where);
// HDF5's process-wide free-list limits (H5set_free_list_limits), in bytes.
void set_free_list_limits(int reg_global, int reg_list, int arr_global, int arr_list,
                          int blk_global, int blk_list, std::string_view where);
// Dataset transfer with collective MPI-IO (Dataset::write_collective).
Handle collective_transfer(std::string_view where);
// This process's rank in `comm` (which rank owns a collective write).
int mpi_rank(MPI_Comm comm, std::string_view where);

} // namespace neuropop::h5
