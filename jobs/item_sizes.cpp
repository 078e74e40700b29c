#include "jobs/item_sizes.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "jobs/coupling_shape.hpp"
#include "jobs/geometry_sets.hpp"
#include "jobs/models_checks.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"
#include "jobs/windows.hpp"
#include "kernels/binning.hpp"

namespace neuropop::jobs {

namespace {

constexpr double mib = 1024.0 * 1024.0;

std::string mb_text(double bytes) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / mib);
    return buf;
}

std::string count_text(double n) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

// The sizes of one population, as the bin item will see them.
struct Shape {
    double units = 0, trials = 0, conditions = 0, spikes = 0;
};

Shape population_shape(const JobSpec& spec, const io::SessionInfo& info,
                       const std::string& region) {
    Shape s;
    const auto rows = info.units_in(region);
    s.units = static_cast<double>(rows.size());
    for (auto u : rows)
        s.spikes +=
            static_cast<double>(info.spike_end.at(u) - (u == 0 ? 0 : info.spike_end[u - 1]));
    if (!info.trials) return s;
    const auto* event = info.trials->find(spec.align.event);
    if (event == nullptr || event->is_string) return s;
    std::map<std::vector<std::string>, int> labels;
    for (const auto row : binned_rows(spec, *info.trials)) {
        s.trials += 1;
        std::vector<std::string> label;
        for (const auto& name : spec.conditions.columns)
            if (const auto* c = info.trials->find(name); c != nullptr && row < c->size())
                label.push_back(c->is_string ? c->strings[row]
                                             : text::format_double(c->numbers[row]));
        labels[label] = 1;
    }
    s.conditions = static_cast<double>(labels.size());
    return s;
}

// One item's estimate: its parts, each "what = formula = MB".
struct Estimate {
    double bytes = 0;
    std::vector<std::string> parts;
    void add(const std::string& what, const std::string& formula, double b) {
        bytes += b;
        parts.push_back(what + " " + formula + " = " + mb_text(b));
    }
};

class Estimator {
public:
    explicit Estimator(const JobSpec& spec)
        : spec_(spec),
          bins_(static_cast<double>(
              kernels::BinWindow{spec.align.start, spec.align.stop, spec.align.bin_width}.bins())) {
    }

    // `other`: the target region's shape for an interactions item (its second population).
    Estimate item(const WorkItem& w, const Shape& p, const Shape* other = nullptr) const {
        Estimate e;
        const std::string tub = count_text(p.trials) + " trials x " + count_text(p.units) +
                                " units x " + count_text(bins_) + " bins";
        e.add("counts", tub + " x 4 bytes", p.trials * p.units * bins_ * 4);
        switch (w.kind) {
        case ItemKind::Bin:
            e.add("spike times", count_text(p.spikes) + " x 8 bytes", p.spikes * 8);
            break;
        case ItemKind::Pca: {
            // Condition means (and, for single-trial samples, every trial's bins) as doubles;
            // the split halves make two more of the same shape.
            const double rows = spec_.pca.samples == PcaSamples::Trials ? p.trials : p.conditions;
            const double wb = largest_window(pca_windows(spec_));
            e.add("samples",
                  "3 x " + count_text(rows) + " rows x " + count_text(wb) + " bins x " +
                      count_text(p.units) + " units x 8 bytes",
                  3 * rows * wb * p.units * 8);
            break;
        }
        case ItemKind::CvPca: {
            const double stimuli = p.conditions * bins_;
            const double m = std::min(stimuli, p.units);
            e.add("repeats",
                  "4 x " + count_text(stimuli) + " stimuli x " + count_text(p.units) +
                      " units x 8 bytes",
                  4 * stimuli * p.units * 8);
            e.add("Gram matrix", count_text(m) + "^2 x 8 bytes", m * m * 8);
            break;
        }
        case ItemKind::Fa:
            e.add("samples",
                  count_text(p.trials) + " trials x " + count_text(p.units) + " units x 8 bytes",
                  p.trials * p.units * 8);
            break;
        case ItemKind::Decode:
        case ItemKind::DecodeNull:
            decode(e, w, p);
            break;
        case ItemKind::Geometry: {
            const double windows = static_cast<double>(geometry::windows(spec_).size());
            e.add("window sums",
                  count_text(windows) + " windows x " + count_text(p.trials) + " trials x " +
                      count_text(p.units) + " units x 8 bytes",
                  windows * p.trials * p.units * 8);
            break;
        }
        case ItemKind::Coupling:
            coupling(e, p);
            break;
        case ItemKind::CouplingPair: {
            // One model over both regions' units, the target's fitted.
            Shape both = p;
            both.units += other != nullptr ? other->units : 0.0;
            coupling(e, both);
            break;
        }
        case ItemKind::Interactions:
        case ItemKind::InteractionsFolds: {
            // The target's counts too, then window sums of both regions, their residuals and
            // per fold the training copies and the K x K fitted-value Gram (K target units).
            const double k = other != nullptr ? other->units : 0.0;
            e.add("target counts",
                  count_text(p.trials) + " trials x " + count_text(k) + " units x " +
                      count_text(bins_) + " bins x 4 bytes",
                  p.trials * k * bins_ * 4);
            e.add("samples",
                  "4 x " + count_text(p.trials) + " trials x (" + count_text(p.units) + " + " +
                      count_text(k) + ") units x 8 bytes",
                  4 * p.trials * (p.units + k) * 8);
            // Built by appending: GCC 12 warns falsely (-Wrestrict, bug 105329) on "(" + string.
            std::string fits = count_text(p.units + k);
            fits += "^2 x 3 x 8 bytes";
            e.add("fits", fits, (p.units + k) * (p.units + k) * 3 * 8);
            // Every curve's fold rows (rank curves: the real one, the within-area one and one
            // per permutation) are kept until the curves are summarised.
            const auto& in = spec_.interactions;
            const double folds = w.kind == ItemKind::InteractionsFolds
                                     ? static_cast<double>(w.last - w.first)
                                     : static_cast<double>(in.folds);
            const double ranks = std::min({static_cast<double>(in.ranks), p.units, k}) + 1;
            const double curves = 2.0 + static_cast<double>(in.permutations);
            e.add("fold rows",
                  count_text(curves) + " curves x " + count_text(folds) + " folds x " +
                      count_text(ranks) + " ranks x 8 bytes",
                  curves * folds * ranks * 8);
            break;
        }
        // Summaries and pseudo-populations are not estimated (sized_kind).
        case ItemKind::InteractionsSummary:
        case ItemKind::DecodeSummary:
        case ItemKind::PseudoResample:
        case ItemKind::PseudoNull:
        case ItemKind::Pseudo:
        case ItemKind::PseudoSummary:
        // Brain <-> network items: model_item.
        case ItemKind::ModelLayers:
        case ItemKind::Models:
        case ItemKind::ModelsSummary:
            break;
        }
        return e;
    }

