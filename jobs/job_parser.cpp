#include "jobs/job_parser.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "jobs/job_checks.hpp"
#include "jobs/job_keys.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::jobs {

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

// Shortcut flags of `neuropop run` and the key each one sets. A switch sets "true".
struct Shortcut {
    const char* flag;
    const char* key;
    bool is_switch;
    const char* help;
};
constexpr Shortcut shortcuts[] = {
    {"output", "output.path", false, "--output PATH: output.path"},
    {"threads", "run.threads", false, "--threads N: run.threads"},
    {"force", "run.force", true, "--force: run.force = true"},
    {"resume", "run.resume", true, "--resume: run.resume = true"},
    {"quiet", "run.quiet", true, "--quiet: run.quiet = true"},
};

struct Setting {
    std::string value;
    fs::path base; // folder that relative paths in the value are taken from
    bool from_flags = false;
    std::string flag; // the flag as typed, when from_flags
};

po::options_description ini_options() {
    po::options_description desc;
    for (const auto& k : detail::job_keys())
        desc.add_options()(k.name.c_str(), po::value<std::string>(), k.help.c_str());
    return desc;
}

po::options_description flag_options() {
    po::options_description desc = ini_options();
    for (const auto& s : shortcuts) {
        if (s.is_switch)
            desc.add_options()(s.flag, s.help);
        else
            desc.add_options()(s.flag, po::value<std::string>(), s.help);
    }
    return desc;
}

std::vector<std::string> section_names() {
    std::vector<std::string> names;
    for (const auto& s : detail::job_sections())
        names.push_back(s.name);
    return names;
}

