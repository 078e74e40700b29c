// The collective merge of item files into the results file (io/result_store.hpp).

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <type_traits>

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

// The values of `d` (of any element type): made for an index scale, from its inline block on
// rank 0, else from its source file.
DatasetValues load_values(const MergeLayout& layout, const LayoutDataset& d,
                          const std::vector<ResultBlock>& inline_blocks, SourceCache& sources) {
    DatasetValues v;
    if (d.source == index_scale_source) {
        std::vector<std::int64_t> index(static_cast<std::size_t>(d.elements()));
        for (std::size_t i = 0; i < index.size(); ++i)
            index[i] = static_cast<std::int64_t>(i);
        v = std::move(index);
    } else if (d.source < 0) {
        if (d.inline_block >= inline_blocks.size())
            throw std::logic_error("merge: inline block of " + d.path + " is not on this rank");
        v = inline_blocks[d.inline_block].at(d.path).values;
    } else {
        v = detail::read_values(sources.open(layout.sources.at(static_cast<std::size_t>(d.source)))
                                    .open_dataset(d.path),
                                d.type);
    }
    if (static_cast<ElementType>(v.index()) != d.type)
        throw std::runtime_error("merge: " + d.path +
                                 " holds another element type than the "
                                 "layout says");
    const std::uint64_t n = d.elements();
    const std::size_t have = value_count(v);
    if (have != n)
        throw std::runtime_error("merge: " + d.path + " holds " + std::to_string(have) +
                                 (d.type == ElementType::String ? " strings" : " values") +
                                 ", the layout says " + std::to_string(n));
    return v;
}

// The merged file, closed and reopened every `objects_per_open` objects the merge creates or
// changes. HDF5 keeps bookkeeping for every object touched while a file is open (about 6 KB
// per dataset on every rank even with the caps below; benchmarks/README.md "Peak memory"), so
// without this the merge's memory grows with the results file's size (~1.2 GB per rank for a
// Brain-Wide-Map-sized file). Closing and opening are collective: every rank counts the same
// objects in layout order and so reopens at the same points.
//
// It also keeps the handles the passes reuse between reopenings: the group the last dataset was
// in (consecutive datasets mostly share it) and a few dimension scales (an item's datasets share
// theirs), so most objects are found by one name in an open group instead of by a path walked
// from the root (H5Dopen2 by path was a quarter of the merge's time). They are closed before the
// file is, so no object is open across a reopening.
class MergedFile {
public:
    MergedFile(const std::string& path, const h5::Handle& fapl, std::size_t objects_per_open)
        : path_(path), fapl_(fapl), every_(std::max<std::size_t>(objects_per_open, 1)),
          file_(h5::File::create(path, true, &fapl)) {}
    const h5::File& operator*() const { return file_; }
    const h5::File* operator->() const { return &file_; }
    // The group at absolute path `path`, kept open until another is asked for or the file reopens.
    const h5::Group& group(const std::string& path) {
        if (path != group_path_) {
            group_ = file_.open_group(path);
            group_path_ = path;
        }
        return group_;
    }
    // The dataset at absolute path `path`, opened in its group.
    h5::Dataset dataset(const std::string& path) {
        return group(parent_path(path)).open_dataset(base_name(path));
    }
    // The dimension scale at absolute path `path`, kept open (at most `scales_kept` of them) until
    // the file reopens.
    const h5::Dataset& scale(const std::string& path) {
        auto it = scales_.find(path);
        if (it != scales_.end()) return it->second;
        if (scales_.size() >= scales_kept) scales_.clear();
        return scales_.emplace(path, dataset(path)).first->second;
    }
    void touched() {
        if (++count_ % every_ != 0) return;
        release();
        file_.close();
        file_ = h5::File::open(path_, h5::File::Mode::ReadWrite, &fapl_);
    }
    void close() {
        release();
        file_.close();
    }

private:
    // An open dataset costs every rank ~25 KB (attach_scales below): a few dozen stay cheap.
    static constexpr std::size_t scales_kept = 32;
    void release() {
        scales_.clear();
        group_ = h5::Group();
        group_path_.clear();
    }
    std::string path_;
    const h5::Handle& fapl_;
    std::size_t every_;
    std::size_t count_ = 0;
    h5::File file_;
    std::string group_path_;
    h5::Group group_;
    std::map<std::string, h5::Dataset> scales_;
};

