#pragma once
// Seeds a store directly with imported sales, for tests and benchmarks that need many usage rows
// behind a real daemon: recordings (one ready release each), random splits over named payees, and
// an imported report whose rows are spread over those recordings, the days of one month, a few
// platforms, territories and two currencies (EUR, USD). Deterministic for a given seed.

#include <cstdint>
#include <string>
#include <vector>

#include "persistence/store.hpp"
#include "tests/support/delivery_seed.hpp"

namespace tunemantra::test {

struct seeded_recording {
  std::int64_t release_id = 0;
  std::int64_t track_id = 0;
  std::int64_t recording_id = 0;
  std::string isrc;
};

/// `count` releases with one track each; their recordings.
std::vector<seeded_recording> seed_recordings(persistence::store& store, const seeded_account& account, int count);

/// Gives each recording 1 to 5 named payees ("Payee 0".."Payee 19") with random shares adding up
/// to 10000 basis points; every fourth recording keeps no splits (everything to the account).
void seed_splits(persistence::store& store, const seeded_account& account, const std::vector<seeded_recording>& recordings,
                 unsigned seed);

/// An imported report of `rows` usage rows in `month` (YYYY-MM), written in batches of 5000 and
/// matched like a real import; returns the report id. `skew` > 0 sends that share of the rows
/// (in percent) to the first recording, like a hit.
std::int64_t seed_usage(persistence::store& store, const seeded_account& account,
                        const std::vector<seeded_recording>& recordings, std::int64_t rows, const std::string& month,
                        unsigned seed, int skew = 0);

} // namespace tunemantra::test
