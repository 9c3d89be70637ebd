// xacoord: an XA transaction coordinator for the pay-versus-cancel race.
#include <cstdio>
#include <cstring>
#include <string>

#include "coordinator/app/commands.h"
#include "tools/tool_commands.h"

namespace {

constexpr const char* kUsage =
    "usage: xacoord COMMAND [flags]\n"
    "  serve       run the coordinator (HTTP API on 127.0.0.1:8080)\n"
    "  demo        race pay against cancel on a running coordinator\n"
    "  txn         list, show, or force transactions (operators)\n"
    "  log         verify, dump or salvage a decision log\n"
    "  reconcile   check the invariants of contract §4 on both databases\n"
    "  chaos       fault-injection runs with their own databases, and a report\n"
    "  bench       xacoord against the XA floor and non-atomic commits, side by side\n"
    "  compare     every architecture under the same race and faults, checked, side by side\n"
    "Run `xacoord COMMAND --help` for a command's flags, defaults and environment variables;\n"
    "`xacoord --version` for the version. Exit codes: docs/operations.md, \"Exit codes\".\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  if (command == "--version" || command == "version") {
    std::printf("xacoord %s\n", XACOORD_VERSION);
    return 0;
  }
  if (command == "serve") return xacoord::serve_command(argc, argv);
  if (command == "demo") return xacoord::demo_command(argc, argv);
  if (command == "txn") return xacoord::txn_command(argc, argv);
  if (command == "log") return xacoord::log_command(argc, argv);
  if (command == "reconcile") return xacoord::reconcile_command(argc, argv);
  if (command == "chaos") return xacoord::chaos_command(argc, argv);
  if (command == "bench") return xacoord::bench_command(argc, argv);
  if (command == "compare") return xacoord::compare_command(argc, argv);
  std::fprintf(stderr, "xacoord: unknown %s '%s'\n%s",
               command.starts_with("-") ? "flag" : "command", command.c_str(), kUsage);
  return 2;
}
