#include "io/nwb_writer.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "kernels/hash.hpp"
#include "kernels/rng.hpp"

namespace neuropop::io {

namespace {

namespace fs = std::filesystem;

constexpr const char* core = "core";
constexpr const char* common = "hdmf-common";
constexpr const char* nwb_version = "2.6.0";
constexpr std::uint64_t object_id_stream = std::uint64_t{6} << 32;

// Random (version 4) UUIDs from a counter-based stream, so a file's object ids are reproducible.
class ObjectIds {
public:
    ObjectIds(std::uint64_t seed, const std::string& identifier)
        : rng_(seed, kernels::fnv1a64(identifier), object_id_stream) {}
    std::string next() {
        std::uint64_t hi = rng_.next(), lo = rng_.next();
        hi = (hi & ~0xf000ull) | 0x4000ull;       // version 4
        lo = (lo & ~(3ull << 62)) | (2ull << 62); // RFC 4122 variant
        char buf[37];
        std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                      static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                      static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                      static_cast<unsigned long long>(lo & 0xffffffffffffull));
        return buf;
    }

private:
    kernels::CounterRng rng_;
};

void typed(const h5::Object& o, const char* type, const char* ns, ObjectIds& ids) {
    o.write_attribute("namespace", ns);
    o.write_attribute("neurodata_type", type);
    o.write_attribute("object_id", ids.next());
}

std::size_t value_count(const ColumnValues& v) {
    return std::visit([](const auto& x) { return x.size(); }, v);
}

h5::Dataset write_values(const h5::Group& g, const std::string& name, const ColumnValues& v,
                         const std::vector<std::size_t>& shape = {}, bool scalar = false) {
    return std::visit(
        [&](const auto& x) -> h5::Dataset {
            using T = typename std::decay_t<decltype(x)>::value_type;
            if constexpr (std::is_same_v<T, std::string>) {
                return g.write_strings(name, x, scalar);
            } else {
                std::vector<hsize_t> dims;
                if (!shape.empty())
                    for (std::size_t s : shape)
                        dims.push_back(s);
                else if (!(scalar && x.size() == 1))
                    dims.push_back(x.size());
                h5::Dataset d = g.create_dataset(name, h5::native_type<T>(), dims);
                if (!x.empty()) d.write(std::span<const T>(x));
                return d;
            }
        },
        v);
}

h5::Dataset vector_data(const h5::Group& g, const std::string& name, const std::string& description,
                        const ColumnValues& v, ObjectIds& ids) {
    h5::Dataset d = write_values(g, name, v);
    d.write_attribute("description", description);
    typed(d, "VectorData", common, ids);
    return d;
}

h5::Dataset element_ids(const h5::Group& g, const std::vector<std::int64_t>& ids_values,
                        ObjectIds& ids) {
    h5::Dataset d = g.write_dataset("id", ids_values);
    typed(d, "ElementIdentifiers", common, ids);
    return d;
}

// VectorIndex in the smallest unsigned type that holds its largest entry, as pynwb chooses.
h5::Dataset vector_index(const h5::Group& g, const std::string& target,
                         const std::vector<std::uint64_t>& ends, ObjectIds& ids) {
    std::uint64_t top = ends.empty() ? 0 : ends.back();
    auto narrow = [&](auto tag) {
        using T = decltype(tag);
        std::vector<T> v(ends.begin(), ends.end());
        return g.write_dataset(target + "_index", v);
    };
    h5::Dataset d = top <= 0xffu         ? narrow(std::uint8_t{})
                    : top <= 0xffffu     ? narrow(std::uint16_t{})
                    : top <= 0xffffffffu ? narrow(std::uint32_t{})
                                         : narrow(std::uint64_t{});
    d.write_attribute("description", "Index for VectorData '" + target + "'");
    typed(d, "VectorIndex", common, ids);
    d.write_reference_attribute("target", g.child_path(target));
    return d;
}

void table_attributes(const h5::Group& g, const char* type, const char* ns,
                      const std::string& description, const std::vector<std::string>& colnames,
                      ObjectIds& ids) {
    g.write_attribute("colnames", colnames);
    g.write_attribute("description", description);
    typed(g, type, ns, ids);
}

// HDF5 link names cannot hold '/', and '.' alone is special: keep [A-Za-z0-9_.-], map the rest
// to '_', and make names unique.
std::vector<std::string> group_names(const std::vector<std::string>& regions) {
    std::vector<std::string> out;
    std::set<std::string> used;
    for (const auto& r : regions) {
        std::string n;
        for (char c : r) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
            n += ok ? c : '_';
        }
        if (n.empty() || n == "." || n == "..") n = "region";
        std::string base = n;
        for (int k = 2; used.count(n); ++k)
            n = base + "_" + std::to_string(k);
        used.insert(n);
        out.push_back(n);
    }
    return out;
}

