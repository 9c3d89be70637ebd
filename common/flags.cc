#include "common/flags.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace xacoord {

std::string command_line(int argc, char** argv) {
  std::string line = "xacoord";
  for (int i = 1; i < argc; ++i) {
    line += ' ';
    line += argv[i];
  }
  return line;
}

Flags::Flags(std::string usage_line, std::string env_prefix)
    : usage_line_(std::move(usage_line)), env_prefix_(std::move(env_prefix)) {}

void Flags::add(const std::string& name, const std::string& help, std::string* value) {
  flags_.push_back({name, help, *value, false, [value](const std::string& v) { *value = v; }});
}

void Flags::add(const std::string& name, const std::string& help, bool* value) {
  flags_.push_back(
      {name, help, *value ? "true" : "false", true, [name, value](const std::string& v) {
         if (v == "true" || v == "1" || v.empty()) {
           *value = true;
         } else if (v == "false" || v == "0") {
           *value = false;
         } else {
           throw UsageError("--" + name + " takes true or false, not '" + v + "'");
         }
       }});
}

void Flags::add(const std::string& name, const std::string& help, std::int64_t* value,
                std::int64_t min, std::int64_t max) {
  flags_.push_back(
      {name, help, std::to_string(*value), false, [name, value, min, max](const std::string& v) {
         char* end = nullptr;
         errno = 0;
         long long n = std::strtoll(v.c_str(), &end, 10);
         if (v.empty() || *end != '\0' || errno != 0 || n < min || n > max) {
           throw UsageError("--" + name + " must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max) + ", not '" + v + "'");
         }
         *value = n;
       }});
}

void Flags::add(const std::string& name, const std::string& help,
                std::chrono::milliseconds* value) {
  flags_.push_back({name, help, std::to_string(value->count()) + "ms", false,
                    [name, value](const std::string& v) {
                      // 250ms, 2s, 1m, or a plain number of milliseconds
                      char* end = nullptr;
                      double n = std::strtod(v.c_str(), &end);
                      std::string unit = end ? end : "";
                      double ms = n;
                      if (unit == "s") {
                        ms = n * 1000;
                      } else if (unit == "m") {
                        ms = n * 60'000;
                      } else if (unit != "ms" && !unit.empty()) {
                        ms = -1;
                      }
                      if (v.empty() || end == v.c_str() || ms < 0 || ms > 86'400'000.0 * 365) {
                        throw UsageError("--" + name +
                                         " must be a duration such as 250ms, 2s or 1m, not '" + v +
                                         "'");
                      }
                      *value = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
                    }});
}

const Flags::Flag* Flags::find(const std::string& name) const {
  for (const auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string Flags::env_name(const std::string& flag) const {
  std::string env = env_prefix_;
  for (char c : flag)
    env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

std::vector<std::string> Flags::parse(int argc, char** argv, int first) {
  // Help first: a bad variable in the environment must not hide it.
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage().c_str(), stdout);
      std::fflush(stdout);
      std::exit(0);
    }
  }
  if (!env_prefix_.empty()) {
    for (const auto& f : flags_) {
      if (const char* v = std::getenv(env_name(f.name).c_str()); v && *v) f.set(v);
    }
  }
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const Flag* f = find(name);
    if (!f) throw UsageError("unknown flag --" + name + "\n" + usage());
    if (!has_value && !f->is_bool) {
      if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
      value = argv[++i];
    }
    f->set(value);
  }
  return positional;
}

std::string Flags::usage() const {
  std::string out = "usage: " + usage_line_ + "\n";
  for (const auto& f : flags_) {
    out += "  --" + f.name + (f.is_bool ? "" : " VALUE") +
           (env_prefix_.empty() ? "" : "   [env " + env_name(f.name) + "]") + "\n      " + f.help +
           " (default: " + (f.default_text.empty() ? "none" : f.default_text) + ")\n";
  }
  out += "  --help\n      print this and exit 0\n";
  if (!epilogue_.empty()) out += epilogue_ + (epilogue_.ends_with('\n') ? "" : "\n");
  return out;
}

}  // namespace xacoord
