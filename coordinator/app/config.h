// `xacoord serve`'s configuration: contract §1 defaults, overridden by XACOORD_* variables
// and then by flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/flags.h"

namespace xacoord {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string log_dir;  // default $XA_VAR/coordinator, $XA_VAR defaulting to ./var
  std::string orders = "mysql://root@127.0.0.1:3316/xa_orders";
  std::string payments = "mysql://root@127.0.0.1:3317/xa_payments";
  std::string node_id = "1";
  bool enable_fault_injection = false;
  std::chrono::milliseconds injected_sync_delay{0};  // XACOORD_LOG_SYNC_DELAY_MS, with the above
  std::string architecture = "xa";  // xa | tcc | saga | outbox | naive (docs/architectures.md)
  bool unsafe_no_2pc = false;       // the old name of --architecture naive
  std::string admin_token;
  // Where decisions live: "file" (the log in log_dir) or "etcd://H:P[,H:P...]", shared by
  // several coordinators (docs/scale-out.md).
  std::string decision_store = "file";
  // On etcd: the lease of this node's registration; a dead node is taken over by a live one
  // once it expires (docs/scale-out.md, "Takeover"). Whole seconds, at least 2.
  std::chrono::milliseconds takeover_after{10'000};
  std::string broker = "redis://127.0.0.1:6390";           // outbox only (docs/broker.md)
  std::string broker_streams = "xacoord";                  // outbox: the streams' name prefix
  std::chrono::milliseconds outbox_tidy_interval{60'000};  // outbox: purges and stream trims
  bool demo = false;  // the dashboard cards' demo routes (docs/dashboard.md)

  std::int64_t pool_size = 128;
  // async: libmariadb's non-blocking API on the io_context; lanes: Connector/C++ on a
  // thread per session (docs/performance.md).
  std::string db_client = "async";
  std::int64_t txn_history = 10'000;
  std::chrono::milliseconds deadline{10'000};
  std::int64_t lock_wait_seconds = 5;
  std::int64_t connect_timeout_seconds = 2;
  std::int64_t read_timeout_seconds = 10;
  std::chrono::milliseconds orphan_scan_interval{10'000};
  std::chrono::milliseconds orphan_grace{30'000};
  std::chrono::milliseconds stuck_after{60'000};
  std::chrono::milliseconds retry_max_backoff{10'000};
  std::chrono::milliseconds health_interval{1'000};
  std::int64_t node_lock_wait_seconds = 10;
  std::int64_t node_lock_stale_seconds = 30;
  std::chrono::milliseconds idempotency_retention{24 * 3600 * 1000};
  std::chrono::milliseconds http_read_timeout{30'000};
  std::chrono::milliseconds shutdown_grace{15'000};
  std::int64_t max_connections = 1024;
  std::int64_t segment_bytes = 4 << 20;
  // The invariant check in the background (docs/operations.md, "Scheduled reconciliation").
  std::chrono::milliseconds reconcile_every{0};  // 0: off
  std::string reconcile_account_prefix;

  // Registers every field on `flags`.
  void add_flags(Flags& flags);
  // Fills derived defaults and checks what flags alone cannot; throws UsageError.
  void finish();
};

}  // namespace xacoord
