// The SMTP console window: log, hint boxes, input line with history.
#include "gui/console_panel.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace smtpsim::gui {

namespace {
using Kind = scenario::ConsoleRow::Kind;

// The transcript's colours (gui/transcript.cpp): what the client sent amber, the server blue,
// errors red; information grey.
const ImVec4 kTyped(1.0f, 0.85f, 0.45f, 1);
const ImVec4 kReply(0.5f, 0.85f, 1.0f, 1);
const ImVec4 kError(1.0f, 0.45f, 0.45f, 1);
const ImVec4 kInfo(0.75f, 0.78f, 0.85f, 1);
const ImVec4 kGoal(0.45f, 0.95f, 0.55f, 1);
const ImU32 kHintBg = IM_COL32(74, 54, 10, 255);
const ImU32 kHintBorder = IM_COL32(255, 190, 60, 255);
}  // namespace

ImFont* ConsolePanel::load_font(float px) {
  const char* path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2190, 0x21FF, 0x2500, 0x257F, 0};
  return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, px, nullptr, ranges);
}

std::string ConsolePanel::open_on(const scenario::Spec& spec, std::string host, std::string goal) {
  if (host.empty()) host = scenario::default_console_host(spec);
  if (host.empty()) return "this scenario has no MTA to type to";
  try {
    session_ = std::make_unique<scenario::ConsoleSession>(spec, host);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  goal_ = goal.empty() ? scenario::default_console_goal(spec, host) : std::move(goal);
  history_.clear();
  history_pos_ = -1;
  input_[0] = '\0';
  open = true;
  focus_input_ = true;
  return {};
}

void ConsolePanel::toggle(const scenario::Spec& spec) {
  if (open) {
    open = false;
  } else if (session_) {
    open = true;
    focus_input_ = true;
  } else {
    open_on(spec);
  }
}

void ConsolePanel::submit(const std::string& line) {
  if (!session_) return;
  session_->type(line);
  // A pasted block is not recalled: the one-line input cannot show it.
  if (!line.empty() && line.find('\n') == std::string::npos &&
      (history_.empty() || history_.back() != line))
    history_.push_back(line);
  history_pos_ = -1;
}

int ConsolePanel::on_input_event(ImGuiInputTextCallbackData* data) {
  auto* self = static_cast<ConsolePanel*>(data->UserData);
  if (data->EventFlag != ImGuiInputTextFlags_CallbackHistory || self->history_.empty()) return 0;
  const int n = static_cast<int>(self->history_.size());
  int pos = self->history_pos_;
  if (data->EventKey == ImGuiKey_UpArrow) {
    pos = pos == -1 ? n - 1 : std::max(0, pos - 1);
  } else if (data->EventKey == ImGuiKey_DownArrow && pos != -1) {
    pos = pos + 1 >= n ? -1 : pos + 1;
  }
  if (pos == self->history_pos_) return 0;
  self->history_pos_ = pos;
  data->DeleteChars(0, data->BufTextLen);
  if (pos != -1) data->InsertChars(0, self->history_[static_cast<std::size_t>(pos)].c_str());
  return 0;
}

void ConsolePanel::draw_hint(const std::string& text) {
  const float pad = ImGui::GetFontSize() * 0.45f;
  const float w = ImGui::GetContentRegionAvail().x;
  const std::string label = "Hint: " + text;
  const ImVec2 size = ImGui::CalcTextSize(label.c_str(), nullptr, false, w - 2 * pad);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const ImVec2 q(p.x + w, p.y + size.y + 2 * pad);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, q, kHintBg, pad);
  dl->AddRect(p, q, kHintBorder, pad, 0, 2.f);
  ImGui::SetCursorScreenPos(ImVec2(p.x + pad, p.y + pad));
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w - 2 * pad);
  ImGui::TextUnformatted(label.c_str());
  ImGui::PopTextWrapPos();
  ImGui::SetCursorScreenPos(ImVec2(p.x, q.y));
  ImGui::Dummy(ImVec2(w, pad * 0.5f));
}

