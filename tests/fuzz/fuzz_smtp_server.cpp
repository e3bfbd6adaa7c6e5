// libFuzzer target for the SMTP server machine (sim/proto/smtp/server_session.hpp).
// The input is a client's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0      ServerConfig switches (TLS, AUTH, sync, bare line ends), see make_config()
//   byte 1      more switches (extensions, small limits, restricted mailboxes)
//   bytes 2..5  decision bits: 2 bits per owner decision (policy / reject / custom replies)
//   rest        client bytes; 0xFF is an escape, the byte after it a driver action
//               (end of segment, EOF, timeout, shutdown, ...), see Action
//
// Checked on every run: replies are whole CRLF lines of printable ASCII, at most 512 octets,
// starting with 3 digits, in a consistent multi-line shape, and our own client's strict
// ReplyParser takes every one of them; no more messages are delivered than the input holds
// "\r\n.\r\n" terminators; delivered messages respect the limits and the line-end policy;
// nobody is authenticated without an accepted AUTH decision; after Closed nothing more is
// said; after EOF the session always closes; and, when segmentation cannot legitimately
// matter (no RFC 2920 sync enforcement, no STARTTLS, no driver actions), the same bytes fed
// as one segment give byte-identical replies, decisions and deliveries.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/smtp/reply_parser.hpp"
#include "sim/proto/smtp/server_policy.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace smtp = smtpsim::smtp;
namespace se = smtpsim::smtp::server_event;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_smtp_server invariant violated: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::abort();
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 600)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 32 || u >= 127) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Driver actions after an 0xFF escape byte.
enum class Action : std::uint8_t {
  Segment = 0,         // feed what we have as one segment, then let the owner drive
  SegmentNoDrive = 1,  // feed without driving (bytes pile up while the owner is busy)
  Eof = 2,             // the client closed its side
  Timeout = 3,         // the idle timer fired
  Shutdown = 4,        // the service shuts down
  SpuriousTls = 5,     // tls_established() without a StartTls event: must be ignored
  LiteralFF = 6,       // a literal 0xFF data byte
  Segment2 = 7,        // same as Segment
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 8>(data, size);
}

smtp::ServerConfig make_config(std::uint8_t a, std::uint8_t b) {
  smtp::ServerConfig c;
  c.client_address = "192.0.2.67";
  c.starttls_available = a & 0x01;
  c.tls_active = a & 0x02;
  c.auth_enabled = a & 0x04;
  c.auth_required = a & 0x08;
  c.plaintext_auth_needs_tls = a & 0x10;
  c.tls_required = a & 0x20;
  c.enforce_sync = a & 0x40;
  c.bare_line_ends = (a & 0x80) ? smtp::BareLineEnds::Reject : smtp::BareLineEnds::Normalize;
  c.pipelining = !(b & 0x01);
  c.eightbitmime = !(b & 0x02);
  c.size_extension = !(b & 0x04);
  c.enhanced_status_codes = !(b & 0x08);
  if (b & 0x20) c.max_message_size = 2000;
  if (b & 0x40) c.max_recipients = 3;
  if (b & 0x80) c.max_errors = 5;
  return c;
}

// Replies an owner may choose instead of the machine's default (some deliberately odd:
// multi-line, CR/LF inside the text, no text at all, a 4xx "accept").
smtp::Reply custom_reply(unsigned n) {
  switch (n % 6) {
    case 0:
      return smtp::Reply{250, "2.0.0", "Ok (owner)"};
    case 1:
      return smtp::Reply{451, "4.3.0", "Try again\r\nlater"};
    case 2:
      return smtp::Reply{550, "", std::vector<std::string>{"first", "second\n", "third"}};
    case 3:
      return smtp::Reply{554, "5.7.1", std::vector<std::string>{}};
    case 4:
      return smtp::Reply{252, "2.1.5", "Maybe"};
    default:
      return smtp::Reply{421, "4.7.0", "Go away"};
  }
}

// A StaticPolicy whose answers the fuzzer may override, decision by decision.
class FuzzPolicy : public smtp::StaticPolicy {
 public:
  FuzzPolicy(std::uint32_t bits, bool restricted) : bits_(bits) {
    users = {{"alice", "alice"}, {"bob", "bob"}};
    if (restricted) mailboxes = {"alice@example.com", "bob@example.com"};
  }

