// Subcommands that live in tools/: each takes the whole argv (argv[1] is its name).
#pragma once

namespace xacoord {

int reconcile_command(int argc, char** argv);
int chaos_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int compare_command(int argc, char** argv);

}  // namespace xacoord
