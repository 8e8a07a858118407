#pragma once
// DDEX ERN 4.3 NewReleaseMessage for one release: MessageHeader, PartyList, ResourceList (one
// SoundRecording per track and the FrontCoverImage), ReleaseList (the main release and a
// TrackRelease per track) and DealList. An update carries the current metadata; a takedown is an
// update whose deals end (ValidityPeriod/EndDate), as ERN 4 prescribes (PurgeRelease means "sent
// in error", not takedown). Pure: the caller supplies file names and hashes.

#include <string>
#include <vector>

#include "domain/catalog.hpp"

namespace tunemantra::domain {

enum class ern_action { initial, update, takedown };
std::string_view to_string(ern_action a);

struct ern_party {
  std::string dpid; ///< DDEX Party Id, e.g. PADPIDA2014120301X
  std::string name;
};

/// One deal: commercial models and use types, e.g. {SubscriptionModel, AdvertisementSupportedModel}
/// x {OnDemandStream, NonInteractiveStream}, or {PayAsYouGoModel} x {PermanentDownload}.
struct ern_deal {
  std::vector<std::string> commercial_models;
  std::vector<std::string> use_types;
};

/// The deals most platforms take: ad-supported and subscription streaming, and permanent download.
std::vector<ern_deal> default_deals();

struct ern_track {
  track t;                   ///< with audio (format, rate, depth, channels, duration, sha256)
  std::string file;          ///< path of the audio file relative to the message (resources/...)
  std::vector<std::string> main_artists; ///< display artists (the release artist when empty)
};

struct ern_message {
  std::string message_id;    ///< unique per delivery (the idempotency key)
  std::string thread_id;     ///< the same for every message about this release and platform
  std::string created_at;    ///< RFC 3339
  ern_party sender, recipient;
  ern_action action = ern_action::initial;
  std::string end_date;      ///< takedown: the deals end on this date (YYYY-MM-DD)
  bool test_message = false; ///< MessageControlType TestMessage instead of LiveMessage
  release rel;
  std::string artist_name;
  std::vector<ern_track> tracks;   ///< in position order
  std::string artwork_file;        ///< resources/...; the release's artwork gives size and hash
  std::vector<ern_deal> deals;
};

/// ISO 8601 duration for ERN: 185250 ms -> PT3M5.250S.
std::string iso_duration(std::int64_t ms);

/// The message as UTF-8 XML.
std::string build_ern(const ern_message& m);

} // namespace tunemantra::domain
