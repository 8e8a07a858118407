#include "persistence/soci_royalty_store.hpp"

#include <soci/soci.h>

#include "domain/time.hpp"
#include "persistence/job_rows.hpp"

namespace tunemantra::persistence {

namespace royalties = domain::royalties;

namespace {

constexpr const char* period_columns =
  "id, account_id, period_start, period_end, currency, status, commission_bps, minimum_payout_micros, job_id, totals, "
  "error, created_at, calculated_at, finalized_at";

std::optional<royalty_period> select_period(soci::session& s, long long id) {
  royalty_period p;
  long long pid = 0, account = 0, minimum = 0, job = 0, created = 0, calculated = 0, finalized = 0;
  int commission = 0;
  soci::indicator job_ind = soci::i_null, calculated_ind = soci::i_null, finalized_ind = soci::i_null;
  s << std::string("SELECT ") + period_columns + " FROM royalty_periods WHERE id = :id", soci::into(pid),
    soci::into(account), soci::into(p.start), soci::into(p.end), soci::into(p.currency), soci::into(p.status),
    soci::into(commission), soci::into(minimum), soci::into(job, job_ind), soci::into(p.totals), soci::into(p.error),
    soci::into(created), soci::into(calculated, calculated_ind), soci::into(finalized, finalized_ind), soci::use(id);
  if (!s.got_data())
    return std::nullopt;
  p.id = pid;
  p.account_id = account;
  p.commission_bps = commission;
  p.minimum_payout = minimum;
  if (job_ind == soci::i_ok)
    p.job_id = job;
  p.created_at = created;
  if (calculated_ind == soci::i_ok)
    p.calculated_at = calculated;
  if (finalized_ind == soci::i_ok)
    p.finalized_at = finalized;
  std::string currency;
  long long rate = 0;
  soci::statement st = (s.prepare << "SELECT currency, rate_micros FROM royalty_rates WHERE period_id = :p ORDER BY currency",
                        soci::into(currency), soci::into(rate), soci::use(id));
  st.execute(false);
  while (st.fetch())
    p.rates[currency] = rate;
  return p;
}

royalty_period locked_period(soci::session& s, long long id) {
  // Serialises state changes of one period on PostgreSQL (SQLite has one writer anyway).
  if (s.get_backend_name() == "postgresql") {
    long long locked = 0;
    s << "SELECT id FROM royalty_periods WHERE id = :id FOR UPDATE", soci::into(locked), soci::use(id);
  }
  auto p = select_period(s, id);
  if (!p)
    throw store_error("no royalty period " + std::to_string(id));
  return *p;
}

royalties::payee payee_of(soci::indicator user_ind, long long user, const std::string& name) {
  if (user_ind == soci::i_ok)
    return {user, ""};
  return {std::nullopt, name};
}

} // namespace

royalty_period soci_royalty_store::create_period(const royalty_period& p) {
  royalty_period out;
  pool_.transact([&](soci::session& s) {
    long long account = p.account_id, existing = 0;
    soci::indicator existing_ind = soci::i_null;
    s << "SELECT MIN(id) FROM royalty_periods WHERE account_id = :a AND currency = :c AND period_start <= :e AND "
         "period_end >= :s",
      soci::into(existing, existing_ind), soci::use(account), soci::use(p.currency), soci::use(p.end), soci::use(p.start);
    if (existing_ind == soci::i_ok)
      throw overlapping_period("these dates overlap royalty period " + std::to_string(existing) + " in " + p.currency,
                               existing);
    long long now = domain::now_millis(), minimum = p.minimum_payout, id = 0;
    int commission = p.commission_bps;
    s << "INSERT INTO royalty_periods (account_id, period_start, period_end, currency, status, commission_bps, "
         "minimum_payout_micros, created_at) VALUES (:a, :s, :e, :c, 'open', :b, :m, :n) RETURNING id",
      soci::use(account), soci::use(p.start), soci::use(p.end), soci::use(p.currency), soci::use(commission),
      soci::use(minimum), soci::use(now), soci::into(id);
    out = *select_period(s, id);
  });
  return out;
}

std::optional<royalty_period> soci_royalty_store::find_period(std::int64_t id, std::optional<std::int64_t> account) {
  std::optional<royalty_period> out;
  pool_.run([&](soci::session& s) { out = select_period(s, id); });
  if (out && account && out->account_id != *account)
    return std::nullopt;
  return out;
}

std::vector<royalty_period> soci_royalty_store::list_periods(std::int64_t account, int page, int limit,
                                                             std::int64_t& total) {
  std::vector<royalty_period> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long a = account, count = 0, lim = limit, offset = (page - 1LL) * limit, id = 0;
    s << "SELECT COUNT(*) FROM royalty_periods WHERE account_id = :a", soci::into(count), soci::use(a);
    total = count;
    std::vector<long long> ids;
    soci::statement st = (s.prepare << "SELECT id FROM royalty_periods WHERE account_id = :a ORDER BY period_start DESC, "
                                       "id DESC LIMIT :l OFFSET :o",
                          soci::into(id), soci::use(a), soci::use(lim), soci::use(offset));
    st.execute(false);
    while (st.fetch())
      ids.push_back(id);
    for (auto i : ids)
      out.push_back(*select_period(s, i));
  });
  return out;
}

