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

#include "domain/sleep_job.hpp"

namespace tunemantra::domain {
namespace {

TEST(sleep_spec_parsing, reads_every_field_and_keeps_defaults) {
  std::string error;
  const auto spec = parse_sleep_spec(R"({"steps": 12, "stepMs": 5, "crashTimes": 2, "crashAtStep": 4})", error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(spec->steps, 12);
  EXPECT_EQ(spec->step_ms, 5);
  EXPECT_EQ(spec->crash_times, 2);
  EXPECT_EQ(spec->crash_at_step, 4);
  const auto defaults = parse_sleep_spec("{}", error);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->steps, 1);
  EXPECT_EQ(defaults->crash_times, 0);
}

TEST(sleep_spec_parsing, refuses_bad_payloads_with_a_reason) {
  std::string error;
  EXPECT_FALSE(parse_sleep_spec("not json", error));
  EXPECT_EQ(error, "payload must be a JSON object");
  EXPECT_FALSE(parse_sleep_spec("[1,2]", error));
  EXPECT_FALSE(parse_sleep_spec(R"({"steps": "ten"})", error));
  EXPECT_EQ(error, "steps must be an integer");
  EXPECT_FALSE(parse_sleep_spec(R"({"steps": 0})", error));
  EXPECT_EQ(error, "steps must be between 1 and 100000");
  EXPECT_FALSE(parse_sleep_spec(R"({"stepMs": 1.5})", error));
}

TEST(sleep_spec_parsing, crashes_only_on_the_first_attempts_at_the_chosen_step) {
  sleep_spec spec;
  spec.crash_times = 2;
  spec.crash_at_step = 3;
  EXPECT_FALSE(sleep_should_crash(spec, 1, 2));
  EXPECT_TRUE(sleep_should_crash(spec, 1, 3));
  EXPECT_TRUE(sleep_should_crash(spec, 2, 3));
  EXPECT_FALSE(sleep_should_crash(spec, 3, 3));
}

} // namespace
} // namespace tunemantra::domain