// The closest candidate when it is close enough to be a likely misspelling, else "".
std::string closest(const std::string& name, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 0;
    for (const auto& c : candidates) {
        const auto d = text::edit_distance(name, c);
        if (best.empty() || d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    const std::size_t limit = name.size() >= 10 ? 3 : 2;
    return best_distance <= limit ? best : std::string();
}

std::string unknown_key(const std::string& name, bool from_flags) {
    const std::string dash = from_flags ? "--" : "";
    std::vector<std::string> all_keys;
    for (const auto& k : detail::job_keys())
        all_keys.push_back(k.name);
    const auto dot = name.find('.');
    if (dot == std::string::npos) {
        // A key without a section: in a file it sits above the first [section] header.
        std::vector<std::string> matches;
        for (const auto& k : all_keys)
            if (k.substr(k.find('.') + 1) == name) matches.push_back(k);
        std::string hint;
        if (from_flags) {
            std::vector<std::string> flags = all_keys;
            for (const auto& s : shortcuts)
                flags.push_back(s.flag);
            if (auto c = closest(name, flags); !c.empty()) hint = "; did you mean --" + c + "?";
            return "--" + name + ": unknown flag" + hint +
                   " (flags: --section.key VALUE for every job key, --output, --threads, "
                   "--force, --resume, --quiet)";
        }
        if (!matches.empty()) hint = "; did you mean " + text::join(matches, " or ") + "?";
        return name + ": key outside any section" + hint +
               " (keys go under a [section] header: " + text::join(section_names()) + ")";
    }
    const auto section = name.substr(0, dot);
    const auto sections = section_names();
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
        std::string hint;
        if (auto c = closest(section, sections); !c.empty()) hint = "; did you mean [" + c + "]?";
        return dash + name + ": unknown section [" + section + "]" + hint +
               " (sections: " + text::join(sections) + ")";
    }
    std::vector<std::string> section_keys;
    for (const auto& k : all_keys)
        if (k.compare(0, dot + 1, section + ".") == 0) section_keys.push_back(k.substr(dot + 1));
    std::string hint;
    if (auto c = closest(name, all_keys); !c.empty()) hint = "; did you mean " + dash + c + "?";
    return dash + name + ": unknown key in [" + section + "]" + hint +
           " (keys: " + text::join(section_keys) + ")";
}

void read_file_settings(const std::string& ini_text, const fs::path& base,
                        std::map<std::string, Setting>& settings,
                        std::vector<std::string>& problems) {
    std::istringstream in(ini_text);
    po::parsed_options parsed(nullptr);
    try {
        parsed = po::parse_config_file(in, ini_options(), /*allow_unregistered=*/true);
    } catch (const po::error& e) {
        problems.push_back(std::string("job file: ") + e.what());
        return;
    }
    // Unregistered options are allowed through only so that every unknown key is reported,
    // together, instead of Boost stopping at the first one.
    std::set<std::string> reported_sections;
    for (const auto& o : parsed.options) {
        const std::string value = o.value.empty() ? std::string() : o.value.front();
        if (o.unregistered) {
            auto problem = unknown_key(o.string_key, false);
            const auto section = o.string_key.substr(0, o.string_key.find('.'));
            // An unknown section is reported once, not once per key inside it.
            if (problem.find(": unknown section") != std::string::npos &&
                !reported_sections.insert(section).second)
                continue;
            problems.push_back(std::move(problem));
            continue;
        }
        if (settings.count(o.string_key) != 0) {
            problems.push_back(o.string_key + ": given twice in the job file");
            continue;
        }
        settings[o.string_key] = Setting{value, base, false, ""};
    }
}

void read_flag_settings(const std::vector<std::string>& args,
                        std::map<std::string, Setting>& settings,
                        std::vector<std::string>& problems) {
    po::parsed_options parsed(nullptr);
    try {
        // No prefix guessing: "--out" must not silently become "--output".
        parsed =
            po::command_line_parser(args)
                .options(flag_options())
                .style(po::command_line_style::unix_style & ~po::command_line_style::allow_guessing)
                .allow_unregistered()
                .run();
    } catch (const po::error& e) {
        problems.push_back(std::string("command line: ") + e.what());
        return;
    }
    const fs::path cwd = fs::current_path();
    std::map<std::string, Setting> flags;
    for (std::size_t i = 0; i < parsed.options.size(); ++i) {
        const auto& o = parsed.options[i];
        if (o.string_key.empty()) {
            problems.push_back("command line: unexpected argument '" +
                               (o.value.empty() ? std::string() : o.value.front()) +
                               "' (flags take one value each: --section.key VALUE; lists are "
                               "comma-separated)");
            continue;
        }
        if (o.unregistered) {
            auto name = o.string_key;
            if (const auto eq = name.find('='); eq != std::string::npos) name.resize(eq);
            problems.push_back(unknown_key(name, true));
            // "--unknwn VALUE": VALUE belongs to the unknown flag, not a second problem.
            if (o.original_tokens.size() == 1 && i + 1 < parsed.options.size() &&
                parsed.options[i + 1].string_key.empty())
                ++i;
            continue;
        }
        std::string key = o.string_key;
        std::string value = o.value.empty() ? std::string() : o.value.front();
        for (const auto& s : shortcuts) {
            if (key != s.flag) continue;
            key = s.key;
            if (s.is_switch) value = "true";
        }
        const std::string typed = "--" + o.string_key;
        if (auto it = flags.find(key); it != flags.end()) {
            problems.push_back(key + ": given twice on the command line (" + it->second.flag +
                               (it->second.flag == typed ? " twice" : " and " + typed) + ")");
            continue;
        }
        flags[key] = Setting{value, cwd, true, typed};
    }
    for (auto& [key, setting] : flags)
        settings[key] = std::move(setting); // a flag wins over the file
}

std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
    std::string out, line;
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
            out += std::string(indent, ' ') + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
    return out;
}

} // namespace