royalty_period soci_royalty_store::set_rates(std::int64_t id, const std::map<std::string, micros>& rates) {
  royalty_period out;
  pool_.transact([&](soci::session& s) {
    long long pid = id;
    const auto p = locked_period(s, pid);
    if (p.status != "open" && p.status != "calculated")
      throw period_state_error("the period is " + p.status + "; rates change only while it is open or calculated");
    s << "DELETE FROM royalty_rates WHERE period_id = :p", soci::use(pid);
    for (const auto& [currency, rate] : rates) {
      long long r = rate;
      s << "INSERT INTO royalty_rates (period_id, currency, rate_micros) VALUES (:p, :c, :r)", soci::use(pid),
        soci::use(currency), soci::use(r);
    }
    out = *select_period(s, pid);
  });
  return out;
}

std::pair<royalty_period, domain::job> soci_royalty_store::start_calculation(std::int64_t id, domain::new_job job) {
  std::pair<royalty_period, domain::job> out;
  pool_.transact([&](soci::session& s) {
    long long pid = id;
    const auto p = locked_period(s, pid);
    if (p.status == "finalized")
      throw period_state_error("the period is finalized; its statements can no longer change");
    if (p.status == "calculating" && p.job_id) {
      const auto running = select_job(s, *p.job_id);
      if (running && !domain::is_terminal(running->status))
        throw period_state_error("the period is being calculated by job " + std::to_string(*p.job_id));
    }
    job.payload = R"({"periodId":)" + std::to_string(pid) + "}";
    long long job_id = insert_job(s, job);
    s << "UPDATE royalty_periods SET status = 'calculating', job_id = :j, error = '' WHERE id = :id", soci::use(job_id),
      soci::use(pid);
    out = {*select_period(s, pid), *select_job(s, job_id)};
  });
  return out;
}

royalty_period soci_royalty_store::finalize(std::int64_t id) {
  royalty_period out;
  pool_.transact([&](soci::session& s) {
    long long pid = id, now = domain::now_millis();
    const auto p = locked_period(s, pid);
    if (p.status != "calculated")
      throw period_state_error("the period is " + p.status + "; only a calculated period can be finalized");
    s << "UPDATE royalty_periods SET status = 'finalized', finalized_at = :n WHERE id = :id", soci::use(now), soci::use(pid);
    out = *select_period(s, pid);
  });
  return out;
}

