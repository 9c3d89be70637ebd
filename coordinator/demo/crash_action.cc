// The crash and its recovery (cards 1 and 3): a child coordinator armed with
// XACOORD_CRASH_AT=<point> (and --enable-fault-injection, which only the child gets) is
// sent a pay with an Idempotency-Key and SIGKILLs itself at that point; the branches it
// left prepared are listed with XA RECOVER; restarted, it recovers them; the order then
// shows the outcome contract §5 promises for the point. With retry_with_same_key, the pay
// is sent again with the same key.
#include <array>
#include <memory>

#include "coordinator/demo/child_coordinator.h"
#include "coordinator/demo/demo.h"
#include "coordinator/demo/demo_actions.h"
#include "participants/session.h"
#include "participants/xa_sql.h"
#include "protocol/problem.h"
#include "protocol/txn_id.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t kAmount = 1299;

bool abort_path(CrashPoint p) {
  return p == CrashPoint::kBeforeRollback || p == CrashPoint::kAfterRollbackFirst;
}

// Contract §5's table.
std::string expected_outcome(CrashPoint p) {
  switch (p) {
    case CrashPoint::kAfterDecisionLogged:
    case CrashPoint::kAfterCommitFirst:
    case CrashPoint::kAfterCommitAll:
      return "committed";
    default:
      return "rolled_back";
  }
}

// The branches of `node_id` that XA RECOVER lists on either database now.
asio::awaitable<json> prepared_of(Demo& demo, const std::string& node_id) {
  json listed = json::array();
  const std::array<db::Pool*, 2> pools{&demo.context().orders_db, &demo.context().payments_db};
  for (db::Pool* pool : pools) {
    auto deadline = demo.context().clock.now() + milliseconds(5000);
    db::Lease lease = co_await pool->acquire(deadline);
    db::Rows rows = co_await db::query(lease.session(), db::xa::recover());
    for (const Xid& xid : db::xa::parse_recover(rows)) {
      auto txn = txn_of_xid(xid);
      if (!txn || txn->node != node_id) continue;
      listed.push_back({{"participant", pool->participant()},
                        {"xid", xid.to_string()},
                        {"txn_id", txn->to_string()}});
    }
  }
  co_return listed;
}

}  // namespace

