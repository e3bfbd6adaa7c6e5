// SPF, the Sender Policy Framework (RFC 7208): may this client IP address send mail with this
// MAIL FROM (or HELO) domain? The domain answers with a "v=spf1" TXT record; check_host()
// (§4) evaluates it against the client's address and gives one of seven results (§2.6).
//
// Sans-I/O (DESIGN.md idea 1): the Evaluator never touches DNS. It says which query it needs
// next (next()), the owner asks DNS however it likes (the simulated resolver over the virtual
// network, or live mode over real sockets) and hands the answer back (answer()), until
// next() returns nothing and verdict() holds the result. One query is outstanding at a time,
// in the order a verifier would send them, so the trace shows a real verifier's traffic.
//
// The subset implemented: mechanisms all, ip4 (with CIDR), ip6 (parsed, never matches an
// IPv4 client), a, mx (optional domain, dual CIDR), include, exists; qualifiers + - ~ ?;
// modifiers redirect= and exp= (exp is checked for syntax, explanations are not fetched) and
// unknown modifiers (ignored, §6); the 10 DNS-lookup limit and the 2 void-lookup limit
// (§4.6.4); more than one v=spf1 record -> permerror (§4.5). Not implemented, on purpose:
// macros (§7: a domain-spec containing "%" gives permerror with a reason that says so) and
// the ptr mechanism (§5.5, "SHOULD NOT be published"; permerror with a reason). Only IPv4
// clients: every host of the simulator has an IPv4 address.
//
// Trust: the Request comes from the receiving MTA (client address as seen on the connection,
// sender and HELO as parsed by the SMTP machine); records and answers come from DNS and are
// trusted for nothing: every record is parsed to the §12 grammar before any of it is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smtpsim::mail::spf {

// §2.6: the results of check_host().
enum class Result { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
std::string_view result_name(Result r);  // "none", "neutral", "pass", ... as in Received-SPF

// ---- records (§4.6, §5, §6, §12) ---------------------------------------------------------

struct Mechanism {
  enum class Kind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };
  Kind kind = Kind::All;
  Result qualifier = Result::Pass;  // "+" Pass, "-" Fail, "~" SoftFail, "?" Neutral (§4.6.2)
  std::string domain;               // include/a/mx/ptr/exists target; "" = the current domain
  std::uint32_t network = 0;        // ip4, host byte order
  int cidr4 = 32;                   // ip4, a, mx
  int cidr6 = 128;                  // ip6, a, mx (kept for the syntax; never used)
  std::string text;                 // the term as written, for Received-SPF "mechanism="
};

struct Record {
  std::vector<Mechanism> mechanisms;  // in order
  std::optional<std::string> redirect;
  std::optional<std::string> exp;
};

// True when a TXT record is an SPF record: it starts with "v=spf1" followed by a space or
// nothing (§4.5; compared without regard to case, as ABNF strings are).
bool is_spf_record(std::string_view txt);
// Parses a whole record ("v=spf1 mx -all"); the error is the one-sentence reason for a
// permerror (§4.6: any syntax error anywhere makes the whole record a permerror).
std::variant<Record, std::string> parse_record(std::string_view txt);

// ---- the evaluation ----------------------------------------------------------------------

struct Request {
  std::string client_ip;  // dotted IPv4 ("192.0.2.66"); anything else throws invalid_argument
  std::string sender;     // MAIL FROM address without <>; "" = the null reverse-path
  std::string helo;       // the HELO/EHLO name
};

enum class QueryType { A, Mx, Txt };
std::string_view query_type_name(QueryType t);  // "A", "MX", "TXT"

struct Query {
  std::string name;
  QueryType type = QueryType::Txt;
};

// What DNS said. records: A -> dotted addresses, MX -> exchange names ("" for the null MX
// "."), TXT -> one string per TXT record, its character-strings concatenated (§3.3).
struct Answer {
  enum class Status { Ok, NoSuchDomain, TemporaryFailure };  // NOERROR, NXDOMAIN, anything else
  Status status = Status::Ok;
  std::vector<std::string> records;
};

struct Verdict {
  Result result = Result::None;
  std::string identity;   // "mailfrom" or "helo" (§2.3, §2.4)
  std::string sender;     // the mailbox checked: the MAIL FROM or postmaster@<helo> (§2.4)
  std::string domain;     // the domain whose policy was checked
  std::string mechanism;  // the term that matched ("mx", "-all", "include:x"), "default" when
                          // none did (§4.7), "" when no record was evaluated
  std::string problem;    // why, for none/temperror/permerror
  int dns_lookups = 0;    // terms that caused DNS queries (§4.6.4 limit: 10)
  int void_lookups = 0;   // of those, answers with nothing in them (limit: 2)
};

inline constexpr int kMaxDnsLookups = 10;       // §4.6.4
inline constexpr int kMaxVoidLookups = 2;       // §4.6.4 ("SHOULD limit ... to two")
inline constexpr std::size_t kMaxMxHosts = 10;  // §4.6.4: more MX records -> permerror

class Evaluator {
 public:
  // check_host(<ip>, <domain>, <sender>) for the MAIL FROM identity, or for postmaster@<helo>
  // when the reverse-path is null (§2.4).
  explicit Evaluator(Request request);
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;
  ~Evaluator();

  // The query to answer next, or nullopt when the evaluation is over.
  std::optional<Query> next() const;
  // The answer to the query next() named. Ignored when nothing is outstanding.
  void answer(const Answer& a);
  bool done() const;
  const Verdict& verdict() const { return verdict_; }
  const Request& request() const { return request_; }

 private:
  struct Frame;
  void start_frame(std::string domain, int role);
  void run();  // advance until a query is needed or the evaluation is over
  void finish_frame(Result r, const std::string& problem = {});
  void no_match();
  void matched(const Mechanism& m);
  bool count_lookup();                // false (and permerror) past the limit
  bool void_answer(const Answer& a);  // counts; false (and permerror) past the limit

  Request request_;
  std::uint32_t client_ = 0;
  std::vector<Frame> stack_;
  std::optional<Query> pending_;
  Verdict verdict_;
  bool done_ = false;
};

// ---- Received-SPF (§9.1) ----------------------------------------------------------------

// The comment of §9.1 / §2.6 in words: "mx.example.net: domain of alice@example.com
// designates 203.0.113.25 as permitted sender".
std::string comment(const Verdict& v, const Request& r, std::string_view receiver);
// The whole header field, folded at 78 columns, ending in CRLF:
//   Received-SPF: pass (mx.example.net: domain of alice@example.com designates
//   	203.0.113.25 as permitted sender) client-ip=203.0.113.25;
//   	envelope-from="alice@example.com"; helo=mail.example.com; receiver=mx.example.net;
//   	identity=mailfrom; mechanism=mx
std::string received_spf(const Verdict& v, const Request& r, std::string_view receiver);

}  // namespace smtpsim::mail::spf
