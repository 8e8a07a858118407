#include "domain/job.hpp"

#include <gtest/gtest.h>

namespace tunemantra::domain {
namespace {

const job_status all[] = {job_status::queued,    job_status::scheduled,        job_status::running,
                          job_status::retrying,  job_status::succeeded,        job_status::partially_failed,
                          job_status::failed,    job_status::cancelled};

TEST(job_status_names, every_status_round_trips_through_its_api_spelling) {
  for (auto s : all)
    EXPECT_EQ(parse_job_status(to_string(s)), s);
  EXPECT_EQ(to_string(job_status::partially_failed), "partially_failed");
  EXPECT_FALSE(parse_job_status("done").has_value());
  EXPECT_FALSE(parse_job_status("").has_value());
}

TEST(job_status_rules, terminal_statuses_never_change) {
  for (auto from : all) {
    if (!is_terminal(from))
      continue;
    for (auto to : all)
      EXPECT_FALSE(can_transition(from, to)) << to_string(from) << " -> " << to_string(to);
  }
}

TEST(job_status_rules, the_usual_life_of_a_job_is_allowed) {
  EXPECT_TRUE(can_transition(job_status::queued, job_status::running));
  EXPECT_TRUE(can_transition(job_status::scheduled, job_status::queued));
  EXPECT_TRUE(can_transition(job_status::running, job_status::retrying));
  EXPECT_TRUE(can_transition(job_status::retrying, job_status::running));
  EXPECT_TRUE(can_transition(job_status::running, job_status::succeeded));
  EXPECT_TRUE(can_transition(job_status::running, job_status::partially_failed));
  EXPECT_TRUE(can_transition(job_status::queued, job_status::cancelled));
  EXPECT_TRUE(can_transition(job_status::retrying, job_status::failed));
}

TEST(job_status_rules, a_job_cannot_succeed_without_running) {
  EXPECT_FALSE(can_transition(job_status::queued, job_status::succeeded));
  EXPECT_FALSE(can_transition(job_status::scheduled, job_status::running));
  EXPECT_FALSE(can_transition(job_status::running, job_status::scheduled));
}

} // namespace
} // namespace tunemantra::domain
