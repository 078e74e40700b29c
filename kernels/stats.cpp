#include "kernels/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace neuropop::kernels {

namespace {

void check_p(double p) {
    if (!(p >= 0.0 && p <= 1.0))
        throw std::invalid_argument("p-value " + std::to_string(p) + " outside [0, 1]");
}

} // namespace

double chi2_sf_even(double x, std::size_t n) {
    if (n < 1) throw std::invalid_argument("chi2_sf_even needs n >= 1 (dof 2n)");
    if (std::isnan(x)) throw std::invalid_argument("chi2_sf_even of NaN");
    if (x <= 0.0) return 1.0;
    if (std::isinf(x)) return 0.0;
    const double m = 0.5 * x, log_m = std::log(m);
    // log of the terms t_i = e^{-m} m^i / i!; they rise while i < m, then fall.
    double log_term = -m, log_max = -m;
    std::vector<double> logs(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) log_term += log_m - std::log(static_cast<double>(i));
        logs[i] = log_term;
        log_max = std::max(log_max, log_term);
    }
    double sum = 0.0;
    for (double l : logs)
        sum += std::exp(l - log_max);
    return std::min(1.0, std::exp(log_max) * sum);
}

double fisher_combined(std::span<const double> p) {
    if (p.empty()) throw std::invalid_argument("fisher_combined of no p-values");
    double statistic = 0.0;
    for (double v : p) {
        check_p(v);
        statistic -= 2.0 * std::log(v); // +∞ for p = 0
    }
    return chi2_sf_even(statistic, p.size());
}

std::vector<double> benjamini_hochberg(std::span<const double> p) {
    const std::size_t m = p.size();
    for (double v : p)
        check_p(v);
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    std::vector<double> adjusted(m);
    double running = 1.0;
    for (std::size_t r = m; r-- > 0;) {
        const double scaled = p[order[r]] * static_cast<double>(m) / static_cast<double>(r + 1);
        running = std::min(running, scaled);
        adjusted[order[r]] = running;
    }
    return adjusted;
}

std::vector<double> permutation_p_values(std::span<const double> observed,
                                         std::span<const double> null) {
    const std::size_t columns = observed.size();
    if (columns == 0 ? !null.empty() : null.size() % columns != 0)
        throw std::invalid_argument("permutation_p_values: null size " +
                                    std::to_string(null.size()) + " is not a multiple of " +
                                    std::to_string(columns));
    const std::size_t b = columns == 0 ? 0 : null.size() / columns;
    std::vector<double> p(columns);
    for (std::size_t c = 0; c < columns; ++c) {
        std::size_t at_least = 0;
        for (std::size_t r = 0; r < b; ++r)
            if (null[r * columns + c] >= observed[c]) ++at_least;
        p[c] = static_cast<double>(1 + at_least) / static_cast<double>(1 + b);
    }
    return p;
}

} // namespace neuropop::kernels
