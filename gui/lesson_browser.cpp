// Lesson browser: list the lesson files, draw them as a table, report the one chosen.
#include "gui/lesson_browser.hpp"

#include <imgui.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gui/theme.hpp"

namespace smtpsim::gui {

namespace fs = std::filesystem;

std::vector<LessonEntry> list_lessons(const fs::path& dir) {
  std::vector<LessonEntry> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    const auto l = j.find("lesson");
    if (l == j.end() || !l->is_object()) continue;
    LessonEntry e;
    e.id = entry.path().stem().string();
    e.path = entry.path().string();
    auto str = [&](const char* key, const nlohmann::json& o) {
      const auto it = o.find(key);
      return it != o.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    e.title = str("title", *l);
    if (e.title.empty()) e.title = str("title", j);
    if (e.title.empty()) e.title = e.id;
    e.summary = str("summary", *l);
    if (const auto m = l->find("minutes"); m != l->end() && m->is_number_integer())
      e.minutes = m->get<int>();
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const LessonEntry& a, const LessonEntry& b) { return a.id < b.id; });
  return out;
}

std::optional<std::string> LessonBrowser::draw(const scenario::ProgressStore& progress) {
  if (!open) return std::nullopt;
  std::optional<std::string> chosen;
  rows_.clear();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  // Rows in the large font (read from the back of the room); as tall as the list needs.
  ImGui::PushFont(large_font());
  const float row = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().CellPadding.y * 2;
  const float want = row * static_cast<float>(entries_.size() + 2) +
                     ImGui::GetFrameHeightWithSpacing() * 2 + (error.empty() ? 0 : row * 2);
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x * 0.6f, std::min(want, vp->WorkSize.y * 0.8f)),
                           ImGuiCond_Appearing);
  ImGui::Begin("Lessons", &open, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
  if (!error.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1), "%s", error.c_str());
    ImGui::PopTextWrapPos();
  }
  if (entries_.empty()) ImGui::TextUnformatted("No lessons found in the data directory.");
  if (ImGui::BeginTable("lessons", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
    ImGui::TableSetupColumn("Lesson", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("Length", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Done", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const LessonEntry& e = entries_[i];
      const scenario::LessonProgress p = progress.get(e.id);
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (ImGui::Selectable(e.title.c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
        chosen = e.path;
      rows_.emplace_back(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
      if (ImGui::IsItemHovered() && !e.summary.empty()) ImGui::SetTooltip("%s", e.summary.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%d min", e.minutes);
      ImGui::TableNextColumn();
      if (p.done)
        ImGui::TextColored(ImVec4(0.45f, 0.92f, 0.5f, 1), "done");
      else if (p.furthest > 0)
        ImGui::TextColored(ImVec4(0.7f, 0.74f, 0.82f, 1), "to step %zu", p.furthest + 1);
      else
        ImGui::TextColored(ImVec4(0.7f, 0.74f, 0.82f, 1), "-");
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  ImGui::End();
  ImGui::PopFont();
  return chosen;
}

}  // namespace smtpsim::gui