royalties::inputs soci_royalty_store::load_inputs(const royalty_period& p) {
  royalties::inputs in;
  in.currency = p.currency;
  in.commission_bps = p.commission_bps;
  in.minimum_payout = p.minimum_payout;
  in.owner = {p.account_id, ""};
  pool_.run([&](soci::session& s) {
    in.recordings.clear();
    in.splits.clear();
    in.advances_outstanding.clear();
    in.carried_in.clear();
    long long account = p.account_id, pid = p.id;
    in.rates = p.rates;

    // Usage: the daily totals of imported reports (matched rows only), by usage date within the period.
    long long recording = 0, revenue = 0, quantity = 0;
    std::string isrc, currency;
    soci::statement usage =
      (s.prepare << "SELECT u.recording_id, r.isrc, u.currency, CAST(SUM(u.revenue_micros) AS BIGINT), "
                    "CAST(SUM(u.quantity) AS BIGINT) FROM usage_daily u JOIN recordings r ON r.id = u.recording_id "
                    "WHERE u.account_id = :a AND u.recording_id IS NOT NULL AND u.day >= :s AND u.day <= :e "
                    "GROUP BY u.recording_id, r.isrc, u.currency ORDER BY u.recording_id, u.currency",
       soci::into(recording), soci::into(isrc), soci::into(currency), soci::into(revenue), soci::into(quantity),
       soci::use(account), soci::use(p.start), soci::use(p.end));
    usage.execute(false);
    while (usage.fetch()) {
      if (in.recordings.empty() || in.recordings.back().recording_id != recording)
        in.recordings.push_back({recording, isrc, 0, {}});
      in.recordings.back().by_currency[currency] += revenue;
      in.recordings.back().quantity += quantity;
    }

    long long user = 0;
    int bps = 0;
    std::string name;
    soci::indicator user_ind = soci::i_null;
    soci::statement splits =
      (s.prepare << "SELECT s.recording_id, s.payee_user_id, s.payee_name, s.share_bps FROM splits s JOIN recordings r ON "
                    "r.id = s.recording_id WHERE r.account_id = :a ORDER BY s.recording_id, s.position",
       soci::into(recording), soci::into(user, user_ind), soci::into(name), soci::into(bps), soci::use(account));
    splits.execute(false);
    while (splits.fetch())
      in.splits[recording].push_back({payee_of(user_ind, user, name), bps});

    // Advances in the period's currency, less what finalized periods recouped.
    long long amount = 0;
    soci::statement advances =
      (s.prepare << "SELECT payee_user_id, payee_name, CAST(SUM(amount_micros) AS BIGINT) FROM advances WHERE "
                    "account_id = :a AND currency = :c GROUP BY payee_user_id, payee_name",
       soci::into(user, user_ind), soci::into(name), soci::into(amount), soci::use(account), soci::use(p.currency));
    advances.execute(false);
    while (advances.fetch())
      in.advances_outstanding[payee_of(user_ind, user, name)] += amount;
    soci::statement recouped =
      (s.prepare << "SELECT y.payee_user_id, y.payee_name, CAST(SUM(y.recouped) AS BIGINT) FROM royalty_payees y JOIN "
                    "royalty_periods q ON q.id = y.period_id WHERE q.account_id = :a AND q.currency = :c AND "
                    "q.status = 'finalized' AND q.id <> :p GROUP BY y.payee_user_id, y.payee_name",
       soci::into(user, user_ind), soci::into(name), soci::into(amount), soci::use(account), soci::use(p.currency),
       soci::use(pid));
    recouped.execute(false);
    while (recouped.fetch())
      in.advances_outstanding[payee_of(user_ind, user, name)] -= amount;

    // Balances carried from the latest finalized period before this one, in the same currency.
    long long previous = 0;
    soci::indicator previous_ind = soci::i_null;
    s << "SELECT id FROM royalty_periods WHERE account_id = :a AND currency = :c AND status = 'finalized' AND "
         "period_end < :s ORDER BY period_end DESC, id DESC LIMIT 1",
      soci::into(previous, previous_ind), soci::use(account), soci::use(p.currency), soci::use(p.start);
    if (previous_ind == soci::i_ok) {
      soci::statement carried =
        (s.prepare << "SELECT payee_user_id, payee_name, carried_out FROM royalty_payees WHERE period_id = :p AND "
                      "carried_out <> 0",
         soci::into(user, user_ind), soci::into(name), soci::into(amount), soci::use(previous));
      carried.execute(false);
      while (carried.fetch())
        in.carried_in[payee_of(user_ind, user, name)] = amount;
    }
  });
  return in;
}