std::string iso_utc(std::chrono::system_clock::time_point t, bool micros) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{floor<microseconds>(t - day)};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
    std::string s = buf;
    if (micros) {
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(hms.subseconds().count()));
        s += buf;
    }
    return s + "+00:00";
}

void require_rows(bool ok, const std::string& file, const std::string& path,
                  const std::string& rule) {
    if (!ok) throw InputError(file, path, rule);
}

void check_content(const std::string& file, const NwbSession& s,
                   const kernels::SpikeTrains& spikes) {
    const std::size_t n = s.unit_ids.size();
    require_rows(s.unit_regions.size() == n, file, "/units",
                 "unit_regions must have one entry per unit id");
    require_rows(spikes.offsets.size() == n + 1 && spikes.offsets.front() == 0 &&
                     spikes.offsets.back() == spikes.times.size(),
                 file, "/units/spike_times", "spike trains must have one range per unit id");
    const std::size_t t = s.trial_start.size();
    require_rows(s.trial_stop.size() == t, file, "/intervals/trials",
                 "start_time and stop_time must have equal lengths");
    for (const auto& c : s.trial_columns)
        require_rows(value_count(c.values) == t, file, "/intervals/trials/" + c.name,
                     "column must have one value per trial");
}

void write_trials(const h5::Group& intervals, const NwbSession& s, ObjectIds& ids) {
    if (s.trial_start.empty() && s.trial_columns.empty()) return;
    h5::Group trials = intervals.create_group("trials");
    std::vector<std::string> colnames{"start_time", "stop_time"};
    for (const auto& c : s.trial_columns)
        colnames.push_back(c.name);
    table_attributes(trials, "TimeIntervals", core, "experimental trials", colnames, ids);
    std::vector<std::int64_t> rows(s.trial_start.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i] = static_cast<std::int64_t>(i);
    element_ids(trials, rows, ids);
    vector_data(trials, "start_time", "Start time of epoch, in seconds", s.trial_start, ids);
    vector_data(trials, "stop_time", "Stop time of epoch, in seconds", s.trial_stop, ids);
    for (const auto& c : s.trial_columns)
        vector_data(trials, c.name, c.description, c.values, ids);
}

