// Synthetic sessions written by `neuropop generate` and by the library read back with
// io::NwbReader and with Debian's h5py: same spikes as the model produced, units per region,
// trials and labels, ground truth under /scratch, pynwb's layout attributes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "io/nwb_reader.hpp"
#include "io/nwb_writer.hpp"
#include "kernels/generator_model.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
namespace test = neuropop::test;
using neuropop::io::NwbReader;
using neuropop::kernels::GeneratorConfig;
using neuropop::kernels::SessionModel;
using neuropop::kernels::SpikeTrains;

namespace {

GeneratorConfig roundtrip_config() {
    GeneratorConfig c;
    c.seed = 11;
    c.sessions = 2;
    c.subjects = 2;
    c.regions = {"VISp", "CA1"};
    c.units_per_region = 8;
    c.trials = 24;
    return c;
}

std::string generate_command(const fs::path& out, const std::string& extra = "") {
    return test::shell_quote(test::binary().string()) + " generate --out " +
           test::shell_quote(out.string()) +
           " --sessions 2 --subjects 2 --regions VISp,CA1 --units 8 --trials 24 --seed 11 "
           "--quiet " +
           extra;
}

// Everything NwbReader sees must be what the model drew and simulated.
void check_against_model(const std::string& path, const SessionModel& m, const SpikeTrains& st) {
    INFO(path);
    NwbReader rd(path);
    const auto& info = rd.info();
    const auto& cfg = m.config();
    CHECK(info.subject_id == cfg.subject_id(m.subject()));
    CHECK(info.nwb_version == "2.6.0");
    CHECK(info.session_start_time.rfind("2024-01-0", 0) == 0);
    REQUIRE(info.unit_ids.size() == m.units());
    CHECK(info.regions() == std::vector<std::string>{"CA1", "VISp"});
    for (const auto& reg : m.regions()) {
        auto rows = info.units_in(reg.name);
        REQUIRE(rows.size() == reg.units);
        for (std::size_t k = 0; k < rows.size(); ++k)
            CHECK(rows[k] == reg.first_unit + k);
    }
    // Spike counts per unit and the times themselves: float64 round-trips exactly.
    REQUIRE(info.spike_end.size() == m.units());
    for (std::size_t u = 0; u < m.units(); ++u)
        CHECK(info.spike_end[u] == st.offsets[u + 1]);
    CHECK(info.n_spikes == st.times.size());
    std::vector<std::size_t> all(m.units());
    for (std::size_t u = 0; u < all.size(); ++u)
        all[u] = u;
    SpikeTrains back = rd.read_spikes(all);
    CHECK(back.offsets == st.offsets);
    CHECK(back.times == st.times);

    REQUIRE(info.trials);
    const auto& tr = *info.trials;
    const auto& model_trials = m.trials();
    REQUIRE(tr.rows() == cfg.trials);
    CHECK(tr.start_time == model_trials.start);
    CHECK(tr.stop_time == model_trials.stop);
    const auto* stimulus = tr.find("stimulus");
    const auto* control = tr.find("control");
    const auto* stim_id = tr.find("stimulus_id");
    const auto* stim_on = tr.find("stim_on_time");
    REQUIRE(stimulus);
    REQUIRE(control);
    REQUIRE(stim_id);
    REQUIRE(stim_on);
    CHECK(stimulus->is_string);
    CHECK(stimulus->distinct() == cfg.conditions);
    CHECK(control->distinct() == cfg.control_levels);
    for (std::size_t i = 0; i < tr.rows(); ++i) {
        CHECK(stimulus->strings[i] == "stim_" + std::to_string(model_trials.condition[i]));
        CHECK(control->strings[i] == "ctl_" + std::to_string(model_trials.control[i]));
        CHECK(stim_id->numbers[i] == static_cast<double>(model_trials.condition[i]));
        CHECK(stim_on->numbers[i] == model_trials.stim_on[i]);
    }

    // Ground truth.
    neuropop::h5::File f = neuropop::h5::File::open(path);
    auto gt = f.open_group("scratch/ground_truth");
    CHECK(gt.open_dataset("latent_dim").read<std::int64_t>() == std::vector<std::int64_t>{3, 3});
    CHECK(gt.open_dataset("encoded_variable").read_strings() ==
          std::vector<std::string>{"stimulus", "none"});
    CHECK(gt.open_dataset("unencoded_variables").read_strings() ==
          std::vector<std::string>{"control"});
    CHECK(gt.open_dataset("parameters/seed").read<std::uint64_t>() ==
          std::vector<std::uint64_t>{11});
    for (const auto& reg : m.regions()) {
        auto g = gt.open_group("regions/" + reg.name);
        CHECK(g.string_attribute("region") == reg.name);
        auto loadings = g.open_dataset("loadings");
        CHECK(loadings.dims() == std::vector<hsize_t>{reg.units, reg.latent_dim});
        CHECK(loadings.has_attribute("description"));
        auto values = loadings.read<double>();
        for (std::size_t u = 0; u < reg.units; ++u)
            for (std::size_t k = 0; k < reg.latent_dim; ++k)
                CHECK(values[u * reg.latent_dim + k] ==
                      reg.loadings(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(k)));
        CHECK(g.open_dataset("baseline_rate_hz").read<double>() == reg.baseline_hz);
        CHECK(g.open_dataset("latent_coefficients").dims() ==
              std::vector<hsize_t>{cfg.conditions, reg.latent_dim, cfg.temporal_basis});
        CHECK(g.open_dataset("trial_noise").dims() ==
              std::vector<hsize_t>{cfg.trials, reg.latent_dim, cfg.temporal_basis});
    }
}

} // namespace