// default_objects_per_open (io/result_store.hpp): measured with neuropop_bench_merge (1 rank,
// 20 000 datasets), 500 keeps the merge's peak flat in the dataset count, and the reopenings
// cost little beside the writes; reopening less often is slower, not faster (1 500 or never:
// CPU time up, peak RSS 88 and 169 MB instead of 70; HDF5 searches ever longer lists).

// Collective: calls use(chunk) for every chunk of `pass`, the same chunks in the same order on
// every rank: rank 0 cuts them from its layout and broadcasts each one encoded, an empty message
// ends the pass. Every rank, rank 0 included, acts on the decoded bytes, so all act on the same
// data, and holds one chunk at a time.
template <typename Use>
void for_each_chunk(const MergeLayout& layout, bool root, MergePass pass, std::size_t chunk,
                    const Broadcast& broadcast, Use&& use) {
    std::size_t cursor = 0;
    for (;;) {
        std::vector<std::uint8_t> bytes;
        if (root)
            if (auto c = layout_chunk(layout, pass, cursor, chunk)) bytes = encode(*c);
        broadcast(bytes);
        if (bytes.empty()) return;
        const MergeLayout c = decode(bytes);
        std::vector<std::uint8_t>().swap(bytes);
        use(c);
    }
}

// Dimension scales, one dataset (and the scales it names) open at a time: an open dataset costs
// every rank about 25 KB, and holding all of them open until the end made the merge the peak of
// a run's memory (23.5 MB for 830 datasets, measured with heaptrack).
void attach_scales(MergedFile& file, const MergeLayout& chunk) {
    for (const auto& d : chunk.datasets) {
        if (d.dims.empty()) continue;
        {
            h5::Dataset ds = file.dataset(d.path);
            for (std::size_t axis = 0; axis < d.dims.size(); ++axis) {
                auto a = static_cast<unsigned>(axis);
                const std::string& scale = d.scales[axis];
                // A scale cannot carry scales itself; its own axis is the one it names.
                if (!scale.empty() && !d.is_scale) ds.attach_scale(file.scale(scale), a);
                ds.set_axis_label(a, d.dims[axis]);
            }
        }
        file.touched();
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

} // namespace

MpioCounts write_collective(const std::string& path, MPI_Comm comm, const MergeLayout& layout,
                            const std::vector<ResultBlock>& inline_blocks,
                            const Broadcast& broadcast, void (*after_create)(), std::size_t chunk,
                            std::size_t objects_per_open) {
    const int rank = h5::mpi_rank(comm, path);
    const bool root = rank == 0;
    const h5::Handle fapl =
        h5::file_access_mpio(comm, {{"cb_buffer_size", aggregation_buffer_bytes}}, path);
    h5::limit_metadata_cache(fapl, metadata_cache_bytes, path);
    // HDF5 keeps freed object-header, dataspace and datatype structs on free lists for reuse
    // (up to ~38 MB by default); creating thousands of objects fills them. Small limits return
    // the memory instead; reuse within a list still works.
    h5::set_free_list_limits(256 << 10, 64 << 10, 256 << 10, 64 << 10, 1 << 20, 256 << 10, path);
    // Metadata is identical on every rank; writing it collectively at close avoids one rank
    // issuing thousands of small independent writes.
    h5::collective_metadata_write(fapl, path);
    MpioCounts counts;
    {
        // Every rank must reopen after the same objects: rank 0's interval for all.
        std::vector<std::uint8_t> every(sizeof objects_per_open);
        std::memcpy(every.data(), &objects_per_open, every.size());
        broadcast(every);
        if (every.size() != sizeof objects_per_open)
            throw std::runtime_error("merge: bad reopen interval from rank 0");
        std::memcpy(&objects_per_open, every.data(), every.size());
    }
    MergedFile file(path, fapl, objects_per_open);
    for_each_chunk(layout, root, MergePass::Root, chunk, broadcast,
                   [&](const MergeLayout& c) { detail::write_attributes(*file, c.root); });
    for_each_chunk(layout, root, MergePass::Groups, chunk, broadcast, [&](const MergeLayout& c) {
        for (const auto& g : c.groups) {
            detail::write_attributes(file->create_group(g.path), g.attributes);
            file.touched();
        }
    });
    // Every element of every numeric dataset is written, so no fill value is: parallel HDF5
    // allocates contiguous storage at creation and would otherwise write the fill value with
    // collective I/O, once per dataset.
    const h5::Handle dcpl = h5::dataset_create_without_fill();
    SourceCache sources;
    for_each_chunk(layout, root, MergePass::Create, chunk, broadcast, [&](const MergeLayout& c) {
        for (const auto& d : c.datasets) {
            {
                h5::Dataset ds = detail::create_dataset(file.group(parent_path(d.path)),
                                                        base_name(d.path), d.type, d.shape, &dcpl);
                detail::write_attributes(ds, d.attributes);
                if (d.is_scale) ds.make_scale(base_name(d.path));
                // Small numbers are written now, through the handle just created, by their
                // owner alone (independent I/O: the others wait for nothing).
                if (d.written_at_creation() && d.owner == rank)
                    detail::write_values(ds, load_values(c, d, inline_blocks, sources));
            }
            file.touched();
        }
    });
    for_each_chunk(layout, root, MergePass::Attach, chunk, broadcast,
                   [&](const MergeLayout& c) { attach_scales(file, c); });
    if (after_create) after_create();

    const h5::Handle dxpl = h5::collective_transfer(path);
    for_each_chunk(layout, root, MergePass::Write, chunk, broadcast, [&](const MergeLayout& c) {
        for (const auto& d : c.datasets) {
            {
                const h5::Dataset ds = file.dataset(d.path);
                const bool owner = d.owner == rank;
                // Empty vectors of the layout's type on the other ranks: they select no element.
                const DatasetValues values =
                    owner ? load_values(c, d, inline_blocks, sources) : empty_values(d.type);
                const bool collective = std::visit(
                    [&](const auto& v) -> bool {
                        using T = typename std::decay_t<decltype(v)>::value_type;
                        if constexpr (std::is_same_v<T, std::string>)
                            // plan_merge never marks strings collective (parallel HDF5 1.10
                            // cannot write variable-length data).
                            throw std::logic_error("merge: string dataset " + d.path +
                                                   " marked collective");
                        else
                            return ds.write_collective(std::span<const T>(v), owner, dxpl);
                    },
                    values);
                if (collective)
                    ++counts.collective;
                else
                    ++counts.independent;
            }
            file.touched();
        }
    });
    file.close();
    return counts;
}

void write_serial_pass(const std::string& path, const MergeLayout& layout,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& extra_root,
                       std::size_t objects_per_open) {
    h5::File file = h5::File::open(path, h5::File::Mode::ReadWrite);
    SourceCache sources;
    std::size_t written = 0;
    for (std::size_t i = 0; i < layout.dataset_count(); ++i) {
        const LayoutDataset d = layout.dataset(i);
        if (d.type != ElementType::String || d.elements() == 0) continue;
        detail::write_values(file.open_dataset(d.path),
                             load_values(layout, d, inline_blocks, sources));
        // Reopened now and then for the reason MergedFile is (rank 0 alone here).
        if (++written % std::max<std::size_t>(objects_per_open, 1) == 0) {
            file.close();
            file = h5::File::open(path, h5::File::Mode::ReadWrite);
        }
    }
    detail::write_attributes(file, extra_root);
    file.close();
}

} // namespace neuropop::io
