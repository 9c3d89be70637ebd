#include "tools/report/prometheus_text.h"

#include <cstdlib>
#include <sstream>

namespace xacoord::report {
namespace {

// The family a sample belongs to: histogram samples carry a suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return "";
}

}  // namespace

std::optional<double> Scrape::value(const std::string& series) const {
  auto it = samples.find(series);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

Scrape parse_prometheus_text(const std::string& text) {
  Scrape out;
  std::set<std::string> helped;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# HELP ")) {
      auto rest = line.substr(7);
      helped.insert(rest.substr(0, rest.find(' ')));
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      if (type != "counter" && type != "gauge" && type != "histogram" && out.error.empty())
        out.error = line;
      out.types[name] = type;
      continue;
    }
    if (line.starts_with("#")) continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) {
      if (out.error.empty()) out.error = line;
      continue;
    }
    std::string series = line.substr(0, space);
    std::string number = line.substr(space + 1);
    char* end = nullptr;
    double v = std::strtod(number.c_str(), &end);
    if (number == "+Inf") v = 1.0 / 0.0;
    bool bad_number = number != "+Inf" && (end == number.c_str() || *end != '\0');
    std::string name = series.substr(0, series.find('{'));
    std::string family = family_of(name, out.types);
    if ((bad_number || family.empty() || !helped.count(family) ||
         (series.find('{') != std::string::npos && series.back() != '}')) &&
        out.error.empty()) {
      out.error = line;
    }
    out.samples[series] = v;
  }
  return out;
}

}  // namespace xacoord::report
