#include "engine/runtime/mpi_context.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <limits>
#include <thread>

namespace neuropop::engine {

namespace {

std::string error_text(int code) {
    char text[MPI_MAX_ERROR_STRING] = {};
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        return "MPI error " + std::to_string(code);
    return std::string(text, static_cast<std::size_t>(len));
}

// Both may be asked on the way out (destructors, exit handlers, aborts), where nothing can be
// thrown: a failing query answers "no", so nothing more is asked of MPI.
bool mpi_initialized() noexcept {
    int flag = 0;
    return MPI_Initialized(&flag) == MPI_SUCCESS && flag != 0;
}

bool mpi_finalized() noexcept {
    int flag = 0;
    return MPI_Finalized(&flag) == MPI_SUCCESS && flag != 0;
}

void initialise() {
    // setenv(..., 0) keeps a value the user (or the test harness) already chose.
    ::setenv("OMPI_MCA_fcoll", "dynamic_gen2", 0);

    int provided = 0;
    NEUROPOP_MPI_OR_THROW(MPI_Init_thread, nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    // Errors come back as codes (turned into MpiError) instead of killing the job silently.
    NEUROPOP_MPI_OR_THROW(MPI_Comm_set_errhandler, MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < MPI_THREAD_FUNNELED)
        abort_all("neuropop: the MPI library does not support MPI_THREAD_FUNNELED");
}

// Waits for a nonblocking operation without spinning: OpenMPI's blocking calls busy-poll, and a
// rank that spins while waiting steals the core another rank computes on.
void polite_wait(MPI_Request& request) {
    for (int spins = 0;; ++spins) {
        int done = 0;
        NEUROPOP_MPI_OR_THROW(MPI_Test, &request, &done, MPI_STATUS_IGNORE);
        if (done) return;
        if (spins > 64) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

// An exit handler cannot report a failure: the process ends either way.
void finalize_at_exit() {
    if (mpi_initialized() && !mpi_finalized()) (void)MPI_Finalize();
}

} // namespace

MpiError::MpiError(int code, const char* call)
    : std::runtime_error(std::string(call) + ": " + error_text(code)), code_(code) {}

MpiSession::MpiSession() : uncaught_(std::uncaught_exceptions()) {
    if (mpi_initialized()) return;
    initialise();
    owner_ = true;
}

MpiSession::~MpiSession() {
    if (!owner_ || mpi_finalized()) return;
    if (std::uncaught_exceptions() > uncaught_) return; // unwinding: finalising could hang
    (void)MPI_Finalize(); // a destructor cannot throw; the process is ending
}

void ensure_mpi() {
    if (mpi_initialized()) return;
    initialise();
    std::atexit(finalize_at_exit);
}

void abort_all(const std::string& message, int code) {
    std::cerr << message << std::endl;
    // MPI_Abort does not return when it works; when it does not, _Exit still ends this rank.
    if (mpi_initialized() && !mpi_finalized()) (void)MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
}

void abort_command(const std::string& command, const std::string& what, int code) {
    int rank = -1;
    if (mpi_initialized() && !mpi_finalized() &&
        MPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS)
        rank = -1; // still abort: the message matters more than the rank
    abort_all("neuropop " + command + ": rank " + std::to_string(rank) + ": fatal: " + what +
                  " (aborting every rank)",
              code);
}

int world_rank() {
    int rank = 0;
    NEUROPOP_MPI_OR_THROW(MPI_Comm_rank, MPI_COMM_WORLD, &rank);
    return rank;
}

Context::Context(MPI_Comm comm) : comm_(comm) {
    NEUROPOP_MPI_OR_THROW(MPI_Comm_set_errhandler, comm_, MPI_ERRORS_RETURN);
    NEUROPOP_MPI_OR_THROW(MPI_Comm_rank, comm_, &rank_);
    NEUROPOP_MPI_OR_THROW(MPI_Comm_size, comm_, &size_);
    MPI_Comm node = MPI_COMM_NULL;
    NEUROPOP_MPI_OR_THROW(MPI_Comm_split_type, comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL,
                          &node);
    NEUROPOP_MPI_OR_THROW(MPI_Comm_size, node, &node_ranks_);
    NEUROPOP_MPI_OR_THROW(MPI_Comm_free, &node);
}

void Context::send(int dest, int tag, const std::vector<std::uint8_t>& bytes) const {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::length_error("message too large for one MPI_Send");
    NEUROPOP_MPI_OR_THROW(MPI_Send, bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest,
                          tag, comm_);
}

std::optional<Message> Context::poll(int tag) const {
    int flag = 0;
    MPI_Status status;
    NEUROPOP_MPI_OR_THROW(MPI_Iprobe, MPI_ANY_SOURCE, tag, comm_, &flag, &status);
    if (!flag) return std::nullopt;
    int count = 0;
    NEUROPOP_MPI_OR_THROW(MPI_Get_count, &status, MPI_BYTE, &count);
    Message m;
    m.source = status.MPI_SOURCE;
    m.tag = status.MPI_TAG;
    m.bytes.resize(static_cast<std::size_t>(count));
    NEUROPOP_MPI_OR_THROW(MPI_Recv, m.bytes.data(), count, MPI_BYTE, m.source, m.tag, comm_,
                          MPI_STATUS_IGNORE);
    return m;
}

void Context::broadcast(std::vector<std::uint8_t>& bytes, int root) const {
    auto n = static_cast<std::uint64_t>(bytes.size());
    MPI_Request request;
    NEUROPOP_MPI_OR_THROW(MPI_Ibcast, &n, 1, MPI_UINT64_T, root, comm_, &request);
    polite_wait(request);
    bytes.resize(static_cast<std::size_t>(n));
    // Large layouts go in pieces: one MPI count is an int.
    constexpr std::uint64_t piece = std::uint64_t{1} << 30;
    for (std::uint64_t off = 0; off < n; off += piece) {
        auto len = static_cast<int>(std::min(piece, n - off));
        NEUROPOP_MPI_OR_THROW(MPI_Ibcast, bytes.data() + off, len, MPI_BYTE, root, comm_, &request);
        polite_wait(request);
    }
}

std::int64_t Context::sum(std::int64_t value) const {
    std::int64_t out = 0;
    MPI_Request request;
    NEUROPOP_MPI_OR_THROW(MPI_Iallreduce, &value, &out, 1, MPI_INT64_T, MPI_SUM, comm_, &request);
    polite_wait(request);
    return out;
}

int Context::max(int value) const {
    int out = 0;
    MPI_Request request;
    NEUROPOP_MPI_OR_THROW(MPI_Iallreduce, &value, &out, 1, MPI_INT, MPI_MAX, comm_, &request);
    polite_wait(request);
    return out;
}

void Context::barrier() const {
    MPI_Request request;
    NEUROPOP_MPI_OR_THROW(MPI_Ibarrier, comm_, &request);
    polite_wait(request);
}

} // namespace neuropop::engine
