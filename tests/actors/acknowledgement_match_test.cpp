// Which delivery an acknowledgement is about: platforms name the release and perhaps the batch or
// its date, rarely our MessageId. match_acknowledgement gets the platform's sent deliveries of the
// release, newest first (as the store lists them).

#include <gtest/gtest.h>

#include "actors/acknowledgements.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {

domain::delivery sent(std::int64_t id, const std::string& batch, const std::string& at, domain::delivery_status status) {
  domain::delivery d;
  d.id = id;
  d.message_id = "TM-1-" + std::to_string(id);
  d.batch_id = batch;
  d.delivered_at = *domain::parse_rfc3339(at);
  d.status = status;
  return d;
}

const std::vector<domain::delivery> history{
  sent(3, "20261203101500000", "2026-12-03T10:15:00Z", domain::delivery_status::delivered),    // the redelivery
  sent(2, "20261120090000000", "2026-11-20T09:00:00Z", domain::delivery_status::acknowledged), // the first
  sent(1, "20261101080000000", "2026-11-01T08:00:00Z", domain::delivery_status::rejected),
};

TEST(acknowledgement_match, the_newest_sent_delivery_when_nothing_else_is_named) {
  domain::release_ack a;
  a.release_ids = {"0602445566778"};
  EXPECT_EQ(match_acknowledgement(a, history)->id, 3);
  EXPECT_FALSE(match_acknowledgement(a, {}));
}

TEST(acknowledgement_match, a_named_batch_or_message_finds_that_one) {
  domain::release_ack a;
  a.batch_id = "20261120090000000";
  EXPECT_EQ(match_acknowledgement(a, history)->id, 2);
  a.batch_id = "20991231235959999"; // a batch none of them went in
  EXPECT_FALSE(match_acknowledgement(a, history));
  domain::release_ack m;
  m.message_id = "TM-1-1";
  EXPECT_EQ(match_acknowledgement(m, history)->id, 1);
  m.message_id = "TM-9-9";
  EXPECT_FALSE(match_acknowledgement(m, history));
}

TEST(acknowledgement_match, the_batch_date_of_an_ftp_acknowledgement_narrows_it) {
  domain::release_ack a;
  a.date = "2026-11-20";
  EXPECT_EQ(match_acknowledgement(a, history)->id, 2);
  a.date = "2026-11";
  EXPECT_EQ(match_acknowledgement(a, history)->id, 2); // the newest of that month
  a.date = "2025";
  EXPECT_FALSE(match_acknowledgement(a, history));
}

TEST(acknowledgement_match, the_summary_keeps_status_text_and_affected_resources) {
  domain::release_ack a;
  a.status = "ResourceCorrupt";
  a.text = "audio ends early";
  a.affected = {"GBAYE2600002", "GBAYE2600003"};
  EXPECT_EQ(ack_summary(a), "ResourceCorrupt: audio ends early (affected: GBAYE2600002 GBAYE2600003)");
  a.text.clear();
  a.affected.clear();
  EXPECT_EQ(ack_summary(a), "ResourceCorrupt");
}

} // namespace
} // namespace tunemantra::actors
