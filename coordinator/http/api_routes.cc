#include "coordinator/http/api_routes.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "coordinator/observability/event_log.h"
#include "protocol/api_types.h"
#include "protocol/fingerprint.h"

namespace xacoord::http {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

api::TransactionView view_of(const Transaction& t) {
  api::TransactionView v;
  v.txn_id = t.id_text;
  v.state = std::string(name_of(t.state));
  v.kind = t.kind;
  v.order_id = t.order_id;
  for (const auto& b : t.branches) {
    v.branches.push_back({b.participant, b.xid.to_string(),
                          b.started ? std::string(name_of(b.state)) : std::string("NOT_STARTED")});
  }
  v.started_at = rfc3339_utc(t.started_at);
  if (t.decided_at) v.decided_at = rfc3339_utc(*t.decided_at);
  v.error = t.error;
  return v;
}

Response answer(const Answer& a) {
  return Response::json(a.status, a.body);
}

void require_json(const Request& r) {
  if (!r.content_type || !(r.content_type->starts_with("application/json") ||
                           r.content_type->starts_with("application/problem+json"))) {
    throw ProblemError(
        problems::unsupported_media_type("send the body as Content-Type: application/json"));
  }
}

std::optional<IdempotencyKey> idempotency_key(const Request& r) {
  if (!r.idempotency_key) return std::nullopt;
  if (!api::valid_idempotency_key(*r.idempotency_key)) {
    throw ProblemError(
        problems::bad_request("Idempotency-Key must be 1-128 printable ASCII characters"));
  }
  return IdempotencyKey{*r.idempotency_key, request_fingerprint(r.method, r.target, r.body)};
}

}  // namespace