void write_ephys(const h5::File& f, const NwbSession& s, const kernels::SpikeTrains& spikes,
                 ObjectIds& ids) {
    const std::size_t n = s.unit_ids.size();
    h5::Group general = f.open_group("general");
    h5::Group devices = general.open_group("devices");
    h5::Group device = devices.create_group(s.device_name);
    device.write_attribute("description", s.device_description);
    typed(device, "Device", core, ids);

    // One ElectrodeGroup per distinct region, in order of first appearance.
    std::vector<std::string> regions;
    std::map<std::string, std::size_t> region_index;
    for (const auto& r : s.unit_regions)
        if (region_index.emplace(r, regions.size()).second) regions.push_back(r);
    std::vector<std::string> names = group_names(regions);
    h5::Group ephys = general.create_group("extracellular_ephys");
    for (std::size_t k = 0; k < regions.size(); ++k) {
        h5::Group g = ephys.create_group(names[k]);
        g.write_attribute("description", "electrodes in " + regions[k]);
        g.write_attribute("location", regions[k]);
        typed(g, "ElectrodeGroup", core, ids);
        g.link_soft(device.path(), "device");
    }

    // One electrode per unit: electrode row i belongs to unit row i.
    std::vector<std::int64_t> rows(n);
    std::vector<std::string> group_paths(n), group_name(n);
    for (std::size_t i = 0; i < n; ++i) {
        rows[i] = static_cast<std::int64_t>(i);
        const std::string& g = names[region_index.at(s.unit_regions[i])];
        group_name[i] = g;
        group_paths[i] = ephys.child_path(g);
    }
    h5::Group electrodes = ephys.create_group("electrodes");
    table_attributes(electrodes, "DynamicTable", common, "metadata about extracellular electrodes",
                     {"location", "group", "group_name"}, ids);
    element_ids(electrodes, rows, ids);
    vector_data(electrodes, "location",
                "the location of channel within the subject e.g. brain region", s.unit_regions,
                ids);
    h5::Dataset group = electrodes.write_references("group", group_paths);
    group.write_attribute("description",
                          "a reference to the ElectrodeGroup this electrode is a part of");
    typed(group, "VectorData", common, ids);
    vector_data(electrodes, "group_name",
                "the name of the ElectrodeGroup this electrode is a part of", group_name, ids);

    h5::Group units = f.open_group("units");
    table_attributes(units, "Units", core, s.units_description,
                     {"spike_times", "electrodes", "electrode_group"}, ids);
    element_ids(units, s.unit_ids, ids);
    vector_data(units, "spike_times", "the spike times for each unit", spikes.times, ids);
    vector_index(units, "spike_times",
                 std::vector<std::uint64_t>(spikes.offsets.begin() + 1, spikes.offsets.end()), ids);
    h5::Dataset region = units.write_dataset("electrodes", rows);
    region.write_attribute("description", "the electrodes that each spike unit came from");
    typed(region, "DynamicTableRegion", common, ids);
    region.write_reference_attribute("table", electrodes.path());
    std::vector<std::uint64_t> one_each(n);
    for (std::size_t i = 0; i < n; ++i)
        one_each[i] = i + 1;
    vector_index(units, "electrodes", one_each, ids);
    h5::Dataset eg = units.write_references("electrode_group", group_paths);
    eg.write_attribute("description", "the electrode group that each spike unit came from");
    typed(eg, "VectorData", common, ids);
}

h5::Group ensure_groups(const h5::Group& root, const std::string& relative) {
    h5::Group g = root.open_group(root.path());
    std::size_t pos = 0;
    while (pos < relative.size()) {
        std::size_t next = relative.find('/', pos);
        std::string part = relative.substr(pos, next == std::string::npos ? next : next - pos);
        if (!part.empty()) g = g.exists(part) ? g.open_group(part) : g.create_group(part);
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return g;
}

void write_scratch(const h5::Group& scratch, const NwbSession& s, ObjectIds& ids) {
    for (const auto& sg : s.scratch_groups) {
        h5::Group g = ensure_groups(scratch, sg.path);
        g.write_attribute("description", sg.description);
        for (const auto& [k, v] : sg.attributes)
            g.write_attribute(k, v);
    }
    for (const auto& a : s.scratch) {
        std::size_t slash = a.path.rfind('/');
        h5::Group parent = slash == std::string::npos
                               ? scratch.open_group(scratch.path())
                               : ensure_groups(scratch, a.path.substr(0, slash));
        std::string name = slash == std::string::npos ? a.path : a.path.substr(slash + 1);
        h5::Dataset d = write_values(parent, name, a.values, a.shape, a.scalar);
        d.write_attribute("description", a.description);
        d.write_attribute("notes", a.description);
        typed(d, "ScratchData", core, ids);
    }
}

} // namespace

