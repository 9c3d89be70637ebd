// The ways `xacoord bench` pays an order, all with the same minimal pay (orders: the
// guarded UPDATE ... SET status = 'PAID' WHERE ... AND status = 'PENDING'; payments: the
// debit and the CAPTURED insert):
//  - Xacoord:        POST /v1/orders/{id}/pay to the coordinator (load from wrk:
//                    tools/bench/wrk_load.h; the driver here is for a quick check by hand);
//  - XaFloor:        a plain client on Connector/C++, two connections per client, XA START,
//                    the statements, XA END, XA PREPARE per branch, one round trip per
//                    statement, the two branches in parallel, then XA COMMIT of both in
//                    parallel — no pool, no lanes, no HTTP, no log: the least any XA
//                    coordinator must pay;
//  - XaFloorBatched: the same with each branch's START..PREPARE in one multi-statement
//                    round trip;
//  - NonAtomic:      the same statements as two plain local commits, in parallel — what you
//                    get without distributed transactions (and the anomalies that come
//                    with it).
// A driver is used by one thread; each thread has its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "coordinator/client/http_client.h"
#include "participants/connection.h"

namespace xacoord::bench {

struct PayTarget {
  std::int64_t order_id;
  std::string account_id;
  std::int64_t amount_cents;
};

class PayDriver {
 public:
  virtual ~PayDriver() = default;
  // Pays one order; false if it did not end PAID (counted as an error).
  virtual bool pay(const PayTarget& target, std::uint64_t sequence) = 0;
};

enum class Mode {
  kXacoord,
  kXaFloor,
  kXaFloorBatched,
  kNonAtomic,
  // The two round-trip shapes of a pay that keep the lock order (the order row locked before
  // any payments statement, docs/performance.md "Fewer round trips"), on the plain client:
  // today's (lock; then both branches' work and prepares in parallel; commits) and the
  // merged one (the orders branch's lock, work and prepare in one round trip; then the
  // payments branch; commits). Opt-in with --modes.
  kXaFloorLocked,
  kXaFloorMerged,
};
// What `bench` runs by default.
inline constexpr Mode kAllModes[] = {Mode::kXacoord, Mode::kXaFloor, Mode::kXaFloorBatched,
                                     Mode::kNonAtomic};
inline constexpr Mode kKnownModes[] = {Mode::kXacoord,        Mode::kXaFloor,
                                       Mode::kXaFloorBatched, Mode::kNonAtomic,
                                       Mode::kXaFloorLocked,  Mode::kXaFloorMerged};
const char* name_of(Mode mode);

struct DriverSetup {
  std::string orders_url;
  std::string payments_url;
  std::string coordinator_host = "127.0.0.1";
  std::uint16_t coordinator_port = 0;
  std::string thread_tag;  // makes xids unique per thread
};

std::unique_ptr<PayDriver> make_driver(Mode mode, const DriverSetup& setup);

}  // namespace xacoord::bench
