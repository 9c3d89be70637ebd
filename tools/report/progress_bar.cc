#include "tools/report/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace xacoord::report {

namespace {

constexpr int kWidth = 30;
constexpr const char* kClearLine = "\r\033[K";

}  // namespace

ProgressBar::ProgressBar(bool wanted) : shown_(wanted && ::isatty(2)) {}

void ProgressBar::draw(double share, const std::string& caption) const {
  if (!shown_) return;
  int filled = static_cast<int>(std::clamp(share, 0.0, 1.0) * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "%s[%s] %s", kClearLine, bar.c_str(), caption.c_str());
}

void ProgressBar::clear() const {
  if (shown_) std::fprintf(stderr, "%s", kClearLine);
}

void ProgressBar::print(const std::string& line) const {
  clear();
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace xacoord::report
