// neuropop inspect PATH...: what a session holds before anyone plans analyses on it — subject,
// units per region, trials and their columns, spike counts and time span. Every file is fully
// validated (NwbReader's default spike scan), so inspect is also the way to check a dataset.
// A bad file gives one line on stderr and exit 2, after the good files are reported.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/cli_options.hpp"
#include "cli/commands.hpp"
#include "io/errors.hpp"
#include "io/nwb_reader.hpp"

namespace neuropop::cli {

namespace {

namespace po = boost::program_options;

struct Duration {
    double seconds = 0.0;
    std::string source; // "first to last spike", "trials' span", or "" when neither exists
};

struct Span {
    double from = 0.0, to = 0.0;
};

std::string fmt(double v, const char* format = "%.10g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// First finite start_time to the last finite time among stop_time and start_time (stop_time is
// NaN in some real files).
std::optional<Span> trials_span(const io::TrialsTable& t) {
    std::optional<Span> s;
    auto extend = [&](double v) {
        if (!std::isfinite(v)) return;
        if (!s)
            s = Span{v, v};
        else
            s = Span{std::min(s->from, v), std::max(s->to, v)};
    };
    for (double v : t.start_time)
        extend(v);
    for (double v : t.stop_time)
        extend(v);
    return s;
}

Duration duration_of(const io::SessionInfo& info) {
    if (info.n_spikes > 0) return {info.last_spike - info.first_spike, "first to last spike"};
    if (info.trials)
        if (auto s = trials_span(*info.trials)) return {s->to - s->from, "trials' span"};
    return {};
}

std::map<std::string, std::size_t> units_per_region(const io::SessionInfo& info) {
    std::map<std::string, std::size_t> m;
    for (const auto& r : info.unit_regions)
        ++m[r];
    return m;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

void print_human(std::ostream& os, const io::SessionInfo& info) {
    const std::size_t w = 20;
    os << info.file << "\n";
    os << "  " << pad("identifier", w) << info.identifier << "\n";
    os << "  " << pad("subject", w) << info.subject_id << "\n";
    os << "  " << pad("nwb_version", w) << info.nwb_version << "\n";
    os << "  " << pad("session_start_time", w) << info.session_start_time << "\n";
    auto regions = units_per_region(info);
    os << "  " << pad("units", w) << info.unit_ids.size() << " in " << regions.size()
       << (regions.size() == 1 ? " region" : " regions") << " (region from " << info.region_source
       << ")\n";
    for (const auto& [region, n] : regions) {
        std::string count = std::to_string(n);
        os << "    " << std::string(count.size() < 6 ? 6 - count.size() : 0, ' ') << count << "  "
           << region << "\n";
    }
    os << "  " << pad("spikes", w) << info.n_spikes;
    if (!info.unsorted_units.empty())
        os << " (" << info.unsorted_units.size()
           << (info.unsorted_units.size() == 1 ? " unit stores" : " units store")
           << " its times unsorted; sorted on read)";
    os << "\n";
    Duration d = duration_of(info);
    os << "  " << pad("duration", w);
    if (d.source.empty())
        os << "n/a (no spikes, no trials)\n";
    else if (info.n_spikes > 0)
        os << fmt(d.seconds, "%.3f") << " s, " << d.source << " (" << fmt(info.first_spike)
           << " to " << fmt(info.last_spike) << " s)\n";
    else
        os << fmt(d.seconds, "%.3f") << " s, " << d.source << "\n";
    if (!info.trials) {
        os << "  " << pad("trials", w) << "none (no /intervals/trials)\n";
        return;
    }
    const io::TrialsTable& t = *info.trials;
    os << "  " << pad("trials", w) << t.rows();
    if (auto s = trials_span(t)) os << ", " << fmt(s->from) << " to " << fmt(s->to) << " s";
    os << "\n";
    std::size_t name_w = 8, type_w = 8;
    for (const auto& c : t.columns) {
        name_w = std::max(name_w, c.name.size() + 2);
        type_w = std::max(type_w, c.dtype.size() + 2);
    }
    os << "    " << pad("column", name_w) << pad("dtype", type_w) << "distinct\n";
    for (const auto& c : t.columns)
        os << "    " << pad(c.name, name_w) << pad(c.dtype, type_w) << c.distinct() << "\n";
    for (const auto& s : t.skipped)
        os << "    skipped " << s << "\n";
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c < 0x20)
                out += fmt(c, "\\u%04x");
            else
                out += static_cast<char>(c); // UTF-8 passes through unchanged
        }
    }
    return out + "\"";
}

// JSON has no NaN or infinity.
std::string json_number(double v) {
    return std::isfinite(v) ? fmt(v, "%.17g") : "null";
}

std::string json_session(const io::SessionInfo& info) {
    std::ostringstream os;
    os << "{\"file\": " << json_string(info.file)
       << ", \"identifier\": " << json_string(info.identifier)
       << ", \"subject\": " << json_string(info.subject_id)
       << ", \"nwb_version\": " << json_string(info.nwb_version)
       << ", \"session_start_time\": " << json_string(info.session_start_time)
       << ", \"units\": " << info.unit_ids.size() << ", \"units_per_region\": {";
    bool first = true;
    for (const auto& [region, n] : units_per_region(info)) {
        os << (first ? "" : ", ") << json_string(region) << ": " << n;
        first = false;
    }
    os << "}, \"region_source\": " << json_string(info.region_source)
       << ", \"spikes\": " << info.n_spikes << ", \"unsorted_units\": [";
    for (std::size_t i = 0; i < info.unsorted_units.size(); ++i)
        os << (i ? ", " : "") << info.unsorted_units[i];
    os << "], \"spike_inversions\": " << info.spike_inversions;
    if (info.n_spikes > 0)
        os << ", \"first_spike\": " << json_number(info.first_spike)
           << ", \"last_spike\": " << json_number(info.last_spike);
    else
        os << ", \"first_spike\": null, \"last_spike\": null";
    Duration d = duration_of(info);
    if (d.source.empty())
        os << ", \"duration_s\": null, \"duration_source\": null";
    else
        os << ", \"duration_s\": " << json_number(d.seconds)
           << ", \"duration_source\": " << json_string(d.source);
    if (!info.trials) {
        os << ", \"trials\": null}";
        return os.str();
    }
    const io::TrialsTable& t = *info.trials;
    os << ", \"trials\": {\"rows\": " << t.rows();
    if (auto s = trials_span(t))
        os << ", \"from\": " << json_number(s->from) << ", \"to\": " << json_number(s->to);
    os << ", \"columns\": [";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        os << (i ? ", " : "") << "{\"name\": " << json_string(c.name)
           << ", \"dtype\": " << json_string(c.dtype) << ", \"distinct\": " << c.distinct() << "}";
    }
    os << "], \"skipped\": [";
    for (std::size_t i = 0; i < t.skipped.size(); ++i)
        os << (i ? ", " : "") << json_string(t.skipped[i]);
    os << "]}}";
    return os.str();
}

