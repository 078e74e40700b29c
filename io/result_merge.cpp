// The collective merge of item files into the results file (io/result_store.hpp).

#include <map>
#include <stdexcept>

#include <hdf5_hl.h>

#include "io/result_detail.hpp"
#include "io/result_store.hpp"

namespace neuropop::io {

namespace {

// One source item file kept open while its datasets are written (the owner reads them in
// layout order, so consecutive datasets mostly come from the same file).
class SourceCache {
public:
    const h5::File& open(const std::string& path) {
        if (path != path_) {
            file_ = h5::File::open(path);
            path_ = path;
        }
        return file_;
    }

private:
    std::string path_;
    h5::File file_;
};

struct Values {
    std::vector<double> f64;
    std::vector<std::int64_t> i64;
    std::vector<std::uint32_t> u32;
    const void* data(ElementType t) const {
        switch (t) {
        case ElementType::Float64:
            return f64.data();
        case ElementType::Int64:
            return i64.data();
        case ElementType::UInt32:
            return u32.data();
        case ElementType::String:
            break;
        }
        return nullptr;
    }
};

Values load_values(const MergeLayout& layout, const LayoutDataset& d,
                   const std::vector<ResultBlock>& inline_blocks, SourceCache& sources) {
    Values v;
    if (d.source < 0) {
        if (d.inline_block >= inline_blocks.size())
            throw std::logic_error("merge: inline block of " + d.path + " is not on this rank");
        const DatasetBlock& b = inline_blocks[d.inline_block].at(d.path);
        v.f64 = b.f64;
        v.i64 = b.i64;
        v.u32 = b.u32;
    } else {
        h5::Dataset ds = sources.open(layout.sources.at(static_cast<std::size_t>(d.source)))
                             .open_dataset(d.path);
        auto n = static_cast<std::size_t>(ds.size());
        switch (d.type) {
        case ElementType::Float64:
            v.f64.resize(n);
            if (n) ds.read_raw(H5T_NATIVE_DOUBLE, v.f64.data(), H5S_ALL);
            break;
        case ElementType::Int64:
            v.i64.resize(n);
            if (n) ds.read_raw(H5T_NATIVE_INT64, v.i64.data(), H5S_ALL);
            break;
        case ElementType::UInt32:
            v.u32.resize(n);
            if (n) ds.read_raw(H5T_NATIVE_UINT32, v.u32.data(), H5S_ALL);
            break;
        case ElementType::String:
            break;
        }
    }
    std::uint64_t n = d.elements();
    std::size_t have = d.type == ElementType::Float64 ? v.f64.size()
                       : d.type == ElementType::Int64 ? v.i64.size()
                                                      : v.u32.size();
    if (have != n)
        throw std::runtime_error("merge: " + d.path + " holds " + std::to_string(have) +
                                 " values, the layout says " + std::to_string(n));
    return v;
}

std::vector<std::string> load_strings(const MergeLayout& layout, const LayoutDataset& d,
                                      const std::vector<ResultBlock>& inline_blocks,
                                      SourceCache& sources) {
    if (d.source < 0) return inline_blocks.at(d.inline_block).at(d.path).text;
    return sources.open(layout.sources.at(static_cast<std::size_t>(d.source)))
        .open_dataset(d.path)
        .read_strings();
}

// Every element of every numeric dataset is written, so no fill value is: parallel HDF5 allocates
// contiguous storage at creation and would otherwise write the fill value with collective I/O,
// once per dataset.
h5::Handle no_fill_dcpl() {
    h5::Handle dcpl = h5::own_plist(h5::check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", "dcpl"));
    h5::check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time", "dcpl");
    return dcpl;
}

h5::Dataset create_dataset(const h5::File& file, const LayoutDataset& d, hid_t dcpl) {
    h5::Group parent = file.open_group(parent_path(d.path));
    std::vector<hsize_t> dims(d.shape.begin(), d.shape.end());
    h5::Dataset ds;
    if (d.type == ElementType::String) {
        h5::Handle t = h5::vlen_utf8_type();
        ds = parent.create_dataset(base_name(d.path), t.id(), dims); // VL needs its fill
    } else {
        ds = parent.create_dataset(base_name(d.path), detail::file_type(d.type), dims, dcpl);
    }
    detail::write_attributes(ds, d.attributes);
    return ds;
}

// Dimension scales, one dataset (and the scales it names) open at a time: an open dataset costs
// every rank about 25 KB, and holding all of them open until the end made the merge the peak of
// a run's memory (23.5 MB for 830 datasets, measured with heaptrack).
void attach_scales(const h5::File& file, const MergeLayout& layout) {
    for (const auto& d : layout.datasets) {
        if (d.dims.empty()) continue;
        h5::Dataset ds = file.open_dataset(d.path);
        for (std::size_t axis = 0; axis < d.dims.size(); ++axis) {
            auto a = static_cast<unsigned>(axis);
            const std::string& scale = d.scales[axis];
            // A scale cannot carry scales itself; its own axis is the one it names.
            if (!scale.empty() && !d.is_scale) {
                h5::Dataset s = file.open_dataset(scale);
                h5::check(H5DSattach_scale(ds.id(), s.id(), a), "H5DSattach_scale", d.path);
            }
            h5::check(H5DSset_label(ds.id(), a, d.dims[axis].c_str()), "H5DSset_label", d.path);
        }
    }
}

// The merge's memory is otherwise dominated by library buffers, not by results: OMPIO's
// collective-write aggregation buffer (32 MB by default) and HDF5's metadata cache, which
// grows to 32 MB of decoded object headers when thousands of datasets and attributes are
// created. Both are capped, as are HDF5's free lists below (demo job at --quick size, 2 ranks:
// peak RSS 85 / 78 MB -> 65 / 61 MB; benchmarks/README.md, "Peak memory"); the data still go
// through, in cb_buffer_size pieces.
constexpr const char* aggregation_buffer_bytes = "4194304";
constexpr std::size_t metadata_cache_bytes = 4u << 20;

class SmallBuffersInfo {
public:
    SmallBuffersInfo() {
        MPI_Info_create(&info_);
        MPI_Info_set(info_, "cb_buffer_size", aggregation_buffer_bytes);
    }
    ~SmallBuffersInfo() { MPI_Info_free(&info_); }
    SmallBuffersInfo(const SmallBuffersInfo&) = delete;
    SmallBuffersInfo& operator=(const SmallBuffersInfo&) = delete;
    MPI_Info get() const { return info_; }

private:
    MPI_Info info_ = MPI_INFO_NULL;
};

void limit_metadata_cache(hid_t fapl, const std::string& path) {
    H5AC_cache_config_t config{};
    config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    h5::check(H5Pget_mdc_config(fapl, &config), "H5Pget_mdc_config", path);
    config.set_initial_size = true;
    config.initial_size = metadata_cache_bytes / 4;
    config.min_size = metadata_cache_bytes / 4;
    config.max_size = metadata_cache_bytes;
    h5::check(H5Pset_mdc_config(fapl, &config), "H5Pset_mdc_config", path);
}

} // namespace

MpioCounts write_collective(const std::string& path, MPI_Comm comm, const MergeLayout& layout,
                            const std::vector<ResultBlock>& inline_blocks, void (*after_create)()) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    h5::Handle fapl = h5::own_plist(h5::check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", path));
    const SmallBuffersInfo info;
    h5::check(H5Pset_fapl_mpio(fapl.id(), comm, info.get()), "H5Pset_fapl_mpio", path);
    limit_metadata_cache(fapl.id(), path);
    // HDF5 keeps freed object-header, dataspace and datatype structs on free lists for reuse
    // (up to ~38 MB by default); creating thousands of objects fills them. Small limits return
    // the memory instead; reuse within a list still works.
    h5::check(H5set_free_list_limits(256 << 10, 64 << 10, 256 << 10, 64 << 10, 1 << 20, 256 << 10),
              "H5set_free_list_limits", path);
    // Metadata is identical on every rank; writing it collectively at close avoids one rank
    // issuing thousands of small independent writes.
    h5::check(H5Pset_coll_metadata_write(fapl.id(), true), "H5Pset_coll_metadata_write", path);
    MpioCounts counts;
    {
        h5::File file = h5::File::create(path, true, fapl.id());
        detail::write_attributes(file, layout.root);
        for (const auto& g : layout.groups)
            detail::write_attributes(file.create_group(g.path), g.attributes);
        const h5::Handle dcpl = no_fill_dcpl();
        for (const auto& d : layout.datasets) {
            h5::Dataset ds = create_dataset(file, d, dcpl.id());
            if (d.is_scale) {
                const std::string name = base_name(d.path);
                h5::check(H5DSset_scale(ds.id(), name.c_str()), "H5DSset_scale", d.path);
            }
        }
        attach_scales(file, layout);
        if (after_create) after_create();

        h5::Handle dxpl = h5::own_plist(h5::check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path));
        h5::check(H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", path);
        SourceCache sources;
        for (std::size_t i = 0; i < layout.datasets.size(); ++i) {
            const auto& d = layout.datasets[i];
            if (!d.collective) continue;
            const h5::Dataset ds = file.open_dataset(d.path);
            h5::Handle fs = h5::own_space(h5::check(H5Dget_space(ds.id()), "H5Dget_space", d.path));
            h5::Handle ms = h5::own_space(h5::check(H5Scopy(fs.id()), "H5Scopy", d.path));
            Values values;
            const void* buffer = &values; // any valid address: nothing is read when none selected
            if (d.owner == rank) {
                values = load_values(layout, d, inline_blocks, sources);
                buffer = values.data(d.type);
            } else {
                h5::check(H5Sselect_none(fs.id()), "H5Sselect_none", d.path);
                h5::check(H5Sselect_none(ms.id()), "H5Sselect_none", d.path);
            }
            h5::check(
                H5Dwrite(ds.id(), detail::file_type(d.type), ms.id(), fs.id(), dxpl.id(), buffer),
                "H5Dwrite", d.path);
            H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
            h5::check(H5Pget_mpio_actual_io_mode(dxpl.id(), &mode), "H5Pget_mpio_actual_io_mode",
                      d.path);
            if (mode == H5D_MPIO_NO_COLLECTIVE)
                ++counts.independent;
            else
                ++counts.collective;
        }
    }
    return counts;
}

void write_serial_pass(const std::string& path, const MergeLayout& layout,
                       const std::vector<ResultBlock>& inline_blocks,
                       const Attributes& extra_root) {
    h5::File file = h5::File::open(path, h5::File::Mode::ReadWrite);
    SourceCache sources;
    h5::Handle t = h5::vlen_utf8_type();
    for (const auto& d : layout.datasets) {
        if (d.collective || d.elements() == 0) continue;
        if (d.type != ElementType::String) {
            Values values = load_values(layout, d, inline_blocks, sources);
            file.open_dataset(d.path).write_raw(detail::file_type(d.type), values.data(d.type));
            continue;
        }
        auto values = load_strings(layout, d, inline_blocks, sources);
        if (values.size() != d.elements())
            throw std::runtime_error("merge: " + d.path + " holds " +
                                     std::to_string(values.size()) + " strings, the layout says " +
                                     std::to_string(d.elements()));
        if (values.empty()) continue;
        std::vector<const char*> ptrs;
        for (const auto& s : values)
            ptrs.push_back(s.c_str());
        file.open_dataset(d.path).write_raw(t.id(), ptrs.data());
    }
    detail::write_attributes(file, extra_root);
}

} // namespace neuropop::io
