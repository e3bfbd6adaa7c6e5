// The lesson panel: narration, step controls, questions and myth cards, drawn with ImGui.
#include "gui/lesson_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gui/theme.hpp"

namespace smtpsim::gui {

namespace {

const ImVec4 kGood(0.45f, 0.92f, 0.50f, 1);
const ImVec4 kBad(1.0f, 0.50f, 0.45f, 1);
const ImVec4 kDim(0.70f, 0.74f, 0.82f, 1);
const ImVec4 kNarration(1.0f, 0.98f, 0.90f, 1);
constexpr ImU32 kCardFill = IM_COL32(30, 36, 52, 255);
constexpr ImU32 kCardBorder = IM_COL32(120, 140, 190, 255);
constexpr ImU32 kMythColour = IM_COL32(225, 70, 70, 255);
constexpr ImU32 kFactColour = IM_COL32(60, 190, 90, 255);

// A filled label ("MYTH", "FACT") in the current font.
void badge(const char* label, ImU32 fill) {
  const ImVec2 sz = ImGui::CalcTextSize(label);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float pad = ImGui::GetFontSize() * 0.25f;
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + sz.x + 2 * pad, p.y + sz.y), fill, pad);
  ImGui::SetCursorScreenPos(ImVec2(p.x + pad, p.y));
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(12, 12, 16, 255));
  ImGui::TextUnformatted(label);
  ImGui::PopStyleColor();
  ImGui::SameLine(0, pad * 3);
}

void wrapped(const std::string& s, ImVec4 colour, float wrap_x) {
  ImGui::PushTextWrapPos(wrap_x);
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::TextUnformatted(s.c_str());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
}

}  // namespace

void LessonPanel::before_frame(View& v, scenario::ProgressStore* store) {
  player_.frame(v);
  spotlight_ = player_.spotlight(v.cursor());
  if (!store) return;
  // Merged with what earlier runs reached: a lesson once done stays done.
  const scenario::LessonProgress now = player_.progress();
  if (saved_once_ && now == saved_) return;
  saved_ = now;
  saved_once_ = true;
  const std::string& id = player_.lesson().id;
  scenario::LessonProgress merged = store->get(id);
  merged.done = merged.done || now.done;
  merged.furthest = std::max(merged.furthest, now.furthest);
  merged.answered = std::max(merged.answered, now.answered);
  merged.correct = std::max(merged.correct, now.correct);
  if (merged == store->get(id) && store->all().count(id)) return;
  store->set(id, merged);
  if (std::string problem = store->save(); !problem.empty() && status_.empty()) {
    std::fprintf(stderr, "smtpsim gui: %s\n", problem.c_str());
    status_ = problem;
  }
}

void LessonPanel::handle_keys(View& v) {
  if (ImGui::GetIO().WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown))) {
    if (player_.following())
      player_.next(v);
    else
      player_.resume(v);
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp))) player_.back(v);
}

