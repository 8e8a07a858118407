#pragma once
// Acknowledgements platforms write back (DDEX FtpAcknowledgementMessage, ErnAcknowledgementStatus-
// Message, and TuneMantra's older layout): read through each platform's connector, matched to the
// delivery they are about, applied as delivered -> acknowledged or rejected. Blocking: run it on
// an executor.

#include <optional>
#include <vector>

#include "domain/choreography.hpp"
#include "domain/delivery.hpp"
#include "persistence/store.hpp"

namespace tunemantra::actors {

/// The delivery to `platform` that this part of an acknowledgement is about, among `sent` (the
/// platform's sent deliveries of the release, newest first): the one it names by MessageId or
/// BatchId, else the newest sent in a batch of the date it names, else the newest sent.
std::optional<domain::delivery> match_acknowledgement(const domain::release_ack& ack,
                                                      const std::vector<domain::delivery>& sent);

/// What the delivery keeps of the platform's words: status, text and affected resources.
std::string ack_summary(const domain::release_ack& ack);

/// Reads every platform's new acknowledgement files and applies them. Returns how many
/// deliveries changed.
int apply_acknowledgements(persistence::store& store);

} // namespace tunemantra::actors
