// The job cache on its own: a read that raced with a write never puts the older row back, and
// the byte bound holds.

#include <thread>

#include <gtest/gtest.h>

#include "persistence/job_cache.hpp"

namespace tunemantra::persistence {
namespace {

domain::job job_with(std::int64_t id, std::int64_t version, std::size_t result_bytes = 10) {
  domain::job j;
  j.id = id;
  j.row_version = version;
  j.result = std::string(result_bytes, 'x');
  return j;
}

TEST(job_cache, keeps_a_read_until_the_job_is_written) {
  job_cache cache;
  EXPECT_FALSE(cache.get(1));
  cache.put(cache.ticket(), job_with(1, 1));
  ASSERT_TRUE(cache.get(1));
  EXPECT_EQ(cache.get(1)->row_version, 1);
  cache.forget(1);
  EXPECT_FALSE(cache.get(1));
}

TEST(job_cache, a_read_that_raced_a_write_is_not_kept) {
  job_cache cache;
  const auto ticket = cache.ticket(); // reader takes its ticket, then reads version 1 ...
  cache.forget(1);                    // ... while a writer commits version 2 and forgets
  cache.put(ticket, job_with(1, 1));  // the reader's older row must not land
  EXPECT_FALSE(cache.get(1));
  cache.put(cache.ticket(), job_with(1, 2));
  EXPECT_EQ(cache.get(1)->row_version, 2);
}

TEST(job_cache, an_entry_lives_only_for_its_ttl) {
  job_cache cache(std::chrono::milliseconds(50));
  cache.put(cache.ticket(), job_with(1, 1));
  EXPECT_TRUE(cache.get(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(80)); // another process may have written it
  EXPECT_FALSE(cache.get(1));
}

TEST(job_cache, forget_all_drops_everything) {
  job_cache cache;
  cache.put(cache.ticket(), job_with(1, 1));
  cache.put(cache.ticket(), job_with(2, 1));
  cache.forget_all();
  EXPECT_FALSE(cache.get(1));
  EXPECT_FALSE(cache.get(2));
}

TEST(job_cache, stays_within_its_bytes) {
  job_cache cache(std::chrono::seconds(60), 64 * 1024);
  cache.put(cache.ticket(), job_with(1, 1, 64 * 1024)); // larger than 1/64 of the cache: never kept
  EXPECT_FALSE(cache.get(1));
  for (int id = 1; id <= 200; ++id)
    cache.put(cache.ticket(), job_with(id, 1, 500));
  int kept = 0;
  for (int id = 1; id <= 200; ++id)
    kept += cache.get(id) ? 1 : 0;
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 200); // 200 x ~1 KiB does not fit in 64 KiB
  EXPECT_TRUE(cache.get(200)); // the newest is always there
}

} // namespace
} // namespace tunemantra::persistence
