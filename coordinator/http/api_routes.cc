#include "coordinator/http/api_routes.h"

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "coordinator/http/api_route_table.h"
#include "coordinator/http/xa_recover_route.h"
#include "coordinator/observability/event_log.h"
#include "protocol/api_types.h"
#include "protocol/fingerprint.h"

namespace xacoord::http {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

api::TransactionView view_of(const Transaction& t) {
  api::TransactionView v;
  v.txn_id = t.id_text();
  v.state = std::string(name_of(t.state()));
  v.kind = t.kind();
  v.order_id = t.order_id();
  for (const auto& b : t.branches()) {
    v.branches.push_back({b.participant, b.xid.to_string(),
                          b.started ? std::string(name_of(b.state)) : std::string("NOT_STARTED"),
                          b.recovery_attempts, b.last_error});
  }
  v.started_at = rfc3339_utc(t.started_at());
  if (t.decided_at()) v.decided_at = rfc3339_utc(*t.decided_at());
  v.error = t.error();
  v.architecture = "xa";  // the transaction table holds the xa architecture's transactions
  return v;
}

Response answer(const Answer& a) {
  Response r = Response::json(a.status, a.body);
  // The body is the stored first answer, byte for byte; the header says it is a replay.
  if (a.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

void require_json(const Request& r) {
  if (!r.content_type || !api::is_json_media_type(*r.content_type)) {
    throw ProblemError(
        problems::unsupported_media_type("send the body as Content-Type: application/json"));
  }
}

std::optional<IdempotencyKey> idempotency_key(const Request& r) {
  if (!r.idempotency_key) return std::nullopt;
  if (!api::valid_idempotency_key(*r.idempotency_key)) {
    throw ProblemError(problems::bad_request(
        "Idempotency-Key must be 1-128 printable ASCII characters, no space at either end"));
  }
  return IdempotencyKey{*r.idempotency_key, request_fingerprint(r.method, r.target, r.body)};
}

// Compares without an early exit, so the time taken does not tell how much matched.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

using Handlers = std::map<std::string_view, Handler>;

void add_domain_handlers(Handlers& h, const std::shared_ptr<ApiContext>& c) {
  // New work waits for start-up recovery (it may be resolving the branches a new
  // transaction would lock) and stops at SIGTERM (the drain must end).
  auto ready = [c] {
    if (c->stopping()) {
      throw ProblemError(problems::unavailable(
          "the coordinator is shutting down; retry shortly (it is restarting, or another "
          "instance will answer)",
          2));
    }
    if (!c->recovered()) {
      throw ProblemError(problems::unavailable("recovery is still running; retry shortly", 1));
    }
  };

  h["accounts.create"] = [c, ready](const Request& r, const ParsedTarget&,
                                    const Params&) -> asio::awaitable<Response> {
    ready();
    require_json(r);
    auto request = api::CreateAccountRequest::parse(r.body);
    co_return answer(co_await c->orders.create_account(std::move(request)));
  };
  h["accounts.get"] = [c, ready](const Request&, const ParsedTarget&,
                                 const Params& p) -> asio::awaitable<Response> {
    ready();
    auto account_id = api::parse_account_id(p[0]);
    co_return answer(co_await c->orders.get_account(std::move(account_id)));
  };
  h["orders.create"] = [c, ready](const Request& r, const ParsedTarget&,
                                  const Params&) -> asio::awaitable<Response> {
    ready();
    require_json(r);
    auto request = api::CreateOrderRequest::parse(r.body);
    co_return answer(co_await c->orders.create_order(std::move(request)));
  };
  h["orders.get"] = [c, ready](const Request&, const ParsedTarget&,
                               const Params& p) -> asio::awaitable<Response> {
    ready();
    auto order_id = api::parse_order_id(p[0]);
    co_return answer(co_await c->orders.get_order(order_id));
  };
  h["orders.pay"] = [c, ready](const Request& r, const ParsedTarget&,
                               const Params& p) -> asio::awaitable<Response> {
    ready();
    auto order_id = api::parse_order_id(p[0]);
    auto key = idempotency_key(r);
    co_return answer(co_await c->orders.pay(order_id, std::move(key)));
  };
  h["orders.cancel"] = [c, ready](const Request& r, const ParsedTarget&,
                                  const Params& p) -> asio::awaitable<Response> {
    ready();
    auto order_id = api::parse_order_id(p[0]);
    auto key = idempotency_key(r);
    co_return answer(co_await c->orders.cancel(order_id, std::move(key)));
  };
}

void add_observation_handlers(Handlers& h, const std::shared_ptr<ApiContext>& c) {
  h["transactions.get"] = [c](const Request&, const ParsedTarget&,
                              const Params& p) -> asio::awaitable<Response> {
    auto txn_id = api::parse_txn_id(p[0]);
    auto txn = c->transactions.find(txn_id);
    if (!txn) {
      throw ProblemError(problems::not_found(
          "no transaction " + txn_id +
          " in this coordinator's memory (it keeps every unfinished one and the most recent "
          "finished ones since its start)"));
    }
    co_return Response::json(200, api::dump(api::to_json(view_of(*txn))));
  };
  h["transactions.list"] = [c](const Request&, const ParsedTarget& t,
                               const Params&) -> asio::awaitable<Response> {
    auto query = api::TransactionQuery::parse(t.query);
    // Every filter applies before the limit.
    std::function<bool(const Transaction&)> keep = [query](const Transaction& x) {
      if (query.in_doubt && !x.in_doubt()) return false;
      if (query.state && x.state() != *query.state) return false;
      if (query.kind && x.kind() != *query.kind) return false;
      if (query.order_id && x.order_id() != query.order_id) return false;
      return true;
    };
    json list = json::array();
    for (const auto& txn : c->transactions.list(keep, query.limit))
      list.push_back(api::to_json(view_of(*txn)));
    json body = json::object();
    body["transactions"] = list;
    body["count"] = list.size();
    co_return Response::json(200, api::dump(body));
  };
  h["healthz"] = [c](const Request&, const ParsedTarget&,
                     const Params&) -> asio::awaitable<Response> {
    bool recovered = c->recovered();
    bool stopping = c->stopping();
    bool orders = c->health.up("orders"), payments = c->health.up("payments");
    bool ok = recovered && !stopping && orders && payments;
    std::string status = "ok";
    if (stopping) {
      status = "stopping";
    } else if (!recovered) {
      status = "starting";
    } else if (!ok) {
      status = "degraded";
    }
    json body{
        {"status", status},
        {"recovery", recovered ? "done" : "running"},
        {"databases", {{"orders", orders ? "up" : "down"}, {"payments", payments ? "up" : "down"}}},
        {"in_doubt_branches", c->resolver.pending()}};
    co_return Response::json(ok ? 200 : 503, api::dump(body));
  };
  h["status"] = [c](const Request&, const ParsedTarget&,
                    const Params&) -> asio::awaitable<Response> {
    Architecture& arch = c->orders.architecture();
    ArchitectureStatus status = arch.status();
    json body{{"architecture", std::string(arch.name())},
              {"node_id", c->node_id},
              {"in_flight", status.in_flight},
              {"pending_messages", status.pending_messages},
              {"settled", status.settled()},
              {"recovered", c->recovered()},
              {"epoch", c->epoch()},
              {"started_at", c->started_at},
              {"admin_routes", !c->admin_token.empty()},
              {"demo", c->demo}};
    co_return Response::json(200, api::dump(body));
  };
  h["nodes"] = [c](const Request&, const ParsedTarget&,
                   const Params&) -> asio::awaitable<Response> {
    // This coordinator itself: with the file decision store no other node shares its
    // decisions (contract §9 names the etcd store for several).
    json self{{"node_id", c->node_id},
              {"listen", c->listen},
              {"self", true},
              {"alive", true},
              {"last_seen_at", rfc3339_utc(c->clock->wall_now())},
              {"taken_over_by", nullptr}};
    co_return Response::json(200, api::dump(json{{"nodes", json::array({self})}}));
  };
  h["xa.recover"] =
      xa_recover_handler(XaRecoverContext{c->participants, c->transactions, *c->clock, c->node_id});
  h["metrics"] = [c](const Request&, const ParsedTarget&,
                     const Params&) -> asio::awaitable<Response> {
    co_return Response::text(200, c->metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  };
}

// The 401 of an admin route called without the token, or nothing when the token is right.
std::optional<Response> unless_admin(const ApiContext& c, const Request& r) {
  if (r.authorization && same_secret(*r.authorization, "Bearer " + c.admin_token))
    return std::nullopt;
  Response denied =
      Response::problem(problems::unauthorized("a valid Authorization: Bearer token is required"));
  denied.headers.emplace_back("WWW-Authenticate", "Bearer");
  return denied;
}

Handler force_handler(const std::shared_ptr<ApiContext>& c, bool commit) {
  return [c, commit](const Request& r, const ParsedTarget&,
                     const Params& p) -> asio::awaitable<Response> {
    if (auto denied = unless_admin(*c, r)) co_return std::move(*denied);
    auto txn_id = api::parse_txn_id(p[0]);
    auto reason = api::parse_force_reason(r.body);
    auto result = co_await c->resolver.force(txn_id, commit, reason);
    if (!result.accepted) throw ProblemError(problems::force_refused(result.detail));
    json body{{"txn_id", txn_id},
              {"forced", commit ? "commit" : "rollback"},
              {"branches", result.branches},
              {"detail", result.detail}};
    co_return Response::json(200, api::dump(body));
  };
}

}  // namespace

void add_api_routes(Router& router, ApiContext ctx) {
  auto c = std::make_shared<ApiContext>(std::move(ctx));
  Handlers handlers;
  add_domain_handlers(handlers, c);
  add_observation_handlers(handlers, c);
  const bool admin = !c->admin_token.empty();
  if (admin) {
    handlers["admin.commit"] = force_handler(c, true);
    handlers["admin.rollback"] = force_handler(c, false);
    handlers["admin.reconcile"] = [c](const Request& r, const ParsedTarget&,
                                      const Params&) -> asio::awaitable<Response> {
      if (auto denied = unless_admin(*c, r)) co_return std::move(*denied);
      co_return Response::json(200, api::dump(c->reconcile_report()));
    };
  }
  for (const auto& route : api_route_table()) {
    if (route.admin && !admin) continue;
    auto handler = handlers.extract(route.name);
    if (handler.empty())
      throw std::logic_error("route " + std::string(route.name) + " has no handler");
    router.add(std::string(route.method), std::string(route.pattern), std::string(route.name),
               std::move(handler.mapped()));
  }
  if (!handlers.empty()) {
    throw std::logic_error("handler " + std::string(handlers.begin()->first) +
                           " has no row in api_route_table()");
  }
}

}  // namespace xacoord::http