void ConsolePanel::draw_log() {
  const auto& log = session_->log();
  for (const auto& row : log) {
    switch (row.kind) {
      case Kind::Hint:
        draw_hint(row.text);
        break;
      case Kind::Info:
        ImGui::PushStyleColor(ImGuiCol_Text, kInfo);
        ImGui::TextWrapped("%s", row.text.c_str());
        ImGui::PopStyleColor();
        break;
      case Kind::Typed:
        if (mono) ImGui::PushFont(mono);
        ImGui::PushStyleColor(ImGuiCol_Text, kTyped);
        ImGui::TextUnformatted(("> " + row.text).c_str());
        ImGui::PopStyleColor();
        if (mono) ImGui::PopFont();
        break;
      case Kind::Reply:
        if (mono) ImGui::PushFont(mono);
        ImGui::PushStyleColor(ImGuiCol_Text, row.code >= 400 ? kError : kReply);
        ImGui::TextUnformatted(("< " + row.text).c_str());
        ImGui::PopStyleColor();
        if (mono) ImGui::PopFont();
        break;
    }
  }
  if (log.size() != drawn_rows_) ImGui::SetScrollHereY(1.0f);
  drawn_rows_ = log.size();
}

void ConsolePanel::draw() {
  if (!open || !session_) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  // Bottom right, below a lesson's narration (top left), which stays readable beside it.
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.99f, vp->WorkPos.y + vp->WorkSize.y * 0.97f),
      ImGuiCond_Appearing, ImVec2(1.f, 1.f));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x * 0.64f, vp->WorkSize.y * 0.66f),
                           ImGuiCond_Appearing);
  ImGui::SetNextWindowBgAlpha(0.97f);
  const std::string title = "SMTP console: telnet " + session_->host() + " 25 (F3 closes)";
  if (!ImGui::Begin((title + "###smtp-console").c_str(), &open,
                    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::End();
    return;
  }
  // Goal and state: what to achieve, and what the server waits for (its state caption).
  const bool reached = goal_reached();
  ImGui::PushStyleColor(ImGuiCol_Text, reached ? kGoal : kInfo);
  ImGui::TextWrapped("%s a message accepted (250 after the dot) for %s",
                     reached ? "Goal reached:" : "Goal:", goal_.c_str());
  ImGui::PopStyleColor();
  if (ImGui::Button("Reset")) {
    session_->reset();
    focus_input_ = true;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("server state: %s", std::string(session_->server().state_caption()).c_str());

  const float input_h = ImGui::GetFrameHeightWithSpacing() * 1.3f;
  ImGui::BeginChild("console-log", ImVec2(0, -input_h), true);
  draw_log();
  ImGui::EndChild();

  if (mono) ImGui::PushFont(mono);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(session_->in_data() ? "text>" : "smtp>");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  if (focus_input_) {
    ImGui::SetKeyboardFocusHere();
    focus_input_ = false;
  }
  // A pasted block of several lines goes to the server in one burst, as a paste through telnet
  // does (so the RFC 2920 pipelining rules apply); ImGui's one-line input would join the lines.
  ImGuiIO& io = ImGui::GetIO();
  const int v = ImGui::GetKeyIndex(ImGuiKey_V);
  if (input_active_ && (io.KeyCtrl || io.KeySuper) && v >= 0 && ImGui::IsKeyPressed(v, false)) {
    const char* clip = ImGui::GetClipboardText();
    if (clip && std::strchr(clip, '\n')) {
      submit(clip);
      io.KeysDownDuration[v] = 0.01f;  // consumed: the input line must not paste it as well
    }
  }
  const ImGuiInputTextFlags flags =
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackHistory;
  if (ImGui::InputText("##console-input", input_, sizeof input_, flags, &on_input_event, this)) {
    submit(input_);
    input_[0] = '\0';
    focus_input_ = true;  // stay in the input line, as a terminal does
  }
  input_active_ = ImGui::IsItemActive();
  if (mono) ImGui::PopFont();
  ImGui::End();
}

}  // namespace smtpsim::gui
