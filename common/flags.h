// Command-line flags: --name value, --name=value, and --flag for booleans. A flag may also
// come from the environment as <PREFIX><NAME> (upper case, '-' as '_'); the command line
// wins. Bad input throws UsageError, which the commands turn into a message and exit 2.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xacoord {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command as typed ("xacoord chaos --seed 7 ..."), for reports that say how they were made.
std::string command_line(int argc, char** argv);

class Flags {
 public:
  explicit Flags(std::string usage_line, std::string env_prefix = "");

  void add(const std::string& name, const std::string& help, std::string* value);
  void add(const std::string& name, const std::string& help, bool* value);
  void add(const std::string& name, const std::string& help, std::int64_t* value, std::int64_t min,
           std::int64_t max);
  void add(const std::string& name, const std::string& help, std::chrono::milliseconds* value);

  // Text printed after the flags in the usage: environment variables that are not flags,
  // the subcommands, where the docs are.
  void set_epilogue(std::string text) { epilogue_ = std::move(text); }

  // Parses argv[first..]; returns the positional arguments. "--help" (or "-h") anywhere
  // prints the usage on stdout and exits 0, before anything else is read (the convention
  // every command keeps: docs/operations.md, "Exit codes").
  std::vector<std::string> parse(int argc, char** argv, int first);
  // The flags, each with its default and, with an environment prefix, its variable.
  std::string usage() const;
  // The variable a flag reads: <PREFIX><NAME>, upper case, '-' as '_'.
  std::string env_name(const std::string& flag) const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<void(const std::string&)> set;
  };
  const Flag* find(const std::string& name) const;

  std::string usage_line_;
  std::string env_prefix_;
  std::string epilogue_;
  std::vector<Flag> flags_;
};

}  // namespace xacoord