void add_api_routes(Router& router, ApiContext ctx) {
  auto c = std::make_shared<ApiContext>(std::move(ctx));
  // Until start-up recovery is done, no new transaction may touch a branch it is resolving.
  auto ready = [c] {
    if (!c->recovered()) {
      throw ProblemError(problems::unavailable("recovery is still running; retry shortly", 1));
    }
  };

  router.add("POST", "/v1/accounts", "accounts.create",
             [c, ready](const Request& r, const ParsedTarget&,
                        const Params&) -> asio::awaitable<Response> {
               ready();
               require_json(r);
               co_return answer(
                   co_await c->orders.create_account(api::CreateAccountRequest::parse(r.body)));
             });
  router.add("GET", "/v1/accounts/{account_id}", "accounts.get",
             [c, ready](const Request&, const ParsedTarget&,
                        const Params& p) -> asio::awaitable<Response> {
               ready();
               co_return answer(co_await c->orders.get_account(api::parse_account_id(p[0])));
             });
  router.add(
      "POST", "/v1/orders", "orders.create",
      [c, ready](const Request& r, const ParsedTarget&,
                 const Params&) -> asio::awaitable<Response> {
        ready();
        require_json(r);
        co_return answer(co_await c->orders.create_order(api::CreateOrderRequest::parse(r.body)));
      });
  router.add("GET", "/v1/orders/{order_id}", "orders.get",
             [c, ready](const Request&, const ParsedTarget&,
                        const Params& p) -> asio::awaitable<Response> {
               ready();
               co_return answer(co_await c->orders.get_order(api::parse_order_id(p[0])));
             });
  router.add("POST", "/v1/orders/{order_id}/pay", "orders.pay",
             [c, ready](const Request& r, const ParsedTarget&,
                        const Params& p) -> asio::awaitable<Response> {
               ready();
               auto order_id = api::parse_order_id(p[0]);
               co_return answer(co_await c->orders.pay(order_id, idempotency_key(r)));
             });
  router.add("POST", "/v1/orders/{order_id}/cancel", "orders.cancel",
             [c, ready](const Request& r, const ParsedTarget&,
                        const Params& p) -> asio::awaitable<Response> {
               ready();
               auto order_id = api::parse_order_id(p[0]);
               co_return answer(co_await c->orders.cancel(order_id, idempotency_key(r)));
             });
  router.add(
      "GET", "/v1/transactions/{txn_id}", "transactions.get",
      [c](const Request&, const ParsedTarget&, const Params& p) -> asio::awaitable<Response> {
        if (p[0].size() > 64)
          throw ProblemError(problems::bad_request("txn_id is at most 64 characters"));
        auto txn = c->registry.find(p[0]);
        if (!txn) {
          throw ProblemError(
              problems::not_found("no transaction " + p[0] +
                                  " in this coordinator's memory (it keeps the recent "
                                  "ones and every unfinished one)"));
        }
        co_return Response::json(200, api::dump(api::to_json(view_of(*txn))));
      });
  router.add(
      "GET", "/v1/transactions", "transactions.list",
      [c](const Request&, const ParsedTarget& t, const Params&) -> asio::awaitable<Response> {
        std::function<bool(const Transaction&)> keep = [](const Transaction&) { return true; };
        if (auto s = t.query.find("state"); s != t.query.end()) {
          if (s->second == "in_doubt") {
            keep = [](const Transaction& x) { return x.in_doubt(); };
          } else if (auto state = txn_state_from_name(s->second)) {
            keep = [st = *state](const Transaction& x) { return x.state == st; };
          } else {
            throw ProblemError(problems::bad_request(
                "state must be in_doubt or one of ACTIVE, PREPARING, COMMITTING, COMMITTED, "
                "ABORTING, ABORTED"));
          }
        }
        std::size_t limit = 100;
        if (auto l = t.query.find("limit"); l != t.query.end()) {
          char* end = nullptr;
          long v = std::strtol(l->second.c_str(), &end, 10);
          if (l->second.empty() || *end != '\0' || v < 1 || v > 1000) {
            throw ProblemError(problems::bad_request("limit must be an integer from 1 to 1000"));
          }
          limit = static_cast<std::size_t>(v);
        }
        json list = json::array();
        for (const auto& txn : c->registry.list(keep, limit))
          list.push_back(api::to_json(view_of(*txn)));
        co_return Response::json(200,
                                 api::dump(json{{"transactions", list}, {"count", list.size()}}));
      });
  router.add("GET", "/healthz", "healthz",
             [c](const Request&, const ParsedTarget&, const Params&) -> asio::awaitable<Response> {
               bool recovered = c->recovered();
               bool orders = c->health.up("orders"), payments = c->health.up("payments");
               bool ok = recovered && orders && payments;
               json body{
                   {"status", ok ? "ok" : (recovered ? "degraded" : "starting")},
                   {"recovery", recovered ? "done" : "running"},
                   {"databases",
                    {{"orders", orders ? "up" : "down"}, {"payments", payments ? "up" : "down"}}},
                   {"in_doubt_branches", c->resolver.pending()}};
               co_return Response::json(ok ? 200 : 503, api::dump(body));
             });
  router.add("GET", "/metrics", "metrics",
             [c](const Request&, const ParsedTarget&, const Params&) -> asio::awaitable<Response> {
               co_return Response::text(200, c->metrics.render(),
                                        "text/plain; version=0.0.4; charset=utf-8");
             });

  if (c->admin_token.empty()) return;
  auto force = [c](bool commit) {
    return [c, commit](const Request& r, const ParsedTarget&,
                       const Params& p) -> asio::awaitable<Response> {
      if (!r.authorization || *r.authorization != "Bearer " + c->admin_token) {
        Response denied = Response::problem(
            problems::unauthorized("a valid Authorization: Bearer token is required"));
        denied.headers.emplace_back("WWW-Authenticate", "Bearer");
        co_return denied;
      }
      std::string reason = "operator";
      if (!r.body.empty()) {
        json j = json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
          throw ProblemError(problems::bad_request("body must be a JSON object"));
        if (j.contains("reason")) {
          if (!j["reason"].is_string() || j["reason"].get<std::string>().size() > 1000) {
            throw ProblemError(
                problems::bad_request("reason must be a string of at most 1000 characters"));
          }
          reason = j["reason"].get<std::string>();
        }
      }
      auto result = co_await c->resolver.force(p[0], commit, reason);
      if (!result.accepted)
        throw ProblemError(
            problems::conflict("force-refused", "Forced decision refused", result.detail));
      co_return Response::json(200, api::dump(json{{"txn_id", p[0]},
                                                   {"forced", commit ? "commit" : "rollback"},
                                                   {"branches", result.branches},
                                                   {"detail", result.detail}}));
    };
  };
  router.add("POST", "/v1/admin/transactions/{txn_id}/commit", "admin.commit", force(true));
  router.add("POST", "/v1/admin/transactions/{txn_id}/rollback", "admin.rollback", force(false));
}

}  // namespace xacoord::http
