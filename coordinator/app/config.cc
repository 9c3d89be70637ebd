#include "coordinator/app/config.h"

#include <cstdlib>

#include "coordinator/broker/redis_options.h"
#include "coordinator/store/etcd/etcd_endpoint.h"
#include "participants/endpoint.h"
#include "protocol/txn_id.h"

namespace xacoord {

void ServeConfig::add_flags(Flags& f) {
  f.add("listen", "address to serve HTTP on (host:port)", &listen);
  f.add("log-dir", "decision log directory (default $XA_VAR/coordinator)", &log_dir);
  f.add("orders", "orders database URL", &orders);
  f.add("payments", "payments database URL", &payments);
  f.add("node-id",
        "this coordinator's id in every xid (1-12 of [A-Za-z0-9_]); unique per coordinator",
        &node_id);
  f.add("enable-fault-injection", "honour XACOORD_CRASH_AT (tests and chaos only)",
        &enable_fault_injection);
  f.add("architecture",
        "how pay and cancel run: xa (two-phase commit, the default), tcc (try, a recorded "
        "decision, then confirm or cancel on both), saga (local commits with "
        "a compensating refund), outbox (a local commit and messages through Redis Streams, "
        "pay answered 202) or naive (two local commits, the unsafe baseline); "
        "docs/architectures.md",
        &architecture);
  f.add("unsafe-no-2pc", "the same as --architecture naive (kept for old scripts)", &unsafe_no_2pc);
  f.add("decision-store",
        "where commit decisions live: file (the log in --log-dir, the default) or "
        "etcd://H:P[,H:P...] for several coordinators sharing the databases "
        "(docs/scale-out.md)",
        &decision_store);
  f.add("takeover-after",
        "on etcd: a coordinator silent this long is dead, and a live one finishes its "
        "transactions (the lease of its registration; whole seconds, at least 2s)",
        &takeover_after);
  f.add("broker", "the Redis of --architecture outbox, redis://HOST:PORT (docs/broker.md)",
        &broker);
  f.add("broker-streams",
        "outbox: prefix of the stream names (<prefix>:to-orders, <prefix>:to-payments); runs "
        "that share one Redis and one database pair each use their own",
        &broker_streams);
  f.add("outbox-tidy-interval",
        "outbox: how often published outbox rows (after 1 h), inbox rows (after 7 days) and "
        "acknowledged stream entries are removed",
        &outbox_tidy_interval);
  f.add("admin-token", "bearer token for the admin routes; without one they are off", &admin_token);
  f.add("demo",
        "serve the dashboard cards' demo runs (POST /v1/demo/...: they open demo accounts and "
        "orders, and start child coordinators); off by default, on in make run; "
        "docs/dashboard.md",
        &demo);
  f.add("txn-history", "finished transactions kept for GET /v1/transactions (~1.5 KB each)",
        &txn_history, 0, 10'000'000);
  f.add("pool-size", "sessions per database = transactions in flight", &pool_size, 1, 4096);
  f.add("db-client",
        "how sessions talk to the databases: async (libmariadb non-blocking on the event loop, "
        "the default) or lanes (Connector/C++ on a thread per session); docs/performance.md",
        &db_client);
  f.add("deadline", "time a transaction may take to reach its decision", &deadline);
  f.add("lock-wait-seconds", "session innodb_lock_wait_timeout", &lock_wait_seconds, 1, 3600);
  f.add("connect-timeout-seconds", "database connect timeout", &connect_timeout_seconds, 1, 600);
  f.add("read-timeout-seconds", "database read timeout", &read_timeout_seconds, 1, 3600);
  f.add("orphan-scan-interval", "how often XA RECOVER looks for orphan branches",
        &orphan_scan_interval);
  f.add("orphan-grace", "how long an orphan must stay prepared before it is rolled back",
        &orphan_grace);
  f.add("stuck-after", "a branch in doubt this long counts as stuck (metric)", &stuck_after);
  f.add("retry-max-backoff", "cap of the phase-two retry backoff", &retry_max_backoff);
  f.add("health-interval", "database ping interval", &health_interval);
  f.add("node-lock-wait-seconds",
        "how long a start waits for the node id's lock held by a coordinator that just died",
        &node_lock_wait_seconds, 0, 600);
  f.add("node-lock-stale-seconds",
        "a node lock held by an earlier run's session idle this long is taken for a dead host's "
        "and ended; this run decides only while it confirmed its lock within half of it "
        "(docs/recovery.md, \"The node's fence\")",
        &node_lock_stale_seconds, 4, 3600);
  f.add("idempotency-retention", "how long Idempotency-Key answers are kept",
        &idempotency_retention);
  f.add("http-read-timeout", "time a client has to send each request", &http_read_timeout);
  f.add("shutdown-grace", "how long SIGTERM waits for transactions in flight", &shutdown_grace);
  f.add("max-connections", "concurrent HTTP connections", &max_connections, 1, 100000);
  f.add("segment-bytes", "decision log segment size before rotation", &segment_bytes, 4096,
        1LL << 32);
  f.add("reconcile-every",
        "run the invariant check in the background this often, e.g. 10m (0: off); "
        "docs/operations.md, \"Scheduled reconciliation\"",
        &reconcile_every);
  f.add("reconcile-account-prefix",
        "the scheduled check covers only accounts whose id starts with this (empty: all)",
        &reconcile_account_prefix);
}

void ServeConfig::finish() {
  if (log_dir.empty()) {
    const char* var = std::getenv("XA_VAR");
    log_dir = std::string(var && *var ? var : "./var") + "/coordinator";
  }
  if (!valid_node_id(node_id))
    throw UsageError("--node-id must be 1-12 characters of [A-Za-z0-9_]");
  try {
    db::Endpoint::parse(orders);
    db::Endpoint::parse(payments);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (unsafe_no_2pc) architecture = "naive";
  if (decision_store != "file") {
    if (decision_store.rfind("etcd://", 0) != 0)
      throw UsageError("--decision-store must be file or etcd://H:P[,H:P...] (got '" +
                       decision_store + "')");
    try {
      etcd::parse_endpoints(decision_store);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--decision-store: ") + e.what());
    }
    if (architecture != "xa")
      throw UsageError("--decision-store etcd is for --architecture xa (the decisions of 2PC)");
  }
  if (takeover_after < std::chrono::seconds(2) || takeover_after.count() % 1000 != 0)
    throw UsageError(
        "--takeover-after must be whole seconds, at least 2s (etcd's lease TTLs are "
        "whole seconds, and etcd raises shorter ones)");
  if (architecture != "xa" && architecture != "naive" && architecture != "saga" &&
      architecture != "outbox" && architecture != "tcc")
    throw UsageError("--architecture must be one of: xa, tcc, saga, outbox, naive (got '" +
                     architecture + "')");
  try {
    broker::parse_redis_url(broker);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--broker: ") + e.what());
  }
  if (broker_streams.empty() || broker_streams.size() > 40 ||
      broker_streams.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_.-") != std::string::npos)
    throw UsageError("--broker-streams must be 1-40 of [A-Za-z0-9_.-]");
  if (db_client != "async" && db_client != "lanes")
    throw UsageError("--db-client must be async or lanes (got '" + db_client + "')");
  if (deadline.count() <= 0) throw UsageError("--deadline must be positive");
  if (outbox_tidy_interval.count() <= 0)
    throw UsageError("--outbox-tidy-interval must be positive");
  // Keys are compared in whole seconds (docs/api.md); below one second they would expire
  // as soon as they are stored, and a request could be charged twice.
  if (idempotency_retention < std::chrono::seconds(1))
    throw UsageError("--idempotency-retention must be at least 1s");
  if (http_read_timeout.count() <= 0) throw UsageError("--http-read-timeout must be positive");
  // Each run reads both databases whole: a tighter loop would be a load of its own.
  if (reconcile_every.count() != 0 && reconcile_every < std::chrono::milliseconds(100))
    throw UsageError("--reconcile-every must be 0 (off) or at least 100ms");
}

}  // namespace xacoord
