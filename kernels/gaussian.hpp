#pragma once
// Standard normal draws from a CounterRng: Box–Muller, cosine branch only, so every normal
// costs exactly two uniforms and the draw count stays a fixed function of what was asked for.

#include <cmath>
#include <numbers>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

inline double standard_normal(CounterRng& rng) {
    const double u1 = 1.0 - rng.uniform(); // (0, 1], keeps log finite
    const double u2 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

} // namespace neuropop::kernels
