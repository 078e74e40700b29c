#include "jobs/windows.hpp"

#include "jobs/text_values.hpp"
#include "kernels/binning.hpp"

namespace neuropop::jobs {

namespace {

// Index of the bin edge at `x`, or nullopt when x lies before align.start or between edges.
std::optional<std::size_t> edge_index(const AlignSection& align, double x) {
    if (x == align.start) return 0;
    const kernels::BinWindow span{align.start, x, align.bin_width};
    if (!span.validate().empty()) return std::nullopt;
    return span.bins();
}

} // namespace

std::optional<BinRange> window_bins(const AlignSection& align, const Window& w, std::string* why) {
    const auto fail = [&](const std::string& reason) -> std::optional<BinRange> {
        if (why != nullptr)
            *why = "window '" + w.name + "' [" + text::format_double(w.start) + ", " +
                   text::format_double(w.stop) + "): " + reason;
        return std::nullopt;
    };
    const kernels::BinWindow whole{align.start, align.stop, align.bin_width};
    if (!whole.validate().empty()) return fail("the aligned window itself is invalid");
    if (!(w.stop > w.start)) return fail("stop must be greater than start");
    const auto first = edge_index(align, w.start);
    const auto last = edge_index(align, w.stop);
    const std::string bins_from = " (bins of " + text::format_double(align.bin_width) +
                                  " s from align.start = " + text::format_double(align.start) + ")";
    if (w.start < align.start || (last && *last > whole.bins()) || (!last && w.stop > align.stop))
        return fail("not inside the aligned window [" + text::format_double(align.start) + ", " +
                    text::format_double(align.stop) + ")");
    if (!first) return fail("start is not on a bin edge" + bins_from);
    if (!last) return fail("stop is not on a bin edge" + bins_from);
    if (*last <= *first) return fail("shorter than one bin");
    return BinRange{*first, *last};
}

std::vector<Window> pca_windows(const JobSpec& spec) {
    if (!spec.pca.windows.empty()) return spec.pca.windows;
    return {Window{"all", spec.align.start, spec.align.stop}};
}

} // namespace neuropop::jobs