  struct Delivery {
    std::string sender;
    std::vector<std::string> recipients;
    std::string content;
    bool operator==(const Delivery&) const = default;
  };
  std::vector<Delivery> deliveries;  // messages we accepted (took responsibility for)
  std::optional<std::string> accepted_auth_user;
  std::string decisions;  // trace, for the differential check

  smtp::Decision mail_from(const smtp::ServerSession& s, const se::MailFrom& m) override {
    return pick(StaticPolicy::mail_from(s, m), 'M');
  }
  smtp::Decision rcpt_to(const smtp::ServerSession& s, const se::RcptTo& r) override {
    return pick(StaticPolicy::rcpt_to(s, r), 'R');
  }
  smtp::Decision auth(const smtp::ServerSession& s, const se::Auth& a) override {
    auto d = pick(StaticPolicy::auth(s, a), 'A');
    if (d.accept) accepted_auth_user = a.user;
    return d;
  }
  smtp::Decision vrfy(const smtp::ServerSession& s, const se::Vrfy& v) override {
    return pick(StaticPolicy::vrfy(s, v), 'V');
  }
  smtp::Decision message(const smtp::ServerSession& s, const smtp::Transaction& tx) override {
    auto d = pick(smtp::Decision::yes(), 'D');
    if (d.accept) {
      Delivery del{tx.sender.str(), {}, tx.content};
      for (const auto& r : tx.recipients) del.recipients.push_back(r.str());
      check_message(s, tx);
      deliveries.push_back(std::move(del));
    }
    return d;
  }

 private:
  smtp::Decision pick(smtp::Decision policy, char kind) {
    const unsigned two = (bits_ >> (2 * (n_ % 16))) & 3u;
    const unsigned which = n_ / 16 + n_;
    ++n_;
    decisions.push_back(kind);
    switch (two) {
      case 0:
        break;
      case 1:
        policy = smtp::Decision::no();
        break;
      case 2:
        policy = smtp::Decision{true, custom_reply(which)};
        break;
      default:
        policy = smtp::Decision::no(custom_reply(which));
        break;
    }
    decisions.push_back(policy.accept ? '+' : '-');
    return policy;
  }

  static void check_message(const smtp::ServerSession& s, const smtp::Transaction& tx) {
    const auto& cfg = s.config();
    FUZZ_CHECK(s.state() == smtp::ServerState::Data, "message decision outside DATA");
    FUZZ_CHECK(!tx.recipients.empty(), "message with no recipients");
    FUZZ_CHECK(tx.recipients.size() <= cfg.max_recipients, "more recipients than the limit");
    FUZZ_CHECK(cfg.max_message_size == 0 || tx.content.size() <= cfg.max_message_size,
               "message larger than max_message_size was offered");
    const std::string& c = tx.content;
    FUZZ_CHECK(c.empty() || (c.size() >= 2 && c.compare(c.size() - 2, 2, "\r\n") == 0),
               "message content does not end with CRLF", printable(c));
    // Only CRLF ends a line in what we store: LF always comes with its CR.
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c[i] == '\n') FUZZ_CHECK(i > 0 && c[i - 1] == '\r', "bare LF stored", printable(c));
    }
    if (cfg.bare_line_ends == smtp::BareLineEnds::Reject) {
      for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i] == '\r') {
          FUZZ_CHECK(i + 1 < c.size() && c[i + 1] == '\n', "bare CR accepted in Reject mode");
        }
        FUZZ_CHECK(c[i] != '\0', "NUL accepted in Reject mode");
      }
    }
    std::size_t line = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c[i] == '\n') {
        FUZZ_CHECK(line + 1 <= 1000, "stored line longer than 1000 octets");
        line = 0;
      } else {
        ++line;
      }
    }
    if (cfg.auth_required) FUZZ_CHECK(s.authenticated(), "message without AUTH on submission");
    if (cfg.tls_required) FUZZ_CHECK(s.tls_active(), "message without TLS when required");
  }

  std::uint32_t bits_;
  unsigned n_ = 0;
};

