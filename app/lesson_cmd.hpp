// The lesson commands (DESIGN.md contract): `smtpsim lessons` lists the shipped lessons
// (lessons/*.json, in file-name order: "01-the-cast" first) and `smtpsim check LESSON...`
// runs each lesson headless and asserts what it claims (lesson.hpp check_lesson). Also the
// loader `run` and `gui` share, which accepts a lesson wherever a scenario is accepted.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::app {

// The shipped lesson files (data_dir()/*.json that are lessons), sorted by file name.
std::vector<std::string> shipped_lessons();

// A scenario file, or a lesson file's scenario (Spec::file is the path either way).
scenario::LoadResult load_scenario_or_lesson(const std::string& path);

// `smtpsim lessons`: "ID  N min  TITLE" per lesson. A lesson that does not load is named on
// err (one sentence) and makes the exit status 1; the others are still listed.
int list_lessons_command(std::FILE* out, std::FILE* err);

// `smtpsim check LESSON...`: each lesson (a shipped id or a path) runs headless with its own
// seed; every failed step, checkpoint or question is one sentence on err. 0 when all hold,
// 1 when a lesson does not teach what it claims, 2 when one does not load.
int check_lessons_command(const std::vector<std::string>& lessons, std::FILE* out, std::FILE* err);

}  // namespace smtpsim::app
