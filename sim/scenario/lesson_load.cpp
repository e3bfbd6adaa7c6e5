// Lesson files (lessons/README.md): the scenario part goes through the scenario loader
// (load.hpp, the same checks and messages); this file reads "lesson" and "steps" with the
// same vocabulary (load_fields.hpp: JSON pointers, "did you mean", one sentence per error).
// It trusts the scenario loader for the world; it checks that every host a step names exists
// there, that every event kind is one the trace has, and that every question can be checked.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load_fields.hpp"

namespace smtpsim::scenario {

namespace {

using namespace fields;

constexpr std::array<std::string_view, 2> kLessonTopKeys = {"lesson", "steps"};
constexpr std::array<std::string_view, 6> kProtos = {"SMTP", "DNS", "POP3", "IMAP", "HTTP", "SPF"};
constexpr std::array<std::string_view, 7> kFields = {"code",    "host", "peer", "text",
                                                     "address", "port", "proto"};

// Every name trace::kind_name knows, in enum order (Note is the last kind).
std::vector<std::string_view> all_kind_names() {
  std::vector<std::string_view> out;
  for (int k = 0; k <= static_cast<int>(trace::EventKind::Note); ++k)
    out.push_back(trace::kind_name(static_cast<trace::EventKind>(k)));
  return out;
}

struct LessonParser {
  const Spec& spec;
  Lesson& lesson;

  void host_name(const J& v, const std::string& ptr, std::string& out) const {
    out = nonempty(v, ptr);
    for (const auto& h : spec.hosts)
      if (h.name == out) return;
    std::vector<std::string_view> names;
    for (const auto& h : spec.hosts) names.push_back(h.name);
    const auto best = suggestion(out, names);
    throw Fail{ptr, fmt::format("no host \"{}\" in this lesson's scenario ({})", out,
                                best.empty() ? "hosts: " + join(names)
                                             : fmt::format("did you mean \"{}\"?", best))};
  }

