#include "kernels/rdm_compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace neuropop::kernels {

namespace {

// Average ranks (1-based), ties sharing their mean rank. The (value, position) pairs are sorted
// in place rather than positions through an indirect comparison (fewer cache misses at 5·10⁵
// distances). Stable, with the same comparisons as sorting positions, so NaN entries (a
// constant pattern's correlation distance) land where they did before and std::sort's
// unguarded loops never meet a comparison that is not a strict weak order.
Eigen::VectorXd average_ranks(const Eigen::Ref<const Eigen::VectorXd>& v) {
    const auto n = static_cast<std::size_t>(v.size());
    std::vector<std::pair<double, Eigen::Index>> sorted(n);
    for (std::size_t i = 0; i < n; ++i)
        sorted[i] = {v(static_cast<Eigen::Index>(i)), static_cast<Eigen::Index>(i)};
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Eigen::VectorXd ranks(v.size());
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i + 1;
        while (j < n && sorted[j].first == sorted[i].first)
            ++j;
        const double rank = 0.5 * static_cast<double>(i + 1 + j); // mean of i+1 .. j
        for (std::size_t t = i; t < j; ++t)
            ranks(sorted[t].second) = rank;
        i = j;
    }
    return ranks;
}

double pearson(const Eigen::Ref<const Eigen::VectorXd>& a,
               const Eigen::Ref<const Eigen::VectorXd>& b) {
    const Eigen::VectorXd ca = a.array() - a.mean(), cb = b.array() - b.mean();
    return ca.dot(cb) / std::sqrt(ca.squaredNorm() * cb.squaredNorm());
}

std::uint64_t tied_pairs(std::uint64_t run) {
    return run * (run - 1) / 2;
}

// Sorts v ascending by a bottom-up merge sort and returns the swaps an exchange sort would
// need (the pairs i < j with v[j] < v[i]); tmp is scratch of v's size.
std::uint64_t merge_swaps(std::vector<double>& v, std::vector<double>& tmp) {
    const std::size_t n = v.size();
    std::uint64_t swaps = 0;
    for (std::size_t width = 1; width < n; width *= 2)
        for (std::size_t lo = 0; lo < n; lo += 2 * width) {
            const std::size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
            std::size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (v[j] < v[i]) {
                    swaps += mid - i;
                    tmp[k++] = v[j++];
                } else {
                    tmp[k++] = v[i++];
                }
            }
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
            std::copy(tmp.begin() + static_cast<std::ptrdiff_t>(lo),
                      tmp.begin() + static_cast<std::ptrdiff_t>(hi),
                      v.begin() + static_cast<std::ptrdiff_t>(lo));
        }
    return swaps;
}

// Pairs of equal neighbours' runs in v[lo, hi) (sorted there).
std::uint64_t tied_in_sorted(const std::vector<double>& v, std::size_t lo, std::size_t hi) {
    std::uint64_t out = 0;
    for (std::size_t i = lo; i < hi;) {
        std::size_t j = i + 1;
        while (j < hi && v[j] == v[i])
            ++j;
        out += tied_pairs(j - i);
        i = j;
    }
    return out;
}

// n_c − n_d = n0 − n1 − n2 + n3 − 2 swaps (Knight 1966, as scipy.stats.kendalltau) from the
// counts; every count is an integer, so the result equals the pair-by-pair sum.
double kendall_from_counts(std::size_t n, std::uint64_t n1, std::uint64_t n2, std::uint64_t n3,
                           std::uint64_t swaps) {
    return static_cast<double>(static_cast<std::int64_t>(tied_pairs(n) - n1 - n2 + n3) -
                               2 * static_cast<std::int64_t>(swaps));
}

// n_c − n_d over all pairs (tied pairs count zero) in O(n log n): sort by (a, b); pairs
// discordant = the swaps a merge sort of b then needs; n1 (n2) the pairs tied in a (b), n3 tied
// in both.
double kendall_s(const Eigen::Ref<const Eigen::VectorXd>& a,
                 const Eigen::Ref<const Eigen::VectorXd>& b) {
    const auto n = static_cast<std::size_t>(a.size());
    std::vector<Eigen::Index> order(n);
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::sort(order.begin(), order.end(), [&](Eigen::Index x, Eigen::Index y) {
        return a(x) < a(y) || (a(x) == a(y) && b(x) < b(y));
    });
    std::vector<double> v(n), tmp(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = b(order[i]);
    std::uint64_t n1 = 0, n3 = 0;
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i + 1;
        while (j < n && a(order[j]) == a(order[i]))
            ++j;
        n1 += tied_pairs(j - i);
        n3 += tied_in_sorted(v, i, j);
        i = j;
    }
    const std::uint64_t swaps = merge_swaps(v, tmp);
    return kendall_from_counts(n, n1, tied_in_sorted(v, 0, n), n3, swaps);
}