void write_nwb(const std::string& filename, const NwbSession& s, const kernels::SpikeTrains& spikes,
               bool overwrite) {
    check_content(filename, s, spikes);
    std::error_code ec;
    if (!overwrite && fs::exists(filename, ec))
        throw InputError(filename, "/", "output file exists (overwrite not requested)");
    const std::string partial = filename + ".partial";
    {
        h5::File f = h5::File::create(partial, /*truncate=*/true);
        ObjectIds ids(s.object_id_seed, s.identifier);
        f.write_attribute("namespace", core);
        f.write_attribute("neurodata_type", "NWBFile");
        f.write_attribute("nwb_version", nwb_version);
        f.write_attribute("object_id", ids.next());

        f.write_ascii_strings("file_create_date",
                              {iso_utc(std::chrono::system_clock::now(), true)});
        f.write_strings("identifier", {s.identifier}, true);
        f.write_strings("session_description", {s.session_description}, true);
        f.write_ascii_strings("session_start_time", {s.session_start_time}, true);
        f.write_ascii_strings("timestamps_reference_time", {s.session_start_time}, true);
        for (const char* g : {"acquisition", "analysis", "processing", "stimulus", "general",
                              "intervals", "units", "scratch"})
            f.create_group(g);
        h5::Group stimulus = f.open_group("stimulus");
        stimulus.create_group("presentation");
        stimulus.create_group("templates");

        h5::Group general = f.open_group("general");
        general.create_group("devices");
        if (!s.experiment_description.empty())
            general.write_strings("experiment_description", {s.experiment_description}, true);
        if (!s.session_id.empty()) general.write_strings("session_id", {s.session_id}, true);
        h5::Group subject = general.create_group("subject");
        typed(subject, "Subject", core, ids);
        if (!s.subject_description.empty())
            subject.write_strings("description", {s.subject_description}, true);
        if (!s.species.empty()) subject.write_strings("species", {s.species}, true);
        subject.write_strings("subject_id", {s.subject_id}, true);

        write_ephys(f, s, spikes, ids);
        write_trials(f.open_group("intervals"), s, ids);
        write_scratch(f.open_group("scratch"), s, ids);
        f.flush();
    }
    fs::rename(partial, filename, ec);
    if (ec) throw InputError(filename, "/", "cannot rename " + partial + ": " + ec.message());
}

// ---- synthetic sessions ----------------------------------------------------------------------