    // Brain <-> network items hold stimulus x stimulus matrices (n = the model file's stimuli,
    // k = the block's layers), as engine/items/item_models.cpp allocates them. `p`: the
    // population of a models item (its counts), nullptr for the other two kinds.
    Estimate model_item(const WorkItem& w, const io::ModelFileInfo& info,
                        const std::vector<std::string>& layers, const Shape* p) const {
        Estimate e;
        const double n = static_cast<double>(info.stimuli());
        const std::size_t per = spec_.models.layers_per_item;
        const std::size_t first = std::min(layers.size(), w.block * per),
                          last = std::min(layers.size(), first + per);
        const double k = static_cast<double>(last - first);
        const std::string nn = count_text(n) + "^2 x 8 bytes";
        const double n2 = n * n * 8;
        switch (w.kind) {
        case ItemKind::ModelLayers: {
            // Each layer's Gram and RDM, held until the block is written and copied once more
            // into the written block; while a layer is read: the accumulators (Gram, its
            // symmetric copy, the correlation RDM's Gram) and a feature block read, copied and
            // centred.
            double widest = 0;
            for (std::size_t i = first; i < last; ++i)
                widest = std::max(widest, static_cast<double>(info.layer(layers[i]).features));
            const double block = std::min(static_cast<double>(models::block_values), n * widest);
            e.add("layer matrices", "2 x 2 x " + count_text(k) + " layers x " + nn, 4 * k * n2);
            e.add("accumulators", "3 x " + nn, 3 * n2);
            e.add("feature block", "3 x " + count_text(block) + " values x 8 bytes", 3 * block * 8);
            break;
        }
        case ItemKind::Models:
            // The population's counts, the model_layers file read back (its datasets, then the
            // matrices), and per layer the sub-matrices, the ranks and a permuted copy, next to
            // the brain's RDM, Gram and ranks.
            if (p != nullptr)
                e.add("counts",
                      count_text(p->trials) + " trials x " + count_text(p->units) + " units x " +
                          count_text(bins_) + " bins x 4 bytes",
                      p->trials * p->units * bins_ * 4);
            e.add("layer matrices", "2 x 2 x " + count_text(k) + " layers x " + nn, 4 * k * n2);
            e.add("per layer and brain", "6 x " + nn, 6 * n2);
            break;
        case ItemKind::ModelsSummary: {
            // Every session's brain RDM (the leave-one-session-out noise ceiling).
            const double blocks = std::max(
                1.0, std::ceil(static_cast<double>(layers.size()) / static_cast<double>(per)));
            const double sessions = std::ceil(static_cast<double>(w.needs.size()) / blocks);
            e.add("brain RDMs", count_text(sessions) + " sessions x " + nn, sessions * n2);
            break;
        }
        default:
            break;
        }
        return e;
    }

private:
    double largest_window(const std::vector<Window>& windows) const {
        double largest = 0;
        for (const auto& w : windows)
            if (const auto r = window_bins(spec_.align, w))
                largest = std::max(largest, static_cast<double>(r->size()));
        return largest;
    }

