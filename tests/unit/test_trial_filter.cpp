// trials.where (jobs/trial_filter.hpp): the grammar, syntax errors with their position, and
// evaluation on a small trials table built here (strings, numbers, NaN).

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/nwb_reader.hpp"
#include "jobs/trial_filter.hpp"
#include "jobs/trial_selection.hpp"

using namespace neuropop::jobs;
using neuropop::io::Column;
using neuropop::io::TrialsTable;

namespace {

const double nan = std::numeric_limits<double>::quiet_NaN();

// 6 trials: a string column, an integer-valued column, a float column with a NaN.
TrialsTable table() {
    TrialsTable t;
    t.ids = {0, 1, 2, 3, 4, 5};
    Column position{"stimulus_position", "vlen utf-8 string", true, {}, {}};
    position.strings = {"upper", "lower", "middle", "upper", "lower", "b1"};
    Column choice{"choice", "int64", false, {0, 1, -1, 1, 0, 1}, {}};
    Column contrast{"contrast", "float64", false, {0.0, 0.25, 0.5, nan, 1.0, 0.125}, {}};
    t.columns = {position, choice, contrast};
    return t;
}

std::vector<int> kept(const std::string& where) {
    std::string why;
    const auto f = parse_trial_filter(where, why);
    INFO(where << ": " << why);
    REQUIRE(f);
    const auto out = evaluate_filter(*f, table());
    std::vector<int> rows;
    for (std::size_t r = 0; r < out.keep.size(); ++r)
        if (out.keep[r] != 0) rows.push_back(static_cast<int>(r));
    CHECK(out.filtered_out == out.keep.size() - rows.size());
    return rows;
}

std::string error_of(const std::string& where) {
    std::string why;
    CHECK_FALSE(parse_trial_filter(where, why));
    return why;
}

} // namespace