namespace {

std::string session_start(std::size_t session) {
    // Sessions one day apart from 2024-01-01, so each has a distinct, valid start time.
    using namespace std::chrono;
    sys_days day = sys_days{year{2024} / January / 1} + days{static_cast<int>(session % 36500)};
    return iso_utc(time_point_cast<system_clock::duration>(day), false);
}

template <typename T>
ScratchArray scalar(std::string path, T value, std::string description) {
    ScratchArray a;
    a.path = std::move(path);
    a.description = std::move(description);
    a.scalar = true;
    if constexpr (std::is_same_v<T, std::string>)
        a.values = std::vector<std::string>{value};
    else if constexpr (std::is_floating_point_v<T>)
        a.values = std::vector<double>{static_cast<double>(value)};
    else
        a.values = std::vector<std::int64_t>{static_cast<std::int64_t>(value)};
    return a;
}

std::vector<std::string> labels(const std::vector<std::uint32_t>& idx, const std::string& prefix) {
    std::vector<std::string> out;
    out.reserve(idx.size());
    for (auto v : idx)
        out.push_back(prefix + std::to_string(v));
    return out;
}

void add_parameters(NwbSession& s, const kernels::SessionModel& m) {
    const auto& c = m.config();
    const std::string p = "ground_truth/parameters/";
    s.scratch_groups.push_back(
        {"ground_truth/parameters", "parameters of the model (neuropop generate flags)", {}});
    auto& v = s.scratch;
    v.push_back(
        {p + "seed", "seed of every random draw", {}, true, std::vector<std::uint64_t>{c.seed}});
    v.push_back(scalar(p + "session_index", m.session(), "0-based index of this session"));
    v.push_back(scalar(p + "subject_index", m.subject(),
                       "0-based subject of this session (session index mod subjects)"));
    v.push_back(scalar(p + "sessions", c.sessions, "sessions generated with these parameters"));
    v.push_back(scalar(p + "subjects", c.subjects, "subjects the sessions were spread over"));
    v.push_back(scalar(p + "units_per_region", c.units_per_region, "units per region"));
    v.push_back(scalar(p + "trials", c.trials, "trials per session"));
    v.push_back(scalar(p + "conditions", c.conditions,
                       "values of the encoded variable (trials column stimulus)"));
    v.push_back(scalar(p + "control_levels", c.control_levels,
                       "values of the control variable (trials column control), encoded nowhere"));
    v.push_back(scalar(p + "temporal_basis", c.temporal_basis,
                       "raised-cosine functions tiling the response window"));
    v.push_back(scalar(p + "bin", c.bin, "model bin (s); the rate is constant within a bin"));
    v.push_back(scalar(p + "trial_duration", static_cast<double>(c.trial_bins()) * c.bin,
                       "start_time to stop_time (s)"));
    v.push_back(scalar(p + "pre_stimulus", static_cast<double>(c.pre_bins()) * c.bin,
                       "start_time to stim_on_time (s); the rate is the baseline before onset"));
    v.push_back(scalar(p + "inter_trial", c.inter_trial,
                       "gap between trials, before the first and after the last (s)"));
    v.push_back(scalar(p + "baseline_median", c.baseline_median,
                       "median baseline rate before rate_scale (Hz)"));
    v.push_back(scalar(p + "baseline_log_sd", c.baseline_log_sd, "sd of ln(baseline rate)"));
    v.push_back(scalar(p + "rate_scale", c.rate_scale, "factor applied to every rate"));
    v.push_back(scalar(p + "modulation", c.modulation,
                       "loadings are N(0, modulation^2 / latent_dim), coefficients N(0, 1)"));
    v.push_back(scalar(p + "latent_noise", c.latent_noise,
                       "sd of the per-trial latent noise added to the coefficients"));
}

void add_region_truth(NwbSession& s, const kernels::SessionModel& m,
                      const std::vector<std::string>& group) {
    const auto& c = m.config();
    const std::size_t nb = c.temporal_basis;
    s.scratch_groups.push_back(
        {"ground_truth/regions", "one group per region (names in ground_truth/region_groups)", {}});
    for (std::size_t r = 0; r < m.regions().size(); ++r) {
        const auto& reg = m.regions()[r];
        const std::size_t d = reg.latent_dim;
        const std::string p = "ground_truth/regions/" + group[r] + "/";
        s.scratch_groups.push_back({p.substr(0, p.size() - 1),
                                    "ground truth of region " + reg.name,
                                    {{"region", reg.name}}});
        s.scratch.push_back(scalar(p + "latent_dim", d, "dimensionality d of the latent state"));
        s.scratch.push_back(scalar(p + "encoded_variable",
                                   std::string(reg.encodes ? "stimulus" : "none"),
                                   "trials column whose value changes the latent trajectory"));
        std::vector<std::int64_t> rows(reg.units);
        for (std::size_t u = 0; u < reg.units; ++u)
            rows[u] = static_cast<std::int64_t>(reg.first_unit + u);
        s.scratch.push_back(
            {p + "unit_rows", "rows of /units belonging to this region", {}, false, rows});
        s.scratch.push_back({p + "baseline_rate_hz",
                             "baseline rate of each unit (Hz)",
                             {},
                             false,
                             reg.baseline_hz});
        std::vector<double> load(reg.units * d);
        for (std::size_t u = 0; u < reg.units; ++u)
            for (std::size_t k = 0; k < d; ++k)
                load[u * d + k] =
                    reg.loadings(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(k));
        s.scratch.push_back({p + "loadings",
                             "[unit, latent] loading l_u of each unit",
                             {reg.units, d},
                             false,
                             std::move(load)});
        auto flatten = [&](const std::vector<Eigen::MatrixXd>& mats) {
            std::vector<double> out;
            out.reserve(mats.size() * d * nb);
            for (const auto& x : mats)
                for (std::size_t k = 0; k < d; ++k)
                    for (std::size_t j = 0; j < nb; ++j)
                        out.push_back(
                            x(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)));
            return out;
        };
        s.scratch.push_back({p + "latent_coefficients",
                             "[condition, latent, basis] X_c: latent state of condition c is "
                             "sum_j X_c[:, j] phi_j(t); identical across conditions when the "
                             "region encodes nothing",
                             {c.conditions, d, nb},
                             false,
                             flatten(reg.coefficients)});
        s.scratch.push_back({p + "trial_noise",
                             "[trial, latent, basis] Z_i added to X_c in trial i (rows of "
                             "/intervals/trials)",
                             {m.trials().size(), d, nb},
                             false,
                             flatten(reg.trial_noise)});
    }
}

