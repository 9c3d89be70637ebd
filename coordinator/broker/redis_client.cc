#include "coordinator/broker/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <csignal>
#include <deque>
#include <mutex>
#include <functional>
#include <random>
#include <stdexcept>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/broker/asio_adapter.h"
#include "coordinator/broker/backoff.h"

namespace xacoord::broker {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

using Done = std::function<void(Outcome)>;

std::string ms_text(milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

// One call from submit() to its outcome. Held by the waiting queue or by hiredis (the
// privdata of the sent command), and by its deadline's handler.
struct Call {
  Call(const asio::any_io_executor& executor, Command c, Done d)
      : command(std::move(c)), done(std::move(d)), deadline(executor) {}

  // The first outcome wins; later ones (a reply after the deadline) are dropped.
  void finish(Outcome outcome) {
    if (!done) return;
    Done d = std::move(done);
    done = nullptr;
    deadline.cancel();
    d(std::move(outcome));
  }
  bool finished() const { return !done; }

  Command command;
  Done done;
  asio::steady_timer deadline;
  milliseconds timeout{0};
  bool sent = false;
};

class RedisClient::Impl : public std::enable_shared_from_this<RedisClient::Impl> {
 public:
  Impl(asio::any_io_executor executor, RedisOptions options)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        backoff_(options_.backoff_initial, options_.backoff_max, std::random_device{}()),
        connect_timer_(executor_),
        backoff_timer_(executor_) {}

  const asio::any_io_executor& executor() const { return executor_; }
  const RedisOptions& options() const { return options_; }
  const ClientStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }
  bool connected() const { return link_ == Link::kUp; }

  void submit(Command command, milliseconds timeout, Done done) {
    auto call = std::make_shared<Call>(executor_, std::move(command), std::move(done));
    if (shut_) {
      call->finish(fail(BrokerErrc::kUnavailable, "redis client closed"));
      return;
    }
    call->timeout = timeout;
    call->deadline.expires_after(timeout);
    call->deadline.async_wait(
        [self = shared_from_this(), call](const boost::system::error_code& ec) {
          if (ec || call->finished()) return;
          self->on_deadline(call);
        });
    if (link_ == Link::kUp) {
      send(call);
      return;
    }
    waiting_.push_back(call);
    if (link_ == Link::kDown) connect();
  }

  void close() { drop_connection("closed by the client"); }

  // The destructor of RedisClient: nothing may run on this object's behalf afterwards.
  void shut_down() {
    shut_ = true;
    connect_timer_.cancel();
    backoff_timer_.cancel();
    drop_connection("redis client closed");
    auto waiting = std::move(waiting_);
    for (auto& call : waiting)
      call->finish(fail(BrokerErrc::kUnavailable, "redis client closed"));
  }

 private:
  enum class Link { kDown, kConnecting, kUp, kBackoff };

  static Outcome fail(BrokerErrc code, std::string message) {
    return Outcome{Reply{}, BrokerError(code, std::move(message))};
  }
  std::string where() const { return to_url(options_); }

  // --- connecting -------------------------------------------------------------------

  void connect() {
    link_ = Link::kConnecting;
    ++attempt_;
    redisAsyncContext* ac = redisAsyncConnect(options_.host.c_str(), options_.port);
    if (ac == nullptr) return connect_failed("out of memory");
    if (ac->err) {
      std::string why = ac->c.errstr;
      redisAsyncFree(ac);
      return connect_failed(why);
    }
    ac->data = this;
    attach_to_asio(ac, executor_);
    redisAsyncSetDisconnectCallback(ac, &Impl::on_disconnect);
    redisAsyncSetConnectCallback(ac, &Impl::on_connect);  // after attaching: it arms the write wait
    ac_ = ac;
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(),
                               attempt = attempt_](const boost::system::error_code& ec) {
      if (ec || self->shut_ || self->attempt_ != attempt || self->link_ != Link::kConnecting) {
        return;
      }
      redisAsyncContext* ac = std::exchange(self->ac_, nullptr);
      redisAsyncFree(ac);  // not connected: runs no callback
      self->connect_failed("connect timed out after " + ms_text(self->options_.connect_timeout));
    });
  }

  static void on_connect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    if (status != REDIS_OK) {
      self->ac_ = nullptr;  // hiredis frees the context when this returns
      self->connect_failed(*ac->c.errstr ? ac->c.errstr : "connect failed");
      return;
    }
    self->connect_timer_.cancel();
    self->link_ = Link::kUp;
    self->backoff_.reset();
    ++self->stats_.connects;
    // Without keepalive a peer that vanished (a host down, not a process) is noticed only
    // by a deadline; with it, also between calls.
    redisEnableKeepAlive(const_cast<redisContext*>(&ac->c));
    auto waiting = std::move(self->waiting_);
    for (auto& call : waiting) {
      if (!call->finished()) self->send(call);
    }
  }

  void connect_failed(std::string why) {
    last_error_ = "cannot connect to " + where() + ": " + why;
    ++stats_.connect_failures;
    link_ = Link::kBackoff;
    backoff_timer_.expires_after(backoff_.next());
    backoff_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->shut_ || self->link_ != Link::kBackoff) return;
      self->link_ = Link::kDown;
      if (!self->waiting_.empty()) self->connect();  // otherwise the next call connects
    });
  }

  // Runs for an established connection when hiredis frees it: the server went away, a
  // read or write failed, or drop_connection() freed it. Its sent calls have already
  // been answered with a null reply.
  static void on_disconnect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    ++self->stats_.disconnects;
    if (self->ac_ != ac) return;  // drop_connection() freed it and already moved on
    self->ac_ = nullptr;
    self->link_ = Link::kDown;
    if (status != REDIS_OK) {
      self->last_error_ = "connection to " + self->where() +
                          " lost: " + (*ac->c.errstr ? ac->c.errstr : "closed by the server");
    }
  }

  void drop_connection(const std::string& why) {
    connect_timer_.cancel();
    redisAsyncContext* ac = std::exchange(ac_, nullptr);
    if (link_ == Link::kUp || link_ == Link::kConnecting) link_ = Link::kDown;
    if (ac != nullptr) {
      last_error_ = why;
      redisAsyncFree(ac);  // answers its sent calls with null replies, then on_disconnect
    }
    // Calls still waiting (a close() while connecting) need an attempt of their own.
    if (!shut_ && !waiting_.empty() && link_ == Link::kDown) connect();
  }

  // --- calls ------------------------------------------------------------------------

  void send(const std::shared_ptr<Call>& call) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& a : call->command) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* token = new std::shared_ptr<Call>(call);
    if (redisAsyncCommandArgv(ac_, &Impl::on_reply, token, static_cast<int>(argv.size()),
                              argv.data(), lengths.data()) != REDIS_OK) {
      delete token;  // the context is being torn down: nothing was queued
      call->finish(fail(BrokerErrc::kUnavailable,
                        "redis " + call->command[0] + ": the connection is closing"));
      return;
    }
    call->sent = true;
    ++stats_.commands_sent;
  }

  // hiredis calls this exactly once per sent command: with its reply, or with null when
  // the context is freed first.
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    std::unique_ptr<std::shared_ptr<Call>> token(static_cast<std::shared_ptr<Call>*>(privdata));
    Call& call = **token;
    const std::string& name = call.command[0];
    if (reply == nullptr) {
      std::string why = *ac->c.errstr ? ac->c.errstr : "connection closed";
      call.finish(fail(BrokerErrc::kConnectionLost,
                       "redis " + name + ": connection lost after the command was sent (" + why +
                           "); it may or may not have taken effect"));
      return;
    }
    const auto& r = *static_cast<const redisReply*>(reply);
    if (r.type == REDIS_REPLY_ERROR) {
      call.finish(Outcome{Reply{}, error_from_reply(name, std::string_view(r.str, r.len))});
      return;
    }
    call.finish(Outcome{copy_reply(r), std::nullopt});
  }

  void on_deadline(const std::shared_ptr<Call>& call) {
    if (!call->sent) {
      std::erase(waiting_, call);
      call->finish(fail(BrokerErrc::kUnavailable,
                        "redis " + call->command[0] + ": no connection to " + where() + " within " +
                            ms_text(call->timeout) +
                            (last_error_.empty() ? "" : " (" + last_error_ + ")")));
      return;
    }
    ++stats_.timeouts;
    call->finish(fail(BrokerErrc::kTimeout, "redis " + call->command[0] + ": no reply from " +
                                                where() + " within " + ms_text(call->timeout) +
                                                "; connection closed, outcome unknown"));
    drop_connection("a reply was overdue");
  }

  asio::any_io_executor executor_;
  RedisOptions options_;
  Backoff backoff_;
  asio::steady_timer connect_timer_;
  asio::steady_timer backoff_timer_;
  redisAsyncContext* ac_ = nullptr;
  Link link_ = Link::kDown;
  std::uint64_t attempt_ = 0;
  std::deque<std::shared_ptr<Call>> waiting_;  // submitted, not sent: no connection yet
  ClientStats stats_;
  std::string last_error_;
  bool shut_ = false;
};