const char* const about =
    "usage: neuropop inspect [--json] [--strict] PATH...\n\n"
    "Reads and validates NWB 2.x sessions and summarises each: identifier, subject, nwb_version,\n"
    "units per brain region, spikes, duration (first to last spike, or the trials' span when\n"
    "there are no spikes), trials and every trial column with its dtype and number of distinct\n"
    "values. PATH is an NWB file, a folder (all *.nwb inside) or a glob (quote it to let\n"
    "neuropop expand it).\n\n"
    "A file that breaks a rule is named on stderr as <file>: <hdf5 path>: <rule>; the other\n"
    "files are still reported and the exit code is 2. Spike times that decrease within a unit\n"
    "(as in files on DANDI) are counted, reported with one warning line per file on stderr and\n"
    "read sorted (sorting loses nothing); --strict refuses such a file instead. --allow-unsorted\n"
    "is accepted and does nothing (it was needed before sorting became the default).\n\n"
    "options";

} // namespace

int inspect(const Args& args) {
    po::options_description visible(about);
    visible.add_options()("help,h", "show this help")(
        "json", "one JSON document on stdout instead of the table")(
        "strict", "refuse files whose stored spike times decrease within a unit")(
        "allow-unsorted", "no effect: such files are sorted on read by default (kept for old "
                          "scripts)");
    const auto parsed = parse_with_positional(args, visible, "path");
    if (!parsed) return exit_ok;
    const po::variables_map& vm = *parsed;
    if (!vm.count("path")) throw po::error("no NWB file, folder or glob given");
    const bool json = vm.count("json") > 0;
    io::ReadOptions read_options;
    read_options.sort_unsorted_spikes = vm.count("strict") == 0;

    std::vector<std::string> files =
        io::expand_session_paths(vm["path"].as<std::vector<std::string>>());
    std::vector<std::string> sessions_json;
    std::vector<io::InputError> errors;
    std::size_t n_units = 0, n_ok = 0;
    std::uint64_t n_spikes = 0;
    for (const auto& file : files) {
        try {
            io::NwbReader reader(file, read_options);
            const io::SessionInfo& info = reader.info();
            if (info.spike_inversions > 0)
                std::cerr << "neuropop inspect: " << file
                          << ": /units/spike_times: " << info.spike_inversions
                          << " inversions within units; sorted on read (--strict refuses)\n";
            ++n_ok;
            n_units += info.unit_ids.size();
            n_spikes += info.n_spikes;
            if (json) {
                sessions_json.push_back(json_session(info));
            } else {
                if (n_ok > 1) std::cout << "\n";
                print_human(std::cout, info);
            }
        } catch (const io::InputError& e) {
            std::cerr << "neuropop inspect: " << e.what() << "\n";
            errors.push_back(e);
        }
    }
    if (json) {
        std::cout << "{\"sessions\": [";
        for (std::size_t i = 0; i < sessions_json.size(); ++i)
            std::cout << (i ? ",\n  " : "\n  ") << sessions_json[i];
        std::cout << "],\n \"errors\": [";
        for (std::size_t i = 0; i < errors.size(); ++i)
            std::cout << (i ? ", " : "") << "{\"file\": " << json_string(errors[i].file())
                      << ", \"path\": " << json_string(errors[i].path())
                      << ", \"rule\": " << json_string(errors[i].rule()) << "}";
        std::cout << "]}\n";
    } else if (files.size() > 1) {
        std::cout << "\n"
                  << n_ok << " of " << files.size() << " sessions read: " << n_units << " units, "
                  << n_spikes << " spikes\n";
    }
    std::cout.flush();
    return errors.empty() ? exit_ok : exit_bad_input;
}

} // namespace neuropop::cli