// Kendall's S of many vectors b (the permuted data's RDM entries) against one fixed a (the
// model's): a's order, its runs of ties and their tied pairs are found once (S(a, b) = S(b, a),
// so a may take the sorted role whichever argument it was); per b there remain b's order within
// a's runs of ties, the merge sort's swaps and b's ties — kendall_s's steps without its index
// sort, and the same integer counts, so the same bits.
class KendallAgainst {
public:
    explicit KendallAgainst(const Eigen::VectorXd& a)
        : order_(static_cast<std::size_t>(a.size())), v_(order_.size()), tmp_(order_.size()) {
        std::iota(order_.begin(), order_.end(), Eigen::Index{0});
        std::stable_sort(order_.begin(), order_.end(),
                         [&](Eigen::Index x, Eigen::Index y) { return a(x) < a(y); });
        const std::size_t n = order_.size();
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i + 1;
            while (j < n && a(order_[j]) == a(order_[i]))
                ++j;
            n1_ += tied_pairs(j - i);
            if (j - i > 1) runs_.push_back({i, j});
            i = j;
        }
    }

    double s(const Eigen::Ref<const Eigen::VectorXd>& b) {
        const std::size_t n = order_.size();
        for (std::size_t i = 0; i < n; ++i)
            v_[i] = b(order_[i]);
        std::uint64_t n3 = 0;
        for (const auto& [lo, hi] : runs_) {
            std::sort(v_.begin() + static_cast<std::ptrdiff_t>(lo),
                      v_.begin() + static_cast<std::ptrdiff_t>(hi));
            n3 += tied_in_sorted(v_, lo, hi);
        }
        const std::uint64_t swaps = merge_swaps(v_, tmp_);
        return kendall_from_counts(n, n1_, tied_in_sorted(v_, 0, n), n3, swaps);
    }

private:
    std::vector<Eigen::Index> order_;
    std::vector<std::pair<std::size_t, std::size_t>> runs_; // [lo, hi) of a's ties, 2+ entries
    std::uint64_t n1_ = 0;
    std::vector<double> v_, tmp_;
};

// −½ H D H of the symmetric RDM D (zero diagonal) whose upper triangle, row by row, is `upper`.
// Its Frobenius inner products are the V⁻¹-weighted inner products of the upper triangles
// (RdmComparison::WhitenedCosine; the equivalence rsatoolbox's _cosine_cov_weighted uses).
Eigen::MatrixXd double_centred(const Eigen::Ref<const Eigen::VectorXd>& upper) {
    const auto n = static_cast<double>(upper.size());
    const auto k = static_cast<Eigen::Index>(std::llround((1.0 + std::sqrt(1.0 + 8.0 * n)) / 2.0));
    if (k * (k - 1) / 2 != upper.size() || k < 3)
        throw std::invalid_argument(
            "whitened cosine needs the upper triangle of a K x K RDM with K >= 3");
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(k, k);
    Eigen::Index t = 0;
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = i + 1; j < k; ++j)
            d(i, j) = d(j, i) = upper(t++);
    const Eigen::VectorXd row = d.rowwise().mean();
    const double all = row.mean();
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            d(i, j) = -0.5 * (d(i, j) - row(i) - row(j) + all);
    return d;
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
        const auto dn = static_cast<double>(n);
        return kendall_s(a, b) / (dn * (dn - 1.0) / 2.0);
    }
    case RdmComparison::Cosine:
        return a.dot(b) / std::sqrt(a.squaredNorm() * b.squaredNorm());
    case RdmComparison::WhitenedCosine: {
        const Eigen::MatrixXd ga = double_centred(a), gb = double_centred(b);
        return (ga.array() * gb.array()).sum() / std::sqrt(ga.squaredNorm() * gb.squaredNorm());
    }
    }
    throw std::invalid_argument("unknown RDM comparison");
}

double compare_rdms(const Eigen::Ref<const Eigen::MatrixXd>& data,
                    const Eigen::Ref<const Eigen::MatrixXd>& model, RdmComparison how) {
    if (data.rows() != model.rows() || data.cols() != model.cols() || data.rows() < 2)
        throw std::invalid_argument("RDM comparison needs two K × K RDMs with K >= 2");
    return compare_vectors(upper_triangle(data), upper_triangle(model), how);
}

RankedRdm rank_rdm(const Eigen::Ref<const Eigen::MatrixXd>& rdm) {
    if (rdm.rows() != rdm.cols() || rdm.rows() < 2)
        throw std::invalid_argument("Spearman ranks need a K × K RDM with K >= 2");
    RankedRdm out;
    out.conditions = rdm.rows();
    const Eigen::VectorXd ranks = average_ranks(upper_triangle(rdm));
    // As pearson() centres them, so that spearman() repeats its operations exactly.
    out.centred = ranks.array() - ranks.mean();
    out.squared_norm = out.centred.squaredNorm();
    return out;
}

