// The SMTP console: drives the real server machine with what the learner types, splits the
// machine's input/output (seen through its SessionObserver) into one exchange per line, and
// turns each exchange that shows a mistake into a hint. The hint rules are one table, tried
// in order (first match wins); each rule cites the RFC section that says why.
#include "sim/scenario/console_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::scenario {

namespace {

using smtp::ServerState;

bool has_role(const HostSpec& h, std::string_view role) {
  return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
}

const HostSpec* find_host(const Spec& spec, std::string_view name) {
  for (const auto& h : spec.hosts)
    if (h.name == name) return &h;
  return nullptr;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = smtp::ascii_upper(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int reply_code(std::string_view line) {
  if (line.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = smtp::ascii_upper(a[i - 1]) == smtp::ascii_upper(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// One line the machine read and what it answered.
struct Exchange {
  std::string line;  // as the machine saw it, without CRLF
  bool has_line = true;
  ServerState before = ServerState::Connect;  // the state the line found
  std::vector<std::string> replies;
};

// What a hint rule sees.
struct HintContext {
  const Exchange& x;
  const ConsoleSession& console;
  std::string verb;  // upper case
  std::string arg;   // after the first space
  int code = 0;      // of the last reply line
  std::string reply_text;
  bool command() const { return x.before != ServerState::Data && x.before != ServerState::Auth; }
  bool in_data() const { return x.before == ServerState::Data; }
};

std::string valid_verbs_sentence(const ConsoleSession& c) {
  return join(verbs_valid_now(c.server()), ", ");
}

std::string state_words(ServerState s) {
  return std::string(smtp::server_machine_spec().state(static_cast<int>(s)).caption);
}

const smtp::ServerSession::CommandSpec* table_row(std::string_view verb) {
  for (const auto& c : smtp::ServerSession::command_table())
    if (smtp::iequals(c.verb, verb)) return &c;
  return nullptr;
}

// "did you mean HELO?" for a mistyped verb: the nearest verb of the command table.
std::string did_you_mean(std::string_view verb) {
  const std::string v = upper(verb);
  if (v.size() > 4 && (v.rfind("MAIL", 0) == 0 || v.rfind("RCPT", 0) == 0)) {
    return fmt::format(" Did you mean {} {}? (a space after {})", v.substr(0, 4), v.substr(4),
                       v.substr(0, 4));
  }
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : smtp::ServerSession::command_table()) {
    const std::size_t d = edit_distance(v, c.verb);
    if (d < best_d) {
      best_d = d;
      best = std::string(c.verb);
    }
  }
  return best.empty() ? std::string{} : fmt::format(" Did you mean {}?", best);
}

// The address the learner meant, for "try: MAIL FROM:<...>".
std::string unbracketed_address(std::string_view arg) {
  const auto colon = arg.find(':');
  std::string_view a = trim(colon == arg.npos ? arg : arg.substr(colon + 1));
  const auto sp = a.find(' ');
  a = a.substr(0, sp);
  while (!a.empty() && (a.front() == '<')) a.remove_prefix(1);
  while (!a.empty() && (a.back() == '>')) a.remove_suffix(1);
  return std::string(a);
}

bool looks_like_command(std::string_view line) {
  const std::string_view t = trim(line);
  const std::string_view verb = t.substr(0, t.find(' '));
  if (verb.size() < 4 || !table_row(verb)) return false;
  const std::string v = upper(verb);
  if (v == "MAIL") return smtp::istarts_with(trim(t.substr(4)), "FROM:");
  if (v == "RCPT") return smtp::istarts_with(trim(t.substr(4)), "TO:");
  // "Quit smoking" and "Help me!" are prose: these verbs are commands only when alone.
  if (v == "HELP" || (table_row(v)->flags & smtp::ServerSession::CommandSpec::kNoArgument))
    return t.size() == verb.size();
  return true;
}

struct HintRule {
  const char* id;
  const char* rfc;
  bool (*applies)(const HintContext&);
  std::string (*say)(const HintContext&);
};

// clang-format off
const HintRule kHintRules[] = {
  // -- the connection is gone --------------------------------------------------------------
  {"pipelining", "RFC 2920 §3.1, RFC 5321 §4.3.1",
   [](const HintContext& c) { return c.code == 554 && c.reply_text.find("synchronization") != std::string::npos; },
   [](const HintContext&) -> std::string {
     return "You sent several lines at once. Only MAIL, RCPT and RSET may be sent without waiting "
            "for each reply, and only after EHLO offered PIPELINING: the server hung up. Press "
            "Reset, then type one command and wait for its reply.";
   }},
  {"too-many-errors", "RFC 5321 §3.8",
   [](const HintContext& c) { return c.code == 421 && c.reply_text.find("too many errors") != std::string::npos; },
   [](const HintContext& c) {
     return fmt::format("After {} errors the server hangs up (a defence against programs guessing "
                        "addresses). Press Reset to connect again.", c.console.server().config().max_errors);
   }},
  // -- inside the message (after 354) -----------------------------------------------------
  {"dot-with-spaces", "RFC 5321 §4.1.1.4",
   [](const HintContext& c) { return c.in_data() && c.x.line != "." && trim(c.x.line) == "."; },
   [](const HintContext&) -> std::string {
     return "Only a line holding a single dot and nothing else (not even a space) ends the message "
            "(<CRLF>.<CRLF>). This line became part of the text; type \".\" alone.";
   }},
  {"dot-in-line", "RFC 5321 §4.1.1.4",
   [](const HintContext& c) {
     const std::string_view t = trim(c.x.line);
     const std::string u = upper(t);
     return c.in_data() && t.size() > 1 &&
            ((t.back() == '.' && t[t.size() - 2] == ' ') ||
             u.find("<CR><LF>.") != std::string::npos || u.find("\\R\\N.") != std::string::npos ||
             u.find("CRLF.CRLF") != std::string::npos);
   },
   [](const HintContext&) -> std::string {
     return "A dot ends the message only when it is alone on its own line: press Enter, type "
            "\".\", press Enter. Inside a line it is just text.";
   }},
  {"leading-dot", "RFC 5321 §4.5.2",
   [](const HintContext& c) { return c.in_data() && c.x.line.size() > 1 && c.x.line.front() == '.'; },
   [](const HintContext&) -> std::string {
     return "The server removes the first dot of a line that starts with one (transparency): this "
            "line is stored without it. A mail program sends \"..\" to keep one dot.";
   }},
  {"command-in-data", "RFC 5321 §4.1.1.4",
   [](const HintContext& c) { return c.in_data() && c.x.line != "." && looks_like_command(c.x.line); },
   [](const HintContext& c) {
     return fmt::format("You are inside the message now, so \"{}\" is a line of its text, not a "
                        "command. Finish the message with a line holding only \".\" first.",
                        smtp::sanitize(trim(c.x.line), 40));
   }},
  // -- what was typed instead of a command -------------------------------------------------
  {"dot-outside-data", "RFC 5321 §4.1.1.4",
   [](const HintContext& c) { return c.command() && trim(c.x.line) == "." && c.code == 500; },
   [](const HintContext& c) {
     return fmt::format("A lone \".\" ends a message only after DATA was answered with 354. The "
                        "server is {} and takes: {}.", state_words(c.x.before), valid_verbs_sentence(c.console));
   }},
  {"line-too-long", "RFC 5321 §4.5.3.1.4",
   [](const HintContext& c) { return c.command() && c.code == 500 && c.reply_text.find("too long") != std::string::npos; },
   [](const HintContext&) -> std::string {
     return "A command line may hold at most 512 characters, CRLF included; the server threw "
            "this one away. Commands are short: MAIL FROM:<you@example.com>";
   }},
  {"empty-line", "RFC 5321 §4.1.1",
   [](const HintContext& c) { return c.command() && trim(c.x.line).empty() && c.code == 500; },
   [](const HintContext& c) {
     return fmt::format("You sent an empty line. Type a command; the server is {} and takes: {}.",
                        state_words(c.x.before), valid_verbs_sentence(c.console));
   }},
  {"unknown-command", "RFC 5321 §4.1, §4.2.4",
   [](const HintContext& c) { return c.command() && c.code == 500 && !table_row(c.verb); },
   [](const HintContext& c) {
     return fmt::format("The server does not know \"{}\".{} It is {} and takes: {}.",
                        smtp::sanitize(c.verb, 20), did_you_mean(c.verb), state_words(c.x.before),
                        valid_verbs_sentence(c.console));
   }},
  {"not-implemented", "RFC 5321 §4.2.4, §7.3",
   [](const HintContext& c) { return c.command() && c.code == 502; },
   [](const HintContext& c) {
     return fmt::format("{} is an SMTP word, but this server does not offer it. It takes: {}.",
                        smtp::sanitize(c.verb, 20), valid_verbs_sentence(c.console));
   }},
  // -- 503: right command, wrong moment -----------------------------------------------------
  {"forgot-ehlo", "RFC 5321 §4.1.1.1, §4.1.4",
   [](const HintContext& c) { return c.code == 503 && c.x.before == ServerState::Greeted; },
   [](const HintContext&) -> std::string {
     return "Say hello first: EHLO and your computer's name, e.g. EHLO laptop.example.org. Every "
            "session starts with EHLO (or the older HELO).";
   }},
  {"rcpt-before-mail", "RFC 5321 §3.3, §4.1.4",
   [](const HintContext& c) { return c.code == 503 && c.verb == "RCPT"; },
   [](const HintContext&) -> std::string {
     return "RCPT before MAIL: first say who sends with MAIL FROM:<you@example.com>, then who "
            "receives with RCPT TO:<...>.";
   }},
  {"data-before-rcpt", "RFC 5321 §3.3",
   [](const HintContext& c) { return c.code == 503 && c.verb == "DATA"; },
   [](const HintContext&) -> std::string {
     return "DATA comes last: first MAIL FROM:<sender>, then at least one RCPT TO:<recipient> the "
            "server accepts (250), then DATA.";
   }},
  {"nested-mail", "RFC 5321 §3.3, §4.1.1.5",
   [](const HintContext& c) { return c.code == 503 && c.verb == "MAIL"; },
   [](const HintContext&) -> std::string {
     return "The sender is already given for this message. Go on with RCPT TO:<...> and DATA, or "
            "type RSET to start the message over.";
   }},
  {"auth-not-here", "RFC 6409 §4.3, RFC 4954 §3",
   [](const HintContext& c) { return c.code == 503 && c.verb == "AUTH"; },
   [](const HintContext& c) {
     if (c.console.server().config().auth_enabled)
       return std::string("AUTH is an ESMTP extension: greet with EHLO (not HELO) first.");
     return std::string("This is an MTA on port 25: it takes mail for its own domains from "
                        "anyone and offers no login. AUTH belongs to submission, port 587.");
   }},
  {"bad-sequence", "RFC 5321 §4.3.2",
   [](const HintContext& c) { return c.code == 503; },
   [](const HintContext& c) {
     return fmt::format("Not now: the server is {} and takes: {}.", state_words(c.x.before),
                        valid_verbs_sentence(c.console));
   }},
  {"data-without-recipients", "RFC 5321 §3.3",
   [](const HintContext& c) { return c.code == 554 && c.verb == "DATA"; },
   [](const HintContext& c) {
     return fmt::format("No recipient was accepted, so there is nobody to deliver to. Give a "
                        "recipient this server accepts ({}), then DATA.",
                        join({c.console.mailboxes().begin(), c.console.mailboxes().end()}, ", "));
   }},
  // -- 501: the syntax ------------------------------------------------------------------------
  {"angle-brackets", "RFC 5321 §4.1.2",
   [](const HintContext& c) { return c.code == 501 && c.reply_text.find("angle brackets") != std::string::npos; },
   [](const HintContext& c) {
     return fmt::format("Put the address in angle brackets: {} {}<{}>", c.verb,
                        c.verb == "MAIL" ? "FROM:" : "TO:", smtp::sanitize(unbracketed_address(c.arg), 80));
   }},
  {"from-to-keyword", "RFC 5321 §4.1.1.2, §4.1.1.3",
   [](const HintContext& c) {
     return c.code == 501 && (c.verb == "MAIL" || c.verb == "RCPT") &&
            c.reply_text.find("Syntax:") != std::string::npos;
   },
   [](const HintContext& c) {
     return c.verb == "MAIL" ? std::string("MAIL needs the word FROM and a colon: MAIL FROM:<you@example.com>")
                             : std::string("RCPT needs the word TO and a colon: RCPT TO:<bob@example.com>");
   }},
  {"bad-address", "RFC 5321 §4.1.2",
   [](const HintContext& c) {
     return c.code == 501 && (c.reply_text.find("5.1.7") != std::string::npos ||
                              c.reply_text.find("5.1.3") != std::string::npos);
   },
   [](const HintContext&) -> std::string {
     return "Between < and > the server expects a mailbox: local-part@domain, like "
            "<bob@example.com> (\"<>\" only as the sender of a bounce).";
   }},
  {"helo-needs-name", "RFC 5321 §4.1.1.1",
   [](const HintContext& c) { return c.code == 501 && (c.verb == "EHLO" || c.verb == "HELO"); },
   [](const HintContext& c) {
     return fmt::format("{} needs one word after it, your computer's name: {} laptop.example.org",
                        c.verb, c.verb);
   }},
  {"no-argument", "RFC 5321 §4.1.1",
   [](const HintContext& c) {
     const auto* row = table_row(c.verb);
     return c.code == 501 && row && (row->flags & smtp::ServerSession::CommandSpec::kNoArgument);
   },
   [](const HintContext& c) {
     return fmt::format("{} takes nothing after it: type {} alone.{}", c.verb, c.verb,
                        c.verb == "DATA" ? " The message comes after the 354 reply." : "");
   }},
  {"syntax", "RFC 5321 §4.1.1",
   [](const HintContext& c) { return (c.code == 501 || c.code == 555) && table_row(c.verb); },
   [](const HintContext& c) {
     return fmt::format("The syntax is: {}", table_row(c.verb)->syntax);
   }},
  // -- the server's policy ------------------------------------------------------------------
  {"unknown-user", "RFC 5321 §3.3, RFC 3463 §3.2",
   [](const HintContext& c) { return c.code == 550 && c.verb == "RCPT"; },
   [](const HintContext& c) {
     return fmt::format("No such mailbox here. This server's mailboxes: {}.",
                        join({c.console.mailboxes().begin(), c.console.mailboxes().end()}, ", "));
   }},
  {"relay-denied", "RFC 5321 §3.6.2, §7.1",
   [](const HintContext& c) { return c.code == 554 && c.verb == "RCPT"; },
   [](const HintContext& c) {
     return fmt::format("This server takes mail only for its own domains ({}). Mail for another "
                        "domain goes to that domain's own MX; passing it on for strangers would "
                        "make an open relay.",
                        join({c.console.local_domains().begin(), c.console.local_domains().end()}, ", "));
   }},
  // -- allowed, but probably not what the learner wanted ------------------------------------
  {"ehlo-resets", "RFC 5321 §4.1.4",
   [](const HintContext& c) {
     return c.code == 250 && (c.verb == "EHLO" || c.verb == "HELO") &&
            (c.x.before == ServerState::Mail || c.x.before == ServerState::Rcpt);
   },
   [](const HintContext& c) {
     return fmt::format("{} in the middle of a message starts over: the sender and recipients "
                        "you gave are forgotten. Give MAIL FROM again.", c.verb);
   }},
  {"quit-before-dot", "RFC 5321 §4.1.1.10",
   [](const HintContext& c) {
     return c.code == 221 && c.verb == "QUIT" &&
            (c.x.before == ServerState::Mail || c.x.before == ServerState::Rcpt);
   },
   [](const HintContext&) -> std::string {
     return "QUIT before the message was sent: the server forgets the unfinished message. Nothing "
            "was delivered.";
   }},
  {"starttls", "RFC 3207 §4.2",
   [](const HintContext& c) { return c.code == 220 && c.verb == "STARTTLS"; },
   [](const HintContext&) -> std::string {
     return "Now a real client starts TLS (telnet cannot; openssl s_client -starttls smtp can). "
            "The console did the handshake for you. Everything said before is forgotten: EHLO "
            "again.";
   }},
  {"other-error", "RFC 5321 §4.2.1",
   [](const HintContext& c) { return c.code >= 400; },
   [](const HintContext& c) {
     return fmt::format("{} means: {}.", c.code, smtp::explain_code(c.code));
   }},
};
// clang-format on

std::optional<ConsoleHint> hint_for(const Exchange& x, const ConsoleSession& console) {
  HintContext c{x, console, {}, {}, 0, {}};
  if (c.command()) {
    const std::string_view line = x.line;
    const auto sp = line.find(' ');
    c.verb = upper(line.substr(0, sp));
    c.arg = sp == line.npos ? std::string{} : std::string(line.substr(sp + 1));
  }
  if (!x.replies.empty()) {
    // The last line: the closing 421 when this line was one error too many.
    c.code = reply_code(x.replies.back());
    c.reply_text = x.replies.back();
  }
  for (const auto& rule : kHintRules) {
    if (rule.applies(c)) return ConsoleHint{rule.id, rule.say(c), rule.rfc};
  }
  return std::nullopt;
}

}  // namespace

bool ConsoleTurn::has_hint(std::string_view id) const {
  for (const auto& h : hints)
    if (h.id == id) return true;
  return false;
}

// Cuts the machine's observed traffic into exchanges: a line in, the replies it caused.
class ConsoleSession::Recorder : public proto::SessionObserver {
 public:
  std::vector<Exchange> exchanges;
  ServerState state = ServerState::Connect;

  void on_transition(const proto::MachineSpec&, int, int to, std::string_view) override {
    state = static_cast<ServerState>(to);
  }
  void on_line_in(std::string_view line, bool) override {
    exchanges.push_back(Exchange{std::string(line), true, state, {}});
  }
  void on_line_out(std::string_view line, bool) override {
    if (exchanges.empty()) exchanges.push_back(Exchange{{}, false, state, {}});
    exchanges.back().replies.emplace_back(line);
  }
};

ConsoleSession::ConsoleSession(const Spec& spec, std::string_view host, std::string client_address)
    : host_(host) {
  const HostSpec* h = find_host(spec, host);
  if (!h) throw std::invalid_argument(fmt::format("no host named \"{}\" in the scenario", host));
  if (!has_role(*h, "MTA"))
    throw std::invalid_argument(fmt::format("{} runs no MTA on port 25 to type to", host));
  // As Mta::listen_smtp configures port 25 (opportunistic STARTTLS between MTAs).
  config_.hostname = h->name;
  config_.starttls_available = true;
  config_.client_address = std::move(client_address);
  // As Mta::rcpt_to decides: its domains are local; with an MDA, only its users' mailboxes
  // exist; without one (a backup MX) any local part is accepted and relayed on.
  policy_.local_domains.clear();
  for (const auto& d : h->domains) policy_.local_domains.insert(smtp::to_lower(d));
  if (has_role(*h, "MDA")) {
    for (const auto& d : h->domains)
      for (const auto& [user, pw] : h->users)
        policy_.mailboxes.insert(smtp::to_lower(user) + "@" + smtp::to_lower(d));
  }
  policy_.relay_when_authenticated = false;
  policy_.deliver = [this](const smtp::ServerSession&, const smtp::Transaction& tx) {
    ConsoleMessage m{tx.sender.str(), {}, tx.content};
    for (const auto& r : tx.recipients) m.recipients.push_back(smtp::to_lower(r.str()));
    accepted_.push_back(std::move(m));
    return std::optional<smtp::Reply>(
        smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as C{:05X}", ++queue_counter_)});
  };
  connect();
}

ConsoleSession::~ConsoleSession() = default;

void ConsoleSession::connect() {
  log_.clear();
  recorder_ = std::make_unique<Recorder>();
  session_.emplace(config_);
  session_->set_observer(recorder_.get());
  log_.push_back(
      {ConsoleRow::Kind::Info,
       fmt::format("Connected to {} port 25 (SMTP, as with: telnet {} 25)", host_, host_)});
  session_->start();
  run_machine();
  for (const auto& x : recorder_->exchanges)
    for (const auto& r : x.replies) log_.push_back({ConsoleRow::Kind::Reply, r, reply_code(r)});
  recorder_->exchanges.clear();
}

void ConsoleSession::reset() {
  connect();
}

void ConsoleSession::run_machine() {
  while (true) {
    const smtp::ServerEvent ev = smtp::drive(*session_, policy_);
    (void)session_->take_output();  // the observer already saw every line
    if (std::holds_alternative<smtp::server_event::StartTls>(ev)) {
      // Telnet cannot do TLS; the console plays openssl s_client -starttls smtp here.
      session_->tls_established();
      continue;
    }
    return;
  }
}

ConsoleTurn ConsoleSession::type(std::string_view text) {
  ConsoleTurn turn;
  std::vector<std::string_view> lines;
  while (true) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == text.npos) break;
    text.remove_prefix(nl + 1);
    if (text.empty()) break;  // a paste ending in a newline
  }
  for (auto line : lines) log_.push_back({ConsoleRow::Kind::Typed, std::string(line)});

  if (closed()) {
    ConsoleHint h{"closed",
                  "The connection is closed (the server said goodbye). Press Reset to connect "
                  "again.",
                  "RFC 5321 §4.1.1.10"};
    log_.push_back({ConsoleRow::Kind::Hint, fmt::format("{} ({})", h.text, h.rfc), 0, h.id});
    turn.hints.push_back(std::move(h));
    return turn;
  }
  std::string bytes;
  for (auto line : lines) {
    bytes.append(line);
    bytes.append("\r\n");
  }
  recorder_->exchanges.clear();
  session_->receive(bytes);
  run_machine();

  for (const auto& x : recorder_->exchanges) {
    for (const auto& r : x.replies) {
      turn.replies.push_back(r);
      turn.code = reply_code(r);
      log_.push_back({ConsoleRow::Kind::Reply, r, turn.code});
    }
    if (!x.has_line) continue;
    if (auto h = hint_for(x, *this)) {
      log_.push_back({ConsoleRow::Kind::Hint, fmt::format("{} ({})", h->text, h->rfc), 0, h->id});
      turn.hints.push_back(std::move(*h));
    }
  }
  recorder_->exchanges.clear();
  if (closed()) log_.push_back({ConsoleRow::Kind::Info, "Connection closed by the server."});
  return turn;
}

bool ConsoleSession::accepted_for(std::string_view recipient) const {
  const std::string want = smtp::to_lower(recipient);
  for (const auto& m : accepted_)
    if (std::find(m.recipients.begin(), m.recipients.end(), want) != m.recipients.end())
      return true;
  return false;
}

std::vector<std::string> verbs_valid_now(const smtp::ServerSession& s) {
  using C = smtp::ServerSession::CommandSpec;
  std::vector<std::string> out;
  if (s.state() == ServerState::Closed || s.state() == ServerState::Data) return out;
  for (const auto& c : smtp::ServerSession::command_table()) {
    if ((c.flags & C::kNeedsHelo) && s.helo_name().empty()) continue;
    if (c.check && (s.*(c.check))()) continue;
    // Checks made inside the handlers rather than the table (server_commands.cpp):
    // AUTH needs the extension offered after EHLO; STARTTLS needs TLS on offer and not on;
    // EXPN is always refused (RFC 5321 §7.3: it hands address lists to harvesters).
    if (c.verb == "AUTH" && (!s.config().auth_enabled || !s.used_ehlo() || s.authenticated() ||
                             s.state() != ServerState::Ready))
      continue;
    if (c.verb == "STARTTLS" && (!s.config().starttls_available || s.tls_active() ||
                                 s.state() == ServerState::Mail || s.state() == ServerState::Rcpt))
      continue;
    if (c.verb == "EXPN") continue;
    out.emplace_back(c.verb);
  }
  return out;
}

std::string default_console_host(const Spec& spec) {
  for (const auto& h : spec.hosts)
    if (has_role(h, "MTA") && has_role(h, "MDA")) return h.name;
  for (const auto& h : spec.hosts)
    if (has_role(h, "MTA")) return h.name;
  return {};
}

std::string default_console_goal(const Spec& spec, std::string_view host) {
  const HostSpec* h = find_host(spec, host);
  if (!h || h->domains.empty()) return {};
  const std::string domain = smtp::to_lower(h->domains.front());
  if (has_role(*h, "MDA")) {
    if (h->users.count("bob")) return "bob@" + domain;
    if (!h->users.empty()) return smtp::to_lower(h->users.begin()->first) + "@" + domain;
  }
  return "postmaster@" + domain;
}

std::vector<std::string> check_console_step(const Spec& spec, const ConsoleStep& step,
                                            std::string_view where) {
  std::vector<std::string> problems;
  try {
    ConsoleSession console(spec, step.host);
    // A solution is shown to the class as the right way: no line of it may draw a hint.
    for (std::size_t i = 0; i < step.solution.size(); ++i) {
      const ConsoleTurn t = console.type(step.solution[i]);
      if (!t.hints.empty())
        problems.push_back(fmt::format("{}: console: solution line {} \"{}\" is a mistake ({}: {})",
                                       where, i + 1, smtp::sanitize(step.solution[i], 60),
                                       t.hints.front().id, t.hints.front().text));
    }
    if (!console.accepted_for(step.goal_recipient)) {
      std::string last;
      for (const auto& row : console.log())
        if (row.kind == ConsoleRow::Kind::Reply) last = row.text;
      problems.push_back(fmt::format(
          "{}: console: the solution does not get a message accepted for {} by {} (last reply: "
          "\"{}\")",
          where, step.goal_recipient, step.host, last));
    }
  } catch (const std::invalid_argument& e) {
    problems.push_back(fmt::format("{}: console: {}", where, e.what()));
  }
  return problems;
}

}  // namespace smtpsim::scenario
