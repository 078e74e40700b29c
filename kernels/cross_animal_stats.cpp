#include "kernels/cross_animal_stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/stats.hpp"

namespace neuropop::kernels {

namespace {

void require_shape(const std::vector<std::vector<double>>& xs, const char* what) {
    if (xs.empty()) throw std::invalid_argument(std::string(what) + ": no animals");
    for (const auto& x : xs)
        if (x.size() != xs.front().size())
            throw std::invalid_argument(std::string(what) + ": vectors of " +
                                        std::to_string(x.size()) + " and " +
                                        std::to_string(xs.front().size()) + " elements");
}

} // namespace

std::vector<double> mean_over(const std::vector<std::vector<double>>& xs) {
    require_shape(xs, "mean_over");
    std::vector<double> m(xs.front().size(), 0.0);
    for (const auto& x : xs)
        for (std::size_t i = 0; i < m.size(); ++i)
            m[i] += x[i] / static_cast<double>(xs.size());
    return m;
}

double quantile_linear(std::vector<double> v, double q) {
    if (v.empty()) throw std::invalid_argument("quantile_linear of no values");
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::vector<std::vector<double>> bootstrap_means(const std::vector<std::vector<double>>& per_animal,
                                                 std::size_t resamples, CounterRng& rng) {
    require_shape(per_animal, "bootstrap_means");
    if (resamples == 0) throw std::invalid_argument("bootstrap_means: 0 resamples");
    const std::size_t A = per_animal.size(), n = per_animal.front().size();
    std::vector<std::vector<double>> boot(n);
    for (auto& b : boot)
        b.reserve(resamples);
    std::vector<double> m(n);
    for (std::size_t r = 0; r < resamples; ++r) {
        std::fill(m.begin(), m.end(), 0.0);
        for (std::size_t k = 0; k < A; ++k) {
            const auto a = static_cast<std::size_t>(rng.below(A));
            for (std::size_t i = 0; i < n; ++i)
                m[i] += per_animal[a][i] / static_cast<double>(A);
        }
        for (std::size_t i = 0; i < n; ++i)
            boot[i].push_back(m[i]);
    }
    return boot;
}

CrossAnimalSummary cross_animal_summary(const std::vector<std::vector<double>>& per_animal,
                                        const std::vector<std::vector<double>>& p_animal,
                                        std::size_t resamples, CounterRng& rng) {
    require_shape(per_animal, "cross_animal_summary");
    if (p_animal.size() != per_animal.size())
        throw std::invalid_argument("cross_animal_summary: " + std::to_string(per_animal.size()) +
                                    " animals with values, " + std::to_string(p_animal.size()) +
                                    " with p-values");
    const std::size_t A = per_animal.size(), n = per_animal.front().size();
    for (const auto& p : p_animal)
        if (p.size() != n)
            throw std::invalid_argument("cross_animal_summary: p-values of " +
                                        std::to_string(p.size()) + " elements, values of " +
                                        std::to_string(n));
    CrossAnimalSummary s;
    s.mean = mean_over(per_animal);
    const auto boot = bootstrap_means(per_animal, resamples, rng);
    s.ci_low.resize(n);
    s.ci_high.resize(n);
    s.fisher_p.resize(n);
    std::vector<double> ps;
    for (std::size_t i = 0; i < n; ++i) {
        s.ci_low[i] = quantile_linear(boot[i], 0.025);
        s.ci_high[i] = quantile_linear(boot[i], 0.975);
        ps.clear();
        for (std::size_t a = 0; a < A; ++a)
            if (std::isfinite(p_animal[a][i])) ps.push_back(p_animal[a][i]);
        s.fisher_p[i] = ps.empty() ? std::nan("") : fisher_combined(ps);
    }
    return s;
}

} // namespace neuropop::kernels