TEST_CASE("trials.where parses conditions joined by and", "[jobs][trial_filter]") {
    std::string why;
    const auto f = parse_trial_filter(
        "stimulus_position in (upper, 'lower', \"b 1\") AND contrast>=0.25 and choice not in (0)",
        why);
    REQUIRE(f);
    REQUIRE(f->conditions.size() == 3);
    const auto& in = f->conditions[0];
    CHECK(in.column == "stimulus_position");
    CHECK(in.op == FilterOp::In);
    REQUIRE(in.values.size() == 3);
    CHECK(in.values[0].text == "upper");
    CHECK_FALSE(in.values[0].quoted);
    CHECK(in.values[1].text == "lower");
    CHECK(in.values[1].quoted);
    CHECK(in.values[2].text == "b 1");
    CHECK(in.text == "stimulus_position in (upper, 'lower', \"b 1\")");
    CHECK(f->conditions[1].op == FilterOp::Ge);
    CHECK(f->conditions[1].values[0].text == "0.25");
    CHECK(f->conditions[1].text == "contrast>=0.25");
    CHECK(f->conditions[2].op == FilterOp::NotIn);
    // Blank: no condition.
    const auto none = parse_trial_filter("   ", why);
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("trials.where syntax errors name the character where they are", "[jobs][trial_filter]") {
    CHECK(error_of("stimulus_position in upper") ==
          "at character 22: expected '(' after 'in', found 'upper'");
    CHECK(error_of("a == 1 b == 2") == "at character 8: expected 'and' or the end, found 'b'");
    CHECK(error_of("a = 1") == "at character 3: unknown operator '=' (use == or !=)");
    CHECK(error_of("a in (x, y") == "at character 11: expected ',' or ')', found the end");
    CHECK(error_of("a == 'x") == "at character 6: quote ' is never closed");
    CHECK(error_of("a ==") ==
          "at character 5: expected a value (a bare word, 'quoted' or \"quoted\"), found the end");
    CHECK(error_of("a") == "at character 2: expected an operator (in, not in, ==, !=, <, <=, >, "
                           ">=) after 'a', found the end");
    CHECK(error_of("a not (x)") == "at character 7: expected 'in' after 'not', found '('");
    CHECK(error_of("and == 1") == "at character 1: expected a trials column name, found 'and'");
    CHECK(error_of("a == 1 and") ==
          "at character 11: expected a trials column name, found the end");
    CHECK(error_of("a == 1; b") == "at character 7: unexpected character ';'");
    CHECK(error_of("2x == 1") == "at character 1: expected a trials column name, found '2x'");
}

TEST_CASE("trials.where keeps the rows every condition passes", "[jobs][trial_filter]") {
    CHECK(kept("stimulus_position in (upper, lower)") == std::vector<int>{0, 1, 3, 4});
    CHECK(kept("stimulus_position not in (upper, lower)") == std::vector<int>{2, 5});
    CHECK(kept("stimulus_position == 'b1'") == std::vector<int>{5});
    CHECK(kept("stimulus_position == \"b1\"") == std::vector<int>{5});
    CHECK(kept("stimulus_position != upper") == std::vector<int>{1, 2, 4, 5});
    CHECK(kept("choice != 0") == std::vector<int>{1, 2, 3, 5});
    CHECK(kept("choice in (-1, 1.0)") == std::vector<int>{1, 2, 3, 5});
    CHECK(kept("choice < 1") == std::vector<int>{0, 2, 4});
    CHECK(kept("choice <= 0") == std::vector<int>{0, 2, 4});
    CHECK(kept("choice > 0") == std::vector<int>{1, 3, 5});
    // Numbers compare numerically: 0.125 < 0.25 although "0.125" > "0.25" as text.
    CHECK(kept("contrast >= 0.25") == std::vector<int>{1, 2, 4});
    CHECK(kept("contrast < 0.25") == std::vector<int>{0, 5});
    CHECK(kept("stimulus_position in (upper, lower) and contrast > 0") == std::vector<int>{1, 4});
    CHECK(kept("") == std::vector<int>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("trials.where drops and counts rows with NaN in a compared column, whatever the "
          "operator",
          "[jobs][trial_filter]") {
    for (const char* where : {"contrast >= 0", "contrast != 7", "contrast not in (7)"}) {
        INFO(where);
        std::string why;
        const auto f = parse_trial_filter(where, why);
        REQUIRE(f);
        const auto out = evaluate_filter(*f, table());
        CHECK(out.keep[3] == 0);
        CHECK(out.nan == 1);
        CHECK(out.filtered_out == 1);
    }
}

TEST_CASE("trials.where mismatches: numeric comparison on strings, a word for a number",
          "[jobs][trial_filter]") {
    std::string why;
    const auto t = table();
    auto f = parse_trial_filter("stimulus_position < 3", why);
    REQUIRE(f);
    CHECK(condition_mismatch(f->conditions[0], *t.find("stimulus_position")) ==
          "'<' compares numbers, but stimulus_position is a string column (vlen utf-8 string)");
    CHECK_THROWS_AS(evaluate_filter(*f, t), std::invalid_argument);
    f = parse_trial_filter("choice == high", why);
    REQUIRE(f);
    CHECK(condition_mismatch(f->conditions[0], *t.find("choice")) ==
          "'high' is not a number, but choice is numeric (int64)");
    f = parse_trial_filter("nope == 1", why);
    REQUIRE(f);
    CHECK_THROWS_AS(evaluate_filter(*f, t), std::invalid_argument);
}

TEST_CASE("trials.where against every session: missing columns, mismatches, values in none",
          "[jobs][trial_filter]") {
    JobSpec spec;
    spec.trials.where = "stimulus_position in (upper, lowr) and nope == 1 and "
                        "stimulus_position >= 2 and choice == x and stimulus_position != zzz";
    const auto a = table();
    auto b = table();
    b.columns[0].strings[2] = "center";
    std::vector<std::string> problems;
    check_trial_filter(spec, {{"a.nwb", &a}, {"b.nwb", &b}}, problems);
    const std::vector<std::string> expected{
        "trials.where: 'stimulus_position in (upper, lowr)': value 'lowr' of stimulus_position "
        "occurs in no session (values: b1, center, lower, middle, upper)",
        "trials.where: 'nope == 1': no trials column 'nope' in 2 of 2 sessions (a.nwb, b.nwb; "
        "columns: choice, contrast, stimulus_position)",
        "trials.where: 'stimulus_position >= 2': '>=' compares numbers, but stimulus_position is "
        "a string column (vlen utf-8 string) in 2 of 2 sessions (a.nwb, b.nwb)",
        "trials.where: 'choice == x': 'x' is not a number, but choice is numeric (int64) in 2 of "
        "2 sessions (a.nwb, b.nwb)",
    };
    CHECK(problems == expected);
    // binned_rows: the filter and a finite alignment time.
    JobSpec ok;
    ok.trials.where = "stimulus_position in (upper, lower)";
    ok.align.event = "contrast"; // row 3 is NaN
    CHECK(binned_rows(ok, a) == std::vector<std::size_t>{0, 1, 4});
}