    // The design (trials x GLM bins rows, conditions x stimulus basis + units x history basis
    // columns) and its training and test rows of one fold; each unit's Newton fit, one per
    // thread, holds a weighted copy of its training design and its own-history design.
    void coupling(Estimate& e, const Shape& p) const {
        const auto shape = coupling_shape(spec_);
        if (!shape) return;
        const double n = p.trials * static_cast<double>(shape->bins);
        const double d =
            std::max(p.conditions, 1.0) * static_cast<double>(spec_.coupling.stimulus_basis) +
            p.units * static_cast<double>(spec_.coupling.history_basis);
        const std::string nd = count_text(n) + " rows x " + count_text(d) + " columns x 8 bytes";
        e.add("design", "3 x " + nd, 3 * n * d * 8);
        const double threads = spec_.run.threads != 0 ? spec_.run.threads : 1.0;
        e.add("Newton work", count_text(threads) + " threads x 3 x " + nd, threads * 3 * n * d * 8);
    }

    void decode(Estimate& e, const WorkItem& w, const Shape& p) const {
        const auto& d = spec_.decode;
        const double times = d.windows.empty() ? bins_ : static_cast<double>(d.windows.size());
        const std::string times_name = d.windows.empty() ? " bins" : " windows";
        const double splits = static_cast<double>(d.folds * d.repeats);
        e.add("per-time matrices",
              count_text(times) + times_name + " x " + count_text(p.trials) + " trials x " +
                  count_text(p.units) + " units x 8 bytes",
              times * p.trials * p.units * 8);
        if (w.kind == ItemKind::DecodeNull) {
            // Every (permutation, split, time) fit keeps its score, and every permutation its
            // redrawn train/test indices.
            const double perms = static_cast<double>(w.last - w.first);
            const double fits = perms * splits * times;
            e.add("fit scores",
                  count_text(perms) + " permutations x " + count_text(splits) + " splits x " +
                      count_text(times) + times_name + " = " + count_text(fits) + " fits x 4 bytes",
                  fits * 4);
            e.add("permuted splits",
                  count_text(perms) + " permutations x " + count_text(splits) + " splits x " +
                      count_text(p.trials) + " trials x 8 bytes",
                  perms * splits * p.trials * 8);
            return;
        }
        e.add("predictions",
              count_text(static_cast<double>(d.repeats)) + " repeats x " + count_text(times) +
                  times_name + " x " + count_text(p.trials) + " trials x 4 bytes",
              static_cast<double>(d.repeats) * times * p.trials * 4);
        if (d.generalization && d.decoder != kernels::DecoderKind::Ridge)
            e.add("generalisation",
                  count_text(splits) + " splits x " + count_text(times) + "^2" + times_name +
                      " x 4 bytes + " + count_text(times) + "^2 x 8 bytes",
                  splits * times * times * 4 + times * times * 8);
        if (d.permutations > 0)
            e.add("null read back",
                  count_text(static_cast<double>(d.permutations)) + " permutations x " +
                      count_text(times) + times_name + " x 8 bytes",
                  static_cast<double>(d.permutations) * times * 8);
    }

    const JobSpec& spec_;
    double bins_;
};

struct Worst {
    double bytes = 0;
    std::string item;
    Estimate estimate;
    std::size_t over = 0, total = 0;
};

} // namespace

std::uint64_t default_max_item_mb() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return 4096;
    const auto quarter =
        static_cast<std::uint64_t>(pages) / 4 * static_cast<std::uint64_t>(page) / (1024 * 1024);
    return std::max<std::uint64_t>(1, std::min<std::uint64_t>(4096, quarter));
}

std::uint64_t max_item_mb(const JobSpec& spec) {
    return spec.run.max_item_mb != 0 ? spec.run.max_item_mb : default_max_item_mb();
}

std::uint64_t cache_budget_bytes(const JobSpec& spec, int node_ranks) {
    constexpr std::uint64_t mib = 1024 * 1024;
    if (spec.run.cache_mb > 0) return spec.run.cache_mb * mib;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const std::uint64_t physical =
        pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                              : 8192 * mib;
    return std::min<std::uint64_t>(
        8192 * mib, physical / 8 / static_cast<std::uint64_t>(std::max(1, node_ranks)));
}

