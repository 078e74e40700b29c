#pragma once
// One parallel loop shape shared by the kernels: independent tasks (a fit, a fold, a permutation)
// each written to its own output slot, so the result does not depend on the thread count.

#include <cstddef>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

namespace neuropop::kernels {

// Runs body(task) for every task in [0, n) on the TBB pool, one task per chunk.
template <typename Body>
void for_each_task(std::size_t n, const Body& body) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t t = range.begin(); t != range.end(); ++t)
                              body(t);
                      });
}

} // namespace neuropop::kernels