  EventPattern pattern(const J& v, const std::string& ptr) const;
  void header(const J& v, const std::string& ptr, std::string_view file_id);
  Step step(const J& v, const std::string& ptr) const;
  Highlight highlight(const J& v, const std::string& ptr) const;
  Question question(const J& v, const std::string& ptr) const;
  MythCard myth(const J& v, const std::string& ptr) const;
  Checkpoint checkpoint(const J& v, const std::string& ptr) const;
  ConsoleStep console(const J& v, const std::string& ptr) const;
};

EventPattern LessonParser::pattern(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 13> kKeys = {
      "kind",    "host",       "peer",           "proto",       "outbound",
      "tls",     "code",       "port",           "text_starts", "text_contains",
      "address", "message_id", "detail_contains"};
  check_keys(v, ptr, kKeys);
  EventPattern p;
  std::size_t set = 0;
  for (const auto& [key, f] : v.items()) {
    const auto fp = child(ptr, key);
    if (key == "comment") continue;
    ++set;
    if (key == "kind") {
      const auto name = nonempty(f, fp);
      trace::EventKind k{};
      if (!trace::kind_from_name(name, k)) {
        const auto kinds = all_kind_names();
        const auto best = suggestion(name, kinds);
        throw Fail{
            fp, best.empty()
                    ? fmt::format("unknown event kind \"{}\" (one of {})", name, join(kinds))
                    : fmt::format("unknown event kind \"{}\" (did you mean \"{}\"?)", name, best)};
      }
      p.kind = k;
    } else if (key == "host") {
      host_name(f, fp, p.host);
    } else if (key == "peer") {
      host_name(f, fp, p.peer);
    } else if (key == "proto") {
      p.proto = nonempty(f, fp);
      if (std::find(kProtos.begin(), kProtos.end(), p.proto) == kProtos.end())
        throw Fail{fp, fmt::format("unknown protocol \"{}\" (one of {})", p.proto, join(kProtos))};
    } else if (key == "outbound") {
      p.outbound = boolean(f, fp);
    } else if (key == "tls") {
      p.tls = boolean(f, fp);
    } else if (key == "code") {
      p.code = static_cast<int>(integer(f, fp, 100, 599));
    } else if (key == "port") {
      p.port = static_cast<std::uint16_t>(integer(f, fp, 1, 65535));
    } else if (key == "text_starts") {
      p.text_starts = nonempty(f, fp);
    } else if (key == "text_contains") {
      p.text_contains = nonempty(f, fp);
    } else if (key == "detail_contains") {
      p.detail_contains = nonempty(f, fp);
    } else if (key == "address") {
      p.address = mailbox(f, fp);
    } else if (key == "message_id") {
      p.message_id = nonempty(f, fp);
    }
  }
  if (set == 0)
    throw Fail{ptr, "an empty pattern matches every event (give at least \"kind\" or \"host\")"};
  return p;
}

void LessonParser::header(const J& v, const std::string& ptr, std::string_view file_id) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 4> kKeys = {"id", "title", "minutes", "summary"};
  check_keys(v, ptr, kKeys);
  lesson.id = std::string(file_id);
  if (const J* id = get(v, "id")) {
    const auto given = nonempty(*id, child(ptr, "id"));
    if (given != file_id)
      throw Fail{child(ptr, "id"), fmt::format("the id \"{}\" is not the file's name \"{}\" (leave "
                                               "\"id\" out, or rename one of them)",
                                               given, file_id)};
  }
  lesson.title =
      nonempty(need(v, ptr, "title", "one line for the lesson list"), child(ptr, "title"));
  lesson.minutes = static_cast<int>(
      integer(need(v, ptr, "minutes", "the length in class"), child(ptr, "minutes"), 1, 90));
  lesson.summary =
      nonempty(need(v, ptr, "summary", "what the class learns"), child(ptr, "summary"));
}

Highlight LessonParser::highlight(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 4> kKeys = {"hosts", "link", "transcript_line",
                                                            "inspect"};
  check_keys(v, ptr, kKeys);
  Highlight h;
  for (const auto& [key, f] : v.items()) {
    const auto fp = child(ptr, key);
    if (key == "hosts") {
      array(f, fp);
      for (std::size_t i = 0; i < f.size(); ++i)
        host_name(f[i], child(fp, i), h.hosts.emplace_back());
    } else if (key == "link") {
      array(f, fp);
      if (f.size() != 2) throw Fail{fp, fmt::format("expected two host names, found {}", f.size())};
      std::pair<std::string, std::string> link;
      host_name(f[0], child(fp, std::size_t{0}), link.first);
      host_name(f[1], child(fp, std::size_t{1}), link.second);
      if (link.first == link.second)
        throw Fail{
            fp, fmt::format("a link joins two different hosts, not \"{}\" to itself", link.first)};
      h.link = link;
    } else if (key == "transcript_line") {
      h.transcript_line = boolean(f, fp);
    } else if (key == "inspect") {
      host_name(f, fp, h.inspect);
    }
  }
  return h;
}

// A choice or an answer: a string, or a whole number written as one ("354").
std::string answer_text(const J& v, const std::string& ptr) {
  if (v.is_number_integer()) return v.dump();
  return nonempty(v, ptr);
}

Question LessonParser::question(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 7> kKeys = {
      "ask", "choices", "answer", "explain", "verify", "field", "opinion"};
  check_keys(v, ptr, kKeys);
  Question q;
  q.ask = nonempty(need(v, ptr, "ask", "the question"), child(ptr, "ask"));
  if (const J* c = get(v, "choices")) {
    const auto cp = child(ptr, "choices");
    array(*c, cp);
    if (c->size() < 2)
      throw Fail{cp, fmt::format("expected at least two choices, found {}", c->size())};
    for (std::size_t i = 0; i < c->size(); ++i) {
      auto choice = answer_text((*c)[i], child(cp, i));
      if (std::find(q.choices.begin(), q.choices.end(), choice) != q.choices.end())
        throw Fail{child(cp, i), fmt::format("choice \"{}\" is given twice", choice)};
      q.choices.push_back(std::move(choice));
    }
  }
  const auto ap = child(ptr, "answer");
  q.answer = answer_text(need(v, ptr, "answer", "the right answer"), ap);
  if (!q.choices.empty() &&
      std::find(q.choices.begin(), q.choices.end(), q.answer) == q.choices.end())
    throw Fail{ap, fmt::format("the answer \"{}\" is not one of the choices ({})", q.answer,
                               join_strings(q.choices))};
  q.explain = nonempty(need(v, ptr, "explain", "shown after answering, right or wrong"),
                       child(ptr, "explain"));
  if (const J* o = get(v, "opinion")) q.opinion = boolean(*o, child(ptr, "opinion"));
  if (const J* f = get(v, "field")) {
    const auto fp = child(ptr, "field");
    q.field = nonempty(*f, fp);
    if (std::find(kFields.begin(), kFields.end(), q.field) == kFields.end())
      throw Fail{fp, fmt::format("unknown field \"{}\" (one of {})", q.field, join(kFields))};
  }
  if (const J* ver = get(v, "verify")) {
    if (q.opinion)
      throw Fail{child(ptr, "verify"),
                 "an opinion question has no right answer in the trace to verify (drop "
                 "\"verify\" or \"opinion\")"};
    q.verify = pattern(*ver, child(ptr, "verify"));
  } else if (!q.opinion) {
    throw Fail{ptr,
               "missing required field \"verify\" (the event whose field must equal the "
               "answer; or mark the question \"opinion\": true)"};
  }
  if (q.verify && (q.field == "code" || q.field == "port")) {
    // The number the answer starts with is compared ("354 Go ahead" -> 354).
    if (q.answer.empty() || q.answer[0] < '0' || q.answer[0] > '9')
      throw Fail{ap, fmt::format("the answer \"{}\" does not start with a number (the {} of the "
                                 "verify event is compared with it)",
                                 q.answer, q.field)};
  }
  return q;
}

MythCard LessonParser::myth(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 3> kKeys = {"myth", "fact", "source"};
  check_keys(v, ptr, kKeys);
  MythCard m;
  m.myth = nonempty(need(v, ptr, "myth", "what the seed says"), child(ptr, "myth"));
  m.fact = nonempty(need(v, ptr, "fact", "what is true"), child(ptr, "fact"));
  m.source = nonempty(need(v, ptr, "source", "where the fact comes from, e.g. an RFC section"),
                      child(ptr, "source"));
  return m;
}

Checkpoint LessonParser::checkpoint(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 4> kKeys = {"says", "event", "absent", "count"};
  check_keys(v, ptr, kKeys);
  Checkpoint c;
  c.says = nonempty(need(v, ptr, "says", "the claim in words"), child(ptr, "says"));
  const J* ev = get(v, "event");
  const J* ab = get(v, "absent");
  if (ev && ab)
    throw Fail{ptr, "give either \"event\" (must happen) or \"absent\" (must not), not both"};
  if (!ev && !ab)
    throw Fail{ptr,
               "missing required field \"event\" (a pattern that must match) or \"absent\" "
               "(one that must not)"};
  if (ev) {
    c.pattern = pattern(*ev, child(ptr, "event"));
    c.mode = Checkpoint::Mode::Exists;
  } else {
    c.pattern = pattern(*ab, child(ptr, "absent"));
    c.mode = Checkpoint::Mode::Absent;
  }
  if (const J* n = get(v, "count")) {
    if (ab)
      throw Fail{child(ptr, "count"), "\"count\" goes with \"event\" (\"absent\" means count 0)"};
    c.count = static_cast<int>(integer(*n, child(ptr, "count"), 1, 1000000));
    c.mode = Checkpoint::Mode::Count;
  }
  return c;
}

// "console" (lesson 13): the learner types to the port-25 MTA of `host`; the goal is a message
// accepted for `goal`, which that MTA must deliver itself (a console step is not a relay
// exercise: other domains get 554 5.7.1, RFC 5321 §3.6.2). `solution` is replayed by the
// lesson check (check_console_step), so only its shape is checked here.
ConsoleStep LessonParser::console(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 3> kKeys = {"host", "goal", "solution"};
  check_keys(v, ptr, kKeys);
  ConsoleStep c;
  const auto hp = child(ptr, "host");
  host_name(need(v, ptr, "host", "the host whose port-25 MTA the learner types to"), hp, c.host);
  const auto& h = *std::find_if(spec.hosts.begin(), spec.hosts.end(),
                                [&](const HostSpec& x) { return x.name == c.host; });
  if (std::find(h.roles.begin(), h.roles.end(), "MTA") == h.roles.end())
    throw Fail{hp, fmt::format("host \"{}\" has no MTA role: nothing listens on port 25 there "
                               "(roles: {})",
                               c.host, join_strings(h.roles))};
  const auto gp = child(ptr, "goal");
  c.goal_recipient = mailbox(need(v, ptr, "goal",
                                  "the recipient the learner must get a message "
                                  "accepted for, e.g. \"bob@example.com\""),
                             gp);
  const auto domain = lower(c.goal_recipient.substr(c.goal_recipient.rfind('@') + 1));
  if (std::none_of(h.domains.begin(), h.domains.end(),
                   [&](const std::string& d) { return lower(d) == domain; }))
    throw Fail{gp, fmt::format("{} does not deliver mail for \"{}\" (its domains: {}); it would "
                               "refuse the recipient as relaying",
                               c.host, domain,
                               h.domains.empty() ? std::string("none") : join_strings(h.domains))};
  const auto sp = child(ptr, "solution");
  const auto& sol = need(v, ptr, "solution", "the lines a learner could type, in order");
  array(sol, sp);
  if (sol.empty()) throw Fail{sp, "expected at least one line"};
  // Empty strings are allowed: the empty line between the headers and the body (RFC 5322 §2.1).
  for (std::size_t i = 0; i < sol.size(); ++i) c.solution.push_back(string(sol[i], child(sp, i)));
  return c;
}

Step LessonParser::step(const J& v, const std::string& ptr) const {
  object(v, ptr);
  static constexpr std::array<std::string_view, 8> kKeys = {
      "say", "wait_for", "pause", "highlight", "question", "myth", "check", "console"};
  check_keys(v, ptr, kKeys);
  Step s;
  s.pointer = ptr;
  s.say = nonempty(need(v, ptr, "say", "the narration"), child(ptr, "say"));
  for (const auto& [key, f] : v.items()) {
    const auto fp = child(ptr, key);
    if (key == "wait_for") {
      s.wait_for = pattern(f, fp);
    } else if (key == "pause") {
      s.pause = boolean(f, fp);
    } else if (key == "highlight") {
      s.highlight = highlight(f, fp);
    } else if (key == "question") {
      s.question = question(f, fp);
    } else if (key == "myth") {
      s.myth = myth(f, fp);
    } else if (key == "check") {
      array(f, fp);
      if (f.empty()) throw Fail{fp, "expected at least one checkpoint (or leave \"check\" out)"};
      for (std::size_t i = 0; i < f.size(); ++i) s.checks.push_back(checkpoint(f[i], child(fp, i)));
    } else if (key == "console") {
      s.console = console(f, fp);
    }
  }
  if (s.highlight.transcript_line && !s.wait_for)
    throw Fail{child(child(ptr, "highlight"), "transcript_line"),
               "a step without \"wait_for\" has no event whose transcript line could be shown"};
  return s;
}

}  // namespace

