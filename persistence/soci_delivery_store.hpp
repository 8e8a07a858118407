#pragma once
// The SOCI implementation of delivery_store, sharing the store's connection pool.

#include <chrono>
#include <memory>
#include <mutex>

#include "persistence/connection_pool.hpp"
#include "persistence/delivery_store.hpp"

namespace tunemantra::persistence {

class soci_delivery_store final : public delivery_store {
public:
  explicit soci_delivery_store(connection_pool& pool) : pool_(pool) {}

  std::optional<domain::platform> create_platform(const domain::platform& p) override;
  std::optional<domain::platform> find_platform(std::int64_t id) override;
  std::vector<domain::platform> list_platforms() override;
  std::vector<domain::platform> cached_platforms() override;
  std::optional<domain::platform> update_platform(const domain::platform& p) override;

  domain::job create_deliveries(const domain::new_job& job, std::int64_t account, std::int64_t release,
                                const std::vector<std::int64_t>& platforms, domain::ern_action action) override;
  std::optional<domain::delivery> find_delivery(std::int64_t id) override;
  std::optional<domain::delivery> find_delivery_by_message(const std::string& message_id) override;
  std::vector<domain::delivery> sent_deliveries_of_upc(std::int64_t platform_id, const std::string& upc) override;
  std::vector<domain::delivery> deliveries_of_job(std::int64_t job_id) override;
  std::vector<domain::delivery> latest_deliveries(std::int64_t account, std::int64_t release) override;
  bool transition(std::int64_t delivery_id, const std::vector<domain::delivery_status>& from,
                  const delivery_change& change) override;
  std::vector<bool> transition_all(const std::vector<delivery_transition>& batch) override;
  int cancel_deliveries(std::int64_t job_id) override;
  std::vector<domain::delivery> open_deliveries(std::int64_t job_id, int per_platform) override;
  std::vector<delivery_count> delivery_counts(std::int64_t job_id) override;
  std::vector<domain::delivery> failed_deliveries(std::int64_t job_id, int limit) override;
  domain::job create_bulk(const domain::new_job& job, const std::vector<std::int64_t>& releases) override;
  std::vector<bulk_item> pending_bulk_items(std::int64_t job_id, int limit) override;
  int settle_bulk_items(std::int64_t job_id, std::int64_t account, const std::vector<bulk_check>& checked,
                        const std::vector<std::int64_t>& platforms, std::optional<domain::millis> scheduled_at) override;
  std::array<std::int64_t, 3> count_bulk_items(std::int64_t job_id) override;
  std::vector<bulk_item> invalid_bulk_items(std::int64_t job_id, int limit) override;
  int mark_releases_distributed(std::int64_t job_id) override;

private:
  void forget_platforms();

  connection_pool& pool_;
  std::mutex platforms_mutex_;
  std::shared_ptr<const std::vector<domain::platform>> platforms_; ///< the cache; null when emptied
  std::chrono::steady_clock::time_point platforms_read_{};
  std::uint64_t platforms_generation_ = 0; ///< bumped by every write, so a read that overlapped one is not kept
};

} // namespace tunemantra::persistence
