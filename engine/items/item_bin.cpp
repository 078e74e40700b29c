// Stage 1: one session-region's spikes, aligned and counted (docs/ANALYSES.md §1).

#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "io/errors.hpp"
#include "io/nwb_reader.hpp"
#include "jobs/columns.hpp"
#include "jobs/text_values.hpp"
#include "jobs/trial_selection.hpp"
#include "kernels/binning.hpp"

namespace neuropop::engine::detail {

namespace {

// A trial's condition: the job's condition columns joined by '|' ("car|upper"); numbers in
// their shortest exact form. Without condition columns every trial is "all".
std::vector<std::string> condition_labels(const io::TrialsTable& trials,
                                          const std::vector<std::string>& columns,
                                          const std::string& file) {
    std::vector<std::string> labels(trials.rows());
    if (columns.empty()) {
        std::fill(labels.begin(), labels.end(), "all");
        return labels;
    }
    for (std::size_t k = 0; k < columns.size(); ++k) {
        const io::Column* c = trials.find(columns[k]);
        if (c == nullptr || c->size() != trials.rows())
            throw io::InputError(file, "/intervals/trials/" + columns[k],
                                 "condition column missing or not one value per trial");
        for (std::size_t t = 0; t < trials.rows(); ++t) {
            if (k > 0) labels[t] += '|';
            labels[t] += c->is_string ? c->strings[t] : jobs::text::format_double(c->numbers[t]);
        }
    }
    return labels;
}

} // namespace

Work prepare_bin(const ItemEnv& env, const jobs::WorkItem& item) {
    const auto& spec = env.spec;
    const auto& session = env.plan.sessions.at(item.session);
    // The inventory checked the metadata; read_spikes validates the spikes it reads and sorts
    // units stored out of order (the inventory counted and reported them) unless data.strict.
    io::ReadOptions options;
    options.scan_spikes = false;
    options.sort_unsorted_spikes = !spec.data.strict;
    io::NwbReader reader(session.file, options);
    const auto& info = reader.info();
    if (!info.trials) throw io::InputError(session.file, "/intervals/trials", "absent");
    const auto& trials = *info.trials;
    const io::Column* event = trials.find(spec.align.event);
    if (event == nullptr || event->is_string || event->size() != trials.rows())
        throw io::InputError(session.file, "/intervals/trials/" + spec.align.event,
                             "align.event must be a numeric column with one time per trial");
    // trials.where before binning: a row that fails it gets no alignment time, so bin_spikes
    // drops it like a non-finite one, and it is counted apart from those.
    jobs::FilterOutcome filtered;
    try {
        filtered = jobs::evaluate_filter(jobs::job_filter(spec), trials);
    } catch (const std::invalid_argument& e) {
        throw io::InputError(session.file, "/intervals/trials", e.what());
    }
    std::vector<double> align = event->numbers;
    for (std::size_t r = 0; r < align.size(); ++r)
        if (filtered.keep[r] == 0) align[r] = std::numeric_limits<double>::quiet_NaN();
    auto labels = condition_labels(trials, spec.conditions.columns, session.file);
    std::vector<io::Column> extra;
    for (const auto& name : jobs::extra_trial_columns(spec)) {
        const io::Column* c = trials.find(name);
        if (c == nullptr || c->size() != trials.rows())
            throw io::InputError(session.file, "/intervals/trials/" + name,
                                 "column named by the job missing or not one value per trial");
        extra.push_back(*c);
    }
    const auto rows = info.units_in(item.region);
    if (rows.empty())
        throw io::InputError(session.file, "/units", "no unit in region '" + item.region + "'");
    std::vector<std::int64_t> unit_ids;
    for (auto r : rows)
        unit_ids.push_back(info.unit_ids.at(r));
    kernels::SpikeTrains spikes = reader.read_spikes(rows);
    io::Attributes attributes = population_attributes(env, item);
    attributes.push_back({"event", spec.align.event});
    attributes.push_back({"window_start", spec.align.start});
    attributes.push_back({"window_stop", spec.align.stop});
    attributes.push_back({"bin_width", spec.align.bin_width});
    attributes.push_back({"condition_columns", spec.conditions.columns});
    attributes.push_back({"trials_in_table", static_cast<std::int64_t>(trials.rows())});
    attributes.push_back({"trials_where", spec.trials.where});
    attributes.push_back({"filtered_out", static_cast<std::int64_t>(filtered.filtered_out)});
    attributes.push_back({"filtered_out_nan", static_cast<std::int64_t>(filtered.nan)});
    attributes.push_back(
        {"counting", std::string("spikes s with e_k <= s < e_(k+1), e_k = (event + "
                                 "window_start) + k * bin_width (half-open bins)")});

    return [spec, group = binned_group(session.key, item.region), attributes,
            spikes = std::move(spikes), align = std::move(align),
            filtered_out = filtered.filtered_out, trial_ids = trials.ids,
            labels = std::move(labels), unit_ids = std::move(unit_ids),
            extra = std::move(extra)]() {
        const kernels::BinWindow window{spec.align.start, spec.align.stop, spec.align.bin_width};
        kernels::CountTensor counts = kernels::bin_spikes(spikes, align, window);
        const auto T = counts.n_trials, U = counts.n_units, B = counts.n_bins;

        io::ResultBlock block;
        block.group("/binned",
                    {{"description", std::string("spike counts per session and region, aligned "
                                                 "to the job's event (the binned cache)")}});
        auto attrs = attributes;
        // Rows trials.where removed were given NaN times above: they are not non-finite drops.
        attrs.push_back({"dropped_nonfinite",
                         static_cast<std::int64_t>(counts.dropped_nonfinite - filtered_out)});
        attrs.push_back({"n_bins", static_cast<std::int64_t>(B)});
        attrs.push_back(
            {"description", std::string("trial-aligned spike counts of one session-region")});
        block.group(group, std::move(attrs));

        std::vector<std::int64_t> kept, kept_ids;
        std::vector<std::string> kept_labels;
        std::vector<double> event_times;
        for (auto row : counts.trials) {
            kept.push_back(static_cast<std::int64_t>(row));
            kept_ids.push_back(trial_ids.at(row));
            kept_labels.push_back(labels.at(row));
            event_times.push_back(align[row]);
        }
        std::vector<double> edges, centers;
        for (std::size_t k = 0; k <= B; ++k)
            edges.push_back(kernels::bin_edge(0.0, window, k));
        for (std::size_t k = 0; k < B; ++k)
            centers.push_back(0.5 * (edges[k] + edges[k + 1]));

        const io::ResultBlock::Axis trial{"trial", "trial_index"};
        const auto j = [&](const char* name) { return io::join_path(group, name); };
        block.add_u32(j("counts"), {T, U, B}, std::move(counts.values), "spikes",
                      "spike count of each kept trial, unit and time bin",
                      {trial, {"unit", "unit_ids"}, {"bin", "bin_centers"}});
        block.add_i64(j("trial_index"), {T}, std::move(kept), "1",
                      "row of each kept trial in /intervals/trials (trials that fail trials.where "
                      "or whose alignment time is NaN or infinite are dropped)",
                      {trial});
        block.add_i64(j("trial_ids"), {T}, std::move(kept_ids), "1",
                      "/intervals/trials/id of each kept trial", {trial});
        block.add_strings(j("conditions"), std::move(kept_labels),
                          "condition label of each kept trial: the conditions.columns values "
                          "joined by '|'",
                          {trial});
        block.add_f64(j("event_times"), {T}, std::move(event_times), "s",
                      "alignment time of each kept trial (session clock)", {trial});
        block.add_i64(j("unit_ids"), {U}, unit_ids, "1", "/units/id of each unit of the region",
                      {{"unit", "unit_ids"}});
        block.add_f64(j("bin_edges"), {B + 1}, std::move(edges), "s",
                      "bin edges relative to the alignment event", {{"bin_edge", "bin_edges"}});
        block.add_f64(j("bin_centers"), {B}, std::move(centers), "s",
                      "bin centres relative to the alignment event", {{"bin", "bin_centers"}});
        if (!extra.empty())
            block.group(j("trials"), {{"description", std::string("trials columns the job reads "
                                                                  "(decoding targets, geometry "
                                                                  "conditions and models), kept "
                                                                  "trials only")}});
        // In the trials/ subgroup a scale name would resolve there, not to trial_index: these
        // columns carry the trial label without a scale.
        for (const auto& c : extra) {
            const std::string path =
                io::join_path(io::join_path(group, "trials"), io::path_safe(c.name));
            const std::string what = "/intervals/trials/" + c.name + " of each kept trial";
            if (c.is_string) {
                std::vector<std::string> v;
                for (auto row : counts.trials)
                    v.push_back(c.strings.at(row));
                block.add_strings(path, std::move(v), what, {{"trial", ""}});
            } else {
                std::vector<double> v;
                for (auto row : counts.trials)
                    v.push_back(c.numbers.at(row));
                block.add_f64(path, {T}, std::move(v), "", what, {{"trial", ""}});
            }
        }
        return block;
    };
}

} // namespace neuropop::engine::detail
