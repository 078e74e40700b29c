#include "kernels/generator_layers.hpp"

#include <algorithm>
#include <stdexcept>

#include <Eigen/QR>

#include "kernels/gaussian.hpp"
#include "kernels/hash.hpp"

namespace neuropop::kernels {

namespace {

Eigen::MatrixXd normals(CounterRng& rng, Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c)
            m(r, c) = standard_normal(rng);
    return m;
}

CounterRng layer_rng(const GeneratorConfig& cfg, const std::string& name) {
    return CounterRng(cfg.seed, fnv1a64("model_layers/" + name), 0);
}

} // namespace

GeneratedLayers generator_layers(const GeneratorConfig& config) {
    if (auto problems = config.validate(); !problems.empty()) throw std::invalid_argument(problems);
    const SessionModel model(config, 0); // latents are the same in every session
    GeneratedLayers out;
    const auto k = static_cast<Eigen::Index>(config.conditions);
    for (std::size_t c = 0; c < config.conditions; ++c)
        out.stimuli.push_back("stim_" + std::to_string(c));
    {
        auto rng = layer_rng(config, "independent");
        out.names.push_back("independent");
        out.activations.push_back(normals(rng, k, 200));
    }
    std::vector<Eigen::MatrixXd> rotated;
    std::vector<std::string> rotated_names;
    for (const auto& reg : model.regions()) {
        if (!reg.encodes) continue;
        const auto f = reg.coefficients.front().size();
        Eigen::MatrixXd latent(k, f);
        for (Eigen::Index c = 0; c < k; ++c)
            latent.row(c) = Eigen::Map<const Eigen::RowVectorXd>(
                reg.coefficients[static_cast<std::size_t>(c)].data(), f);
        auto rng = layer_rng(config, "rotated_" + reg.name);
        const Eigen::Index width = std::max<Eigen::Index>(64, f);
        const Eigen::HouseholderQR<Eigen::MatrixXd> qr(normals(rng, width, f));
        const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(width, f);
        out.names.push_back("latent_" + reg.name);
        out.activations.push_back(latent);
        rotated_names.push_back("rotated_" + reg.name);
        rotated.push_back(2.5 * latent * q.transpose());
    }
    if (rotated.empty())
        throw std::invalid_argument("generator layers: no region encodes the stimulus");
    for (std::size_t i = 0; i < rotated.size(); ++i) {
        out.names.push_back(rotated_names[i]);
        out.activations.push_back(std::move(rotated[i]));
    }
    return out;
}

} // namespace neuropop::kernels