Action crash_action(const json& body, Demo& demo) {
  (void)demo;
  if (!body.contains("point") || !body["point"].is_string())
    throw ProblemError(problems::bad_request("point must name a crash point (GET /v1/demo)"));
  auto point = crash_point_from_name(body["point"].get<std::string>());
  bool known = false;
  for (CrashPoint p : kAllCrashPoints)
    known = known || (point && p == *point);
  if (!known) {
    throw ProblemError(
        problems::bad_request("point must be one of GET /v1/demo's crash_points (got '" +
                              body["point"].get<std::string>().substr(0, 40) + "')"));
  }
  bool retry = false;
  if (body.contains("retry_with_same_key")) {
    if (!body["retry_with_same_key"].is_boolean())
      throw ProblemError(problems::bad_request("retry_with_same_key must be true or false"));
    retry = body["retry_with_same_key"].get<bool>();
  }
  const CrashPoint at = *point;
  return [at, retry](Demo& demo, DemoRun& run) -> asio::awaitable<json> {
    DemoContext& c = demo.context();
    const std::string point(name_of(at));
    ChildOptions options;
    options.binary = c.binary;
    options.orders = c.orders_url;
    options.payments = c.payments_url;
    options.node_id = "c" + c.node_id.substr(0, 11);
    options.log_dir = c.work_dir + "/" + options.node_id;
    options.events_path = options.log_dir + ".events";
    options.architecture = "xa";
    options.crash_at = point;
    ChildCoordinator child(options, c.clock);
    co_await child.start(milliseconds(60'000));
    RemoteShop shop(demo.workers(), child.port());
    run.event("child_started", true,
              "a child coordinator (node " + options.node_id + ", port " +
                  std::to_string(child.port()) + ") armed with XACOORD_CRASH_AT=" + point,
              "子协调器（节点 " + options.node_id + "，端口 " + std::to_string(child.port()) +
                  "）已设置 XACOORD_CRASH_AT=" + point,
              json{{"node_id", options.node_id}, {"port", child.port()}, {"point", point}});

    // On the abort path a pay must fail: the account cannot cover it.
    const std::int64_t funded = abort_path(at) ? 100 : 10'000;
    const std::string account = demo.name(run, "crash");
    ShopAnswer a = co_await demo.local().create_account(account, funded);
    if (a.status != 201) throw std::runtime_error("creating the demo account: " + a.body.dump());
    ShopAnswer o = co_await demo.local().create_order(account, kAmount);
    if (o.status != 201) throw std::runtime_error("creating the demo order: " + o.body.dump());
    const std::int64_t order_id = o.body["order_id"].get<std::int64_t>();
    const std::string key = demo.name(run, "key");
    run.event("pay_sent", true,
              "POST /v1/orders/" + std::to_string(order_id) + "/pay with Idempotency-Key " + key,
              "发送 POST /v1/orders/" + std::to_string(order_id) + "/pay，Idempotency-Key " + key,
              json{{"order_id", order_id}, {"idempotency_key", key}, {"funded_cents", funded}});
    ShopAnswer paid = co_await shop.pay(order_id, key);
    const bool died = co_await child.wait_exit(milliseconds(10'000));
    if (!died) {
      throw std::runtime_error("the child did not crash at " + point + " (the pay answered " +
                               std::to_string(paid.status) + ")");
    }
    run.event("crashed", true,
              "the child died (signal " + std::to_string(child.exit_signal().value_or(0)) +
                  "); the pay got " +
                  (paid.status == 0 ? "no answer: " + paid.error : std::to_string(paid.status)),
              "子协调器已崩溃（信号 " + std::to_string(child.exit_signal().value_or(0)) +
                  "）；支付" +
                  (paid.status == 0 ? "没有收到应答" : "收到 " + std::to_string(paid.status)));

    json left = co_await prepared_of(demo, options.node_id);
    std::string txn_id;
    if (!left.empty()) txn_id = left[0]["txn_id"].get<std::string>();
    run.event("prepared_left", true,
              std::to_string(left.size()) + " branch(es) left PREPARED (XA RECOVER)",
              "XA RECOVER 列出 " + std::to_string(left.size()) + " 个 PREPARED 分支",
              json{{"branches", left}});

    child.options().crash_at.clear();
    co_await child.start(milliseconds(60'000));
    run.event("restarted", true, "restarted without the crash point; recovery done (/healthz 200)",
              "去掉崩溃点后重启；恢复完成（/healthz 200）");
    json still = co_await prepared_of(demo, options.node_id);
    ShopAnswer order = co_await demo.local().get_order(order_id);
    const std::string status = order.body.value("status", "");
    const std::string outcome = status == "PAID" ? "committed" : "rolled_back";
    const std::string expected = expected_outcome(at);
    run.event("recovered", outcome == expected && still.empty(),
              "order " + std::to_string(order_id) + " is " + status + ": " + outcome +
                  " (expected " + expected + "); " + std::to_string(still.size()) +
                  " branch(es) still prepared",
              "订单 " + std::to_string(order_id) + " 为 " + status + "：" + outcome + "（预期 " +
                  expected + "）；仍有 " + std::to_string(still.size()) + " 个 PREPARED 分支",
              json{{"outcome", outcome}, {"expected", expected}, {"order", order.body}});

    json replay = nullptr;
    if (retry) {
      ShopAnswer again = co_await shop.pay(order_id, key);
      replay = json{{"status", again.status}, {"replayed", again.replayed}, {"body", again.body}};
      run.event("replayed", again.status == 200 || again.status == 409 || again.status == 422,
                "the same key again: " + std::to_string(again.status) +
                    (again.replayed ? ", Idempotent-Replayed: true" : "") +
                    (again.status == 0 ? " (no answer: " + again.error + ")" : ""),
                "同一个 key 再发一次：" + std::to_string(again.status) +
                    (again.replayed ? "，Idempotent-Replayed: true" : ""),
                replay);
    }

    // Invariants 1 and 3 on this run's order and account.
    ShopAnswer balance = co_await demo.local().get_account(account);
    order = co_await demo.local().get_order(order_id);
    const bool is_paid = order.body.value("status", "") == "PAID";
    const bool captured = order.body["payment"].is_object() &&
                          order.body["payment"].value("status", "") == "CAPTURED";
    const std::int64_t end_balance = balance.body.value("balance_cents", std::int64_t{-1});
    const bool hold = is_paid == captured && end_balance == funded - (captured ? kAmount : 0);
    run.event("invariants", hold,
              hold ? "paid if and only if captured; the balance matches (" +
                         std::to_string(end_balance) + " cents)"
                   : "invariants broken: " + order.body.dump() + " balance " +
                         std::to_string(end_balance),
              hold ? "已支付当且仅当已扣款；余额一致（" + std::to_string(end_balance) + " 分）"
                   : "不变式被破坏");
    co_await child.stop(milliseconds(10'000));
    if (!hold || outcome != expected || !still.empty())
      throw std::runtime_error("recovery did not end as contract §5 says for " + point);
    co_return json{{"point", point},
                   {"txn_id", txn_id.empty() ? json(nullptr) : json(txn_id)},
                   {"outcome", outcome},
                   {"expected", expected},
                   {"prepared_left", left.size()},
                   {"replay", replay},
                   {"invariants_hold", hold}};
  };
}

}  // namespace xacoord::demo