// The channels of `neuropop generate --channel-rank` (kernels/generator_channels.hpp); nothing
// is written without channels, so files generated without the option are unchanged.
void add_channel_truth(NwbSession& s, const kernels::SessionModel& m) {
    const auto& channels = m.channels();
    if (channels.empty()) return;
    const auto& names = m.config().regions;
    s.scratch_groups.push_back(
        {"ground_truth/channels",
         "communication channels: the target's trial noise Z_t,i gains map[k] Z_s,i (the "
         "source's private trial noise), a rank-channel_rank map with every singular value gain",
         {}});
    std::vector<std::string> source, target, pair;
    std::vector<std::int64_t> rank;
    std::vector<double> gain;
    for (const auto& ch : channels) {
        source.push_back(names.at(ch.source));
        target.push_back(names.at(ch.target));
        pair.push_back(names.at(ch.source) + "__" + names.at(ch.target));
        rank.push_back(static_cast<std::int64_t>(ch.rank));
        gain.push_back(ch.gain);
    }
    s.scratch.push_back(
        {"ground_truth/channels/source", "source region of each channel", {}, false, source});
    s.scratch.push_back(
        {"ground_truth/channels/target", "target region of each channel", {}, false, target});
    s.scratch.push_back({"ground_truth/channels/pair",
                         "<source>__<target> of each channel (the results' interactions names)",
                         {},
                         false,
                         pair});
    s.scratch.push_back({"ground_truth/channels/channel_rank",
                         "true rank of each channel (the communication-subspace dimension)",
                         {},
                         false,
                         rank});
    s.scratch.push_back(
        {"ground_truth/channels/gain", "singular value of each channel's map", {}, false, gain});
    for (std::size_t k = 0; k < channels.size(); ++k) {
        const auto& map = channels[k].map;
        std::vector<double> values;
        for (Eigen::Index r = 0; r < map.rows(); ++r)
            for (Eigen::Index c = 0; c < map.cols(); ++c)
                values.push_back(map(r, c));
        s.scratch.push_back(
            {"ground_truth/channels/map_" + std::to_string(k),
             "[target latent, source latent] map M of channel " + std::to_string(k) + " (" +
                 pair[k] + ")",
             {static_cast<std::size_t>(map.rows()), static_cast<std::size_t>(map.cols())},
             false,
             std::move(values)});
    }
}

} // namespace

std::string generated_file_name(const kernels::GeneratorConfig& config, std::size_t session) {
    return "sub-" + config.subject_id(config.subject_of(session)) + "_ses-" +
           config.session_label(session) + ".nwb";
}