bool soci_royalty_store::save_result(std::int64_t period, std::int64_t job, const royalties::result& r,
                                     const std::string& totals_json) {
  bool saved = false;
  pool_.transact([&](soci::session& s) {
    saved = false;
    long long pid = period, jid = job, now = domain::now_millis();
    const auto p = locked_period(s, pid);
    if (p.status != "calculating" || p.job_id != job)
      return;
    s << "DELETE FROM royalty_lines WHERE period_id = :p", soci::use(pid);
    s << "DELETE FROM royalty_payees WHERE period_id = :p", soci::use(pid);
    for (const auto& st : r.payees) {
      const auto key = st.to.key();
      long long user = st.to.user_id.value_or(0), earnings = st.earnings, carried_in = st.carried_in,
                recouped = st.recouped, balance = st.balance, payable = st.payable, carried_out = st.carried_out,
                left = st.advance_left;
      soci::indicator user_ind = st.to.user_id ? soci::i_ok : soci::i_null;
      s << "INSERT INTO royalty_payees (period_id, payee_key, payee_user_id, payee_name, earnings, carried_in, recouped, "
           "balance, payable, carried_out, advance_left) VALUES (:p, :k, :u, :n, :e, :ci, :r, :b, :pa, :co, :l)",
        soci::use(pid), soci::use(key), soci::use(user, user_ind), soci::use(st.to.name), soci::use(earnings),
        soci::use(carried_in), soci::use(recouped), soci::use(balance), soci::use(payable), soci::use(carried_out),
        soci::use(left);
      if (st.lines.empty())
        continue;
      std::vector<long long> pids(st.lines.size(), pid), recording, gross, commission, net, amount;
      std::vector<std::string> keys(st.lines.size(), key), isrc;
      std::vector<int> share;
      for (const auto& l : st.lines) {
        recording.push_back(l.recording_id);
        isrc.push_back(l.isrc);
        gross.push_back(l.gross);
        commission.push_back(l.commission);
        net.push_back(l.net);
        share.push_back(l.share_bps);
        amount.push_back(l.amount);
      }
      s << "INSERT INTO royalty_lines (period_id, payee_key, recording_id, isrc, gross, commission, net, share_bps, amount) "
           "VALUES (:p, :k, :r, :i, :g, :c, :n, :s, :a)",
        soci::use(pids), soci::use(keys), soci::use(recording), soci::use(isrc), soci::use(gross),
        soci::use(commission), soci::use(net), soci::use(share), soci::use(amount);
    }
    s << "UPDATE royalty_periods SET status = 'calculated', totals = :t, error = '', calculated_at = :n WHERE id = :id "
         "AND job_id = :j",
      soci::use(totals_json), soci::use(now), soci::use(pid), soci::use(jid);
    saved = true;
  });
  return saved;
}

void soci_royalty_store::calculation_failed(std::int64_t period, std::int64_t job, const std::string& error) {
  pool_.transact([&](soci::session& s) {
    long long pid = period, jid = job;
    s << "UPDATE royalty_periods SET status = 'open', error = :e WHERE id = :id AND status = 'calculating' AND job_id = :j",
      soci::use(error), soci::use(pid), soci::use(jid);
  });
}

std::vector<royalties::payee_statement> soci_royalty_store::statements(std::int64_t period,
                                                                       std::optional<std::int64_t> user) {
  std::vector<royalties::payee_statement> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long pid = period, uid = user.value_or(0), payee_user = 0, earnings = 0, carried_in = 0, recouped = 0,
              balance = 0, payable = 0, carried_out = 0, left = 0;
    int only_user = user ? 1 : 0;
    std::string key, name;
    soci::indicator user_ind = soci::i_null;
    std::map<std::string, std::size_t> index;
    soci::statement payees =
      (s.prepare << "SELECT payee_key, payee_user_id, payee_name, earnings, carried_in, recouped, balance, payable, "
                    "carried_out, advance_left FROM royalty_payees WHERE period_id = :p AND (:o = 0 OR payee_user_id = :u) "
                    "ORDER BY CASE WHEN payee_user_id IS NULL THEN 1 ELSE 0 END, payee_user_id, payee_name",
       soci::into(key), soci::into(payee_user, user_ind), soci::into(name), soci::into(earnings), soci::into(carried_in),
       soci::into(recouped), soci::into(balance), soci::into(payable), soci::into(carried_out), soci::into(left),
       soci::use(pid), soci::use(only_user), soci::use(uid));
    payees.execute(false);
    while (payees.fetch()) {
      royalties::payee_statement st;
      st.to = payee_of(user_ind, payee_user, name);
      st.earnings = earnings;
      st.carried_in = carried_in;
      st.recouped = recouped;
      st.balance = balance;
      st.payable = payable;
      st.carried_out = carried_out;
      st.advance_left = left;
      index[key] = out.size();
      out.push_back(std::move(st));
    }
    royalties::line l;
    long long recording = 0, gross = 0, commission = 0, net = 0, amount = 0;
    int share = 0;
    const std::string user_key = royalties::payee{uid, ""}.key(); // only read with only_user
    soci::statement lines =
      (s.prepare << "SELECT payee_key, recording_id, isrc, gross, commission, net, share_bps, amount FROM royalty_lines "
                    "WHERE period_id = :p AND (:o = 0 OR payee_key = :k) ORDER BY payee_key, recording_id",
       soci::into(key), soci::into(recording), soci::into(l.isrc), soci::into(gross), soci::into(commission),
       soci::into(net), soci::into(share), soci::into(amount), soci::use(pid), soci::use(only_user), soci::use(user_key));
    lines.execute(false);
    while (lines.fetch()) {
      const auto it = index.find(key);
      if (it == index.end())
        continue;
      l.recording_id = recording;
      l.gross = gross;
      l.commission = commission;
      l.net = net;
      l.share_bps = share;
      l.amount = amount;
      out[it->second].lines.push_back(l);
    }
  });
  return out;
}

