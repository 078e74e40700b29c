// The generator's network layers (kernels/generator_layers.hpp): the known relations the e2e
// models tests rely on hold exactly on the layers themselves.

#include <catch2/catch.hpp>

#include "kernels/cka.hpp"
#include "kernels/generator_layers.hpp"

namespace k = neuropop::kernels;

TEST_CASE("generator layers: a rotation of the latent has CKA 1 with it", "[generator][cka]") {
    k::GeneratorConfig cfg;
    cfg.regions = {"A", "B", "C"};
    cfg.encoding_regions = std::vector<std::string>{"A", "B"};
    cfg.conditions = 16;
    const auto layers = k::generator_layers(cfg);
    REQUIRE(layers.names == std::vector<std::string>{"independent", "latent_A", "latent_B",
                                                     "rotated_A", "rotated_B"});
    REQUIRE(layers.stimuli.size() == 16);
    CHECK(layers.stimuli.front() == "stim_0");
    const auto& latent = layers.activations[1];
    const auto& rotated = layers.activations[3];
    CHECK(latent.cols() == 12); // d = 3 latent dimensions x B = 4 basis functions
    CHECK(rotated.cols() == 64);
    // An isometry and a scaling: both CKAs are 1 up to rounding (1e-12: a few ulps of n^2 sums).
    for (auto how : {k::CkaEstimator::Biased, k::CkaEstimator::Debiased})
        CHECK(k::linear_cka(latent, rotated, how) == Approx(1.0).epsilon(1e-12));
    // Pairwise distances are those of the latent, scaled by 2.5.
    for (Eigen::Index i = 1; i < 16; ++i)
        CHECK((rotated.row(i) - rotated.row(0)).norm() ==
              Approx(2.5 * (latent.row(i) - latent.row(0)).norm()).epsilon(1e-12));
    // The same seed gives the same layers; another seed other ones.
    CHECK(k::generator_layers(cfg).activations[3] == rotated);
    cfg.seed = 2;
    CHECK_FALSE(k::generator_layers(cfg).activations[3] == rotated);
}

TEST_CASE("generator layers need an encoding region", "[generator]") {
    k::GeneratorConfig cfg;
    cfg.encoding_regions = std::vector<std::string>{};
    CHECK_THROWS_AS(k::generator_layers(cfg), std::invalid_argument);
}