bool looks_like_lesson(std::string_view text) {
  // Cheap and conservative: a top-level "lesson" key is a key at depth 1. Strings are skipped
  // so a description mentioning "lesson" does not count.
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      const std::size_t start = i + 1;
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (depth != 1 || i >= text.size()) continue;
      const auto word = text.substr(start, i - start);
      std::size_t j = i + 1;
      while (j < text.size() &&
             (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
        ++j;
      if (word == "lesson" && j < text.size() && text[j] == ':') return true;
    }
  }
  return false;
}

LessonResult parse_lesson(std::string_view text, std::string_view file_label) {
  const std::string file(file_label);
  auto doc = parse_json_document(text, file_label);
  if (auto* e = std::get_if<LoadError>(&doc)) return std::move(*e);
  const auto& root = std::get<trace::Json>(doc);
  auto spec = scenario_from_json(root, file_label, kLessonTopKeys);
  if (auto* e = std::get_if<LoadError>(&spec)) return std::move(*e);
  Lesson lesson;
  lesson.scenario = std::get<Spec>(std::move(spec));
  LessonParser lp{lesson.scenario, lesson};
  try {
    lp.header(need(root, "", "lesson", "id, title, minutes, summary: this file is a lesson"),
              "/lesson", std::filesystem::path(file).stem().string());
    const auto& steps = need(root, "", "steps", "what the class sees, in order");
    array(steps, "/steps");
    if (steps.empty()) throw Fail{"/steps", "expected at least one step"};
    for (std::size_t i = 0; i < steps.size(); ++i)
      lesson.steps.push_back(lp.step(steps[i], child(std::string("/steps"), i)));
  } catch (const Fail& f) {
    return LoadError{one_line(f.pointer.empty()
                                  ? fmt::format("{}: {}", file, f.what)
                                  : fmt::format("{}: {}: {}", file, f.pointer, f.what))};
  } catch (const std::exception& e) {  // a loader bug: still one sentence, never a crash
    return LoadError{fmt::format("{}: internal error while validating ({})", file, e.what())};
  }
  return lesson;
}

LessonResult load_lesson(const std::filesystem::path& path) {
  auto text = read_file_text(path);
  if (auto* e = std::get_if<LoadError>(&text)) return std::move(*e);
  return parse_lesson(std::get<std::string>(text), path.string());
}

}  // namespace smtpsim::scenario
