// Ground truth of the coupled units of `neuropop generate --coupling`
// (kernels/coupling_generator.hpp) under /scratch/ground_truth/coupling.

#include <stdexcept>

#include "io/nwb_writer.hpp"

namespace neuropop::io {

namespace {

std::vector<double> row_major(const Eigen::MatrixXd& m) {
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(m.size()));
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            out.push_back(m(r, c));
    return out;
}

// The region groups describe_generated chose (ground_truth/region_groups), so a region's coupling
// truth sits under the same name as its other truth.
std::vector<std::string> region_groups(const NwbSession& s) {
    for (const auto& a : s.scratch)
        if (a.path == "ground_truth/region_groups")
            return std::get<std::vector<std::string>>(a.values);
    throw std::logic_error("add_coupling_truth: describe_generated wrote no region_groups");
}

} // namespace

void add_coupling_truth(NwbSession& s, const kernels::SessionModel& model,
                        const kernels::CouplingConfig& c,
                        const std::vector<kernels::CoupledRegionTruth>& truths) {
    const auto groups = region_groups(s);
    s.scratch_groups.push_back(
        {"ground_truth/coupling",
         "coupled units (neuropop generate --coupling): in each region listed here every unit's "
         "spikes come from a discrete-time Poisson GLM, count_u(k) ~ Poisson(min(cap, drive_u(k) "
         "* exp(sum_s sum_l filter[u, s, l] count_s(k - 1 - l)))) in bins of width bin from "
         "time 0; filter[u, s] = basis_weights[u, s] . basis^T (lag l + 1 bins in row l); "
         "drive = the latent-variable model's rate summed over the bin",
         {}});
    const std::string p = "ground_truth/coupling/";
    auto scalar = [](std::string path, double v, std::string description) {
        return ScratchArray{
            std::move(path), std::move(description), {}, true, std::vector<double>{v}};
    };
    auto count = [](std::string path, std::size_t v, std::string description) {
        return ScratchArray{std::move(path),
                            std::move(description),
                            {},
                            true,
                            std::vector<std::int64_t>{static_cast<std::int64_t>(v)}};
    };
    s.scratch.push_back(scalar(p + "weight", c.weight,
                               "coupled pairs have integrated weight +-weight * (0.5 + U(0, 1))"));
    s.scratch.push_back(scalar(p + "density", c.density,
                               "probability that an ordered pair of distinct units is coupled"));
    s.scratch.push_back(scalar(p + "bin", c.bin, "GLM bin width (s)"));
    s.scratch.push_back(scalar(p + "history", c.history, "history the filters span (s)"));
    s.scratch.push_back(scalar(p + "cap", c.cap, "cap on the expected count per bin"));
    s.scratch.push_back(count(p + "n_basis", c.basis, "post-spike basis functions"));
    std::vector<std::string> names;
    for (const auto& t : truths)
        names.push_back(model.config().regions[t.region]);
    s.scratch.push_back({p + "regions", "coupled regions", {}, false, names});
    for (const auto& t : truths) {
        // One region: its group; a network across regions (--coupling-across): the region
        // groups joined by '+', with each unit's region.
        std::string name = groups[t.region], regions = model.config().regions[t.region];
        for (std::size_t i = 1; i < t.regions.size(); ++i) {
            name += "+" + groups[t.regions[i]];
            regions += "+" + model.config().regions[t.regions[i]];
        }
        const std::string g = p + name + "/";
        s.scratch_groups.push_back({g.substr(0, g.size() - 1),
                                    "coupling truth of region " + regions,
                                    {{"region", regions}}});
        std::vector<std::int64_t> rows(t.units);
        for (std::size_t u = 0; u < t.units; ++u)
            rows[u] = static_cast<std::int64_t>(t.unit_indices[u]);
        if (t.regions.size() > 1) {
            std::vector<std::string> unit_regions;
            for (std::size_t n : t.regions)
                for (std::size_t u = 0; u < model.regions()[n].units; ++u)
                    unit_regions.push_back(model.config().regions[n]);
            s.scratch.push_back({g + "unit_regions",
                                 "region of each unit, in the order of the matrices' axes",
                                 {},
                                 false,
                                 unit_regions});
        }
        s.scratch.push_back({g + "unit_rows",
                             "rows of /units, in the order of the matrices' axes",
                             {},
                             false,
                             rows});
        const auto nb = static_cast<std::size_t>(t.basis.cols());
        s.scratch.push_back({g + "basis",
                             "[lag, basis] post-spike basis; row l is the weight of the count "
                             "l + 1 bins in the past",
                             {static_cast<std::size_t>(t.basis.rows()), nb},
                             false,
                             row_major(t.basis)});
        s.scratch.push_back({g + "basis_weights",
                             "[target unit, source unit, basis] filter coefficients; source == "
                             "target: the own-history (refractory) filter",
                             {t.units, t.units, nb},
                             false,
                             row_major(t.basis_weights)});
        s.scratch.push_back({g + "integrated_weights",
                             "[target unit, source unit] filter summed over lags (diagonal: own "
                             "history); 0 where the pair is not coupled",
                             {t.units, t.units},
                             false,
                             row_major(t.integrated)});
        s.scratch.push_back(
            count(g + "capped_bins", t.capped_bins, "unit-bins whose expected count hit the cap"));
        s.scratch.push_back(count(g + "spikes", t.spikes, "spikes of the region's units"));
    }
}

} // namespace neuropop::io
