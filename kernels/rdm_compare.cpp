#include "kernels/rdm_compare.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace neuropop::kernels {

namespace {

// Average ranks (1-based), ties sharing their mean rank.
Eigen::VectorXd average_ranks(const Eigen::Ref<const Eigen::VectorXd>& v) {
    const auto n = static_cast<std::size_t>(v.size());
    std::vector<Eigen::Index> order(n);
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return v(a) < v(b); });
    Eigen::VectorXd ranks(v.size());
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i + 1;
        while (j < n && v(order[j]) == v(order[i]))
            ++j;
        const double rank = 0.5 * static_cast<double>(i + 1 + j); // mean of i+1 .. j
        for (std::size_t t = i; t < j; ++t)
            ranks(order[t]) = rank;
        i = j;
    }
    return ranks;
}

double pearson(const Eigen::Ref<const Eigen::VectorXd>& a,
               const Eigen::Ref<const Eigen::VectorXd>& b) {
    const Eigen::VectorXd ca = a.array() - a.mean(), cb = b.array() - b.mean();
    return ca.dot(cb) / std::sqrt(ca.squaredNorm() * cb.squaredNorm());
}

double sign(double x) {
    return static_cast<double>((x > 0.0) - (x < 0.0));
}

} // namespace

Eigen::VectorXd upper_triangle(const Eigen::Ref<const Eigen::MatrixXd>& rdm) {
    if (rdm.rows() != rdm.cols()) throw std::invalid_argument("an RDM must be square");
    const Eigen::Index k = rdm.rows();
    Eigen::VectorXd out(k * (k - 1) / 2);
    Eigen::Index t = 0;
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = i + 1; j < k; ++j)
            out(t++) = rdm(i, j);
    return out;
}

double compare_vectors(const Eigen::Ref<const Eigen::VectorXd>& a,
                       const Eigen::Ref<const Eigen::VectorXd>& b, RdmComparison how) {
    if (a.size() != b.size() || a.size() < 1)
        throw std::invalid_argument("RDM comparison needs two equally long, non-empty vectors");
    switch (how) {
    case RdmComparison::Spearman:
        return pearson(average_ranks(a), average_ranks(b));
    case RdmComparison::KendallTauA: {
        const Eigen::Index n = a.size();
        if (n < 2) return std::nan("");
        double s = 0.0; // n_c − n_d; tied pairs count zero
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = i + 1; j < n; ++j)
                s += sign(a(i) - a(j)) * sign(b(i) - b(j));
        const auto dn = static_cast<double>(n);
        return s / (dn * (dn - 1.0) / 2.0);
    }
    case RdmComparison::Cosine:
        return a.dot(b) / std::sqrt(a.squaredNorm() * b.squaredNorm());
    }
    throw std::invalid_argument("unknown RDM comparison");
}

double compare_rdms(const Eigen::Ref<const Eigen::MatrixXd>& data,
                    const Eigen::Ref<const Eigen::MatrixXd>& model, RdmComparison how) {
    if (data.rows() != model.rows() || data.cols() != model.cols() || data.rows() < 2)
        throw std::invalid_argument("RDM comparison needs two K × K RDMs with K >= 2");
    return compare_vectors(upper_triangle(data), upper_triangle(model), how);
}

RdmPermutationTest rdm_permutation_test(const Eigen::Ref<const Eigen::MatrixXd>& data,
                                        const Eigen::Ref<const Eigen::MatrixXd>& model,
                                        RdmComparison how, std::size_t permutations,
                                        CounterRng& rng) {
    RdmPermutationTest out;
    out.observed = compare_rdms(data, model, how);
    const Eigen::VectorXd model_vec = upper_triangle(model);
    const Eigen::Index k = data.rows();
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(k));
    Eigen::MatrixXd permuted(k, k);
    std::size_t at_least = 0;
    out.null.reserve(permutations);
    for (std::size_t b = 0; b < permutations; ++b) {
        std::iota(perm.begin(), perm.end(), Eigen::Index{0});
        shuffle(perm.begin(), perm.end(), rng);
        for (Eigen::Index i = 0; i < k; ++i)
            for (Eigen::Index j = 0; j < k; ++j)
                permuted(i, j) =
                    data(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
        const double v = compare_vectors(upper_triangle(permuted), model_vec, how);
        out.null.push_back(v);
        if (v >= out.observed) ++at_least;
    }
    out.p_value = static_cast<double>(1 + at_least) / static_cast<double>(1 + permutations);
    return out;
}

} // namespace neuropop::kernels
