// The reconcile run (card 6): plants one discrepancy on a fresh demo order or account
// directly in the databases (what a bug, or a person with a SQL prompt, could do), runs
// `xacoord reconcile --json` on this run's accounts only (a child process: the check is
// the tool's, docs/operations.md), shows its report, and takes the plant out again.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/demo/child_coordinator.h"
#include "coordinator/demo/demo.h"
#include "coordinator/demo/demo_actions.h"
#include "participants/session.h"
#include "participants/sql_text.h"
#include "protocol/problem.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kPlants[] = {"none", "paid_without_payment", "captured_without_paid",
                                        "balance_off"};

// One autocommitted statement on a session of `pool`.
asio::awaitable<void> write(Demo& demo, db::Pool& pool, std::string statement) {
  auto deadline = demo.context().clock.now() + milliseconds(5000);
  db::Lease lease = co_await pool.acquire(deadline);
  co_await db::execute(lease.session(), std::move(statement));
}

}  // namespace

Action reconcile_action(const json& body) {
  std::string plant = "paid_without_payment";
  if (body.contains("plant")) {
    if (!body["plant"].is_string() ||
        std::find(std::begin(kPlants), std::end(kPlants), body["plant"].get<std::string>()) ==
            std::end(kPlants)) {
      throw ProblemError(problems::bad_request(
          "plant must be none, paid_without_payment, captured_without_paid or balance_off"));
    }
    plant = body["plant"].get<std::string>();
  }
  return [plant](Demo& demo, DemoRun& run) -> asio::awaitable<json> {
    DemoContext& c = demo.context();
    Shop& shop = demo.local();
    const std::string account = demo.name(run, "rc");
    ShopAnswer a = co_await shop.create_account(account, 10'000);
    if (a.status != 201) throw std::runtime_error("creating the demo account: " + a.body.dump());
    ShopAnswer o = co_await shop.create_order(account, 1299);
    if (o.status != 201) throw std::runtime_error("creating the demo order: " + o.body.dump());
    const std::int64_t order_id = o.body["order_id"].get<std::int64_t>();
    const std::string order = std::to_string(order_id);
    if (plant == "captured_without_paid") {
      ShopAnswer paid = co_await shop.pay(order_id, std::nullopt);
      if (paid.status != 200)
        throw std::runtime_error("paying the demo order: " + paid.body.dump());
    }
    run.event("prepared", true, "account " + account + ", order " + order + " of 12.99",
              "账户 " + account + "，订单 " + order + "（12.99）",
              json{{"account_id", account}, {"order_id", order_id}});

    json planted{{"kind", plant}, {"account_id", account}, {"order_id", order_id}};
    std::string undo_sql;
    db::Pool* undo_pool = nullptr;
    if (plant == "paid_without_payment") {
      co_await write(
          demo, c.orders_db,
          "UPDATE orders SET status='PAID' WHERE status='PENDING' AND order_id=" + order);
      undo_sql = "UPDATE orders SET status='PENDING' WHERE order_id=" + order;
      undo_pool = &c.orders_db;
      planted["sql"] = "UPDATE xa_orders.orders SET status='PAID' WHERE order_id=" + order;
    } else if (plant == "captured_without_paid") {
      co_await write(
          demo, c.orders_db,
          "UPDATE orders SET status='PENDING' WHERE status='PAID' AND order_id=" + order);
      undo_sql = "UPDATE orders SET status='PAID' WHERE order_id=" + order;
      undo_pool = &c.orders_db;
      planted["sql"] = "UPDATE xa_orders.orders SET status='PENDING' WHERE order_id=" + order;
    } else if (plant == "balance_off") {
      co_await write(demo, c.payments_db,
                     "UPDATE accounts SET balance_cents=balance_cents-7 WHERE account_id=" +
                         db::quote(account));
      undo_sql = "UPDATE accounts SET balance_cents=balance_cents+7 WHERE account_id=" +
                 db::quote(account);
      undo_pool = &c.payments_db;
      planted["sql"] =
          "UPDATE xa_payments.accounts SET balance_cents=balance_cents-7 WHERE "
          "account_id='" +
          account + "'";
    }
    if (plant != "none") {
      run.event("planted", true, "planted " + plant + " directly in the database",
                "直接在数据库里埋下差错：" + plant, planted);
    }

    // The check itself: the reconcile tool, on this run's account only, and on this node's
    // prepared branches only: another coordinator's (or test's) transaction, prepared at
    // this instant on the same databases, is no discrepancy of this account.
    const std::string out = c.work_dir + "/reconcile-" + run.run_id() + ".json";
    std::vector<std::string> args{c.binary,     "reconcile",  "--json",       "--orders",
                                  c.orders_url, "--payments", c.payments_url, "--account-prefix",
                                  account,      "--node-id",  c.node_id};
    auto check = [args, out]() -> asio::awaitable<int> { co_return run_to_completion(args, out); };
    auto on_worker = asio::co_spawn(demo.workers(), std::move(check), asio::use_awaitable);
    const int exit_code = co_await std::move(on_worker);
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    json report = json::parse(text.str(), nullptr, false);
    if (report.is_discarded()) {
      throw std::runtime_error("xacoord reconcile exited " + std::to_string(exit_code) +
                               " without a JSON report: " + text.str().substr(0, 300));
    }
    // reconcile --json counts its discrepancies and lists them by invariant.
    std::size_t found = 0;
    if (report.contains("discrepancies") && report["discrepancies"].is_number_unsigned())
      found = report["discrepancies"].get<std::size_t>();
    const bool found_planted =
        plant == "none" ? found == 0 && exit_code == 0 : found > 0 && exit_code == 1;
    run.event("report", found_planted,
              "xacoord reconcile exited " + std::to_string(exit_code) + " with " +
                  std::to_string(found) + " discrepancies",
              "xacoord reconcile 退出码 " + std::to_string(exit_code) + "，发现 " +
                  std::to_string(found) + " 处差错",
              report);

    // Take the plant out, then leave the order at rest (cancelled; a payment refunded).
    if (undo_pool) co_await write(demo, *undo_pool, undo_sql);
    ShopAnswer cancelled = co_await shop.cancel(order_id);
    run.event("removed", cancelled.status == 200, "plant removed; order " + order + " cancelled",
              "差错已清除；订单 " + order + " 已取消");
    if (!found_planted) {
      throw std::runtime_error(plant == "none" ? "reconcile found discrepancies on a clean account"
                                               : "reconcile did not find the planted " + plant);
    }
    co_return json{{"planted", planted},
                   {"report", report},
                   {"exit_code", exit_code},
                   {"found_planted", found_planted}};
  };
}

}  // namespace xacoord::demo