void LessonPanel::draw(View& v, float max_height) {
  ImGui::PushStyleColor(ImGuiCol_ChildBg, IM_COL32(22, 26, 38, 255));
  const float height = content_h_ > 0 ? std::min(content_h_, max_height) : max_height;
  ImGui::BeginChild("lesson-pane", ImVec2(0, std::floor(height)), true);
  pane_min_ = ImGui::GetWindowPos();
  pane_max_ =
      ImVec2(pane_min_.x + ImGui::GetWindowSize().x, pane_min_.y + ImGui::GetWindowSize().y);
  const LessonPlayer& p = player_;
  const scenario::Lesson& lesson = p.lesson();
  const std::size_t cursor = v.cursor();
  const std::size_t n = p.count();
  const std::size_t k = p.shown(cursor);
  choice_rects_.clear();

  // Row 1: where we are, and the controls.
  char where[64];
  std::snprintf(where, sizeof where, "Step %zu of %zu", n == 0 ? 0 : k + 1, n);
  ImGui::TextColored(kDim, "%s", lesson.title.c_str());
  ImGui::SameLine();
  ImGui::TextUnformatted("  ");
  ImGui::SameLine();
  ImGui::TextUnformatted(where);
  if (p.done()) {
    ImGui::SameLine();
    ImGui::TextColored(kGood, "  (lesson done)");
  }
  const bool last = n > 0 && p.current() + 1 == n && p.arrived(cursor);
  const char* next_label = !p.following() ? "Resume lesson" : last ? "Finish" : "Next \xe2\x86\x92";
  const ImGuiStyle& st = ImGui::GetStyle();
  auto button_w = [&](const char* s) { return ImGui::CalcTextSize(s).x + st.FramePadding.x * 2; };
  const float controls = button_w("\xe2\x86\x90 Back") + button_w("Resume lesson") +
                         button_w("Pause lesson") + button_w("Lessons") + st.ItemSpacing.x * 3;
  // The controls at the right end of the row, or on a row of their own when it is too narrow.
  ImGui::SameLine();
  const float controls_x = ImGui::GetWindowContentRegionMax().x - controls;
  if (ImGui::GetCursorPosX() + st.ItemSpacing.x > controls_x)
    ImGui::NewLine();
  else
    ImGui::SetCursorPosX(controls_x);
  ImGui::BeginDisabled(n == 0 || (k == 0 && p.arrived(cursor) && p.following()));
  if (ImGui::Button("\xe2\x86\x90 Back")) player_.back(v);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(n == 0 || (p.following() && p.arrived(cursor) && p.awaiting_answer()) ||
                       (last && p.done() && !p.held() && p.following()));
  if (ImGui::Button(next_label)) {
    status_.clear();  // a progress-file problem was read; the class has moved on
    if (p.following())
      player_.next(v);
    else
      player_.resume(v);
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!p.following());
  if (ImGui::Button("Pause lesson")) {
    player_.leave();
    v.play(false);
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Lessons")) browse_ = true;
  if (!status_.empty()) wrapped(status_, kBad, 0);

  if (n == 0) {
    wrapped(lesson.summary, kNarration, 0);
    content_h_ = ImGui::GetCursorPosY() + ImGui::GetScrollY() + ImGui::GetStyle().WindowPadding.y;
    ImGui::EndChild();
    ImGui::PopStyleColor();
    return;
  }
  const scenario::Step& step = lesson.steps[k];
  const float wrap = ImGui::GetContentRegionMax().x;
  if (!p.following()) {
    ImGui::TextColored(kBad,
                       "Lesson paused: you are playing freely. \"Resume lesson\" returns "
                       "to step %zu.",
                       p.current() + 1);
  } else if (!p.place(k).resolved && v.finished()) {
    ImGui::TextColored(kBad,
                       "This step's event never happens in this run (smtpsim check "
                       "reports it).");
  } else if (!p.arrived(cursor)) {
    ImGui::TextColored(kDim, "Playing on to step %zu ...", p.current() + 1);
  }

  ImGui::PushFont(large_font());
  wrapped(step.say, kNarration, wrap);
  ImGui::PopFont();
  // A step's card and question belong to its place on the trace: shown once arrived there.
  const bool here = p.place(k).resolved && cursor >= p.place(k).at;
  if (here && step.myth) draw_myth(*step.myth, wrap);
  if (here && step.question) draw_question(v, *step.question, k, wrap);
  content_h_ = ImGui::GetCursorPosY() + ImGui::GetScrollY() + ImGui::GetStyle().WindowPadding.y;
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

void LessonPanel::draw_myth(const scenario::MythCard& m, float wrap) {
  ImGui::Spacing();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float pad = ImGui::GetFontSize() * 0.6f;
  dl->ChannelsSplit(2);
  dl->ChannelsSetCurrent(1);
  ImGui::Indent(pad);
  ImGui::BeginGroup();
  ImGui::Dummy(ImVec2(0, pad * 0.3f));
  ImGui::PushFont(large_font());
  badge("MYTH", kMythColour);
  wrapped(m.myth, ImVec4(1.0f, 0.72f, 0.70f, 1), wrap - pad);
  ImGui::Dummy(ImVec2(0, pad * 0.2f));
  badge("FACT", kFactColour);
  wrapped(m.fact, ImVec4(0.85f, 1.0f, 0.85f, 1), wrap - pad);
  ImGui::PopFont();
  if (!m.source.empty()) ImGui::TextColored(kDim, "Source: %s", m.source.c_str());
  ImGui::Dummy(ImVec2(0, pad * 0.3f));
  ImGui::EndGroup();
  ImGui::Unindent(pad);
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  dl->ChannelsSetCurrent(0);
  const ImVec2 p0(a.x - pad * 0.6f, a.y), p1(ImGui::GetWindowPos().x + wrap, b.y);
  dl->AddRectFilled(p0, p1, kCardFill, pad * 0.6f);
  dl->AddRect(p0, p1, kCardBorder, pad * 0.6f, 0, 2.f);
  dl->ChannelsMerge();
}

void LessonPanel::draw_question(View& v, const scenario::Question& q, std::size_t step,
                                float wrap) {
  (void)v;
  ImGui::Spacing();
  const AnswerState& a = player_.answer_state(step);
  ImGui::PushFont(large_font());
  wrapped(q.ask, ImVec4(0.55f, 0.85f, 1.0f, 1), wrap);
  const bool can_answer = !a.answered && player_.current() == step;
  if (!q.choices.empty()) {
    const float right = ImGui::GetWindowPos().x + ImGui::GetContentRegionMax().x;
    for (std::size_t i = 0; i < q.choices.size(); ++i) {
      const std::string& c = q.choices[i];
      const float w = ImGui::CalcTextSize(c.c_str()).x + ImGui::GetStyle().FramePadding.x * 2;
      // Buttons side by side while they fit, then on the next line.
      if (i > 0 && ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w < right)
        ImGui::SameLine();
      // After answering: the right choice green, a wrong pick red.
      int pushed = 0;
      if (a.answered && c == q.answer) {
        ImGui::PushStyleColor(ImGuiCol_Button, IM_COL32(40, 140, 60, 255));
        ++pushed;
      } else if (a.answered && c == a.given) {
        ImGui::PushStyleColor(ImGuiCol_Button, IM_COL32(170, 50, 50, 255));
        ++pushed;
      }
      ImGui::PushID(static_cast<int>(i));
      // Not disabled once answered (that would fade the red and green): a second click is
      // ignored because only the first answer counts.
      if (ImGui::Button(c.c_str()) && can_answer) player_.answer(c);
      choice_rects_.emplace_back(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
      ImGui::PopID();
      ImGui::PopStyleColor(pushed);
    }
  } else {
    if (typed_for_ != step) {
      typed_.fill(0);
      typed_for_ = step;
    }
    ImGui::BeginDisabled(!can_answer);
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("MMMMMMMMMMMM").x);
    const bool enter = ImGui::InputText("##answer", typed_.data(), typed_.size(),
                                        ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Answer") || enter) && typed_[0] != 0) player_.answer(typed_.data());
    ImGui::EndDisabled();
  }
  if (a.answered) {
    if (a.correct)
      ImGui::TextColored(kGood, "Right!");
    else
      ImGui::TextColored(kBad, "Not quite: the answer is %s.", q.answer.c_str());
  }
  if (a.answered && !q.explain.empty()) wrapped(q.explain, kNarration, wrap);
  ImGui::PopFont();
}

}  // namespace smtpsim::gui
