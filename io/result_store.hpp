#pragma once
// The results file, written in two steps (docs/CONTRIBUTING.md: dataset creation in parallel HDF5
// is collective, so a dynamic scheduler cannot create datasets as items finish):
//
// 1. Each work item's ResultBlock goes to its own small serial HDF5 file, written under a
//    temporary name and renamed when complete. The folder of item files is the resume log, and
//    stage-2 items read their inputs (binned counts) back from the bin item's file.
// 2. When every item is done, one collective merge with the mpio driver: rank 0 scans the item
//    files into a MergeLayout and broadcasts it in chunks of a fixed number of groups or
//    datasets, so that the other ranks hold one chunk at a time, never the whole layout (~1.4 KB
//    per results dataset: ~0.3 GB for a Brain-Wide-Map-sized file); every rank creates every
//    group, dataset, attribute and dimension scale in the same order; each large numeric dataset is
//    written with collective transfer by the rank that owns it (the others select nothing), owners
//    spread over ranks by bytes. Parallel HDF5 1.10 cannot write variable-length data
//    ("Parallel IO does not support writing VL ... datatypes yet"), so string datasets are
//    created collectively and filled by rank 0 in a short serial pass after the parallel close.
//    Small numeric datasets (coordinates, scalars, per-unit vectors: below
//    collective_min_bytes) are not written collectively: a collective write costs several
//    synchronisations of every rank whatever its size, and on busy nodes hundreds of them took
//    seconds (412 tiny writes of the IT job: 4-7 s on 2 ranks) for a few kilobytes. Their owner
//    (the rank reading their item file) writes them with independent transfer right after
//    creating them, through the same handle, so they are spread over the ranks and each
//    dataset is opened once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <mpi.h>

#include "io/result_block.hpp"
#include "io/result_layout_packed.hpp"