TEST_CASE("generated sessions round-trip: CLI and library files read back as the model drew them",
          "[generate][nwb]") {
    test::TempDir dir("generate-roundtrip");
    const GeneratorConfig cfg = roundtrip_config();
    auto r = test::run_command(generate_command(dir / "cli"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("generated sessions=2") != std::string::npos);

    fs::create_directories(dir / "lib");
    for (std::size_t k = 0; k < cfg.sessions; ++k) {
        SessionModel m(cfg, k);
        SpikeTrains st = m.simulate();
        std::string name = neuropop::io::generated_file_name(cfg, k);
        CHECK(name == (k == 0 ? "sub-m00_ses-000.nwb" : "sub-m01_ses-001.nwb"));
        auto written = neuropop::io::generate_session_file(cfg, k, (dir / "lib").string(), false);
        CHECK(written.path == (dir / "lib" / name).string());
        CHECK(written.spikes == st.times.size());
        CHECK(written.units == 16);
        check_against_model(written.path, m, st);
        REQUIRE(fs::exists(dir / "cli" / name));
        check_against_model((dir / "cli" / name).string(), m, st);
        CHECK_FALSE(fs::exists(dir / "lib" / (name + ".partial")));
    }
    CHECK(std::distance(fs::directory_iterator(dir / "cli"), fs::directory_iterator{}) == 2);
}

TEST_CASE("generated sessions open in h5py with pynwb's layout", "[generate][nwb]") {
    test::TempDir dir("generate-h5py");
    const GeneratorConfig cfg = roundtrip_config();
    auto written = neuropop::io::generate_session_file(cfg, 0, dir.path().string(), false);
    const std::string script = R"PY(
import sys, h5py
f = h5py.File(sys.argv[1], "r")
u = f["units"]
def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)
print(s(f.attrs["neurodata_type"]), s(f.attrs["namespace"]), s(f.attrs["nwb_version"]))
print(s(u.attrs["neurodata_type"]), s(u.attrs["namespace"]), ",".join(s(c) for c in u.attrs["colnames"]))
print(f[u["spike_times_index"].attrs["target"]].name, u["spike_times_index"].dtype)
print(f[u["electrodes"].attrs["table"]].name, s(u["electrodes"].attrs["neurodata_type"]))
print(f[u["electrode_group"][0]].name, f[u["electrode_group"][-1]].name)
e = f["general/extracellular_ephys"]
print(e.get("VISp/device", getlink=True).path, s(e["electrodes/location"][0]), s(e["electrodes/location"][-1]))
t = f["intervals/trials"]
print(s(t.attrs["neurodata_type"]), ",".join(s(c) for c in t.attrs["colnames"]), len(t["id"]))
print(u["spike_times"].shape[0], int(u["spike_times_index"][-1]))
print(s(f["general/subject/subject_id"][()]), type(f["session_start_time"][()]).__name__)
)PY";
    std::string out = test::run_python(script, {written.path});
    std::string expected = "NWBFile core 2.6.0\n"
                           "Units core spike_times,electrodes,electrode_group\n"
                           "/units/spike_times uint16\n"
                           "/general/extracellular_ephys/electrodes DynamicTableRegion\n"
                           "/general/extracellular_ephys/VISp /general/extracellular_ephys/CA1\n"
                           "/general/devices/synthetic_probe VISp CA1\n"
                           "TimeIntervals start_time,stop_time,stim_on_time,stimulus,stimulus_id,"
                           "control 24\n" +
                           std::to_string(written.spikes) + " " + std::to_string(written.spikes) +
                           "\n"
                           "m00 bytes\n";
    // uint16 because this session has between 256 and 65535 spikes (pynwb's rule).
    REQUIRE(written.spikes > 255);
    REQUIRE(written.spikes < 65536);
    CHECK(out == expected);
}

