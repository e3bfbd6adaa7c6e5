// Lesson progress file: read leniently (anything odd is reported once and ignored), written
// atomically through save.hpp's write_file_atomically (temp + fsync + rename).
#include "sim/scenario/progress.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/scenario/save.hpp"

namespace smtpsim::scenario {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr int kVersion = 1;

// Fills `out` from the parsed file, or returns what is wrong with it.
std::string read_lessons(const json& j, std::map<std::string, LessonProgress>& out) {
  if (!j.is_object()) return "the top level is not an object";
  const auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != kVersion)
    return fmt::format("\"version\" is not {}", kVersion);
  const auto ls = j.find("lessons");
  if (ls == j.end() || !ls->is_object()) return "\"lessons\" is not an object";
  for (const auto& item : ls->items()) {
    // Plain references, not structured bindings: lambdas below capture them (clang 14).
    const std::string& id = item.key();
    const json& p = item.value();
    if (!p.is_object()) return fmt::format("/lessons/{} is not an object", id);
    LessonProgress lp;
    const auto field = [&](const char* key, auto& dst, bool ok_type) -> std::string {
      const auto it = p.find(key);
      if (it == p.end()) return {};
      if (!ok_type) return fmt::format("/lessons/{}/{} has the wrong type", id, key);
      dst = it->get<std::remove_reference_t<decltype(dst)>>();
      return {};
    };
    const auto num_ok = [&](const char* key) {
      const auto it = p.find(key);
      return it != p.end() && it->is_number_unsigned();
    };
    const auto done = p.find("done");
    for (std::string e : {field("done", lp.done, done != p.end() && done->is_boolean()),
                          field("furthest", lp.furthest, num_ok("furthest")),
                          field("answered", lp.answered, num_ok("answered")),
                          field("correct", lp.correct, num_ok("correct"))})
      if (!e.empty()) return e;
    out[id] = lp;
  }
  return {};
}
}  // namespace

fs::path ProgressStore::default_path() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x && fs::path(x).is_absolute())
    return fs::path(x) / "smtpsim" / "progress.json";
  if (const char* h = std::getenv("HOME"); h && *h)
    return fs::path(h) / ".local" / "state" / "smtpsim" / "progress.json";
  return {};
}

std::string ProgressStore::load() {
  lessons_.clear();
  if (file_.empty()) return {};
  std::error_code ec;
  if (!fs::exists(file_, ec)) return {};
  std::string why;
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    why = "cannot be read";
  } else {
    const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      why = "is not valid JSON";
    } else {
      std::map<std::string, LessonProgress> got;
      if (std::string e = read_lessons(j, got); !e.empty()) {
        why = "is not a progress file (" + e + ")";
      } else {
        lessons_ = std::move(got);
        return {};
      }
    }
  }
  if (reported_) return {};
  reported_ = true;
  return fmt::format(
      "{} {}; lesson progress starts afresh and the file is replaced on the next "
      "save",
      file_.string(), why);
}

LessonProgress ProgressStore::get(const std::string& id) const {
  const auto it = lessons_.find(id);
  return it == lessons_.end() ? LessonProgress{} : it->second;
}

std::string ProgressStore::to_json() const {
  json ls = json::object();
  for (const auto& [id, p] : lessons_)
    ls[id] = {{"done", p.done},
              {"furthest", p.furthest},
              {"answered", p.answered},
              {"correct", p.correct}};
  return json{{"version", kVersion}, {"lessons", ls}}.dump(2) + "\n";
}

std::string ProgressStore::save() const {
  if (file_.empty() || read_only_) return {};
  const std::string data = to_json();
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  if (ec) return fmt::format("cannot write {}: {}", file_.string(), ec.message());
  return write_file_atomically(file_, data);
}

}  // namespace smtpsim::scenario
