// The long-poll hub on its own: the cap on watches, changed_all, and a change made before the
// wait began (between reading the job and sleeping) still counting.

#include <thread>

#include <gtest/gtest.h>

#include "persistence/job_changes.hpp"

namespace tunemantra::persistence {
namespace {

using namespace std::chrono_literals;

TEST(job_changes, a_change_before_the_wait_still_wakes_it) {
  job_changes hub;
  auto w = hub.try_watch(7);
  hub.changed(7);
  EXPECT_TRUE(w->wait_until(job_changes::clock::now() + 10ms));
}

TEST(job_changes, at_most_max_watches_and_each_is_given_back) {
  job_changes hub(2);
  {
    auto a = hub.try_watch(1);
    auto b = hub.try_watch(1);
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(hub.try_watch(2));
    EXPECT_EQ(hub.watching(), 2u);
  }
  EXPECT_EQ(hub.watching(), 0u);
  EXPECT_TRUE(hub.try_watch(2));
}

TEST(job_changes, changed_all_wakes_every_watcher_and_unwatched_changes_cost_nothing) {
  job_changes hub;
  hub.changed(3); // nobody watches: nothing kept
  auto a = hub.try_watch(1);
  auto b = hub.try_watch(2);
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    hub.changed_all();
  });
  EXPECT_TRUE(a->wait_until(job_changes::clock::now() + 5s));
  EXPECT_TRUE(b->wait_until(job_changes::clock::now() + 5s));
  t.join();
  EXPECT_FALSE(hub.try_watch(3)->wait_until(job_changes::clock::now() + 10ms));
}

} // namespace
} // namespace tunemantra::persistence
