// The merge layout cut into the chunks write_collective broadcasts (io/result_store.hpp): each
// pass sends only the fields it uses, so the chunks of the scale and write passes are a fraction
// of the creation pass's (attributes are most of a dataset's bytes).

#include <map>
#include <stdexcept>

#include "io/result_store.hpp"

namespace neuropop::io {

namespace {

// Whether pass `pass` walks dataset `d`; the same test write_collective made when it held the
// whole layout, so the merged file reopens (MergedFile) after the same objects.
bool in_pass(const LayoutDataset& d, MergePass pass) {
    switch (pass) {
    case MergePass::Create:
        return true;
    case MergePass::Attach:
        return !d.dims.empty();
    case MergePass::Write:
        return d.collective;
    default:
        return false;
    }
}

// Source `source` of `layout` as an index into `sources`, the chunk's own list (-1 stays -1).
std::int32_t renumber(std::int32_t source, const MergeLayout& layout,
                      std::vector<std::string>& sources,
                      std::map<std::int32_t, std::int32_t>& renumbered) {
    if (source < 0) return source;
    auto [it, fresh] = renumbered.emplace(source, static_cast<std::int32_t>(sources.size()));
    if (fresh) sources.push_back(layout.sources.at(static_cast<std::size_t>(source)));
    return it->second;
}

// `d` with only the fields `pass` uses; `sources` collects the chunk's source files.
LayoutDataset for_pass(const LayoutDataset& d, MergePass pass, const MergeLayout& layout,
                       std::vector<std::string>& sources,
                       std::map<std::int32_t, std::int32_t>& renumbered) {
    LayoutDataset c;
    c.path = d.path;
    c.is_scale = d.is_scale;
    switch (pass) {
    case MergePass::Create:
        c.type = d.type;
        c.shape = d.shape;
        c.attributes = d.attributes;
        c.collective = d.collective;
        if (d.written_at_creation()) { // and where its values come from
            c.owner = d.owner;
            c.inline_block = d.inline_block;
            c.source = renumber(d.source, layout, sources, renumbered);
        }
        break;
    case MergePass::Attach:
        c.dims = d.dims;
        c.scales = d.scales;
        break;
    default: // Write
        c.type = d.type;
        c.shape = d.shape;
        c.collective = d.collective;
        c.owner = d.owner;
        c.inline_block = d.inline_block;
        c.source = renumber(d.source, layout, sources, renumbered);
        break;
    }
    return c;
}

} // namespace

std::optional<MergeLayout> layout_chunk(const MergeLayout& layout, MergePass pass,
                                        std::size_t& cursor, std::size_t chunk) {
    if (chunk == 0) throw std::invalid_argument("layout_chunk: a chunk holds at least one entry");
    MergeLayout c;
    switch (pass) {
    case MergePass::Root:
        if (cursor > 0) return std::nullopt;
        cursor = 1;
        c.root = layout.root;
        return c;
    case MergePass::Groups:
        if (cursor >= layout.groups.size()) return std::nullopt;
        for (; cursor < layout.groups.size() && c.groups.size() < chunk; ++cursor)
            c.groups.push_back(layout.groups[cursor]);
        return c;
    default:
        break;
    }
    std::map<std::int32_t, std::int32_t> renumbered;
    for (; cursor < layout.dataset_count() && c.datasets.size() < chunk; ++cursor) {
        const LayoutDataset d = layout.dataset(cursor);
        if (in_pass(d, pass))
            c.datasets.push_back(for_pass(d, pass, layout, c.sources, renumbered));
    }
    if (c.datasets.empty()) return std::nullopt; // the cursor ran off the end
    return c;
}

} // namespace neuropop::io
