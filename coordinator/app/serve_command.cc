#include <cstdio>
#include <cstdlib>

#include "coordinator/app/commands.h"
#include "coordinator/app/config.h"
#include "coordinator/app/coordinator.h"
#include "common/crash_points.h"
#include "coordinator/log/log_scan.h"

namespace xacoord {

int serve_command(int argc, char** argv) {
  ServeConfig config;
  Flags flags("xacoord serve [flags]   (every flag also reads XACOORD_<FLAG>)", "XACOORD_");
  config.add_flags(flags);
  flags.set_epilogue(
      "environment variables that are not flags:\n"
      "  XA_VAR                      base of the default --log-dir ($XA_VAR/coordinator; "
      "default ./var)\n"
      "  XACOORD_CRASH_AT=POINT[:N]  with --enable-fault-injection: SIGKILL at the N-th pass "
      "of a crash point (docs/recovery.md)\n"
      "  XACOORD_STALL_AT=POINT[:N]  with --enable-fault-injection: sleep XACOORD_STALL_MS "
      "(default 3000) there\n"
      "  XACOORD_LOG_SYNC_DELAY_MS   with --enable-fault-injection: a delay added to every "
      "decision-log fsync\n"
      "exit codes: docs/operations.md, \"Exit codes\"");
  try {
    flags.parse(argc, argv, 2);
    config.finish();
    const char* crash_at = std::getenv("XACOORD_CRASH_AT");
    const char* stall_at = std::getenv("XACOORD_STALL_AT");
    if (config.enable_fault_injection) {
      if (crash_at && *crash_at) arm_crash_point(crash_at);
      if (stall_at && *stall_at) {
        const char* ms = std::getenv("XACOORD_STALL_MS");
        arm_stall_point(stall_at, ms && *ms ? std::atoi(ms) : 3000);
      }
      if (const char* delay = std::getenv("XACOORD_LOG_SYNC_DELAY_MS"); delay && *delay)
        config.injected_sync_delay = std::chrono::milliseconds(std::atoi(delay));
    } else if ((crash_at && *crash_at) || (stall_at && *stall_at)) {
      std::fprintf(stderr,
                   "xacoord serve: XACOORD_CRASH_AT and XACOORD_STALL_AT are ignored without "
                   "--enable-fault-injection\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord serve: %s\n", e.what());
    return 2;
  }
  std::unique_ptr<Coordinator> coordinator;
  try {
    coordinator = std::make_unique<Coordinator>(config);
  } catch (const dlog::LogCorrupt& e) {
    std::fprintf(
        stderr,
        "xacoord serve: the decision log is damaged: %s\n"
        "  Nothing was changed. See docs/decision-log.md (\"A damaged log\") for the way out;\n"
        "  `xacoord log verify %s` describes the damage.\n",
        e.what(), config.log_dir.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord serve: %s\n", e.what());
    return 1;
  }
  int code = 1;
  try {
    code = coordinator->run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord serve: %s\n", e.what());
  }
  // Every outcome that matters is in the databases and the decision log already; tearing
  // down threads blocked on sessions in order would only delay the exit.
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace xacoord
