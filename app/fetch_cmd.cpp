// `smtpsim fetch`: the POP3 or IMAP client machine against a real server through
// net::ClientRunner. POP3: the machine's own sequence (CAPA, [STLS], USER/PASS, STAT, UIDL,
// RETR each [, DELE], QUIT). IMAP: the machine logs in (CAPABILITY, [STARTTLS], LOGIN); this
// file then asks for SELECT INBOX, one FETCH of every message (BODY.PEEK[], or the header
// only with --list: reading here does not mark them \Seen), with --delete STORE +FLAGS.SILENT
// (\Deleted) and EXPUNGE, and LOGOUT. Output: the messages (or one line each with --list) on
// standard output, or files in -o DIR. Trusts the machines for protocol; message bytes are printed
// with control characters shown.
#include "app/fetch_cmd.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "app/run_cmd.hpp"
#include "app/send_cmd.hpp"
#include "net/client_runner.hpp"
#include "net/tls.hpp"
#include "sim/nodes/mail_reader.hpp"
#include "sim/proto/imap/client_session.hpp"
#include "sim/proto/pop3/client_session.hpp"

namespace smtpsim::app {

namespace {

constexpr const char* kExitTable =
    "Exit codes (swaks' numbers where swaks has the stage):\n"
    "   0  every message listed (and deleted with --delete)\n"
    "   1  bad options\n"
    "   2  cannot connect (name not found, connection refused, connect timeout)\n"
    "   6  connection closed unexpectedly, or the server out of step\n"
    "  21  greeting refused, or none in time\n"
    "  22  CAPA / CAPABILITY refused\n"
    "  27  QUIT / LOGOUT answered with an error\n"
    "  28  login refused (wrong user or password, or not allowed)\n"
    "  29  TLS failed (STLS/STARTTLS not offered or refused, handshake, certificate)\n"
    "  40  the mailbox could not be opened (STAT, UIDL, LIST; SELECT INBOX)\n"
    "  41  a message could not be retrieved (RETR; FETCH)\n"
    "  42  deleting failed (DELE; STORE \\Deleted, EXPUNGE)\n"
    "  43  -o DIR: a message could not be written\n"
    "A response that does not come in time ends the session with its stage's code.";

struct Got {
  unsigned number = 0;
  std::string uid;
  std::string content;     // CRLF line ends, as on the wire (IMAP --list: the header only)
  std::uint64_t size = 0;  // of the whole message
};

int pop3_stage_exit(const std::string& stage) {
  if (stage == "greeting") return kFetchGreeting;
  if (stage == "capa") return kFetchCapability;
  if (stage == "stls") return kFetchTls;
  if (stage == "auth") return kFetchLogin;
  if (stage == "stat" || stage == "uidl" || stage == "list") return kFetchMailbox;
  if (stage == "retr") return kFetchRetrieve;
  if (stage == "dele") return kFetchDelete;
  if (stage == "quit") return kFetchQuit;
  return kFetchClosed;
}

int imap_stage_exit(const std::string& stage) {
  if (stage == "greeting") return kFetchGreeting;
  if (stage == "capability") return kFetchCapability;
  if (stage == "starttls") return kFetchTls;
  if (stage == "login") return kFetchLogin;
  if (stage == "logout") return kFetchQuit;
  return kFetchClosed;
}

// Safe file name from a UIDL id (RFC 1939 §7: any of 0x21..0x7E) or an IMAP UID.
std::string file_name(const Got& g) {
  std::string name;
  for (char c : g.uid)
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_');
  if (name.empty()) name = std::to_string(g.number);
  return name + ".eml";
}

// Control characters (other than tab and line ends) would corrupt the terminal.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if ((u < 32 && text[i] != '\t' && text[i] != '\n') || u == 127) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// "3:5,9" from the UIDs of the messages shown; "" when one has none.
std::string uid_set(const std::vector<Got>& got) {
  std::vector<std::uint32_t> uids;
  for (const auto& g : got) {
    if (g.uid.empty()) return {};  // the server left UID out: no safe set
    uids.push_back(static_cast<std::uint32_t>(std::stoul(g.uid)));
  }
  std::sort(uids.begin(), uids.end());
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += j == i ? fmt::format("{}", uids[i]) : fmt::format("{}:{}", uids[i], uids[j]);
    i = j + 1;
  }
  return out;
}

// The outcome of one session, whichever protocol.
struct Outcome {
  int code = kFetchOk;  // first failure wins
  void set(int c) {
    if (code == kFetchOk) code = c;
  }
};

using Timeout = std::function<std::optional<std::chrono::milliseconds>()>;

Timeout fixed_timeout(double seconds) {
  // RFC 1939 §3 and RFC 3501 §5.4 bound the server's patience (10 and 30 minutes), not the
  // client's: 5 minutes per response, as SMTP's command replies (RFC 5321 §4.5.3.2).
  const auto ms = seconds > 0 ? std::chrono::milliseconds(static_cast<long>(seconds * 1000))
                              : std::chrono::milliseconds(std::chrono::minutes(5));
  return [ms]() -> std::optional<std::chrono::milliseconds> { return ms; };
}

int finish_run(const net::RunResult& res, Outcome& outcome, std::FILE* err) {
  if (!res.connected) {
    std::fprintf(err, "smtpsim fetch: %s\n", res.connect_error.c_str());
    return kFetchConnect;
  }
  if (res.tls_failed) {
    std::fprintf(err, "smtpsim fetch: TLS failed: %s\n", res.tls_error.c_str());
    return kFetchTls;
  }
  return outcome.code;
}

int run_pop3(const FetchCmdOptions& o, const std::pair<std::string, std::uint16_t>& target,
             std::shared_ptr<boost::asio::ssl::context> tls, net::ClientTranscript& transcript,
             std::vector<Got>& got, std::FILE* err) {
  namespace ce = pop3::client_event;
  pop3::ClientConfig cfg;
  cfg.user = o.user;
  cfg.password = o.pass;
  cfg.tls = o.tls        ? pop3::TlsMode::Implicit
            : o.starttls ? pop3::TlsMode::StlsRequired
                         : pop3::TlsMode::None;
  cfg.mode = o.del ? pop3::RetrievalMode::DownloadAndDelete : pop3::RetrievalMode::LeaveOnServer;
  cfg.headers_only = o.list;  // LIST sizes and TOP n 0 where offered
  pop3::ClientSession session(cfg);
  session.set_observer(&transcript);
  session.start();
  Outcome outcome;
  const net::RunResult* so_far = nullptr;  // the runner's, once it exists
  using Runner = net::ClientRunner<pop3::ClientSession, ce::NeedData, ce::StartTls, ce::Closed>;
  Runner runner(
      session, transcript, net::ClientTarget{target.first, target.second, o.tls, tls},
      fixed_timeout(o.timeout), [&](pop3::ClientEvent& ev) {
        if (auto* m = std::get_if<ce::Message>(&ev)) {
          const std::uint64_t size = m->size ? m->size : m->content.size();
          got.push_back(Got{m->number, m->uid, std::move(m->content), size});
        } else if (auto* d = std::get_if<ce::Done>(&ev)) {
          transcript.info(fmt::format("{} retrieved, {} deleted", d->retrieved, d->deleted));
        } else if (auto* f = std::get_if<ce::Failed>(&ev)) {
          if (!(so_far && so_far->tls_failed))  // we hung up; the transcript said why
            transcript.error(fmt::format("{} failed: {}", f->stage, f->reason));
          const bool eof = f->reason == "connection closed by server";
          outcome.set(eof && f->stage != "greeting" ? kFetchClosed : pop3_stage_exit(f->stage));
        }
      });
  so_far = &runner.result();
  return finish_run(runner.run(), outcome, err);
}

int run_imap(const FetchCmdOptions& o, const std::pair<std::string, std::uint16_t>& target,
             std::shared_ptr<boost::asio::ssl::context> tls, net::ClientTranscript& transcript,
             std::vector<Got>& got, std::FILE* err) {
  namespace ce = imap::client_event;
  imap::ClientConfig cfg;
  cfg.user = o.user;
  cfg.password = o.pass;
  cfg.tls = o.tls        ? imap::TlsMode::Implicit
            : o.starttls ? imap::TlsMode::StartTlsRequired
                         : imap::TlsMode::None;
  imap::ClientSession session(cfg);
  session.set_observer(&transcript);
  session.start();

  // The owner's half of the sequence: which command is in flight decides the exit code.
  enum class Step { Login, Select, Fetch, Store, Expunge, Logout } step = Step::Login;
  std::uint32_t waiting = 0;
  std::map<std::uint32_t, Got> by_seq;
  Outcome outcome;
  auto step_exit = [&] {
    switch (step) {
      case Step::Select:
        return kFetchMailbox;
      case Step::Fetch:
        return kFetchRetrieve;
      case Step::Store:
      case Step::Expunge:
        return kFetchDelete;
      case Step::Logout:
        return kFetchQuit;
      case Step::Login:
        break;
    }
    return kFetchClosed;
  };
  auto logout = [&] {
    step = Step::Logout;
    waiting = session.logout();
  };
  const net::RunResult* so_far = nullptr;  // the runner's, once it exists
  using Runner = net::ClientRunner<imap::ClientSession, ce::NeedData, ce::StartTls, ce::Closed>;
  Runner runner(
      session, transcript, net::ClientTarget{target.first, target.second, o.tls, tls},
      fixed_timeout(o.timeout), [&](imap::ClientEvent& ev) {
        if (std::holds_alternative<ce::Ready>(ev)) {
          step = Step::Select;
          waiting = session.select("INBOX");
        } else if (auto* u = std::get_if<ce::Untagged>(&ev)) {
          if (auto* f = std::get_if<imap::untagged::Fetch>(&u->response)) {
            if (step != Step::Fetch) return;
            Got& g = by_seq[f->seq];
            g.number = f->seq;
            if (f->uid) g.uid = std::to_string(*f->uid);
            if (f->size) g.size = *f->size;
            for (const char* item : {"BODY[]", "BODY[HEADER]"})
              if (auto it = f->sections.find(item); it != f->sections.end()) g.content = it->second;
          }
        } else if (auto* c = std::get_if<ce::Completed>(&ev)) {
          if (c->id != waiting) return;
          if (c->status != ce::Completed::Status::Ok) {
            transcript.error(fmt::format("{} refused: {}",
                                         step == Step::Select   ? "SELECT"
                                         : step == Step::Fetch  ? "FETCH"
                                         : step == Step::Logout ? "LOGOUT"
                                                                : "deleting",
                                         c->text));
            outcome.set(step_exit());
            if (step != Step::Logout) logout();
            return;
          }
          switch (step) {
            case Step::Select:
              if (session.view().exists == 0) {
                logout();
              } else {
                step = Step::Fetch;
                // --list needs only the header; PEEK leaves \Seen alone (RFC 3501 §6.4.5)
                waiting = session.fetch("1:*", o.list ? "(UID RFC822.SIZE BODY.PEEK[HEADER])"
                                                      : "(UID RFC822.SIZE BODY.PEEK[])");
              }
              break;
            case Step::Fetch:
              for (auto& [seq, g] : by_seq) got.push_back(std::move(g));
              if (o.del && !got.empty()) {
                // By UID, not "1:*": mail that arrived after the FETCH was not shown, so it
                // must not be deleted (RFC 3501 §6.4.8, UID STORE).
                step = Step::Store;
                const std::string uids = uid_set(got);
                waiting = uids.empty() ? session.store(fmt::format("1:{}", got.size()), "+FLAGS",
                                                       "(\\Deleted)", /*silent=*/true)
                                       : session.store(uids, "+FLAGS", "(\\Deleted)",
                                                       /*silent=*/true, /*uid=*/true);
              } else {
                logout();
              }
              break;
            case Step::Store:
              step = Step::Expunge;
              waiting = session.expunge();
              break;
            case Step::Expunge:
              transcript.info(fmt::format("{} deleted", got.size()));
              logout();
              break;
            case Step::Login:
            case Step::Logout:
              break;
          }
        } else if (auto* f = std::get_if<ce::Failed>(&ev)) {
          if (!(so_far && so_far->tls_failed))  // we hung up; the transcript said why
            transcript.error(fmt::format("{} failed: {}", f->stage, f->reason));
          const bool eof = f->reason == "connection closed by server";
          if (f->stage == "command" || f->stage == "selected" || f->stage == "authenticated") {
            outcome.set(eof ? kFetchClosed : step_exit());
          } else {
            outcome.set(eof && f->stage != "greeting" ? kFetchClosed : imap_stage_exit(f->stage));
          }
        }
      });
  so_far = &runner.result();
  return finish_run(runner.run(), outcome, err);
}

}  // namespace