// Every chunk from take_output(): whole reply lines, "ddd-" continuations with the same code
// followed by a "ddd " (or bare "ddd") last line; printable ASCII only.
void check_output(std::string_view out) {
  if (out.empty()) return;
  FUZZ_CHECK(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n",
             "output chunk does not end with CRLF", printable(out));
  std::string_view rest = out;
  std::string_view open_code;  // code of an unfinished multi-line reply
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    FUZZ_CHECK(eol != rest.npos, "output line without CRLF", printable(out));
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    FUZZ_CHECK(line.size() >= 3, "reply line shorter than 3 characters", printable(out));
    FUZZ_CHECK(line.size() + 2 <= 512, "reply line longer than 512 octets (RFC 5321 4.5.3.1.5)",
               printable(line));
    for (int i = 0; i < 3; ++i) {
      FUZZ_CHECK(line[i] >= '0' && line[i] <= '9', "reply line does not start with 3 digits",
                 printable(out));
    }
    FUZZ_CHECK(line[0] >= '2' && line[0] <= '5', "reply code outside 2xx..5xx", printable(line));
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 32 && u < 127, "non-printable byte in a reply", printable(line));
    }
    const std::string_view code = line.substr(0, 3);
    if (!open_code.empty()) {
      FUZZ_CHECK(code == open_code, "multi-line reply changes its code", printable(out));
    }
    const bool more = line.size() > 3 && line[3] == '-';
    FUZZ_CHECK(line.size() == 3 || line[3] == ' ' || more, "4th reply character not SP or '-'",
               printable(line));
    open_code = more ? code : std::string_view{};
  }
  FUZZ_CHECK(open_code.empty(), "output chunk ends inside a multi-line reply", printable(out));
}

// Greedy count of non-overlapping "\r\n.\r\n" (each message needs its own terminator).
std::size_t count_terminators(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = s.find("\r\n.\r\n", pos)) != s.npos; pos += 5) ++n;
  return n;
}

struct Run {
  smtp::ServerSession server;
  FuzzPolicy policy;
  bool tls_handshake_ok;
  std::string output;  // everything the server said
  std::string fed;     // every byte given to receive()
  smtp::ReplyParser parser;
  bool closed = false;
  bool tls_started = false;
  bool used_controls = false;

  Run(const smtp::ServerConfig& cfg, std::uint32_t bits, bool restricted, bool tls_ok)
      : server(cfg), policy(bits, restricted), tls_handshake_ok(tls_ok) {}

  void take() {
    std::string chunk = server.take_output();
    if (closed) FUZZ_CHECK(chunk.empty(), "output after Closed", printable(chunk));
    check_output(chunk);
    output += chunk;
    // Our own client's strict parser must take every reply, and nothing may be left over.
    parser.feed(chunk);
    while (true) {
      auto r = parser.next();
      if (auto* e = std::get_if<smtp::ReplyParser::Error>(&r)) {
        fail("ReplyParser refuses the server's output", e->reason);
      }
      if (std::holds_alternative<smtp::ReplyParser::NeedMore>(r)) break;
    }
    FUZZ_CHECK(!parser.has_buffered(), "ReplyParser holds a partial reply after a whole chunk");
  }

  void feed(std::string_view bytes) {
    server.receive(bytes);
    if (!closed) fed.append(bytes);
  }

  // Answers decisions until the machine needs data or closes; returns false when the
  // connection is gone (closed, or the TLS handshake failed).
  bool pump() {
    while (true) {
      if (closed) {
        const auto ev = server.next_event();
        FUZZ_CHECK(std::holds_alternative<se::Closed>(ev), "event other than Closed after Closed");
        take();
        return false;
      }
      const bool was_tls = server.tls_active();
      const auto ev = smtp::drive(server, policy);
      take();
      if (std::holds_alternative<se::Closed>(ev)) {
        FUZZ_CHECK(server.state() == smtp::ServerState::Closed, "Closed event in another state");
        closed = true;
        return false;
      }
      if (std::holds_alternative<se::StartTls>(ev)) {
        FUZZ_CHECK(!was_tls, "StartTls while TLS is already active");
        FUZZ_CHECK(server.state() == smtp::ServerState::Greeted, "StartTls not in Greeted");
        FUZZ_CHECK(!server.authenticated(), "authentication survives STARTTLS");
        FUZZ_CHECK(server.transaction().recipients.empty(), "transaction survives STARTTLS");
        tls_started = true;
        if (!tls_handshake_ok) return false;  // the driver drops the connection
        server.tls_established();
        FUZZ_CHECK(server.tls_active(), "tls_established() did not activate TLS");
        continue;
      }
      FUZZ_CHECK(std::holds_alternative<se::NeedData>(ev), "drive() returned a decision");
      FUZZ_CHECK(server.state() != smtp::ServerState::Closed, "NeedData in Closed");
      if (server.authenticated()) {
        FUZZ_CHECK(policy.accepted_auth_user.has_value() &&
                       *policy.accepted_auth_user == server.auth_user(),
                   "authenticated without an accepted AUTH decision");
      }
      return true;
    }
  }

