#pragma once
// MPI behind a small interface (after Arbor's distributed_context). Every MPI call goes through
// NEUROPOP_MPI_OR_THROW, which turns an error code into MpiError. All calls are made from the
// rank's main thread (MPI_THREAD_FUNNELED): compute threads never touch MPI.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mpi.h>

namespace neuropop::engine {

class MpiError : public std::runtime_error {
public:
    MpiError(int code, const char* call);
    int code() const { return code_; }

private:
    int code_;
};

#define NEUROPOP_MPI_OR_THROW(fn, ...)                                                             \
    while (int mpi_rc_ = fn(__VA_ARGS__))                                                          \
    throw ::neuropop::engine::MpiError(mpi_rc_, #fn)

// The process's MPI runtime for the lifetime of a command. Sets OMPI_MCA_fcoll=dynamic_gen2
// before MPI_Init unless the user chose an fcoll component (OpenMPI 4.1's vulcan component hangs
// or corrupts data with parallel HDF5 collective writes). Finalises only on a normal exit: never
// while an exception unwinds, because MPI_Finalize then waits for ranks that are still working.
class MpiSession {
public:
    MpiSession();
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

private:
    bool owner_ = false;
    int uncaught_ = 0;
};

// Initialises MPI once for library callers (tests calling engine::run) and finalises it at
// process exit. A no-op when MPI is already initialised.
void ensure_mpi();

// Prints `message` on stderr and takes every rank down (MPI_Abort): a failing rank must never
// leave the others waiting until the job's wall time.
[[noreturn]] void abort_all(const std::string& message, int code = 1);

// The commands' handler of a fatal error (engine/cmd_*.cpp): other ranks may be inside a
// collective call waiting for this one, so print "neuropop <command>: rank R: fatal: <what>
// (aborting every rank)" and take them all down (abort_all). R is -1 when MPI is not running.
[[noreturn]] void abort_command(const std::string& command, const std::string& what, int code);

// This process's rank in MPI_COMM_WORLD (MpiError when MPI fails).
int world_rank();

struct Message {
    int source = -1;
    int tag = -1;
    std::vector<std::uint8_t> bytes;
};

// One communicator and what the engine does with it.
class Context {
public:
    explicit Context(MPI_Comm comm = MPI_COMM_WORLD); // collective (finds the ranks per node)
    int rank() const { return rank_; }
    int size() const { return size_; }
    int node_ranks() const { return node_ranks_; } // ranks sharing this rank's node
    MPI_Comm comm() const { return comm_; }

    void send(int dest, int tag, const std::vector<std::uint8_t>& bytes) const;
    // A waiting message with `tag` (any tag by default) from anyone, without blocking.
    std::optional<Message> poll(int tag = MPI_ANY_TAG) const;
    // `bytes` of `root` on every rank.
    void broadcast(std::vector<std::uint8_t>& bytes, int root = 0) const;
    std::int64_t sum(std::int64_t value) const;
    int max(int value) const;
    void barrier() const;

private:
    MPI_Comm comm_;
    int rank_ = 0, size_ = 1, node_ranks_ = 1;
};

} // namespace neuropop::engine