CLI::App* add_fetch_command(CLI::App& app, FetchCmdOptions& o) {
  auto* cmd = app.add_subcommand(
      "fetch",
      "Read a real mailbox over POP3 or IMAP with the simulator's own client machines: "
      "print (or list, or save) every message, optionally delete them");
  auto* p = cmd->add_option("--pop3", o.pop3, "POP3 server HOST[:PORT] (110, or 995 with --tls)");
  auto* i = cmd->add_option("--imap", o.imap, "IMAP server HOST[:PORT] (143, or 993 with --tls)");
  p->excludes(i);
  cmd->add_option("--user", o.user, "User name")->required();
  cmd->add_option("--pass", o.pass, "Password (shown redacted in the transcript)")->required();
  auto* st = cmd->add_flag("--starttls", o.starttls,
                           "STLS (POP3) / STARTTLS (IMAP); fail (29) when not offered");
  auto* tl = cmd->add_flag("--tls", o.tls, "TLS from the first byte (995 / 993, RFC 8314)");
  st->excludes(tl);
  cmd->add_flag("--delete", o.del, "Delete the messages on the server once retrieved");
  cmd->add_flag("--list", o.list, "One line per message (number, id, size, From, Subject)");
  cmd->add_option("-o,--output", o.save_dir, "Save each message as DIR/<id>.eml instead");
  cmd->add_option("--transcript", o.transcript,
                  "Write the protocol transcript to FILE (- for standard error)");
  cmd->add_flag("--insecure", o.insecure,
                "Do not check the server's certificate (said loudly on standard error)");
  cmd->add_option("--ca", o.ca, "Also trust the CA (or self-signed certificate) in this PEM file")
      ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", o.timeout, "Seconds to wait for every response (default 300)")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->footer(kExitTable);
  return cmd;
}