ParseResult check_job_text(const std::string& ini_text, const std::string& job_file,
                           const std::vector<std::string>& cli_args) {
    ParseResult result;
    const fs::path file_base =
        job_file.empty() ? fs::current_path() : fs::absolute(job_file).parent_path();
    std::map<std::string, Setting> settings;
    read_file_settings(ini_text, file_base, settings, result.problems);
    read_flag_settings(cli_args, settings, result.problems);

    std::set<std::string> bad_keys;
    for (const auto& k : detail::job_keys()) {
        const auto it = settings.find(k.name);
        if (it == settings.end()) continue;
        const auto why = k.set(result.spec, it->second.value, it->second.base);
        if (why.empty()) continue;
        bad_keys.insert(k.name);
        result.problems.push_back(k.name + " = '" + text::trim(it->second.value) + "'" +
                                  (it->second.from_flags ? " (" + it->second.flag + ")" : "") +
                                  ": " + why + "; allowed: " + k.allowed);
    }
    // The default output path is taken as if written in the file, so that a rendered job read
    // again from anywhere names the same file.
    if (settings.count("output.path") == 0)
        result.spec.output.path = (file_base / result.spec.output.path).lexically_normal().string();
    detail::check_spec(result.spec, bad_keys, result.problems);

    result.spec.job_file = job_file;
    result.spec.job_text = render_job(result.spec);
    return result;
}

ParseResult check_job(const std::string& ini_path, const std::vector<std::string>& cli_args) {
    std::ifstream in(ini_path);
    if (!in || fs::is_directory(ini_path)) {
        ParseResult result;
        result.problems.push_back(
            "cannot read the job file (" +
            std::string(fs::exists(ini_path) ? "not a readable file" : "no such file") + ")");
        return result;
    }
    std::stringstream text;
    text << in.rdbuf();
    return check_job_text(text.str(), ini_path, cli_args);
}

JobSpec parse_job(const std::string& ini_path, const std::vector<std::string>& cli_args) {
    auto result = check_job(ini_path, cli_args);
    if (!result.problems.empty()) throw JobError(ini_path, "job", std::move(result.problems));
    return std::move(result.spec);
}

std::string render_job(const JobSpec& spec, RenderScope scope) {
    static const std::set<std::string> run_only = {"output.path", "run.threads", "run.force",
                                                   "run.resume",  "run.quiet",   "run.max_item_mb",
                                                   "run.cache_mb"};
    std::string out = "# neuropop job: the effective settings (job file with flags applied)\n";
    for (const auto& section : detail::job_sections()) {
        std::string lines;
        for (const auto& k : detail::job_keys()) {
            if (k.name.compare(0, section.name.size() + 1, section.name + ".") != 0) continue;
            if (scope == RenderScope::Results && run_only.count(k.name) != 0) continue;
            const auto value = k.get(spec);
            lines += k.name.substr(section.name.size() + 1) + " =" +
                     (value.empty() ? "" : " " + value) + "\n";
        }
        if (!lines.empty()) out += "\n[" + section.name + "]\n" + lines;
    }
    return out;
}

std::string job_help() {
    constexpr std::size_t width = 96;
    const JobSpec defaults;
    std::string out =
        "Job file: an INI file of [section] headers and `key = value` lines (`#` starts a "
        "comment; lists are comma-separated). Every key is also a flag --section.key VALUE, and "
        "a flag wins over the file. Unknown sections, keys and flags are errors.\n";
    out = wrap(out, 0, width);
    for (const auto& section : detail::job_sections()) {
        out += "\n[" + section.name + "]  " + section.help + "\n";
        for (const auto& k : detail::job_keys()) {
            if (k.name.compare(0, section.name.size() + 1, section.name + ".") != 0) continue;
            const auto value = k.get(defaults);
            out += "  " + k.name + " = " + (value.empty() ? "(empty)" : value) + "\n";
            out += wrap(k.help, 6, width);
            out += wrap("allowed: " + k.allowed, 6, width);
        }
    }
    out += "\nshortcut flags of neuropop run:\n";
    for (const auto& s : shortcuts)
        out += std::string("  ") + s.help + "\n";
    return out;
}

} // namespace neuropop::jobs
