#include "coordinator/http/xa_recover_route.h"

#include <nlohmann/json.hpp>

#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/session.h"
#include "participants/xa_sql.h"
#include "protocol/api_types.h"
#include "protocol/txn_id.h"

namespace xacoord::http {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// When each listed xid was first seen by this route, for the age of a branch this
// coordinator has no transaction for. Only what the last listing showed is kept.
using FirstSeen = std::map<std::string, WallTime>;

std::string decision_of(const Transaction& t) {
  switch (t.state()) {
    case TxnState::kCommitting:
    case TxnState::kCommitted:
      return "commit";
    case TxnState::kAborting:
    case TxnState::kAborted:
      return "rollback";
    default:
      return "none";
  }
}

}  // namespace

Handler xa_recover_handler(XaRecoverContext context) {
  auto c = std::make_shared<XaRecoverContext>(std::move(context));
  auto seen = std::make_shared<std::map<std::string, FirstSeen>>();
  return [c, seen](const Request&, const ParsedTarget& target,
                   const Params&) -> asio::awaitable<Response> {
    std::string only;
    if (auto p = target.query.find("participant"); p != target.query.end()) {
      only = p->second;
      bool known = false;
      for (db::Pool* pool : c->participants)
        known = known || pool->participant() == only;
      if (!known)
        throw ProblemError(problems::bad_request("participant must be orders or payments"));
    }
    const WallTime now = c->clock.wall_now();
    json servers = json::array();
    for (db::Pool* pool : c->participants) {
      if (!only.empty() && pool->participant() != only) continue;
      std::vector<Xid> xids;
      std::string error;
      try {
        auto deadline = c->clock.now() + c->deadline;
        db::Lease lease = co_await pool->acquire(deadline);
        db::Rows rows = co_await db::query(lease.session(), db::xa::recover());
        xids = db::xa::parse_recover(rows);
      } catch (const std::exception& e) {
        error = e.what();
      }
      json branches = json::array();
      FirstSeen& first = (*seen)[pool->participant()];
      FirstSeen still;
      for (const Xid& xid : xids) {
        const std::string text = xid.to_string();
        auto at = first.find(text);
        const WallTime first_seen = at == first.end() ? now : at->second;
        still[text] = first_seen;
        json b{{"xid", text},         {"format_id", xid.format_id},
               {"txn_id", nullptr},   {"node_id", nullptr},
               {"ours", false},       {"first_seen_at", rfc3339_utc(first_seen)},
               {"decision", nullptr},  // not an xacoord branch: listed, never touched
               {"attempts", 0},       {"last_error", nullptr}};
        WallTime since = first_seen;
        if (auto txn = txn_of_xid(xid)) {
          b["txn_id"] = txn->to_string();
          b["node_id"] = txn->node;
          b["decision"] = "other_node";
          if (txn->node == c->node_id) {
            b["ours"] = true;
            b["decision"] = "none";  // an orphan, until recovery or the orphan scan acts
            if (auto known = c->transactions.find(txn->to_string())) {
              b["decision"] = decision_of(*known);
              since = std::min(since, known->started_at());
              for (const auto& branch : known->branches()) {
                if (branch.xid != xid) continue;
                b["attempts"] = branch.recovery_attempts;
                if (branch.last_error) b["last_error"] = *branch.last_error;
              }
            }
          }
        }
        b["age_seconds"] = std::chrono::duration<double>(now - since).count();
        branches.push_back(std::move(b));
      }
      if (error.empty()) first = std::move(still);  // an unreachable server keeps its history
      servers.push_back({{"participant", pool->participant()},
                         {"reachable", error.empty()},
                         {"error", error.empty() ? json(nullptr) : json(error)},
                         {"branches", branches}});
    }
    json body{{"checked_at", rfc3339_utc(now)}, {"servers", servers}};
    co_return Response::json(200, api::dump(body));
  };
}

}  // namespace xacoord::http