TEST_CASE("neuropop generate refuses bad input with exit code 2", "[generate][nwb]") {
    test::TempDir dir("generate-bad");
    auto first = test::run_command(generate_command(dir / "out"));
    REQUIRE(first.exit_code == 0);
    auto before = fs::last_write_time(dir / "out" / "sub-m00_ses-000.nwb");
    auto again = test::run_command(generate_command(dir / "out"));
    CHECK(again.exit_code == 2);
    CHECK(again.err.find("exists; pass --force") != std::string::npos);
    CHECK(fs::last_write_time(dir / "out" / "sub-m00_ses-000.nwb") == before);
    CHECK(test::run_command(generate_command(dir / "out", "--force")).exit_code == 0);

    for (const std::string bad : {"--units 0", "--latent-dim x", "--regions VISp,VISp",
                                  "--encoding-regions LGd", "--pre-stimulus 0.0005"}) {
        auto r = test::run_command(generate_command(dir / "bad", bad));
        INFO(bad << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("neuropop generate: ", 0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1); // one line
    }
    CHECK_FALSE(fs::exists(dir / "bad" / "sub-m00_ses-000.nwb"));
    auto help = test::run_command(test::shell_quote(test::binary().string()) + " generate --help");
    CHECK(help.exit_code == 0);
    for (const char* flag :
         {"--out", "--sessions", "--subjects", "--regions", "--units", "--trials", "--conditions",
          "--seed", "--latent-dim", "--encoding-regions", "--duration-per-trial", "--rate-scale",
          "--bin", "--force"})
        CHECK(help.out.find(flag) != std::string::npos);
}

TEST_CASE("write_nwb refuses inconsistent content and existing files", "[generate][nwb]") {
    test::TempDir dir("generate-writer");
    neuropop::io::NwbSession s;
    s.identifier = "x";
    s.subject_id = "s";
    s.session_start_time = "2024-01-01T00:00:00+00:00";
    s.unit_ids = {0, 1};
    s.unit_regions = {"CA1"}; // one region for two units
    SpikeTrains st;
    st.times = {0.1, 0.2};
    st.offsets = {0, 1, 2};
    std::string file = (dir / "x.nwb").string();
    CHECK_THROWS_AS(neuropop::io::write_nwb(file, s, st, false), neuropop::io::InputError);
    CHECK_FALSE(fs::exists(file));
    s.unit_regions = {"CA1", "CA1"};
    neuropop::io::write_nwb(file, s, st, false);
    CHECK(NwbReader(file).info().n_spikes == 2);
    CHECK_THROWS_AS(neuropop::io::write_nwb(file, s, st, false), neuropop::io::InputError);
    neuropop::io::write_nwb(file, s, st, true);
}
