// neuropop generate: writes synthetic NWB sessions with known ground truth (the model is
// kernels/generator_model.hpp, the layout io/nwb_writer.hpp). Sessions are generated one after
// the other, each parallel over units with TBB; HDF5 writes stay on this thread.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <tbb/global_control.h>

#include "cli/commands.hpp"
#include "io/model_file.hpp"
#include "io/nwb_writer.hpp"
#include "kernels/coupling_generator.hpp"
#include "kernels/generator_layers.hpp"
#include "kernels/generator_model.hpp"

namespace neuropop::cli {

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        out.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
    }
    return out;
}

// A list of positive integers ("3" or "3,5,2"); empty optional when a value is not a number.
std::optional<std::vector<std::size_t>> size_list(const std::string& text) {
    std::vector<std::size_t> out;
    for (const auto& s : split_list(text)) {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9)
            return std::nullopt;
        out.push_back(std::stoul(s));
    }
    return out;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ",") + s;
    return out;
}

// Defaults as a person would write them (0.2, not 0.20000000000000001).
std::string text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

int usage_error(const std::string& message) {
    std::cerr << "neuropop generate: " << message << " (see neuropop generate --help)\n";
    return exit_bad_input;
}

} // namespace

int generate(const Args& args) {
    kernels::GeneratorConfig cfg;
    std::string out_dir, regions = join(cfg.regions), encoding = "default", latent = "3", channels;
    kernels::CouplingConfig coupling;
    std::string coupled_regions;
    std::string model_file;
    std::size_t threads = 0;
    bool force = false, quiet = false;

    po::options_description opts(
        "usage: neuropop generate --out DIR [options]\n\n"
        "Writes synthetic NWB sessions sub-<subject>_ses-<k>.nwb from a latent-variable Poisson\n"
        "model with known ground truth (/scratch/ground_truth in each file). Per region a latent\n"
        "state of dimension d follows condition-specific trajectories after stimulus onset in\n"
        "regions that encode the trials column 'stimulus', and the same trajectory for every\n"
        "condition elsewhere; 'control' is encoded nowhere. Units fire as inhomogeneous Poisson\n"
        "processes, rate = baseline * exp(loading . latent(t)). The same seed gives the same\n"
        "spikes whatever the thread count.\n\noptions",
        100, 50);
    // clang-format off
    opts.add_options()
        ("help,h", "print this help")
        ("out", po::value(&out_dir), "output folder (created if missing) [required]")
        ("sessions", po::value(&cfg.sessions)->default_value(cfg.sessions), "number of sessions S")
        ("subjects", po::value(&cfg.subjects)->default_value(cfg.subjects),
         "number of subjects A; session k belongs to subject k mod A")
        ("regions", po::value(&regions)->default_value(regions),
         "comma-separated brain regions, each recorded in every session")
        ("units", po::value(&cfg.units_per_region)->default_value(cfg.units_per_region),
         "units per region per session")
        ("trials", po::value(&cfg.trials)->default_value(cfg.trials), "trials per session")
        ("conditions", po::value(&cfg.conditions)->default_value(cfg.conditions),
         "stimulus values K (stim_0..stim_K-1), each shown equally often (+-1)")
        ("control-levels", po::value(&cfg.control_levels)->default_value(cfg.control_levels),
         "values of the control column (ctl_0...), balanced (+-1), encoded nowhere")
        ("seed", po::value(&cfg.seed)->default_value(cfg.seed), "seed of every random draw")
        ("encoding-regions", po::value(&encoding)->default_value(encoding),
         "comma-separated regions that encode the stimulus; 'default': all but the last region "
         "(the only one when there is one), 'all', or 'none'")
        ("latent-dim", po::value(&latent)->default_value(latent),
         "latent dimensionality d: one value, or one per region")
        ("temporal-basis", po::value(&cfg.temporal_basis)->default_value(cfg.temporal_basis),
         "raised-cosine functions tiling the response window")
        ("duration-per-trial", po::value(&cfg.trial_duration)->default_value(cfg.trial_duration, text(cfg.trial_duration)),
         "start_time to stop_time (s), a whole number of bins")
        ("pre-stimulus", po::value(&cfg.pre_stimulus)->default_value(cfg.pre_stimulus, text(cfg.pre_stimulus)),
         "start_time to stim_on_time (s), a whole number of bins")
        ("inter-trial", po::value(&cfg.inter_trial)->default_value(cfg.inter_trial, text(cfg.inter_trial)),
         "gap between trials, also before the first and after the last (s)")
        ("bin", po::value(&cfg.bin)->default_value(cfg.bin, text(cfg.bin)),
         "model bin (s): the rate is constant within a bin")
        ("baseline-median", po::value(&cfg.baseline_median)->default_value(cfg.baseline_median, text(cfg.baseline_median)),
         "median baseline rate (Hz); baselines are log-normal")
        ("baseline-log-sd", po::value(&cfg.baseline_log_sd)->default_value(cfg.baseline_log_sd, text(cfg.baseline_log_sd)),
         "sd of ln(baseline rate), in [0, 3]")
        ("rate-scale", po::value(&cfg.rate_scale)->default_value(cfg.rate_scale, text(cfg.rate_scale)),
         "factor applied to every rate")
        ("modulation", po::value(&cfg.modulation)->default_value(cfg.modulation, text(cfg.modulation)),
         "sd of the log-rate modulation at a basis peak, in [0, 3]")
        ("latent-noise", po::value(&cfg.latent_noise)->default_value(cfg.latent_noise, text(cfg.latent_noise)),
         "sd of the per-trial latent noise (shared by a region's units), in [0, 3]")
        ("coupling", po::value(&coupling.weight)->default_value(coupling.weight, text(coupling.weight)),
         "coupled units: > 0 redraws the spikes of --coupled-regions from a discrete-time Poisson "
         "GLM with own history and sparse coupling of integrated weight +-W (0.5 + U(0,1)) "
         "(kernels/coupling_generator.hpp; truth in /scratch/ground_truth/coupling); 0: off")
        ("coupling-density", po::value(&coupling.density)->default_value(coupling.density, text(coupling.density)),
         "probability that an ordered pair of units is coupled")
        ("coupling-bin", po::value(&coupling.bin)->default_value(coupling.bin, text(coupling.bin)),
         "GLM bin (s) of the coupled units")
        ("coupling-history", po::value(&coupling.history)->default_value(coupling.history, text(coupling.history)),
         "history the coupling filters span (s)")
        ("coupling-basis", po::value(&coupling.basis)->default_value(coupling.basis),
         "post-spike basis functions of the filters")
        ("coupled-regions", po::value(&coupled_regions)->default_value(""),
         "comma-separated coupled regions (empty: every region)")
        ("coupling-across", po::bool_switch(&coupling.across),
         "the coupled regions form one network: pairs of units in different regions are coupled "
         "too (truth under /scratch/ground_truth/coupling/<A+B...>)")
        ("channel-rank", po::value(&channels),
         "communication channels between regions, comma-separated SOURCE>TARGET:RANK[:GAIN] "
         "(e.g. VISp>CA1:3): the target's trial-to-trial latent noise gains a random rank-RANK "
         "map (singular values GAIN, default 1) of the source's own trial noise; RANK <= both "
         "regions' --latent-dim. Truth in /scratch/ground_truth/channels. The target's "
         "within-area dimension is its --latent-dim, so a larger d for the target than RANK "
         "makes it exceed the channel rank (e.g. --latent-dim 3,6 --channel-rank VISp>CA1:3)")
        ("model-file", po::value(&model_file),
         "also write network-layer activations with known relations to the latent "
         "(docs/MODELS.md): latent_<region> and rotated_<region> per encoding region, "
         "independent; the NWB files do not change")
        ("threads", po::value(&threads)->default_value(threads),
         "TBB threads (0: all cores); does not change the output")
        ("force", po::bool_switch(&force), "overwrite existing files")
        ("quiet", po::bool_switch(&quiet), "print only the summary line");
    // clang-format on

    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    if (vm.count("help")) {
        std::cout << opts
                  << "\nexample:\n  neuropop generate --out data/synth --sessions 6 "
                     "--subjects 3 --regions VISp,CA1,LGd --units 100 --trials 300\n";
        return exit_ok;
    }
    po::notify(vm);
    if (out_dir.empty()) return usage_error("--out DIR is required");

    cfg.regions = split_list(regions);
    if (encoding == "all")
        cfg.encoding_regions = cfg.regions;
    else if (encoding == "none")
        cfg.encoding_regions = std::vector<std::string>{};
    else if (encoding != "default")
        cfg.encoding_regions = split_list(encoding);
    auto dims = size_list(latent);
    if (!dims) return usage_error("--latent-dim: '" + latent + "' is not a list of integers");
    cfg.latent_dims = *dims;
    std::string why;
    cfg.channels = kernels::parse_channel_specs(channels, why);
    if (!why.empty()) return usage_error("--channel-rank: " + why);
    if (auto problems = cfg.validate(); !problems.empty()) return usage_error(problems);
    coupling.regions =
        coupled_regions.empty() ? std::vector<std::string>{} : split_list(coupled_regions);
    if (coupling.enabled())
        if (auto problems = coupling.validate(cfg); !problems.empty()) return usage_error(problems);

    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec || !fs::is_directory(out_dir))
        return usage_error("cannot create output folder '" + out_dir + "'");
    // Refuse before writing anything, so a refused run leaves no partial dataset behind.
    if (!force)
        for (std::size_t k = 0; k < cfg.sessions; ++k) {
            fs::path p = fs::path(out_dir) / io::generated_file_name(cfg, k);
            if (fs::exists(p))
                return usage_error(p.string() + " exists; pass --force to overwrite");
        }

    if (!model_file.empty()) {
        if (!force && fs::exists(model_file))
            return usage_error(model_file + " exists; pass --force to overwrite");
        if (cfg.encoding_regions && cfg.encoding_regions->empty())
            return usage_error("--model-file needs a region that encodes the stimulus");
    }

    std::optional<tbb::global_control> limit;
    if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, threads);
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t spikes = 0;
    double model_seconds = 0.0;
    for (std::size_t k = 0; k < cfg.sessions; ++k) {
        io::GeneratedFile f = io::generate_session_file(cfg, k, out_dir, force, coupling);
        spikes += f.spikes;
        model_seconds += f.model_seconds;
        if (!quiet)
            std::cout << "wrote " << f.path << " subject=" << f.subject_id << " units=" << f.units
                      << " trials=" << f.trials << " spikes=" << f.spikes << "\n";
    }
    if (!model_file.empty()) {
        const auto layers = kernels::generator_layers(cfg);
        std::vector<std::vector<double>> values;
        std::vector<std::size_t> features;
        for (const auto& a : layers.activations) {
            std::vector<double> v;
            for (Eigen::Index r = 0; r < a.rows(); ++r)
                for (Eigen::Index c = 0; c < a.cols(); ++c)
                    v.push_back(a(r, c));
            values.push_back(std::move(v));
            features.push_back(static_cast<std::size_t>(a.cols()));
        }
        io::write_model_file(model_file, layers.stimuli, layers.names, values, features);
        if (!quiet)
            std::cout << "wrote " << model_file << " layers=" << layers.names.size() << "\n";
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char line[256];
    std::snprintf(line, sizeof line,
                  "generated sessions=%zu spikes=%llu seconds=%.3f model_spikes_per_s=%.4g\n",
                  cfg.sessions, static_cast<unsigned long long>(spikes), seconds,
                  model_seconds > 0 ? static_cast<double>(spikes) / model_seconds : 0.0);
    std::cout << line;
    return exit_ok;
}

} // namespace neuropop::cli