namespace {

// Kinds whose memory the estimate covers: the items of one population and the brain <-> network
// items (stimulus x stimulus matrices). Other summaries and pseudo-populations read item files of
// bounded size and are not estimated.
bool sized_kind(ItemKind kind) {
    switch (kind) {
    case ItemKind::Bin:
    case ItemKind::Pca:
    case ItemKind::CvPca:
    case ItemKind::Fa:
    case ItemKind::DecodeNull:
    case ItemKind::Decode:
    case ItemKind::Geometry:
    case ItemKind::Coupling:
    case ItemKind::Interactions:
    case ItemKind::InteractionsFolds:
    case ItemKind::CouplingPair:
        return true;
    case ItemKind::InteractionsSummary:
    case ItemKind::DecodeSummary:
    case ItemKind::PseudoResample:
    case ItemKind::PseudoNull:
    case ItemKind::Pseudo:
    case ItemKind::PseudoSummary:
        return false;
    // Sized from the model file's stimuli and layers (Estimator::model_item).
    case ItemKind::ModelLayers:
    case ItemKind::Models:
    case ItemKind::ModelsSummary:
        return true;
    }
    return false;
}

// Calls f(index, item, estimate) for every item the estimate covers (sized_kind), computing
// each population's shape once.
template <typename F>
void each_estimate(const JobSpec& spec, const Plan& plan, const F& f) {
    const Estimator estimator(spec);
    std::map<std::pair<std::size_t, std::string>, Shape> shapes;
    std::optional<io::ModelFileInfo> model; // read once, when the plan has models items
    std::vector<std::string> layers;
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const auto& w = plan.items[i];
        if (!sized_kind(w.kind) || w.region.empty()) continue;
        const bool model_kind = w.kind == ItemKind::ModelLayers || w.kind == ItemKind::Models ||
                                w.kind == ItemKind::ModelsSummary;
        if (model_kind && !model) {
            model = io::read_model_file_info(spec.models.file); // checked by the inventory
            layers = models::selected_layers(spec, *model);
        }
        if (model_kind && w.kind != ItemKind::Models) {
            f(i, w, estimator.model_item(w, *model, layers, nullptr));
            continue;
        }
        const auto key = std::make_pair(w.session, w.region);
        auto it = shapes.find(key);
        if (it == shapes.end())
            it = shapes
                     .emplace(key,
                              population_shape(spec, plan.sessions.at(w.session).info, w.region))
                     .first;
        if (w.kind == ItemKind::Models) {
            f(i, w, estimator.model_item(w, *model, layers, &it->second));
        } else if (w.kind == ItemKind::Interactions || w.kind == ItemKind::InteractionsFolds ||
                   w.kind == ItemKind::CouplingPair) {
            const auto other = population_shape(spec, plan.sessions.at(w.session).info, w.target);
            f(i, w, estimator.item(w, it->second, &other));
        } else {
            f(i, w, estimator.item(w, it->second));
        }
    }
}

} // namespace

std::vector<std::string> check_item_sizes(const JobSpec& spec, const Plan& plan) {
    const auto limit_mb = max_item_mb(spec);
    const double limit = static_cast<double>(limit_mb) * mib;
    std::map<std::string, Worst> worst; // by analysis, in name order
    each_estimate(spec, plan, [&](std::size_t, const WorkItem& w, Estimate e) {
        auto& x = worst[to_string(w.kind)];
        ++x.total;
        if (e.bytes > limit) ++x.over;
        if (e.bytes > x.bytes) {
            x.bytes = e.bytes;
            x.item = w.session_key + "/" + w.region + (w.target.empty() ? "" : "/" + w.target);
            x.estimate = std::move(e);
        }
    });
    std::vector<std::string> problems;
    const kernels::BinWindow window{spec.align.start, spec.align.stop, spec.align.bin_width};
    for (const auto& [analysis, x] : worst) {
        if (x.over == 0) continue;
        std::string parts;
        for (const auto& p : x.estimate.parts)
            parts += (parts.empty() ? "" : "; ") + p;
        problems.push_back(
            "run.max_item_mb = " + std::to_string(limit_mb) +
            (spec.run.max_item_mb == 0 ? " (the default: min(4096, physical memory / 4))" : "") +
            ": a " + analysis + " item (" + x.item + ") needs " + mb_text(x.bytes) + " (" +
            std::to_string(window.bins()) +
            " bins per trial from align.start, align.stop and "
            "align.bin_width; " +
            parts + "); " + std::to_string(x.over) + " of " + std::to_string(x.total) + " " +
            analysis + " items exceed the limit; raise run.max_item_mb or make the items smaller");
    }
    return problems;
}

std::vector<double> item_bytes(const JobSpec& spec, const Plan& plan) {
    std::vector<double> bytes(plan.items.size(), 0.0);
    each_estimate(spec, plan,
                  [&](std::size_t i, const WorkItem&, const Estimate& e) { bytes[i] = e.bytes; });
    return bytes;
}

} // namespace neuropop::jobs
