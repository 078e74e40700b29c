#include <iostream>

#include "engine/commands.hpp"

namespace neuropop::cli {

int generate(const Args&) {
    std::cerr << "neuropop generate: not built yet\n";
    return exit_internal;
}

} // namespace neuropop::cli
