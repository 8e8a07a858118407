#include "actors/runtime.hpp"

#include <unistd.h>

#include <array>

#include <caf/function_view.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/supervisor.hpp"
#include "actors/type_ids.hpp"
#include "domain/crypto.hpp"
#include "domain/log.hpp"
#include "domain/time.hpp"

namespace tunemantra::actors {
namespace {

/// Room for queued store calls: enough for bursts, bounded so overload shows as errors.
constexpr std::size_t executor_queue = 100'000;

caf::actor_system_config& prepared(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  // CAF's own logging to files is off; tunemantrad logs structured lines itself.
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  return cfg;
}

/// This process as a cluster node: the configured id, else the host name.
persistence::node_record this_node(const config::cluster_config& cfg) {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0)
    host[0] = '\0';
  persistence::node_record n;
  n.host = host.data();
  n.id = cfg.node_id.empty() ? (n.host.empty() ? std::string("localhost") : n.host) : cfg.node_id;
  n.version = TM_VERSION;
  n.pid = ::getpid();
  n.incarnation = domain::crypto::random_token(12);
  n.started_at = domain::now_millis();
  return n;
}

persistence::node_record joined(persistence::store& store, const config::cluster_config& cfg) {
  auto node = this_node(cfg);
  store.cluster().join(node);
  log::info("node joined", {{"node", node.id}, {"host", node.host}, {"lease_ms", std::to_string(cfg.lease_ms)},
                            {"heartbeat_ms", std::to_string(cfg.heartbeat_ms)}});
  return node;
}

} // namespace

job_runtime::job_runtime(const config::config& cfg, persistence::store& store)
  : store_(store),
    node_(joined(store, cfg.cluster)),
    system_(std::make_unique<caf::actor_system>(prepared(caf_cfg_))),
    executor_(static_cast<std::size_t>(cfg.database.worker_threads), executor_queue),
    sender_(static_cast<std::size_t>(cfg.delivery.workers), executor_queue), renewals_(1, 4),
    commits_(store.delivery()) {
  if (store.backend() == persistence::backend_kind::postgresql) {
    slots_ = std::make_unique<persistence::platform_slots>(persistence::parse_database_url(cfg.database.url).target);
    gate_.set_cluster_slots(slots_.get());
  }
  job_context ctx;
  ctx.store = &store;
  ctx.executor = &executor_;
  ctx.sender = &sender_;
  ctx.renewals = &renewals_;
  ctx.gate = &gate_;
  ctx.in_flight = &in_flight_;
  ctx.commits = &commits_;
  ctx.stats = &stats_;
  ctx.jobs = cfg.jobs;
  ctx.delivery = cfg.delivery;
  ctx.media_dir = cfg.media.dir;
  supervisor_ = system_->spawn(actors::supervisor, ctx, node_, cfg.cluster);
  store_.on_work([sup = supervisor_] { caf::anon_send(sup, poll_atom::value); });
  log::info("supervisor started", {{"max_restarts", std::to_string(cfg.jobs.max_restarts)},
                                   {"restart_period_ms", std::to_string(cfg.jobs.restart_period_ms)}});
}

job_runtime::~job_runtime() { stop(std::chrono::seconds(10)); }

bool job_runtime::ping(std::chrono::milliseconds timeout) {
  if (stopped_)
    return false;
  auto view = caf::make_function_view(supervisor_, caf::duration{timeout});
  return static_cast<bool>(view(ping_atom::value));
}

void job_runtime::nudge() {
  caf::anon_send(supervisor_, poll_atom::value);
  store_.announce_work(); // the other nodes look too (PostgreSQL)
}

bool job_runtime::kick(std::int64_t job_id) {
  if (stopped_)
    return false;
  auto view = caf::make_function_view(supervisor_, caf::duration{std::chrono::seconds(5)});
  const auto answer = view(kick_atom::value, job_id);
  return answer && *answer;
}

bool job_runtime::stop(std::chrono::milliseconds grace) {
  if (stopped_)
    return true;
  stopped_ = true;
  bool in_time = true;
  {
    caf::scoped_actor self{*system_};
    self->request(supervisor_, grace, shutdown_atom::value)
      .receive([](bool) {},
               [&](caf::error& err) {
                 in_time = false;
                 log::warn("supervisor did not stop in time", {{"error", caf::to_string(err)}});
                 self->send_exit(supervisor_, caf::exit_reason::kill);
               });
  }
  store_.on_work({}); // the supervisor is gone
  sender_.stop();   // sends in flight finish and record their outcome
  commits_.stop();  // ... through the group commit, which ends after them
  executor_.stop(); // lets in-flight store writes finish
  renewals_.stop();
  supervisor_ = supervisor_actor{};
  system_.reset(); // waits for every actor to end
  try {
    store_.cluster().leave(node_);
    log::info("node left", {{"node", node_.id}});
  } catch (const std::exception& e) {
    log::warn("node could not leave; its leases run out instead", {{"node", node_.id}, {"error", e.what()}});
  }
  log::info("supervisor stopped");
  return in_time;
}

} // namespace tunemantra::actors
