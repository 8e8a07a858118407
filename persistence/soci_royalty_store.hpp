#pragma once
// The SOCI implementation of royalty_store, sharing the store's connection pool.

#include "persistence/connection_pool.hpp"
#include "persistence/royalty_store.hpp"

namespace tunemantra::persistence {

class soci_royalty_store final : public royalty_store {
public:
  explicit soci_royalty_store(connection_pool& pool) : pool_(pool) {}

  royalty_period create_period(const royalty_period& p) override;
  std::optional<royalty_period> find_period(std::int64_t id, std::optional<std::int64_t> account) override;
  std::vector<royalty_period> list_periods(std::int64_t account, int page, int limit, std::int64_t& total) override;
  royalty_period set_rates(std::int64_t id, const std::map<std::string, micros>& rates) override;
  std::pair<royalty_period, domain::job> start_calculation(std::int64_t id, domain::new_job job) override;
  royalty_period finalize(std::int64_t id) override;
  domain::royalties::inputs load_inputs(const royalty_period& p) override;
  bool save_result(std::int64_t period, std::int64_t job, const domain::royalties::result& r,
                   const std::string& totals_json) override;
  void calculation_failed(std::int64_t period, std::int64_t job, const std::string& error) override;
  std::vector<domain::royalties::payee_statement> statements(std::int64_t period, std::optional<std::int64_t> user) override;
  std::vector<period_statement> statements_of_user(std::int64_t user, std::optional<std::int64_t> account) override;
  advance add_advance(const advance& a) override;
  std::vector<advance> list_advances(std::int64_t account) override;

private:
  connection_pool& pool_;
};

} // namespace tunemantra::persistence