namespace neuropop::io {

// ---- item files ------------------------------------------------------------------------------

struct ItemHeader {
    std::uint64_t id = 0;
    std::string name;       // WorkItem::name(), checked on resume against the plan
    std::int64_t rank = -1; // rank that computed it
    double seconds = 0.0;   // wall time of prepare + compute + write
};

// Writes `block` to `path` through a temporary file in the same folder and a rename, so a file
// found at `path` is always complete (a kill -9 leaves at most a stray temporary).
// `image`, when given, receives the file's HDF5 bytes (after the checksum block), which
// read_item_image reads as read_item_file reads the file.
void write_item_file(const std::string& path, const ItemHeader& header, const ResultBlock& block,
                     std::vector<char>* image = nullptr);
// Why the item file at `path` cannot be trusted (missing, truncated, corrupted: its size and
// CRC-32 differ from those sealed into its user block when it was written); nullopt when intact.
std::optional<std::string> check_item_file(const std::string& path);
// The header of a complete item file; nullopt when the file is missing or unreadable.
std::optional<ItemHeader> read_item_header(const std::string& path);
// Everything in an item file (values included); with values == false, string datasets are still
// read but numeric ones keep only their shape.
ResultBlock read_item_file(const std::string& path, bool values = true);
// Everything in an item file with the values of only the numeric datasets `wanted` selects (given
// the file's datasets, shapes and axes, and the dataset in question); the others keep only their
// shape, as with values == false. For readers that use a few datasets of a large item file.
using WantedValues = std::function<bool(const ResultBlock& shapes, const DatasetBlock& dataset)>;
ResultBlock read_item_file(const std::string& path, const WantedValues& wanted);
// The same from an item file's image held in memory (write_item_file's `image`): the same block,
// with no storage touched and nothing counted in io_bytes(). `name` is for messages.
ResultBlock read_item_image(const std::vector<char>& image, const std::string& name,
                            bool values = true);
ResultBlock read_item_image(const std::vector<char>& image, const std::string& name,
                            const WantedValues& wanted);

// ---- complete results files (io/result_read.cpp) --------------------------------------------

// Everything below `group` (e.g. "/binned") of a results file written by write_collective, as
// ResultBlock data: the group itself and its descendants, axis labels and attached dimension
// scales back as dims and scales (names in the dataset's group); HDF5's own dimension-scale
// attributes left out (write_collective recreates them). `values` as for read_item_file.
ResultBlock read_results_group(const std::string& path, const std::string& group,
                               bool values = false);
Attributes read_root_attributes(const std::string& path);
std::vector<std::string> read_root_groups(const std::string& path); // "/binned", ...: name order

// ---- merge -----------------------------------------------------------------------------------

struct LayoutDataset {
    std::string path;
    ElementType type = ElementType::Float64;
    std::vector<std::uint64_t> shape;
    Attributes attributes;           // units and description first
    std::vector<std::string> dims;   // label per axis
    std::vector<std::string> scales; // absolute path of each axis's scale, or ""
    bool is_scale = false;           // some dataset uses this one as a dimension scale
    bool collective = false;         // written with collective transfer (else see below)
    std::int32_t source = -1;        // index into MergeLayout::sources; -1: an inline block;
                                     // index_scale_source: an index scale (below)
    std::uint32_t inline_block = 0;  // when source == -1: which inline block (rank 0 only)
    std::int32_t owner = 0;          // rank that writes the values
    std::uint64_t elements() const;
    // Small numbers: written by their owner right after creation, with independent transfer.
    // Strings are written by rank 0's serial pass, large numbers in write_collective's Write pass.
    bool written_at_creation() const {
        return !collective && type != ElementType::String && elements() > 0;
    }
    std::uint64_t bytes() const; // of the values in memory (strings: their pointers)
};

// Where an index scale's values come from (LayoutDataset::source): 0, 1, ..., n - 1, made when
// written; plan_merge keeps no values for them.
inline constexpr std::int32_t index_scale_source = -2;

struct MergeLayout {
    Attributes root;
    std::vector<GroupBlock> groups; // parents before children
    // The datasets in layout order: a chunk's (and a layout built by hand) in `datasets`, the
    // whole layout plan_merge makes on rank 0 in `packed` (io/result_layout_packed.hpp says
    // why); dataset(i) reads both, `datasets` first.
    std::vector<LayoutDataset> datasets;
    PackedDatasets packed;
    std::vector<std::string> sources; // item files
    std::size_t dataset_count() const { return datasets.size() + packed.size(); }
    LayoutDataset dataset(std::size_t i) const {
        return i < datasets.size() ? datasets[i] : packed[i - datasets.size()];
    }
    std::vector<LayoutDataset> all_datasets() const; // unpacked: for tests and small layouts
};

inline constexpr std::uint64_t default_collective_min_bytes = 64 * 1024;

// Rank 0: the layout of every item file (in the given order) followed by the inline blocks
// (built in memory on rank 0, e.g. the inventory and /progress). Numeric datasets of at least
// `collective_min_bytes` are written collectively, spread over `ranks` owners by size; the
// smaller ones by their item file's owner (item file i: rank i mod `ranks`; inline blocks: rank
// 0) at creation; the strings by rank 0's serial pass. Two items naming the same dataset path is an
// error (std::runtime_error naming both sources).
//
// Every axis gets a dimension scale, so that xarray (h5netcdf) opens every group: an axis that
// names none gets an index dataset 0..n-1 named after its label in the dataset's group (reused by
// every axis of that label and length there), with source index_scale_source: its values are
// made when written, not held.
MergeLayout plan_merge(const std::vector<std::string>& item_files,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks,
                       std::uint64_t collective_min_bytes = default_collective_min_bytes);

// The same from blocks already read (shapes suffice, e.g. read_results_group): `blocks[i]` is what
// `sources[i]` holds; each dataset's values are later read from that file at the same path.
MergeLayout plan_merge(const std::vector<std::string>& sources,
                       const std::vector<ResultBlock>& blocks,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks,
                       std::uint64_t collective_min_bytes = default_collective_min_bytes);

// The same with source i's block made by block_of(i) when the planner reaches it: one is held at
// a time (rank 0 need not hold every source's metadata at once).
using BlockOf = std::function<ResultBlock(std::size_t)>;
MergeLayout plan_merge(const std::vector<std::string>& sources, const BlockOf& block_of,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& root,
                       int ranks,
                       std::uint64_t collective_min_bytes = default_collective_min_bytes);

// Whether `d`, read back from a results file, is an index scale plan_merge added (above), not a
// dataset an item wrote: readers that take an item's results from a results file leave these out.
bool is_index_scale(const DatasetBlock& d);

std::vector<std::uint8_t> encode(const MergeLayout& layout);
MergeLayout decode(const std::vector<std::uint8_t>& bytes);

// ---- the layout in chunks (io/result_layout_chunks.cpp) --------------------------------------

// write_collective's passes over the layout, in this order. Each pass walks rank 0's layout in
// chunks that rank 0 broadcasts; every rank decodes, uses and frees one chunk at a time. Scales
// are attached in a pass of their own after every dataset exists, because a dataset may name a
// scale that comes later in the layout (the index scales come last).
enum class MergePass : std::uint8_t {
    Root,   // one chunk: the root group's attributes
    Groups, // the groups, parents before children
    Create, // every dataset: path, type, shape, attributes, is_scale
    Attach, // the datasets with axes: path, dims, scales, is_scale
    Write,  // the collective datasets: path, type, shape, collective, owner, source, inline_block
};

// Groups or datasets per chunk: a worker holds one chunk (~1.4 KB per dataset decoded, as much
// again encoded while it decodes), so a few MB whatever the size of the results file, and the
// broadcasts (3 per chunk of datasets) stay few (~100 for 20 000 datasets).
inline constexpr std::size_t default_layout_chunk = 2000;

// Rank 0: the next chunk of `pass` from `cursor` on (a position in the layout's groups or
// datasets; 0 to begin), and moves `cursor` past it; nullopt when the pass has nothing left.
// A chunk is a MergeLayout holding at most `chunk` of the pass's groups or datasets (in layout
// order), with only the fields the pass uses (above; the others default), and for Write the
// source files its datasets name, renumbered from 0 in order of first use.
std::optional<MergeLayout> layout_chunk(const MergeLayout& layout, MergePass pass,
                                        std::size_t& cursor,
                                        std::size_t chunk = default_layout_chunk);

// Shares rank 0's bytes with every rank of the merge's communicator (collective; resizes the
// others' vectors): the engine's Context::broadcast, which waits without spinning. io makes no
// MPI call outside its parallel-HDF5 setup.
using Broadcast = std::function<void(std::vector<std::uint8_t>&)>;

// Actual transfer modes reported by H5Pget_mpio_actual_io_mode after each numeric write.
struct MpioCounts {
    std::int64_t collective = 0;
    std::int64_t independent = 0;
};

// Collective over `comm`: creates `path` (truncating) with the mpio driver, then the layout (each
// owner writing its small numeric datasets as it creates them), then writes every dataset marked
// collective. `layout` is the whole layout on rank 0 and is not read
// on the other ranks (pass an empty one): rank 0 sends it through `broadcast` in chunks of
// `chunk` groups or datasets (layout_chunk). `inline_blocks` are only read on rank 0. Returns
// this rank's transfer-mode counts. `after_create` (may be null) runs on every rank once the
// layout exists, before any large value is written (a test hook to interrupt a merge).
// The merged file is closed and reopened every `objects_per_open` objects created or changed
// (rank 0's value is used on every rank; io/result_merge.cpp says why), and the handles the
// passes keep open are closed then.
inline constexpr std::size_t default_objects_per_open = 500;
MpioCounts write_collective(const std::string& path, MPI_Comm comm, const MergeLayout& layout,
                            const std::vector<ResultBlock>& inline_blocks,
                            const Broadcast& broadcast, void (*after_create)() = nullptr,
                            std::size_t chunk = default_layout_chunk,
                            std::size_t objects_per_open = default_objects_per_open);

// Rank 0, after write_collective returned on every rank: fills the string datasets and adds
// `extra_root` attributes to the root group, with the default (serial) driver.
void write_serial_pass(const std::string& path, const MergeLayout& layout,
                       const std::vector<ResultBlock>& inline_blocks, const Attributes& extra_root,
                       std::size_t objects_per_open = default_objects_per_open);

} // namespace neuropop::io
