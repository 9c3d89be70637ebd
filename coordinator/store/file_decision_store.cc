#include "coordinator/store/file_decision_store.h"

#include <boost/asio/use_awaitable.hpp>

#include "common/check.h"

namespace xacoord {

namespace asio = boost::asio;

asio::awaitable<bool> FileDecisionStore::record_commit(CommitDecision decision) {
  std::string id = decision.txn_id;
  bool durable = co_await log_.async_append(std::move(decision), asio::use_awaitable);
  // Only reachable when a test chose to survive a failed fsync (decision_log.h): in
  // production the writer aborts first.
  XA_CHECK(durable, "the commit decision of " + id + " is not durable");
  co_return true;
}

asio::awaitable<bool> FileDecisionStore::record_heuristic(HeuristicRecord record) {
  co_return co_await log_.async_append(std::move(record), asio::use_awaitable);
}

void FileDecisionStore::record_finished(std::string txn_id) {
  log_.append(FinishedRecord{std::move(txn_id)});
}

asio::awaitable<DecisionState> FileDecisionStore::load() {
  co_return log_.state();
}

}  // namespace xacoord
