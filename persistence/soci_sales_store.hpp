#pragma once
// The SOCI implementation of sales_store, sharing the store's connection pool.

#include "persistence/connection_pool.hpp"
#include "persistence/sales_store.hpp"

namespace tunemantra::persistence {

class soci_sales_store final : public sales_store {
public:
  explicit soci_sales_store(connection_pool& pool) : pool_(pool) {}

  std::pair<sales_report, domain::job> create_report(const sales_report& r, domain::new_job job) override;
  std::pair<sales_report, std::optional<domain::job>> add_report_file(const sales_report& r, const report_file& file,
                                                                      domain::new_job job) override;
  std::optional<sales_report> find_report(std::int64_t id, std::optional<std::int64_t> account) override;
  void clear_rows(std::int64_t report) override;
  match_keys load_match_keys(std::int64_t account) override;
  void insert_rows(const sales_report& r, const std::vector<stored_usage>& rows) override;
  sales_report complete_report(std::int64_t report, const std::string& message_id, const std::string& platform,
                               const std::string& usage_start, const std::string& usage_end,
                               const import_totals* totals) override;
  void fail_report(std::int64_t report, const std::string& problems_json) override;
  std::vector<stored_usage> unmatched_rows(std::int64_t report, int limit) override;
  std::vector<analytics_bucket> analytics(const analytics_scope& scope) override;

private:
  connection_pool& pool_;
};

} // namespace tunemantra::persistence
