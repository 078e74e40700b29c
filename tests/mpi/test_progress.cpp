// The progress line of rank 0: content, rate limit, terminal vs. log output.

#include <sstream>

#include <catch2/catch.hpp>

#include "engine/runtime/progress.hpp"

using namespace neuropop::engine;

TEST_CASE("progress line: done/total, failures, rate of items run now and ETA", "[progress]") {
    // 10 of 40 finished, 2 of them resumed, after 4 s: (10 - 2) / 4 = 2 items/s, 30 left -> 15 s.
    REQUIRE(Progress::line({40, 10, 1, 2}, 4.0) ==
            "neuropop run: 10/40 items, 1 failed, 2.0 items/s, ETA 15.0 s");
    // Nothing run yet: no rate to speak of.
    REQUIRE(Progress::line({40, 2, 0, 2}, 1.0) == "neuropop run: 2/40 items");
    REQUIRE(format_duration(125) == "2 min 05 s");
    REQUIRE(format_duration(7300) == "2 h 02 min");
}

TEST_CASE("progress prints at most once a second: plain lines into a log, one rewritten line on "
          "a terminal",
          "[progress]") {
    using namespace std::chrono_literals;
    const auto t0 = Progress::Clock::now();
    std::ostringstream log;
    Progress plain(log, true, false);
    plain.update({4, 1, 0, 0}, t0);
    plain.update({4, 2, 0, 0}, t0 + 500ms); // within the second: not printed
    plain.update({4, 3, 0, 0}, t0 + 1100ms);
    plain.finish("summary");
    const std::string text = log.str();
    REQUIRE(text.find("1/4 items") != std::string::npos);
    REQUIRE(text.find("2/4 items") == std::string::npos);
    REQUIRE(text.find("3/4 items") != std::string::npos);
    REQUIRE(text.find('\r') == std::string::npos);
    REQUIRE(text.substr(text.size() - 8) == "summary\n");

    std::ostringstream tty;
    Progress terminal(tty, true, true);
    terminal.update({4, 1, 0, 0}, t0);
    terminal.finish("summary");
    REQUIRE(tty.str().front() == '\r');
    REQUIRE(tty.str().find('\n') == tty.str().size() - 1); // one line, ended by the summary

    std::ostringstream quiet;
    Progress off(quiet, false, false);
    off.update({4, 1, 0, 0}, t0);
    off.finish("summary");
    REQUIRE(quiet.str().empty());
}
