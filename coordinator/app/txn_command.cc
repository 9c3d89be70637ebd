// `xacoord txn list|show|commit|rollback`: the operator's view of transactions, over the
// coordinator's HTTP API (forced decisions need its admin token).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "coordinator/app/commands.h"
#include "common/flags.h"
#include "coordinator/client/http_client.h"

namespace xacoord {
namespace {

int print_reply(const HttpReply& reply) {
  auto j = reply.json();
  std::printf("%s\n", j.is_null() ? reply.body.c_str() : j.dump(2).c_str());
  return reply.status >= 200 && reply.status < 300 ? 0 : 1;
}

}  // namespace

int txn_command(int argc, char** argv) {
  std::string server = "http://127.0.0.1:8080", token, reason = "operator";
  bool in_doubt = false, force = false;
  Flags flags(
      "xacoord txn list [--in-doubt] | txn show ID | txn commit ID --force | txn rollback ID "
      "--force  [flags]",
      "XACOORD_");
  flags.add("server", "the coordinator's address", &server);
  flags.add("in-doubt", "list only transactions waiting for phase two", &in_doubt);
  flags.add("force", "confirm a forced (heuristic) decision", &force);
  flags.add("admin-token", "the coordinator's --admin-token", &token);
  flags.add("reason", "why, for the decision log", &reason);
  std::vector<std::string> args;
  try {
    args = flags.parse(argc, argv, 2);
    if (args.empty()) throw UsageError(flags.usage());
    const std::string& verb = args[0];
    if (verb == "list" && args.size() != 1) throw UsageError("txn list takes no id");
    if ((verb == "show" || verb == "commit" || verb == "rollback") && args.size() != 2) {
      throw UsageError("txn " + verb + " takes one transaction id");
    }
    if (verb != "list" && verb != "show" && verb != "commit" && verb != "rollback")
      throw UsageError(flags.usage());
    if ((verb == "commit" || verb == "rollback") && !force) {
      throw UsageError(
          "a forced decision overrides the protocol: add --force if you mean it "
          "(docs/recovery.md)");
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  try {
    auto [host, port] = parse_server_address(server);
    HttpClient client(host, port);
    const std::string& verb = args[0];
    if (verb == "list")
      return print_reply(
          client.get(in_doubt ? "/v1/transactions?state=in_doubt" : "/v1/transactions"));
    if (verb == "show") return print_reply(client.get("/v1/transactions/" + args[1]));
    return print_reply(client.post_json("/v1/admin/transactions/" + args[1] + "/" + verb,
                                        {{"reason", reason}},
                                        {{"Authorization", "Bearer " + token}}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord txn: cannot reach %s: %s\n", server.c_str(), e.what());
    return 1;
  }
}

}  // namespace xacoord
