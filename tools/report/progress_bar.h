// One line of progress on the terminal — a bar and a caption, redrawn in place — for the
// long runs of `xacoord chaos` and `xacoord bench`. It draws only when asked to and when
// stderr is a terminal, so the logs of scripted runs stay clean.
#pragma once

#include <string>

namespace xacoord::report {

class ProgressBar {
 public:
  explicit ProgressBar(bool wanted);

  bool shown() const { return shown_; }
  // Redraws the line: `share` (clamped to 0..1) of the bar filled, then the caption.
  void draw(double share, const std::string& caption) const;
  // Erases the line, so that what is printed next starts on a clean one.
  void clear() const;
  // Prints a line of text to stderr over the bar (which the next draw brings back).
  void print(const std::string& line) const;

 private:
  bool shown_;
};

}  // namespace xacoord::report
