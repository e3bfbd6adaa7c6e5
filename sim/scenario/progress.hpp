// Lesson progress remembered between runs (issue 6, "In the GUI"): which lessons a class has
// finished, how far it got, how many questions were answered right. A small JSON file under
// the XDG state directory ($XDG_STATE_HOME/smtpsim/progress.json, default
// ~/.local/state/smtpsim/progress.json: XDG Base Directory spec, "state data that should
// persist between restarts"). It lives in sim/scenario because it is about lessons and needs
// no display; the GUI reads and writes it.
//
// Trusts nothing in the file: anything that is not the documented shape is reported once as
// one sentence and ignored (progress starts afresh), never a crash. Writes are atomic (temp
// file in the same directory, fsync, rename), so a crash mid-write leaves the old file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace smtpsim::scenario {

struct LessonProgress {
  bool done = false;         // the last step was reached (and its question answered)
  std::size_t furthest = 0;  // highest step index shown (0-based)
  int answered = 0;          // questions answered, and of those answered right
  int correct = 0;
  bool operator==(const LessonProgress&) const = default;
};

class ProgressStore {
 public:
  // `file` empty: nothing is read or written (no home directory known).
  explicit ProgressStore(std::filesystem::path file) : file_(std::move(file)) {}

  // $XDG_STATE_HOME/smtpsim/progress.json when XDG_STATE_HOME is an absolute path (the spec
  // says relative ones are to be ignored), else $HOME/.local/state/smtpsim/progress.json,
  // else "" (no place to remember anything).
  static std::filesystem::path default_path();

  const std::filesystem::path& file() const { return file_; }

  // Reads the file. A missing file is no progress and no problem. A file that cannot be read
  // or is not a progress file gives empty progress and one sentence naming the file — only
  // the first time that problem is seen by this store (it is reported once), "" afterwards.
  std::string load();

  // The progress of a lesson by id (all zero when unknown).
  LessonProgress get(const std::string& id) const;
  void set(const std::string& id, const LessonProgress& p) { lessons_[id] = p; }
  const std::map<std::string, LessonProgress>& all() const { return lessons_; }

  // Writes every lesson's progress atomically. Returns "" or one sentence.
  std::string save() const;
  // Read only (screenshot runs): save() writes nothing.
  void set_read_only(bool on) { read_only_ = on; }

  // The file's text for the current progress (what save() writes).
  std::string to_json() const;

 private:
  std::filesystem::path file_;
  std::map<std::string, LessonProgress> lessons_;
  bool reported_ = false;
  bool read_only_ = false;
};

}  // namespace smtpsim::scenario
