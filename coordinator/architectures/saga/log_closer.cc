#include "coordinator/architectures/saga/log_closer.h"

#include "coordinator/architectures/saga/saga_log_sql.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/recovery_context.h"

namespace xacoord::saga {

namespace asio = boost::asio;

void LogCloser::close(Kind kind, const std::string& saga_id) {
  if (ids_.size() >= kMaxQueued) {
    if (!dropped_logged_) log_event("saga_log_close_dropped", {{"queued", ids_.size()}});
    dropped_logged_ = true;
    return;
  }
  dropped_logged_ = false;
  if (!ids_.insert(saga_id).second) return;
  (kind == Kind::kPay ? pays_ : cancels_).push_back(saga_id);
}

asio::awaitable<bool> LogCloser::flush(Kind kind, std::vector<std::string>& queue) {
  if (queue.empty()) co_return true;
  std::size_t n = std::min(queue.size(), kBatch);
  std::vector<std::string> batch(queue.begin(), queue.begin() + static_cast<long>(n));
  const log_sql::State from = log_sql::open_state(kind);
  const log_sql::State to = kind == Kind::kPay ? log_sql::State::kPaid : log_sql::State::kRefunded;
  std::vector<std::string> update;
  update.push_back(log_sql::close_sql(batch, from, to));
  db::Pool& pool = kind == Kind::kPay ? payments_ : orders_;
  std::string error;
  try {
    co_await run_local(pool, clock_.now() + options_.deadline, std::move(update));
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    log_event("saga_log_close_failed", {{"kind", std::string(name_of(kind))}, {"error", error}});
    co_return false;
  }
  // Only now: a scan meanwhile still sees these rows as being closed, not as orphans.
  queue.erase(queue.begin(), queue.begin() + static_cast<long>(n));
  for (const auto& id : batch)
    ids_.erase(id);
  co_return true;
}

asio::awaitable<void> LogCloser::run() {
  std::chrono::milliseconds backoff = options_.interval;
  while (!stopped_) {
    co_await sleep_for(clock_, jittered(backoff));
    bool pays_closed = co_await flush(Kind::kPay, pays_);
    bool cancels_closed = co_await flush(Kind::kCancel, cancels_);
    bool ok = pays_closed && cancels_closed;
    backoff = ok ? options_.interval : std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace xacoord::saga
