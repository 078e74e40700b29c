#pragma once
// The interface between the scheduler (engine/runtime/scheduler.hpp) and the work items
// (engine/items/executor.hpp), apart from the scheduler so that the items build without MPI.

#include <cstdint>
#include <memory>

namespace neuropop::engine {

// Storage bytes an item moved on its rank's main thread: its inputs read in prepare(), its
// item file written in commit().
struct TaskBytes {
    std::uint64_t read = 0, written = 0;
};

// One item on one rank. prepare() and commit() run on the main thread (HDF5 reads and writes);
// compute() runs on a compute thread and must not call HDF5 or MPI.
class Task {
public:
    virtual ~Task() = default;
    virtual void compute() = 0;
    virtual void commit(double seconds) = 0;       // seconds: wall time of the item so far
    virtual TaskBytes bytes() const { return {}; } // after commit()
};

class Executor {
public:
    virtual ~Executor() = default;
    virtual std::unique_ptr<Task> prepare(std::uint64_t id) = 0;
};

} // namespace neuropop::engine
