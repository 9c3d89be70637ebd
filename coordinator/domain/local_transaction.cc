#include "coordinator/domain/local_transaction.h"

namespace xacoord {

namespace asio = boost::asio;

void tag(std::vector<std::string>& statements, const std::string& marker) {
  for (auto& s : statements)
    s.insert(0, marker);
}

asio::awaitable<LocalTransaction> LocalTransaction::begin(db::Pool& pool, SteadyTime deadline,
                                                          std::string marker,
                                                          std::vector<std::string> reads) {
  LocalTransaction txn;
  txn.marker_ = std::move(marker);
  txn.lease_ = co_await pool.acquire(deadline);
  txn.open_ = true;
  std::vector<std::string> batch;
  batch.reserve(reads.size() + 1);
  batch.emplace_back("START TRANSACTION");
  for (auto& r : reads)
    batch.push_back(std::move(r));
  db::Results results = co_await txn.send(std::move(batch));
  results.erase(results.begin());
  txn.reads_ = std::move(results);
  co_return txn;
}

LocalTransaction::~LocalTransaction() {
  if (open_ && lease_) lease_.discard_session();
}

asio::awaitable<db::Results> LocalTransaction::send(std::vector<std::string> statements) {
  tag(statements, marker_);
  std::exception_ptr failure;
  db::Results results;
  try {
    results = co_await lease_.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // Half a transaction must never reach the pool's next user: closing the session rolls
    // back what did not commit.
    lease_.discard_session();
    lease_.release();
    open_ = false;
    std::rethrow_exception(failure);
  }
  co_return results;
}

asio::awaitable<db::Results> LocalTransaction::commit(std::vector<std::string> writes) {
  writes.push_back("COMMIT");
  db::Results results = co_await send(std::move(writes));
  results.pop_back();
  open_ = false;
  lease_.release();
  co_return results;
}

asio::awaitable<db::Results> LocalTransaction::run(std::vector<std::string> statements) {
  co_return co_await send(std::move(statements));
}

asio::awaitable<void> LocalTransaction::rollback() {
  std::vector<std::string> rollback;
  rollback.push_back("ROLLBACK");
  co_await send(std::move(rollback));
  open_ = false;
  lease_.release();
}

}  // namespace xacoord
