// The lesson browser (issue 6, "In the GUI"): every lesson in the data directory
// (lessons/*.json with a top-level "lesson" key, in file-name order: 01-..., 02-...) with its
// title, length in minutes and whether this class has done it (scenario::ProgressStore).
// Listing reads only the "lesson" object of each file (cheap, and a lesson with a mistake
// further down is still listed); opening one is the window's job, through the full loader,
// whose one-sentence error is shown here when it refuses.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "sim/scenario/progress.hpp"

namespace smtpsim::gui {

struct LessonEntry {
  std::string id;    // file name without .json ("03-one-message")
  std::string path;  // the file
  std::string title, summary;
  int minutes = 5;
};

// The lessons of `dir` (not its subdirectories: scenarios/ holds plain scenarios), sorted by
// file name. Files that are not JSON objects with a "lesson" key are left out.
std::vector<LessonEntry> list_lessons(const std::filesystem::path& dir);

class LessonBrowser {
 public:
  void refresh(const std::filesystem::path& dir) { entries_ = list_lessons(dir); }
  const std::vector<LessonEntry>& entries() const { return entries_; }

  bool open = false;
  // The loader's sentence when the chosen lesson could not be opened ("" = none).
  std::string error;

  // Draws the browser window when open; returns the path of the lesson chosen this frame.
  std::optional<std::string> draw(const scenario::ProgressStore& progress);
  // Where the last draw() put each lesson's row (screen pixels), for tests that click them.
  const std::vector<std::pair<ImVec2, ImVec2>>& row_rects() const { return rows_; }

 private:
  std::vector<LessonEntry> entries_;
  std::vector<std::pair<ImVec2, ImVec2>> rows_;
};

}  // namespace smtpsim::gui
