#pragma once
// Whether a release may go to platforms today: the validation of domain/release_check with the
// release's tracks and splits read from the store. The validate endpoint shows it, and every
// distribution (single or bulk) must pass it.

#include <cstdint>
#include <vector>

#include "domain/release_check.hpp"
#include "persistence/store.hpp"

namespace tunemantra::persistence {

std::vector<domain::release_issue> release_issues(store& s, std::int64_t account, const domain::release& release);

} // namespace tunemantra::persistence
