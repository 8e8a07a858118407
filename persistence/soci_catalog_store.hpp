#pragma once
// The SOCI implementation of catalog_store, sharing the store's connection pool.

#include "persistence/catalog_store.hpp"
#include "persistence/connection_pool.hpp"

namespace tunemantra::persistence {

class soci_catalog_store final : public catalog_store {
public:
  explicit soci_catalog_store(connection_pool& pool) : pool_(pool) {}

  domain::artist create_artist(const domain::artist& a) override;
  std::optional<domain::artist> find_artist(std::int64_t account, std::int64_t id) override;
  domain::page<domain::artist> list_artists(std::int64_t account, const domain::catalog_filter& f) override;
  std::optional<domain::artist> update_artist(const domain::artist& a) override;
  delete_result delete_artist(std::int64_t account, std::int64_t id) override;

  std::optional<domain::release> create_release(const domain::release& r, const std::string& upc_prefix) override;
  std::optional<domain::release> find_release(std::int64_t account, std::int64_t id) override;
  domain::page<domain::release> list_releases(std::int64_t account, const domain::catalog_filter& f) override;
  std::optional<domain::release> update_release(const domain::release& r) override;
  bool delete_release(std::int64_t account, std::int64_t id) override;

  track_result create_track(domain::track& t, const std::string& isrc_registrant, int year) override;
  std::optional<domain::track> find_track(std::int64_t account, std::int64_t id) override;
  std::vector<domain::track> list_tracks(std::int64_t account, std::int64_t release_id) override;
  track_result update_track(domain::track& t) override;
  bool delete_track(std::int64_t account, std::int64_t id) override;

  bool set_recording_audio(std::int64_t account, std::int64_t recording_id, const domain::audio_info& a) override;
  bool set_release_artwork(std::int64_t account, std::int64_t release_id, const domain::image_info& a) override;
  bool replace_splits(std::int64_t account, std::int64_t recording_id, const std::vector<domain::royalty_split>& splits) override;
  std::vector<domain::royalty_split> find_splits(std::int64_t account, std::int64_t recording_id) override;

private:
  connection_pool& pool_;
};

} // namespace tunemantra::persistence
