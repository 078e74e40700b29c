// Condition sets and model columns of [geometry] (jobs/geometry_sets.hpp): joint labels, the
// "0 same, 1 different" model rule, and the trials a condition needs.

#include <catch2/catch.hpp>

#include "jobs/geometry_sets.hpp"

namespace g = neuropop::jobs::geometry;

namespace {

// Trials of a 2-object x 2-position design in scrambled order.
const std::vector<std::string> object{"car", "face", "car", "face", "car", "car"};
const std::vector<std::string> position{"up", "up", "down", "down", "up", "down"};

g::Conditions both() {
    return g::joint_conditions({"object", "position"}, object.size(),
                               [](const std::string& column, std::size_t t) {
                                   return column == "object" ? object[t] : position[t];
                               });
}

} // namespace

TEST_CASE("joint condition labels are sorted and index every trial", "[geometry]") {
    const auto c = both();
    CHECK(c.labels == std::vector<std::string>{"car|down", "car|up", "face|down", "face|up"});
    CHECK(c.of_trial == std::vector<int>{1, 3, 0, 2, 1, 0});
    CHECK(c.trial_count == std::vector<std::size_t>{2, 2, 1, 1});
    CHECK(g::set_name({"object", "position"}) == "object*position");
    CHECK(g::set_group({"object", "position"}) == "object_x_position");
}

TEST_CASE("a model column gives 0 for a shared value and 1 otherwise, if it fits the set",
          "[geometry]") {
    const auto c = both();
    std::string why;
    const auto same_position = g::column_model(c, position, why);
    REQUIRE(same_position);
    // Conditions car|down, car|up, face|down, face|up: same position for (0,2) and (1,3).
    CHECK(*same_position == std::vector<double>{0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0});
    CHECK_FALSE(g::constant_off_diagonal(*same_position, 4));

    // A column that varies within a condition does not fit.
    const std::vector<std::string> colour{"red", "red", "red", "red", "blue", "red"};
    why.clear();
    CHECK_FALSE(g::column_model(c, colour, why));
    CHECK(why == "takes the values 'red' and 'blue' within condition 'car|up'");

    // Over the objects alone, the object column is 1 everywhere off the diagonal: constant.
    const auto objects = g::joint_conditions(
        {"object"}, object.size(), [](const std::string&, std::size_t t) { return object[t]; });
    const auto all_differ = g::column_model(objects, object, why);
    REQUIRE(all_differ);
    CHECK(g::constant_off_diagonal(*all_differ, 2));
}

TEST_CASE("trials a condition needs: max(shots) + 1 or the crossnobis folds", "[geometry]") {
    neuropop::jobs::GeometrySection s;
    std::string why;
    s.shots = {1, 2, 5, 10};
    s.folds = 5;
    CHECK(g::min_trials_per_condition(s, why) == 11);
    CHECK(why.find("m = 10") != std::string::npos);
    s.folds = 12;
    CHECK(g::min_trials_per_condition(s, why) == 12);
    CHECK(why.find("folds = 12") != std::string::npos);
    s.rdms = {neuropop::jobs::RdmMeasure::Euclidean}; // no crossnobis: folds do not count
    CHECK(g::min_trials_per_condition(s, why) == 11);
    s.shots.clear();
    CHECK(g::min_trials_per_condition(s, why) == 2);
}