RedisClient::RedisClient(asio::any_io_executor executor, RedisOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {
  // hiredis writes with write(), not send(MSG_NOSIGNAL): a write to a connection Redis
  // has reset would raise SIGPIPE and kill the whole coordinator. Nothing in the process
  // relies on SIGPIPE (Asio's own sockets never raise it), so it is ignored, once.
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

RedisClient::~RedisClient() {
  impl_->shut_down();
}

namespace {

// Completes an awaiting coroutine on its own executor, never inside hiredis's callback.
template <class Handler>
Done post_to(Handler handler, const asio::any_io_executor& fallback) {
  auto h = std::make_shared<Handler>(std::move(handler));
  auto ex = asio::get_associated_executor(*h, fallback);
  return [h, ex](Outcome outcome) {
    asio::post(ex, [h, outcome = std::move(outcome)]() mutable {
      if (outcome.error) {
        (*h)(std::make_exception_ptr(*outcome.error), Reply{});
      } else {
        (*h)(nullptr, std::move(outcome.reply));
      }
    });
  };
}

// Initiations of the two awaitable calls. Named types, and no coroutine of our own around
// async_initiate: GCC 12 freed a wrapping coroutine's frame while it still ran.
struct CommandInitiation {
  std::shared_ptr<RedisClient::Impl> impl;
  milliseconds timeout;
  template <typename Handler>
  void operator()(Handler handler, Command command) const {
    impl->submit(std::move(command), timeout, post_to(std::move(handler), impl->executor()));
  }
};

struct PipelineInitiation {
  std::shared_ptr<RedisClient::Impl> impl;
  milliseconds timeout;
  template <typename Handler>
  void operator()(Handler handler, std::vector<Command> commands) const {
    struct Gather {
      std::vector<Outcome> outcomes;
      std::size_t left = 0;
      std::shared_ptr<Handler> handler;
      asio::any_io_executor ex;
    };
    auto g = std::make_shared<Gather>();
    g->outcomes.resize(commands.size());
    g->left = commands.size();
    g->handler = std::make_shared<Handler>(std::move(handler));
    g->ex = asio::get_associated_executor(*g->handler, impl->executor());
    if (commands.empty()) {
      asio::post(g->ex, [g]() mutable { (*g->handler)(nullptr, std::vector<Outcome>{}); });
      return;
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
      impl->submit(std::move(commands[i]), timeout, [g, i](Outcome outcome) {
        g->outcomes[i] = std::move(outcome);
        if (--g->left > 0) return;
        asio::post(g->ex, [g]() mutable { (*g->handler)(nullptr, std::move(g->outcomes)); });
      });
    }
  }
};

}  // namespace

asio::awaitable<Reply> RedisClient::command(Command command, std::optional<milliseconds> timeout) {
  if (command.empty()) throw std::invalid_argument("redis: empty command");
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, Reply)>(
      CommandInitiation{impl_, timeout.value_or(impl_->options().command_timeout)},
      asio::use_awaitable, std::move(command));
}

asio::awaitable<std::vector<Outcome>> RedisClient::pipeline(std::vector<Command> commands,
                                                            std::optional<milliseconds> timeout) {
  for (const auto& c : commands) {
    if (c.empty()) throw std::invalid_argument("redis: empty command in a pipeline");
  }
  return asio::async_initiate<decltype(asio::use_awaitable),
                              void(std::exception_ptr, std::vector<Outcome>)>(
      PipelineInitiation{impl_, timeout.value_or(impl_->options().command_timeout)},
      asio::use_awaitable, std::move(commands));
}

void RedisClient::close() {
  impl_->close();
}
bool RedisClient::connected() const {
  return impl_->connected();
}
const RedisOptions& RedisClient::options() const {
  return impl_->options();
}
const ClientStats& RedisClient::stats() const {
  return impl_->stats();
}
const std::string& RedisClient::last_error() const {
  return impl_->last_error();
}

}  // namespace xacoord::broker
