// `xacoord reconcile`: check the contract's invariants on two databases and report.
#include <cstdio>

#include "common/flags.h"
#include "participants/endpoint.h"
#include "tools/reconcile/reconcile.h"
#include "tools/tool_commands.h"

namespace xacoord {

int reconcile_command(int argc, char** argv) {
  std::string orders = "mysql://root@127.0.0.1:3316/xa_orders";
  std::string payments = "mysql://root@127.0.0.1:3317/xa_payments";
  std::string prefix, node_id;
  bool json = false;
  Flags flags(
      "xacoord reconcile [--orders URL] [--payments URL] [--json] [--account-prefix P] [--node-id "
      "N]",
      "XACOORD_");
  flags.add("orders", "orders database URL", &orders);
  flags.add("payments", "payments database URL", &payments);
  flags.add("json", "print the report as JSON", &json);
  flags.add("account-prefix", "check only accounts whose id starts with this", &prefix);
  flags.add("node-id", "count only this coordinator node's prepared branches", &node_id);
  try {
    if (!flags.parse(argc, argv, 2).empty()) throw UsageError(flags.usage());
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  try {
    db::Timeouts timeouts;
    timeouts.read = std::chrono::seconds(120);
    auto o = db::Connection::open(db::Endpoint::parse(orders), timeouts);
    auto p = db::Connection::open(db::Endpoint::parse(payments), timeouts);
    reconcile::Scope scope;
    scope.account_prefix = prefix;
    if (!node_id.empty()) scope.node_id = node_id;
    auto report = reconcile::check(*o, *p, scope);
    std::fputs(json ? (report.to_json().dump(2) + "\n").c_str() : report.to_text().c_str(), stdout);
    return report.ok() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord reconcile: %s\n", e.what());
    return 2;
  }
}

}  // namespace xacoord
