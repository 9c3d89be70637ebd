// The subcommands of the `xacoord` program. Each takes the whole argv (argv[1] is the
// command's name) and returns the process's exit code: 0 success, 1 failure, 2 bad usage.
#pragma once

namespace xacoord {

int serve_command(int argc, char** argv);
int log_command(int argc, char** argv);
int txn_command(int argc, char** argv);
int demo_command(int argc, char** argv);

}  // namespace xacoord
