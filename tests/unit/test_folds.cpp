// Stratified folds: balance as scikit-learn's StratifiedKFold, every class in every fold,
// reproducible from the RNG key, uniform over assignments.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/folds.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::shuffled_folds;
using neuropop::kernels::stratified_folds;

namespace {

// counts[fold][class]
std::vector<std::vector<int>> table(const std::vector<int>& folds, const std::vector<int>& labels,
                                    int k, int classes) {
    std::vector<std::vector<int>> t(static_cast<std::size_t>(k),
                                    std::vector<int>(static_cast<std::size_t>(classes), 0));
    for (std::size_t i = 0; i < folds.size(); ++i)
        ++t[static_cast<std::size_t>(folds[i])][static_cast<std::size_t>(labels[i])];
    return t;
}

// Unequal classes in a scrambled order: 13, 7, 22, 5, 9 trials.
std::vector<int> uneven_labels() {
    const std::vector<int> sizes{13, 7, 22, 5, 9};
    std::vector<int> labels;
    for (std::size_t c = 0; c < sizes.size(); ++c)
        labels.insert(labels.end(), static_cast<std::size_t>(sizes[c]), static_cast<int>(c));
    CounterRng rng(3, 3);
    neuropop::kernels::shuffle(labels.begin(), labels.end(), rng);
    return labels;
}

} // namespace

TEST_CASE("stratified folds hold every class, balanced like StratifiedKFold", "[folds]") {
    const std::vector<int> labels = uneven_labels();
    const int k = 5, classes = 5;
    CounterRng rng(11, 2);
    const auto folds = stratified_folds(labels, k, rng);
    REQUIRE(folds.size() == labels.size());
    const auto t = table(folds, labels, k, classes);
    std::vector<int> fold_sizes(k, 0);
    for (int c = 0; c < classes; ++c) {
        int lo = 1 << 30, hi = 0;
        for (int f = 0; f < k; ++f) {
            lo = std::min(lo, t[f][c]);
            hi = std::max(hi, t[f][c]);
            fold_sizes[static_cast<std::size_t>(f)] += t[f][c];
        }
        CHECK(lo >= 1);      // every fold holds every class
        CHECK(hi - lo <= 1); // per class, fold sizes differ by at most one
    }
    CHECK(*std::max_element(fold_sizes.begin(), fold_sizes.end()) -
              *std::min_element(fold_sizes.begin(), fold_sizes.end()) <=
          1);

    // The per-fold class counts are exactly scikit-learn's (its allocation does not depend on
    // the random state; only which trial gets which slot does).
    neuropop::test::TempDir dir("folds");
    std::ofstream(dir / "labels.txt") << [&] {
        std::string s;
        for (int y : labels)
            s += std::to_string(y) + " ";
        return s;
    }();
    const auto sk = neuropop::test::parse_doubles(neuropop::test::run_python(
        R"(import sys, numpy as np
from sklearn.model_selection import StratifiedKFold
y = np.array(open(sys.argv[1]).read().split(), dtype=int)
for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(y.size), y):
    print(" ".join(str(v) for v in np.bincount(y[test], minlength=5)))
)",
        {(dir / "labels.txt").string()}));
    REQUIRE(sk.size() == static_cast<std::size_t>(k * classes));
    for (int f = 0; f < k; ++f)
        for (int c = 0; c < classes; ++c)
            CHECK(t[f][c] == static_cast<int>(sk[static_cast<std::size_t>(f * classes + c)]));
}

TEST_CASE("stratified folds are reproducible and continue the stream for repeats", "[folds]") {
    const std::vector<int> labels = uneven_labels();
    CounterRng a(5, 9), b(5, 9), c(6, 9);
    const auto first = stratified_folds(labels, 5, a), second = stratified_folds(labels, 5, a);
    CHECK(first == stratified_folds(labels, 5, b));  // same key, same folds
    CHECK(second == stratified_folds(labels, 5, b)); // and the same next repeat
    CHECK(first != second);                          // which differs from the first
    CHECK(first != stratified_folds(labels, 5, c));  // another seed, other folds
}

TEST_CASE("stratified folds are uniform over the trials of a class", "[folds]") {
    // 10 trials of each of 2 classes, 5 folds: each trial lands in each fold with p = 1/5.
    // 4000 draws: expected 800 per (trial, fold), sd = sqrt(4000·0.2·0.8) = 25.3; a 5-sd band
    // (two-sided p ≈ 6e-7 per cell, 100 cells) catches a biased shuffle without flaking.
    std::vector<int> labels(20);
    for (int i = 0; i < 20; ++i)
        labels[static_cast<std::size_t>(i)] = i % 2;
    std::vector<std::vector<int>> hits(20, std::vector<int>(5, 0));
    CounterRng rng(1, 1);
    for (int r = 0; r < 4000; ++r) {
        const auto f = stratified_folds(labels, 5, rng);
        for (std::size_t i = 0; i < 20; ++i)
            ++hits[i][static_cast<std::size_t>(f[i])];
    }
    for (const auto& row : hits)
        for (int h : row)
            CHECK(std::abs(h - 800) <= 5 * 25.3);
}

TEST_CASE("stratified folds reject classes smaller than k, naming the class", "[folds]") {
    CounterRng rng(1, 1);
    std::vector<int> labels{0, 0, 0, 1, 1, 1, 2, 2, 0, 1};
    CHECK_THROWS_WITH(stratified_folds(labels, 3, rng), Catch::Contains("class 2"));
    labels.push_back(2);
    CHECK_NOTHROW(stratified_folds(labels, 3, rng));
    labels.push_back(4); // class 3 absent: 0 trials
    CHECK_THROWS_WITH(stratified_folds(labels, 3, rng), Catch::Contains("class 3"));
    CHECK_THROWS_AS(stratified_folds(std::vector<int>{0, 1, -1}, 2, rng), std::invalid_argument);
    CHECK_THROWS_AS(stratified_folds(std::vector<int>{0, 1}, 1, rng), std::invalid_argument);
}

TEST_CASE("shuffled folds partition the trials evenly", "[folds]") {
    CounterRng rng(2, 2);
    const auto folds = shuffled_folds(23, 4, rng);
    std::vector<int> sizes(4, 0);
    for (int f : folds)
        ++sizes[static_cast<std::size_t>(f)];
    CHECK(sizes == std::vector<int>{6, 6, 6, 5});
    CHECK_THROWS_AS(shuffled_folds(3, 4, rng), std::invalid_argument);
}
