// The pay/cancel race (cards 2, 4 and 5): `pairs` fresh demo orders, each paid and
// cancelled at the same instant, on this coordinator or, for another architecture, on a
// child coordinator started with --architecture. Contract §2: each pair ends pay first
// (then cancel with refund) or cancel first (the pay answered 409); anything else is
// unexpected. After the answers the orders are read until they settle, and checked.
#include <algorithm>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "coordinator/demo/child_coordinator.h"
#include "coordinator/demo/demo.h"
#include "coordinator/demo/demo_actions.h"
#include "protocol/problem.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t kAmount = 250;

struct Pair {
  std::int64_t order_id = 0;
  ShopAnswer pay, cancel;
};

// True when the order is at rest: cancelled, and its payment, if any, refunded.
bool settled(const json& order) {
  if (!order.is_object() || order.value("status", "") != "CANCELLED") return false;
  return order["payment"].is_null() || order["payment"].value("status", "") == "REFUNDED";
}

std::string outcome_of(const Pair& p) {
  const bool refunded = p.cancel.body.is_object() && p.cancel.body.value("refunded", false);
  const bool pay_ok = p.pay.status == 200 || p.pay.status == 202;
  if (p.cancel.status != 200) return "unexpected";
  if (pay_ok && (refunded || p.cancel.body.value("refund_pending", false))) return "pay_first";
  if (p.pay.status == 409 && !refunded) return "cancel_first";
  // outbox and saga may accept a pay and refund it later: the final read decides.
  if (pay_ok) return "pay_first";
  return "unexpected";
}

}  // namespace

