#include "kernels/folds.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace neuropop::kernels {

std::vector<int> stratified_folds(std::span<const int> labels, int k, CounterRng& rng) {
    if (k < 2)
        throw std::invalid_argument("stratified folds need k >= 2, got " + std::to_string(k));
    int n_classes = 0;
    for (int y : labels) {
        if (y < 0) throw std::invalid_argument("negative class label " + std::to_string(y));
        n_classes = std::max(n_classes, y + 1);
    }
    std::vector<std::vector<int>> members(static_cast<std::size_t>(n_classes));
    for (std::size_t i = 0; i < labels.size(); ++i)
        members[static_cast<std::size_t>(labels[i])].push_back(static_cast<int>(i));
    for (std::size_t c = 0; c < members.size(); ++c)
        if (members[c].size() < static_cast<std::size_t>(k))
            throw std::invalid_argument("class " + std::to_string(c) + " has " +
                                        std::to_string(members[c].size()) +
                                        " trials, fewer than the " + std::to_string(k) + " folds");

    // scikit-learn encodes classes by order of first appearance, deals the sorted encoded
    // labels to the folds and shuffles class by class in that order; do the same.
    std::vector<int> order;
    std::vector<char> seen(members.size(), 0);
    for (int y : labels)
        if (!seen[static_cast<std::size_t>(y)]) {
            seen[static_cast<std::size_t>(y)] = 1;
            order.push_back(y);
        }
    std::vector<int> folds(labels.size(), -1);
    std::size_t position = 0; // position of the class's first trial in the sorted order
    std::vector<int> slots;
    for (int c : order) {
        const auto& trials = members[static_cast<std::size_t>(c)];
        slots.resize(trials.size());
        for (std::size_t j = 0; j < trials.size(); ++j)
            slots[j] = static_cast<int>((position + j) % static_cast<std::size_t>(k));
        std::sort(slots.begin(), slots.end());
        shuffle(slots.begin(), slots.end(), rng);
        for (std::size_t j = 0; j < trials.size(); ++j)
            folds[static_cast<std::size_t>(trials[j])] = slots[j];
        position += trials.size();
    }
    return folds;
}

std::vector<int> shuffled_folds(std::size_t n_trials, int k, CounterRng& rng) {
    if (k < 2) throw std::invalid_argument("folds need k >= 2, got " + std::to_string(k));
    if (n_trials < static_cast<std::size_t>(k))
        throw std::invalid_argument(std::to_string(n_trials) + " trials, fewer than the " +
                                    std::to_string(k) + " folds");
    std::vector<int> order(n_trials);
    for (std::size_t i = 0; i < n_trials; ++i)
        order[i] = static_cast<int>(i);
    shuffle(order.begin(), order.end(), rng);
    std::vector<int> folds(n_trials);
    for (std::size_t j = 0; j < n_trials; ++j)
        folds[static_cast<std::size_t>(order[j])] =
            static_cast<int>(j % static_cast<std::size_t>(k));
    return folds;
}

std::vector<int> fold_members(std::span<const int> folds, int f) {
    std::vector<int> out;
    for (std::size_t i = 0; i < folds.size(); ++i)
        if (folds[i] == f) out.push_back(static_cast<int>(i));
    return out;
}

std::vector<int> fold_complement(std::span<const int> folds, int f) {
    std::vector<int> out;
    for (std::size_t i = 0; i < folds.size(); ++i)
        if (folds[i] != f) out.push_back(static_cast<int>(i));
    return out;
}

} // namespace neuropop::kernels
