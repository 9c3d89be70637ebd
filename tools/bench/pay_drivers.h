// The three ways `xacoord bench` pays an order, all with the same statements:
//  - Xacoord:    POST /v1/orders/{id}/pay to the coordinator over a keep-alive connection;
//  - XaFloor:    XA START/END/PREPARE/COMMIT on both servers straight through the
//                participants library, one round trip per statement, no HTTP, no log —
//                the least any XA coordinator must pay;
//  - NonAtomic:  the same statements as two plain local commits — what you get without
//                distributed transactions (and the anomalies that come with it).
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

enum class Mode { kXacoord, kXaFloor, kNonAtomic };
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