  // Runs the steps; returns false if the connection ended early.
  bool run(const std::vector<Step>& steps) {
    server.start();
    take();
    for (const auto& st : steps) {
      feed(st.bytes);
      if (st.action != Action::SegmentNoDrive && !pump() && !closed) return false;
      switch (st.action) {
        case Action::Segment:
        case Action::Segment2:
        case Action::SegmentNoDrive:
        case Action::LiteralFF:
          break;
        case Action::Eof:
          used_controls = true;
          server.receive_eof();
          if (!pump() && !closed) return false;
          break;
        case Action::Timeout:
          used_controls = true;
          server.timeout();
          take();
          FUZZ_CHECK(closed || server.state() == smtp::ServerState::Closed,
                     "timeout() did not close the session");
          if (!pump() && !closed) return false;
          break;
        case Action::Shutdown:
          used_controls = true;
          server.shutdown(smtp::Reply{421, "4.3.2", "Service shutting down"});
          take();
          FUZZ_CHECK(closed || server.state() == smtp::ServerState::Closed,
                     "shutdown() did not close the session");
          if (!pump() && !closed) return false;
          break;
        case Action::SpuriousTls: {
          used_controls = true;
          const bool before = server.tls_active();
          server.tls_established();
          FUZZ_CHECK(server.tls_active() == before, "spurious tls_established() had an effect");
          break;
        }
      }
    }
    // The client goes away: whatever is buffered is answered, then the session must close.
    if (!pump() && !closed) return false;
    server.receive_eof();
    if (!closed) {
      pump();
      FUZZ_CHECK(closed || tls_started, "session still open after EOF was drained");
    }
    return true;
  }

  void check_totals() const {
    const std::size_t terminators = count_terminators(fed);
    FUZZ_CHECK(policy.deliveries.size() <= terminators,
               "more messages delivered than <CRLF>.<CRLF> in the input");
    FUZZ_CHECK(server.messages_accepted() == policy.deliveries.size(),
               "messages_accepted() disagrees with the owner's accepted messages");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  const smtp::ServerConfig cfg = make_config(data[0], data[1]);
  const std::uint32_t bits = std::uint32_t(data[2]) | std::uint32_t(data[3]) << 8 |
                             std::uint32_t(data[4]) << 16 | std::uint32_t(data[5]) << 24;
  const bool restricted = data[1] & 0x10;
  const bool tls_ok = !((data[5] & 0xC0) == 0xC0);  // one handshake in four fails
  const auto steps = split_input(data + 6, size - 6);

  Run run(cfg, bits, restricted, tls_ok);
  const bool completed = run.run(steps);
  run.check_totals();
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {  // to see what a seed or crash input does
    std::fprintf(stderr, "--- server said:\n%s--- decisions: %s, delivered: %zu\n",
                 run.output.c_str(), run.policy.decisions.c_str(), run.policy.deliveries.size());
  }

  // Differential: without sync enforcement, STARTTLS or driver actions, how the bytes were
  // cut into segments must not change a single reply or delivery.
  if (completed && !cfg.enforce_sync && !run.tls_started && !run.used_controls) {
    std::string all;
    for (const auto& st : steps) all += st.bytes;
    Run whole(cfg, bits, restricted, tls_ok);
    whole.run({Step{Action::Segment, all}});
    if (whole.output != run.output) {
      std::fprintf(stderr, "segmented: %s\n\nwhole:     %s\n", printable(run.output).c_str(),
                   printable(whole.output).c_str());
      fail("segmentation changed the server's replies");
    }
    FUZZ_CHECK(whole.policy.decisions == run.policy.decisions,
               "segmentation changed the decisions asked");
    FUZZ_CHECK(whole.policy.deliveries == run.policy.deliveries,
               "segmentation changed the delivered messages");
  }
  return 0;
}
