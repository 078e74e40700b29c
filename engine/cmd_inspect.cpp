#include <iostream>

#include "engine/commands.hpp"

namespace neuropop::cli {

int inspect(const Args&) {
    std::cerr << "neuropop inspect: not built yet\n";
    return exit_internal;
}

} // namespace neuropop::cli