Action race_action(const json& body, Demo& demo) {
  std::string architecture = demo.context().architecture;
  std::int64_t pairs = 20;
  if (body.contains("architecture")) {
    if (!body["architecture"].is_string())
      throw ProblemError(problems::bad_request("architecture must be a string"));
    architecture = body["architecture"].get<std::string>();
    const auto& known = demo.context().architectures;
    if (std::find(known.begin(), known.end(), architecture) == known.end()) {
      std::string list;
      for (const auto& a : known)
        list += (list.empty() ? "" : ", ") + a;
      throw ProblemError(problems::bad_request("architecture must be one of this build's: " + list +
                                               " (got '" + architecture.substr(0, 32) + "')"));
    }
  }
  if (body.contains("pairs")) {
    if (!body["pairs"].is_number_integer() || body["pairs"].get<std::int64_t>() < 1 ||
        body["pairs"].get<std::int64_t>() > 100) {
      throw ProblemError(problems::bad_request("pairs must be an integer from 1 to 100"));
    }
    pairs = body["pairs"].get<std::int64_t>();
  }
  return [architecture, pairs](Demo& demo, DemoRun& run) -> asio::awaitable<json> {
    DemoContext& c = demo.context();
    std::unique_ptr<ChildCoordinator> child;
    std::unique_ptr<RemoteShop> remote;
    Shop* shop = &demo.local();
    if (architecture != c.architecture) {
      ChildOptions options;
      options.binary = c.binary;
      options.orders = c.orders_url;
      options.payments = c.payments_url;
      options.node_id = "r" + c.node_id.substr(0, 11);
      options.log_dir = c.work_dir + "/" + options.node_id;
      options.events_path = options.log_dir + ".events";
      options.architecture = architecture;
      child = std::make_unique<ChildCoordinator>(options, c.clock);
      run.event("child_started", true,
                "starting a coordinator with --architecture " + architecture + " (node " +
                    options.node_id + ") on the same databases",
                "在同一对数据库上启动一个 --architecture " + architecture + " 的协调器（节点 " +
                    options.node_id + "）");
      co_await child->start(milliseconds(60'000));
      remote = std::make_unique<RemoteShop>(demo.workers(), child->port());
      shop = remote.get();
    }
    const std::string account = demo.name(run, "race");
    const std::int64_t funded = pairs * kAmount;
    ShopAnswer a = co_await shop->create_account(account, funded);
    if (a.status != 201) throw std::runtime_error("creating the demo account: " + a.body.dump());
    auto results = std::make_shared<std::vector<Pair>>(static_cast<std::size_t>(pairs));
    for (auto& p : *results) {
      ShopAnswer o = co_await shop->create_order(account, kAmount);
      if (o.status != 201) throw std::runtime_error("creating a demo order: " + o.body.dump());
      p.order_id = o.body["order_id"].get<std::int64_t>();
    }
    run.event("orders", true,
              std::to_string(pairs) + " orders of 2.50 on account " + account + " (" +
                  architecture + "); each paid and cancelled at once",
              std::to_string(pairs) + " 笔 2.50 的订单，账户 " + account + "（" + architecture +
                  "）；每笔同时支付和取消",
              json{{"account_id", account}, {"first_order_id", results->front().order_id}});
    auto remaining = std::make_shared<std::size_t>(results->size() * 2);
    for (std::size_t i = 0; i < results->size(); ++i) {
      auto pay = [shop, results, remaining, i]() -> asio::awaitable<void> {
        (*results)[i].pay = co_await shop->pay((*results)[i].order_id, std::nullopt);
        --*remaining;
      };
      auto cancel = [shop, results, remaining, i]() -> asio::awaitable<void> {
        (*results)[i].cancel = co_await shop->cancel((*results)[i].order_id);
        --*remaining;
      };
      asio::co_spawn(c.executor, pay, asio::detached);
      asio::co_spawn(c.executor, cancel, asio::detached);
    }
    const auto began = c.clock.now();
    // Bounded: every request has its own deadline (the coordinator's, or the client's 20 s).
    while (*remaining > 0)
      co_await sleep_for(c.clock, milliseconds(20));
    const auto answered = c.clock.now();
    json outcomes{{"pay_first", 0}, {"cancel_first", 0}, {"unexpected", 0}};
    for (const auto& p : *results)
      outcomes[outcome_of(p)] = outcomes[outcome_of(p)].get<int>() + 1;
    run.event("answered", outcomes["unexpected"] == 0,
              "all answered: " + std::to_string(outcomes["pay_first"].get<int>()) + " pay first, " +
                  std::to_string(outcomes["cancel_first"].get<int>()) + " cancel first, " +
                  std::to_string(outcomes["unexpected"].get<int>()) + " unexpected",
              "全部已应答：先支付 " + std::to_string(outcomes["pay_first"].get<int>()) +
                  "，先取消 " + std::to_string(outcomes["cancel_first"].get<int>()) + "，意外 " +
                  std::to_string(outcomes["unexpected"].get<int>()),
              outcomes);

    // Settling: an asynchronous architecture may still refund after its answers.
    std::int64_t not_settled = 0, transient_samples = 0, compensations = 0;
    const auto settle_until = c.clock.now() + milliseconds(15'000);
    for (;;) {
      not_settled = 0;
      compensations = 0;
      for (const auto& p : *results) {
        ShopAnswer o = co_await shop->get_order(p.order_id);
        if (!settled(o.body)) ++not_settled;
        if (o.body.is_object() && o.body["payment"].is_object()) ++compensations;
      }
      if (not_settled == 0 || c.clock.now() > settle_until) break;
      ++transient_samples;
      co_await sleep_for(c.clock, milliseconds(100));
    }
    ShopAnswer balance = co_await shop->get_account(account);
    const std::int64_t end_balance =
        balance.body.is_object() ? balance.body.value("balance_cents", std::int64_t{-1}) : -1;
    const std::int64_t permanent = not_settled + (end_balance == funded ? 0 : 1);
    const auto settle_ms =
        std::chrono::duration_cast<milliseconds>(c.clock.now() - answered).count();
    run.event("settled", permanent == 0,
              permanent == 0 ? "every order CANCELLED, every charge refunded, the balance whole (" +
                                   std::to_string(end_balance) + " cents)"
                             : std::to_string(not_settled) + " orders not at rest; balance " +
                                   std::to_string(end_balance) + " of " + std::to_string(funded),
              permanent == 0 ? "所有订单已取消、扣款全部退回、余额完整（" +
                                   std::to_string(end_balance) + " 分）"
                             : std::to_string(not_settled) + " 笔订单未收敛；余额 " +
                                   std::to_string(end_balance) + " / " + std::to_string(funded),
              json{{"balance_cents", end_balance}, {"funded_cents", funded}});
    if (child) {
      co_await child->stop(milliseconds(10'000));
      run.event("child_stopped", true, "the " + architecture + " coordinator stopped",
                architecture + " 协调器已停止");
    }
    co_return json{
        {"architecture", architecture},
        {"pairs", pairs},
        {"outcomes", outcomes},
        {"answer_ms", std::chrono::duration_cast<milliseconds>(answered - began).count()},
        {"transient_anomaly_samples", transient_samples},
        {"snapshot_anomaly_samples", nullptr},
        {"permanent_anomalies", permanent},
        {"settle_ms", settle_ms},
        {"compensations", compensations},
        {"account_id", account}};
  };
}

}  // namespace xacoord::demo