std::vector<period_statement> soci_royalty_store::statements_of_user(std::int64_t user,
                                                                     std::optional<std::int64_t> account) {
  std::vector<long long> ids;
  pool_.run([&](soci::session& s) {
    ids.clear();
    long long uid = user, aid = account.value_or(0), id = 0;
    int only_account = account ? 1 : 0;
    soci::statement st =
      (s.prepare << "SELECT q.id FROM royalty_payees y JOIN royalty_periods q ON q.id = y.period_id WHERE "
                    "y.payee_user_id = :u AND q.status IN ('calculated', 'finalized') AND (:o = 0 OR q.account_id = :a) "
                    "ORDER BY q.period_start DESC, q.id DESC",
       soci::into(id), soci::use(uid), soci::use(only_account), soci::use(aid));
    st.execute(false);
    while (st.fetch())
      ids.push_back(id);
  });
  std::vector<period_statement> out;
  for (auto id : ids) {
    auto p = find_period(id, std::nullopt);
    auto st = statements(id, user);
    if (p && !st.empty())
      out.push_back({*p, std::move(st.front())});
  }
  return out;
}

advance soci_royalty_store::add_advance(const advance& a) {
  advance out = a;
  pool_.transact([&](soci::session& s) {
    long long account = a.account_id, user = a.to.user_id.value_or(0), amount = a.amount, now = domain::now_millis(),
              id = 0;
    soci::indicator user_ind = a.to.user_id ? soci::i_ok : soci::i_null;
    s << "INSERT INTO advances (account_id, payee_user_id, payee_name, amount_micros, currency, note, created_at) "
         "VALUES (:a, :u, :n, :m, :c, :t, :w) RETURNING id",
      soci::use(account), soci::use(user, user_ind), soci::use(a.to.name), soci::use(amount), soci::use(a.currency),
      soci::use(a.note), soci::use(now), soci::into(id);
    out.id = id;
    out.created_at = now;
  });
  return out;
}

std::vector<advance> soci_royalty_store::list_advances(std::int64_t account) {
  std::vector<advance> out;
  pool_.run([&](soci::session& s) {
    out.clear();
    long long aid = account, id = 0, user = 0, amount = 0, created = 0;
    std::string name, currency, note;
    soci::indicator user_ind = soci::i_null;
    soci::statement st =
      (s.prepare << "SELECT id, payee_user_id, payee_name, amount_micros, currency, note, created_at FROM advances WHERE "
                    "account_id = :a ORDER BY id",
       soci::into(id), soci::into(user, user_ind), soci::into(name), soci::into(amount), soci::into(currency),
       soci::into(note), soci::into(created), soci::use(aid));
    st.execute(false);
    while (st.fetch())
      out.push_back({id, account, payee_of(user_ind, user, name), amount, currency, note, created});
  });
  return out;
}

} // namespace tunemantra::persistence