int run_fetch_command(const FetchCmdOptions& o, std::FILE* out, std::FILE* err) {
  auto fail = [&](const std::string& why, int code) {
    std::fprintf(err, "smtpsim fetch: %s\n", why.c_str());
    return code;
  };
  const bool pop3 = !o.pop3.empty();
  if (pop3 == !o.imap.empty()) return fail("give one of --pop3 HOST:PORT or --imap HOST:PORT", 1);
  const std::uint16_t default_port = pop3 ? (o.tls ? 995 : 110) : (o.tls ? 993 : 143);
  const auto target = split_host_port(pop3 ? o.pop3 : o.imap, default_port);
  if (!target) return fail("the server wants HOST[:PORT], not " + (pop3 ? o.pop3 : o.imap), 1);

  std::shared_ptr<boost::asio::ssl::context> tls;
  try {
    tls = net::client_context(o.insecure, o.ca);
  } catch (const std::exception& ex) {
    return fail(ex.what(), kFetchUsage);
  }
  if (o.insecure) std::fputs("*** --insecure: the server's certificate is NOT checked\n", err);

  const bool transcript_file = !o.transcript.empty() && o.transcript != "-";
  std::string saved;
  net::ClientTranscript transcript(target->first, target->second, pop3 ? "POP3" : "IMAP",
                                   [&](std::string_view line) {
                                     if (o.transcript.empty()) return;
                                     if (transcript_file) {
                                       saved.append(line);
                                     } else {
                                       std::fwrite(line.data(), 1, line.size(), err);
                                     }
                                   });
  std::vector<Got> got;
  int code = kFetchOk;
  try {
    code = pop3 ? run_pop3(o, *target, tls, transcript, got, err)
                : run_imap(o, *target, tls, transcript, got, err);
  } catch (const std::invalid_argument& ex) {  // credentials with CR, LF or NUL
    return fail(ex.what(), kFetchUsage);
  }

  // What was retrieved is shown even when a later stage (delete, logout) failed.
  if (!o.save_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.save_dir, ec);
    for (const auto& g : got) {
      const std::string path = (std::filesystem::path(o.save_dir) / file_name(g)).string();
      if (auto problem = write_file_atomically(path, g.content); !problem.empty()) {
        std::fprintf(err, "smtpsim fetch: %s\n", problem.c_str());
        if (code == kFetchOk) code = kFetchSave;
        break;
      }
      std::fprintf(out, "%s\n", path.c_str());
    }
  } else if (o.list) {
    for (const auto& g : got) {
      std::string subject, from;
      nodes::summarize(g.content, subject, from);
      std::fputs(printable(fmt::format("{:>4}  {:<12} {:>8}  {:<30}  {}\n", g.number, g.uid, g.size,
                                       from, subject))
                     .c_str(),
                 out);
    }
  } else {
    for (const auto& g : got) {
      std::fputs(fmt::format("=== message {} (id {}, {} octets)\n", g.number,
                             g.uid.empty() ? "-" : g.uid, g.size)
                     .c_str(),
                 out);
      std::string text = printable(g.content);
      if (!text.empty() && text.back() != '\n') text.push_back('\n');
      std::fwrite(text.data(), 1, text.size(), out);
    }
  }
  if (got.empty() && code == kFetchOk && !o.list && o.save_dir.empty())
    std::fputs("=== no messages\n", out);
  std::fflush(out);
  if (transcript_file) {
    if (auto problem = write_file_atomically(o.transcript, saved); !problem.empty())
      std::fprintf(err, "smtpsim fetch: %s\n", problem.c_str());
  }
  if (code != kFetchOk && code != kFetchConnect && code != kFetchTls)
    std::fprintf(err, "smtpsim fetch: failed (exit %d)%s\n", code,
                 o.transcript.empty() ? "; --transcript - shows the session" : "");
  return code;
}

}  // namespace smtpsim::app