double spearman(const RankedRdm& a, const RankedRdm& b) {
    if (a.conditions != b.conditions || a.conditions < 2)
        throw std::invalid_argument("RDM comparison needs two K × K RDMs with K >= 2");
    return a.centred.dot(b.centred) / std::sqrt(a.squared_norm * b.squared_norm);
}

RdmPermutationTest rdm_permutation_test(const RankedRdm& data, const RankedRdm& model,
                                        std::size_t permutations, CounterRng& rng) {
    RdmPermutationTest out;
    out.observed = spearman(data, model);
    const Eigen::Index k = data.conditions;
    // Position of entry (i, j), i < j, in the upper triangle: rows before i hold
    // (k−1) + … + (k−i) = i(2k − i − 1)/2 entries.
    const auto at = [k](Eigen::Index i, Eigen::Index j) {
        if (i > j) std::swap(i, j);
        return i * (2 * k - i - 1) / 2 + (j - i - 1);
    };
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(k));
    Eigen::VectorXd permuted(data.centred.size());
    std::size_t at_least = 0;
    out.null.reserve(permutations);
    for (std::size_t b = 0; b < permutations; ++b) {
        std::iota(perm.begin(), perm.end(), Eigen::Index{0});
        shuffle(perm.begin(), perm.end(), rng);
        // Entry (i, j) of the permuted RDM is data(perm[i], perm[j]); its centred rank is that
        // entry's: the ranks' mean is the same sum in another order, exact for half-integers.
        Eigen::Index t = 0;
        for (Eigen::Index i = 0; i < k; ++i) {
            const Eigen::Index pi = perm[static_cast<std::size_t>(i)];
            for (Eigen::Index j = i + 1; j < k; ++j)
                permuted(t++) = data.centred(at(pi, perm[static_cast<std::size_t>(j)]));
        }
        const double v =
            permuted.dot(model.centred) / std::sqrt(data.squared_norm * model.squared_norm);
        out.null.push_back(v);
        if (v >= out.observed) ++at_least;
    }
    out.p_value = static_cast<double>(1 + at_least) / static_cast<double>(1 + permutations);
    return out;
}

RdmPermutationTest rdm_permutation_test(const Eigen::Ref<const Eigen::MatrixXd>& data,
                                        const Eigen::Ref<const Eigen::MatrixXd>& model,
                                        RdmComparison how, std::size_t permutations,
                                        CounterRng& rng) {
    if (how == RdmComparison::Spearman) {
        if (data.rows() != model.rows() || data.cols() != model.cols() || data.rows() < 2)
            throw std::invalid_argument("RDM comparison needs two K × K RDMs with K >= 2");
        return rdm_permutation_test(rank_rdm(data), rank_rdm(model), permutations, rng);
    }
    RdmPermutationTest out;
    out.observed = compare_rdms(data, model, how);
    const Eigen::VectorXd model_vec = upper_triangle(model);
    const Eigen::Index k = data.rows();
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(k));
    // Kendall τa: the model's entries sorted once (KendallAgainst), each permutation's entries
    // gathered straight into the upper triangle. NaN entries (a constant pattern's correlation
    // distance) are no strict weak order for either sort: those RDMs keep the general path.
    if (how == RdmComparison::KendallTauA && model_vec.size() >= 2 && !model_vec.hasNaN() &&
        !data.hasNaN()) {
        KendallAgainst against(model_vec);
        const double pairs = static_cast<double>(model_vec.size()) *
                             (static_cast<double>(model_vec.size()) - 1.0) / 2.0;
        Eigen::VectorXd permuted(model_vec.size());
        std::size_t at_least = 0;
        out.null.reserve(permutations);
        for (std::size_t b = 0; b < permutations; ++b) {
            std::iota(perm.begin(), perm.end(), Eigen::Index{0});
            shuffle(perm.begin(), perm.end(), rng);
            Eigen::Index t = 0;
            for (Eigen::Index i = 0; i < k; ++i)
                for (Eigen::Index j = i + 1; j < k; ++j)
                    permuted(t++) =
                        data(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
            const double v = against.s(permuted) / pairs;
            out.null.push_back(v);
            if (v >= out.observed) ++at_least;
        }
        out.p_value = static_cast<double>(1 + at_least) / static_cast<double>(1 + permutations);
        return out;
    }
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

const char* comparison_name(RdmComparison how) {
    switch (how) {
    case RdmComparison::Spearman:
        return "spearman";
    case RdmComparison::KendallTauA:
        return "kendall_tau_a";
    case RdmComparison::Cosine:
        return "cosine";
    case RdmComparison::WhitenedCosine:
        return "whitened_cosine";
    }
    return "?";
}

} // namespace neuropop::kernels
