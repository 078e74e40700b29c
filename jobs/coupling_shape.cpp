#include "jobs/coupling_shape.hpp"

#include <cmath>

#include "jobs/text_values.hpp"

namespace neuropop::jobs {

namespace {

// n when x / unit is within 1e-9 (relative) of a whole number n ≥ 1, else 0: the whole-bins rule
// of kernels::BinWindow, so decimal widths like 0.05 / 0.01 work.
std::size_t whole(double x, double unit) {
    const double n = x / unit;
    if (!std::isfinite(n) || n < 0.5) return 0;
    const double r = std::round(n);
    return std::abs(n - r) <= 1e-9 * std::max(1.0, r) ? static_cast<std::size_t>(r) : 0;
}

} // namespace

std::optional<CouplingShape> coupling_shape(const JobSpec& spec, std::string* why) {
    const auto& c = spec.coupling;
    auto fail = [&](std::string text) -> std::optional<CouplingShape> {
        if (why) *why = std::move(text);
        return std::nullopt;
    };
    std::string reason;
    const auto range = window_bins(spec.align, c.window, &reason);
    if (!range) return fail("coupling.window: " + reason);
    CouplingShape shape;
    shape.range = *range;
    shape.bin = c.bin == 0 ? spec.align.bin_width : c.bin;
    shape.merge = whole(shape.bin, spec.align.bin_width);
    if (shape.merge == 0)
        return fail("coupling.bin: " + text::format_double(c.bin) +
                    " s is not a whole number of align.bin_width = " +
                    text::format_double(spec.align.bin_width) + " s");
    if (range->size() % shape.merge != 0)
        return fail("coupling.bin: " + std::to_string(shape.merge) +
                    " align bins per GLM bin do not tile the " + std::to_string(range->size()) +
                    " bins of coupling.window");
    shape.bins = range->size() / shape.merge;
    shape.lags = whole(c.history, shape.bin);
    if (shape.lags < 2)
        return fail("coupling.history: " + text::format_double(c.history) +
                    " s is not a whole number (>= 2) of GLM bins of " +
                    text::format_double(shape.bin) + " s");
    if (shape.lags < c.history_basis)
        return fail("coupling.history_basis: " + std::to_string(c.history_basis) +
                    " functions over " + std::to_string(shape.lags) +
                    " history bins; use at most one per bin");
    if (shape.bins < std::max<std::size_t>(2, c.stimulus_basis))
        return fail("coupling.stimulus_basis: " + std::to_string(c.stimulus_basis) +
                    " functions over a window of " + std::to_string(shape.bins) +
                    " GLM bins; the window needs at least max(2, stimulus_basis) bins");
    return shape;
}

} // namespace neuropop::jobs
