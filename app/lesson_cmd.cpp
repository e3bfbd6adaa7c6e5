// `smtpsim lessons` and `smtpsim check`, and loading a lesson where a scenario is expected.
#include "app/lesson_cmd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/run_cmd.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"

namespace smtpsim::app {

namespace fs = std::filesystem;

namespace {

// The first few kilobytes are enough to see a top-level "lesson" key in our files, but a
// whole read is cheap and never wrong.
bool file_is_lesson(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  return scenario::looks_like_lesson(ss.str());
}

void print(std::FILE* f, const std::string& s) {
  std::fputs(s.c_str(), f);
}

}  // namespace

std::vector<std::string> shipped_lessons() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(data_dir()), ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".json" && file_is_lesson(e.path()))
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return fs::path(a).filename() < fs::path(b).filename();
  });
  return out;
}

scenario::LoadResult load_scenario_or_lesson(const std::string& path) {
  if (!file_is_lesson(path)) return scenario::load_scenario(path);
  auto loaded = scenario::load_lesson(path);
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) return std::move(*e);
  return std::get<scenario::Lesson>(std::move(loaded)).scenario;
}

int list_lessons_command(std::FILE* out, std::FILE* err) {
  int rc = 0;
  std::vector<scenario::Lesson> lessons;
  for (const auto& path : shipped_lessons()) {
    auto loaded = scenario::load_lesson(path);
    if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
      print(err, fmt::format("smtpsim lessons: {}\n", e->message));
      rc = 1;
      continue;
    }
    lessons.push_back(std::get<scenario::Lesson>(std::move(loaded)));
  }
  std::size_t width = 0;  // the columns line up however long an id is
  for (const auto& l : lessons) width = std::max(width, l.id.size());
  for (const auto& l : lessons)
    print(out, fmt::format("{:<{}} {:>2} min  {}\n", l.id, width, l.minutes, l.title));
  return rc;
}

int check_lessons_command(const std::vector<std::string>& lessons, std::FILE* out, std::FILE* err) {
  int rc = 0;
  for (const auto& name : lessons) {
    auto loaded = scenario::load_lesson(resolve_scenario(name));
    if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
      print(err, fmt::format("smtpsim check: {}\n", e->message));
      rc = 2;
      continue;
    }
    const auto& lesson = std::get<scenario::Lesson>(loaded);
    trace::Recorder rec;
    try {
      scenario::Simulation sim(lesson.scenario, rec);
      sim.run();
    } catch (const std::exception& ex) {
      print(err, fmt::format("smtpsim check: {}: {}\n", lesson.scenario.file, ex.what()));
      rc = std::max(rc, 1);
      continue;
    }
    const auto failures = scenario::check_lesson(lesson, rec.events());
    for (const auto& f : failures) print(err, fmt::format("smtpsim check: {}\n", f));
    if (!failures.empty()) {
      rc = std::max(rc, 1);
      continue;
    }
    std::size_t checks = 0, questions = 0;
    for (const auto& s : lesson.steps) {
      checks += s.checks.size();
      questions += s.question && s.question->verify ? 1 : 0;
    }
    print(out, fmt::format("ok {}: {} steps, {} checkpoints, {} questions verified\n", lesson.id,
                           lesson.steps.size(), checks, questions));
  }
  return rc;
}

}  // namespace smtpsim::app
