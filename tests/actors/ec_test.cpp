#include "actors/ec.hpp"

#include <gtest/gtest.h>

namespace tunemantra::actors {
namespace {

TEST(actor_errors, codes_survive_a_round_trip_through_caf_error) {
  for (auto code : {ec::not_found, ec::invalid_state, ec::unavailable, ec::timeout, ec::restart_limit, ec::internal}) {
    const caf::error err = caf::make_error(code);
    EXPECT_EQ(err.category(), caf::atom("tunemantra"));
    EXPECT_EQ(static_cast<ec>(err.code()), code) << to_string(code);
  }
}

TEST(actor_errors, each_code_maps_to_an_api_code) {
  EXPECT_EQ(api_code(ec::not_found), "NOT_FOUND");
  EXPECT_EQ(api_code(ec::invalid_state), "INVALID_STATE");
  EXPECT_EQ(api_code(ec::unavailable), "UNAVAILABLE");
  EXPECT_EQ(api_code(ec::timeout), "UNAVAILABLE");
  EXPECT_EQ(api_code(ec::internal), "INTERNAL_ERROR");
}

} // namespace
} // namespace tunemantra::actors
