#include "coordinator/architectures/outbox/local_txn.h"

namespace xacoord::outbox {

namespace asio = boost::asio;

asio::awaitable<LocalTxn> LocalTxn::begin(db::Pool& pool, SteadyTime deadline,
                                          std::vector<std::string> reads) {
  LocalTxn txn;
  txn.lease_ = co_await pool.acquire(deadline);
  reads.insert(reads.begin(), "START TRANSACTION");
  db::Results results = co_await txn.send(std::move(reads));
  results.erase(results.begin());
  txn.reads_ = std::move(results);
  co_return txn;
}

LocalTxn::~LocalTxn() {
  if (lease_) lease_.discard_session();
}

asio::awaitable<db::Results> LocalTxn::send(std::vector<std::string> statements) {
  std::exception_ptr failure;
  db::Results results;
  try {
    results = co_await lease_.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // Half a transaction must never reach the pool's next user.
    lease_.discard_session();
    lease_.release();
    std::rethrow_exception(failure);
  }
  co_return results;
}

asio::awaitable<db::Results> LocalTxn::commit(std::vector<std::string> writes) {
  writes.push_back("COMMIT");
  db::Results results = co_await send(std::move(writes));
  results.pop_back();
  lease_.release();
  co_return results;
}

asio::awaitable<void> LocalTxn::rollback() {
  std::vector<std::string> rollback{"ROLLBACK"};
  co_await send(std::move(rollback));
  lease_.release();
}

}  // namespace xacoord::outbox
