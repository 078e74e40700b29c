// `neuropop plan JOB.ini [--ranks N] [--threads T] [--json] [--section.key value ...]`: what the
// job will cost before it is submitted — work items by analysis, core-hours, wall time on N
// ranks, peak memory per rank and the results file's size — without running anything (the
// sessions' metadata are read, as `run` reads them before any work).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "jobs/inventory.hpp"
#include "jobs/item_sizes.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/plan_estimate.hpp"
#include "jobs/planner.hpp"

namespace neuropop::cli {

namespace {

const char* const about =
    "usage: neuropop plan JOB.ini [--ranks N] [--threads T] [--json] [--section.key value ...]\n\n"
    "Plans the job as `neuropop run` would (same checks, same flags) and prints, without running "
    "anything: the work items by analysis, the estimated CPU time (the planner's relative costs "
    "times per-analysis rates measured on the 2-core development VM; see the README, \"Knowing "
    "the cost before submitting\"), the "
    "wall time on N ranks of T threads, the peak memory per rank and the results file's size. "
    "--json prints the same as one JSON object (slurm/submit reads it to propose --time and "
    "--mem).\n";

std::string mb(double bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f MB", std::ceil(bytes / (1024.0 * 1024.0)));
    return buf;
}

std::string hms(double seconds) {
    const auto s = static_cast<long>(std::ceil(seconds));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return buf;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            continue;
        }
        out += c;
    }
    return out + "\"";
}

// Takes `--name V` / `--name=V` out of the flags (they are not job keys).
std::optional<std::string> take(Args& flags, const std::string& name) {
    std::optional<std::string> value;
    for (std::size_t i = 0; i < flags.size();) {
        if (flags[i] == name && i + 1 < flags.size()) {
            value = flags[i + 1];
            flags.erase(flags.begin() + static_cast<std::ptrdiff_t>(i),
                        flags.begin() + static_cast<std::ptrdiff_t>(i + 2));
        } else if (flags[i].rfind(name + "=", 0) == 0) {
            value = flags[i].substr(name.size() + 1);
            flags.erase(flags.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
    return value;
}

int positive(const std::optional<std::string>& text, int fallback, const char* flag,
             std::vector<std::string>& problems) {
    if (!text) return fallback;
    try {
        std::size_t used = 0;
        const int v = std::stoi(*text, &used);
        if (used == text->size() && v > 0) return v;
    } catch (const std::exception&) {
    }
    problems.push_back(std::string(flag) + " '" + *text + "': not a positive whole number");
    return fallback;
}

int report_problems(const std::string& job, const std::vector<std::string>& problems) {
    std::cerr << "neuropop plan: " << job << ": " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems")
              << " (neuropop run would refuse this job):\n";
    for (const auto& p : problems)
        std::cerr << "  " << p << "\n";
    return exit_bad_input;
}

} // namespace

int plan(const Args& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::cout << about;
            return exit_ok;
        }
    if (args.empty() || args.front().rfind("--", 0) == 0) {
        std::cerr << "neuropop plan: the job file comes first (see neuropop plan --help)\n";
        return exit_bad_input;
    }
    Args flags(args.begin() + 1, args.end());
    bool json = false;
    for (auto it = flags.begin(); it != flags.end();)
        if (*it == "--json") {
            json = true;
            it = flags.erase(it);
        } else {
            ++it;
        }
    std::vector<std::string> problems;
    const int ranks = positive(take(flags, "--ranks"), 1, "--ranks", problems);
    const auto threads_flag = take(flags, "--threads");
    auto parsed = jobs::check_job(args.front(), flags);
    problems.insert(problems.end(), parsed.problems.begin(), parsed.problems.end());
    if (!problems.empty()) return report_problems(args.front(), problems);
    const auto& spec = parsed.spec;
    const int threads =
        positive(threads_flag, spec.run.threads > 0 ? static_cast<int>(spec.run.threads) : 1,
                 "--threads", problems);
    auto inventory = jobs::check_inventory(spec);
    if (!inventory.problems.empty()) return report_problems(args.front(), inventory.problems);
    const auto plan = jobs::make_plan(spec, std::move(inventory.sessions));
    problems = plan.problems;
    for (auto& p : jobs::check_item_sizes(spec, plan))
        problems.push_back(std::move(p));
    if (!problems.empty()) return report_problems(args.front(), problems);

    const auto e = jobs::estimate_plan(spec, plan);
    const double wall = e.wall_seconds(ranks, static_cast<unsigned>(threads));
    const double memory = e.rank_bytes(static_cast<unsigned>(threads));
    if (json) {
        std::ostringstream o;
        o << "{\"job\": " << json_string(spec.job_file)
          << ", \"sessions\": " << plan.sessions.size() << ", \"items\": " << e.items
          << ", \"ranks\": " << ranks << ", \"threads\": " << threads
          << ", \"core_hours\": " << e.core_seconds / 3600.0 << ", \"wall_seconds\": " << wall
          << ", \"rank_memory_bytes\": " << static_cast<long long>(memory)
          << ", \"results_bytes\": " << static_cast<long long>(e.results_bytes)
          << ", \"analyses\": [";
        for (std::size_t i = 0; i < e.analyses.size(); ++i) {
            const auto& a = e.analyses[i];
            o << (i ? ", " : "") << "{\"analysis\": " << json_string(a.analysis)
              << ", \"items\": " << a.items << ", \"cost\": " << a.cost
              << ", \"seconds\": " << a.seconds
              << ", \"calibrated\": " << (a.calibrated ? "true" : "false") << "}";
        }
        o << "], \"skipped\": " << plan.skipped.size() << "}\n";
        std::cout << o.str();
        return exit_ok;
    }
    std::cout << "neuropop plan: " << spec.job_file << ": " << plan.sessions.size() << " sessions, "
              << e.items << " work items"
              << (plan.skipped.empty() ? ""
                                       : ", " + std::to_string(plan.skipped.size()) +
                                             " populations or analyses skipped")
              << "\n\n  analysis          items    CPU seconds\n";
    for (const auto& a : e.analyses) {
        char line[128];
        std::snprintf(line, sizeof line, "  %-16s %6zu %14.1f%s\n", a.analysis.c_str(), a.items,
                      a.seconds, a.calibrated ? "" : "  (no measured rate: the median rate)");
        std::cout << line;
    }
    char total[160];
    std::snprintf(total, sizeof total, "  %-16s %6zu %14.1f  = %.3f core-hours\n\n", "total",
                  e.items, e.core_seconds, e.core_seconds / 3600.0);
    std::cout << total << "  on " << ranks << (ranks == 1 ? " rank" : " ranks") << " x " << threads
              << (threads == 1 ? " thread" : " threads") << ": wall time about " << hms(wall)
              << ", peak memory per rank about " << mb(memory) << ", results file about "
              << mb(e.results_bytes) << "\n"
              << "  (CPU seconds from per-analysis rates measured on the 2-core development VM; "
                 "jobs/plan_estimate.cpp)\n";
    return exit_ok;
}

} // namespace neuropop::cli
