#pragma once
// The error type of the HDF5 wrapper (io/h5.hpp), without <hdf5.h>: callers above io/ that only
// catch HDF5 failures, or silence HDF5's own printing once at start-up, include this instead of
// the wrapper, so HDF5's C types stay inside io/ (docs/DESIGN.md "Layers").

#include <stdexcept>
#include <string>

namespace neuropop::h5 {

// A failed HDF5 call: which call, on which object, and what HDF5 said.
class Error : public std::runtime_error {
public:
    Error(std::string call, std::string object, std::string detail);
    const std::string& call() const { return call_; }
    const std::string& object() const { return object_; }
    const std::string& detail() const { return detail_; }

private:
    std::string call_, object_, detail_;
};

// Turns off HDF5's automatic error-stack printing for the whole process (idempotent).
void silence_errors();

// True when HDF5's automatic error-stack printing is on (the fuzz target checks that nothing
// turned it back on).
bool error_printing_on();

} // namespace neuropop::h5
