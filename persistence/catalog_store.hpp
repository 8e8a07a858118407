#pragma once
// Artists and releases. Every method takes the owning account: another account's ids are simply
// not found.

#include <cstdint>
#include <optional>
#include <string>

#include "domain/catalog.hpp"

namespace tunemantra::persistence {

class catalog_store {
public:
  virtual ~catalog_store() = default;

  virtual domain::artist create_artist(const domain::artist& a) = 0;
  virtual std::optional<domain::artist> find_artist(std::int64_t account, std::int64_t id) = 0;
  virtual domain::page<domain::artist> list_artists(std::int64_t account, const domain::catalog_filter& f) = 0;
  /// Writes every field of `a` (found by account and id); nullopt when it does not exist.
  virtual std::optional<domain::artist> update_artist(const domain::artist& a) = 0;
  enum class delete_result { deleted, not_found, in_use };
  /// An artist with releases is `in_use` and stays.
  virtual delete_result delete_artist(std::int64_t account, std::int64_t id) = 0;

  /// Creates a release; an empty UPC gets the next one under `upc_prefix`. nullopt when the UPC is
  /// already used by another release of the account.
  virtual std::optional<domain::release> create_release(const domain::release& r, const std::string& upc_prefix) = 0;
  virtual std::optional<domain::release> find_release(std::int64_t account, std::int64_t id) = 0;
  virtual domain::page<domain::release> list_releases(std::int64_t account, const domain::catalog_filter& f) = 0;
  /// Writes every field of `r`; nullopt when it does not exist. Throws store_error on a UPC clash.
  virtual std::optional<domain::release> update_release(const domain::release& r) = 0;
  virtual bool delete_release(std::int64_t account, std::int64_t id) = 0;

  // --- tracks -------------------------------------------------------------------------------
  enum class track_result { ok, not_found, position_taken };
  /// Creates a track on the account's release. An empty ISRC gets the next one for
  /// `isrc_registrant` and `year`; an ISRC already known to the account names the same recording.
  virtual track_result create_track(domain::track& t, const std::string& isrc_registrant, int year) = 0;
  virtual std::optional<domain::track> find_track(std::int64_t account, std::int64_t id) = 0;
  virtual std::vector<domain::track> list_tracks(std::int64_t account, std::int64_t release_id) = 0;
  /// Writes title, position, explicit flag, contributors and ISRC (re-linking the recording).
  virtual track_result update_track(domain::track& t) = 0;
  virtual bool delete_track(std::int64_t account, std::int64_t id) = 0;

  // --- media and splits ------------------------------------------------------------------------
  /// Records (or replaces) the audio of the account's recording; false when it does not exist.
  virtual bool set_recording_audio(std::int64_t account, std::int64_t recording_id, const domain::audio_info& a) = 0;
  /// Records (or replaces) the front cover of the account's release; false when it does not exist.
  virtual bool set_release_artwork(std::int64_t account, std::int64_t release_id, const domain::image_info& a) = 0;
  /// Replaces the recording's splits in one transaction; false when the recording is not the account's.
  virtual bool replace_splits(std::int64_t account, std::int64_t recording_id, const std::vector<domain::royalty_split>& splits) = 0;
  /// The recording's splits in the order they were given (empty when none or not the account's).
  virtual std::vector<domain::royalty_split> find_splits(std::int64_t account, std::int64_t recording_id) = 0;
};

} // namespace tunemantra::persistence
