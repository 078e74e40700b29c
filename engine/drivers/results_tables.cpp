#include "engine/drivers/results_tables.hpp"

#include "jobs/text_values.hpp"

namespace neuropop::engine {

io::ResultBlock inventory_block(const jobs::Plan& plan) {
    io::ResultBlock b;
    b.group("/inventory",
            {{"description", std::string("the sessions the job read, and what was left out")},
             {"skipped", plan.skipped}});
    b.group("/inventory/sessions",
            {{"description", std::string("one row per session file, ordered by key")}});
    std::vector<std::string> keys, identifiers, subjects, files, regions;
    std::vector<std::int64_t> units, trials, inversions;
    for (const auto& s : plan.sessions) {
        keys.push_back(s.key);
        identifiers.push_back(s.info.identifier);
        subjects.push_back(s.info.subject_id);
        files.push_back(s.info.file);
        regions.push_back(jobs::text::join(s.regions, ","));
        units.push_back(static_cast<std::int64_t>(s.info.unit_ids.size()));
        trials.push_back(static_cast<std::int64_t>(s.info.trials ? s.info.trials->rows() : 0));
        inversions.push_back(static_cast<std::int64_t>(s.info.spike_inversions));
    }
    const auto n = static_cast<std::uint64_t>(keys.size());
    const io::ResultBlock::Axis session{"session", "key"};
    const std::string g = "/inventory/sessions/";
    b.add_strings(g + "key", std::move(keys),
                  "results-file group name of the session (/binned/<key>, /sessions/<key>)",
                  {session});
    b.add_strings(g + "identifier", std::move(identifiers), "NWB /identifier", {session});
    b.add_strings(g + "subject", std::move(subjects), "NWB /general/subject/subject_id", {session});
    b.add_strings(g + "file", std::move(files), "path of the NWB file", {session});
    b.add_strings(
        g + "regions", std::move(regions),
        "regions analysed (selected, with at least data.min_units units), comma-separated",
        {session});
    b.add_i64(g + "n_units", {n}, std::move(units), "1", "units in the file (all regions)",
              {session});
    b.add_i64(g + "n_trials", {n}, std::move(trials), "1", "rows of /intervals/trials", {session});
    b.add_i64(g + "spike_inversions_sorted", {n}, std::move(inversions), "1",
              "places where a unit's stored spike time is smaller than the one before it; the "
              "units were sorted on read (data.strict = true refuses such a file)",
              {session});
    return b;
}

io::ResultBlock progress_block(const Master& master, const PlanView& plan) {
    std::vector<ProgressRow> rows;
    for (const auto& o : master.outcomes())
        rows.push_back({o.id, plan.items.at(o.id).name(), jobs::to_string(plan.items.at(o.id).kind),
                        !o.ok       ? "failed"
                        : o.resumed ? "resumed"
                                    : "done",
                        o.rank, o.seconds, o.error, static_cast<std::int64_t>(o.bytes_read),
                        static_cast<std::int64_t>(o.bytes_written)});
    return progress_block(rows);
}

io::ResultBlock progress_block(const std::vector<ProgressRow>& rows) {
    io::ResultBlock b;
    b.group("/progress", {{"description", std::string("one row per work item: its outcome, the "
                                                      "rank that ran it and its wall time")}});
    std::vector<std::int64_t> ids, ranks, read, written;
    std::vector<std::string> names, analyses, statuses, errors;
    std::vector<double> seconds;
    for (const auto& r : rows) {
        ids.push_back(static_cast<std::int64_t>(r.id));
        names.push_back(r.name);
        analyses.push_back(r.analysis);
        statuses.push_back(r.status);
        ranks.push_back(r.rank);
        seconds.push_back(r.seconds);
        errors.push_back(r.error);
        read.push_back(r.bytes_read);
        written.push_back(r.bytes_written);
    }
    const auto n = static_cast<std::uint64_t>(ids.size());
    const io::ResultBlock::Axis item{"item", "id"};
    b.add_i64("/progress/id", {n}, std::move(ids), "1", "work item id (position in the plan)",
              {item});
    b.add_strings("/progress/name", std::move(names), "analysis/session/region/block", {item});
    b.add_strings("/progress/analysis", std::move(analyses), "analysis of the item", {item});
    b.add_strings("/progress/status", std::move(statuses),
                  "done, resumed (completed by an interrupted run) or failed", {item});
    b.add_i64("/progress/rank", {n}, std::move(ranks), "1",
              "MPI rank that ran the item (-1: never started)", {item});
    b.add_f64("/progress/seconds", {n}, std::move(seconds), "s",
              "wall time of the item: read, compute, write", {item});
    b.add_strings("/progress/error", std::move(errors),
                  "why the item failed (empty when it did not)", {item});
    b.add_i64("/progress/bytes_read", {n}, std::move(read), "bytes",
              "dataset bytes the item read from storage: spikes and trials for a bin item, other "
              "items' files for the others (0 when its population came from the rank's cache; "
              "0 for a resumed item)",
              {item});
    b.add_i64("/progress/bytes_written", {n}, std::move(written), "bytes",
              "dataset bytes of the item's own file (0 for a resumed item)", {item});
    return b;
}

} // namespace neuropop::engine
