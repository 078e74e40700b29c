#pragma once
// glibc malloc's trim and mmap thresholds set once, at start-up, to the ceiling its own adaptive
// rule reaches in a warmed-up process (docs/DESIGN.md "Memory per rank").
//
// Why: by default glibc serves blocks above 128 KB with mmap and returns a heap's free top to
// the kernel once it exceeds 128 KB. It raises both thresholds (up to 32 MB and 64 MB) only after
// the process frees a large mmapped block, so a fresh process — the first items of a rank, every
// benchmark process — allocates and frees its 100 KB-1 MB temporaries (Eigen's GEMM blocks,
// per-pair Gram products) through fresh pages: on the few-shot geometry bench 319 000 page
// faults and 5x the CPU time of a warmed process. Fixing the thresholds at the ceiling makes
// every process behave as a warmed one from the first item on; memory a rank keeps is bounded
// by the trim threshold per malloc arena, the same as after the first large free today.

namespace neuropop::engine {

// Idempotent; a no-op on a C library other than glibc, and under a sanitizer whose allocator
// replaces glibc's (ASan intercepts mallopt). Returns whether the thresholds were set.
bool tune_malloc();

} // namespace neuropop::engine