NwbSession describe_generated(const kernels::SessionModel& m) {
    const auto& c = m.config();
    const auto& tr = m.trials();
    NwbSession s;
    const std::string label = c.session_label(m.session());
    s.identifier = "neuropop-synthetic-seed" + std::to_string(c.seed) + "-ses-" + label;
    s.session_description = "synthetic session from neuropop generate (latent-variable Poisson "
                            "model; ground truth in /scratch/ground_truth)";
    s.session_id = label;
    s.session_start_time = session_start(m.session());
    s.experiment_description =
        "synthetic data: regions encode the trials column 'stimulus' through a latent state of "
        "known dimensionality, or encode nothing; 'control' is encoded nowhere";
    s.subject_id = c.subject_id(m.subject());
    s.species = "Mus musculus";
    s.subject_description = "synthetic subject";
    s.device_name = "synthetic_probe";
    s.device_description = "synthetic probe, one electrode per unit";
    s.units_description = "synthetic units; region of each unit through electrodes -> location";
    s.object_id_seed = c.seed;
    for (std::size_t u = 0; u < m.units(); ++u) {
        s.unit_ids.push_back(static_cast<std::int64_t>(u));
        s.unit_regions.push_back(m.regions()[m.region_of(u)].name);
    }
    s.trial_start = tr.start;
    s.trial_stop = tr.stop;
    std::vector<std::int64_t> index(tr.condition.begin(), tr.condition.end());
    s.trial_columns = {
        {"stim_on_time", "stimulus onset (s, session clock) = start_time + pre_stimulus",
         tr.stim_on},
        {"stimulus", "stimulus condition stim_<k>: the variable encoding regions encode",
         labels(tr.condition, "stim_")},
        {"stimulus_id",
         "stimulus condition index k of stim_<k> (not named stimulus_index: hdmf reads "
         "<name>_index as the index of a ragged column)",
         index},
        {"control", "control label ctl_<k>, balanced and encoded in no region",
         labels(tr.control, "ctl_")},
    };

    std::vector<std::string> group = group_names(c.regions);
    s.scratch_groups.push_back(
        {"ground_truth",
         "ground truth of the synthetic model that generated this file (neuropop generate): "
         "rate_u(t) = baseline_u * exp(sum_j a_j phi_j(t)), a_j = loadings[u] . "
         "(latent_coefficients[c] + trial_noise[i])[:, j], phi_j = temporal_basis/values",
         {{"generator", "neuropop generate"}}});
    std::vector<std::int64_t> dims;
    std::vector<std::string> encoded;
    for (const auto& reg : m.regions()) {
        dims.push_back(static_cast<std::int64_t>(reg.latent_dim));
        encoded.push_back(reg.encodes ? "stimulus" : "none");
    }
    s.scratch.push_back({"ground_truth/region_names",
                         "regions, in the order of the other "
                         "per-region datasets",
                         {},
                         false,
                         c.regions});
    s.scratch.push_back({"ground_truth/region_groups",
                         "group under ground_truth/regions holding each region's truth",
                         {},
                         false,
                         group});
    s.scratch.push_back(
        {"ground_truth/latent_dim", "true latent dimensionality d per region", {}, false, dims});
    s.scratch.push_back({"ground_truth/encoded_variable",
                         "trials column each region encodes ('none': nothing decodes)",
                         {},
                         false,
                         encoded});
    s.scratch.push_back({"ground_truth/unencoded_variables",
                         "trials columns encoded in no region",
                         {},
                         false,
                         std::vector<std::string>{"control"}});
    const auto& b = m.basis();
    s.scratch_groups.push_back({"ground_truth/temporal_basis",
                                "raised-cosine functions phi_j tiling the response window "
                                "(stim_on_time to stop_time)",
                                {}});
    s.scratch.push_back({"ground_truth/temporal_basis/values",
                         "[trial bin, function] phi_j at the centre of each model bin from "
                         "start_time; 0 before stim_on_time",
                         {b.trial_bins, b.functions},
                         false,
                         b.values});
    s.scratch.push_back({"ground_truth/temporal_basis/centres",
                         "centre of each raised-cosine function (s after stim_on_time)",
                         {},
                         false,
                         b.centres});
    s.scratch.push_back(scalar("ground_truth/temporal_basis/half_width", b.half_width,
                               "half-width of each raised-cosine function (s)"));
    add_parameters(s, m);
    add_region_truth(s, m, group);
    add_channel_truth(s, m);
    return s;
}

void write_generated_session(const std::string& filename, const kernels::SessionModel& model,
                             const kernels::SpikeTrains& spikes, bool overwrite) {
    write_nwb(filename, describe_generated(model), spikes, overwrite);
}

GeneratedFile generate_session_file(const kernels::GeneratorConfig& config, std::size_t session,
                                    const std::string& dir, bool overwrite,
                                    const kernels::CouplingConfig& coupling) {
    using clock = std::chrono::steady_clock;
    GeneratedFile out;
    out.path = (fs::path(dir) / generated_file_name(config, session)).string();
    out.subject_id = config.subject_id(config.subject_of(session));
    auto t0 = clock::now();
    kernels::SessionModel model(config, session);
    kernels::SpikeTrains spikes = model.simulate();
    std::vector<kernels::CoupledRegionTruth> truths;
    if (coupling.enabled()) truths = kernels::simulate_coupling(model, coupling, spikes);
    auto t1 = clock::now();
    if (coupling.enabled()) {
        NwbSession s = describe_generated(model);
        add_coupling_truth(s, model, coupling, truths);
        write_nwb(out.path, s, spikes, overwrite);
    } else {
        write_generated_session(out.path, model, spikes, overwrite);
    }
    out.write_seconds = std::chrono::duration<double>(clock::now() - t1).count();
    out.model_seconds = std::chrono::duration<double>(t1 - t0).count();
    out.units = model.units();
    out.trials = model.trials().size();
    out.spikes = spikes.times.size();
    return out;
}

} // namespace neuropop::io
