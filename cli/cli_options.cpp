#include "cli/cli_options.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace neuropop::cli {

namespace po = boost::program_options;

std::optional<po::variables_map> parse_with_positional(const Args& args,
                                                       const po::options_description& visible,
                                                       const char* positional) {
    po::options_description hidden;
    hidden.add_options()(positional, po::value<std::vector<std::string>>(), "");
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description where;
    where.add(positional, -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(where).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << visible << "\n";
        return std::nullopt;
    }
    return vm;
}

} // namespace neuropop::cli
