// GET /v1/xa/recover[?participant=orders|payments]: the prepared branches each database
// lists in XA RECOVER right now, with what this coordinator knows of each (docs/api.md,
// "In doubt"). One session per database, bounded by the pool's deadline; a database that
// does not answer is listed as unreachable with its error, the other still answers.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/engine/transaction_table.h"
#include "coordinator/http/router.h"
#include "participants/pool.h"

namespace xacoord::http {

struct XaRecoverContext {
  std::vector<db::Pool*> participants;
  TransactionTable& transactions;
  Clock& clock;
  std::string node_id;
  std::chrono::milliseconds deadline{3000};
};

Handler xa_recover_handler(XaRecoverContext context);

}  // namespace xacoord::http
