// SPF record parsing and check_host() as a step machine (Received-SPF: spf_header.cpp).
#include "sim/proto/mail/spf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace smtpsim::mail::spf {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet (§12, RFC 3986): no leading zeros.
std::optional<std::uint32_t> parse_ip4(std::string_view s) {
  std::uint32_t ip = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s.front() != '.') return std::nullopt;
      s.remove_prefix(1);
    }
    std::size_t n = 0;
    unsigned v = 0;
    while (n < s.size() && n < 4 && is_digit(s[n]))
      v = v * 10 + static_cast<unsigned>(s[n++] - '0');
    if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0')) return std::nullopt;
    ip = (ip << 8) | v;
    s.remove_prefix(n);
  }
  if (!s.empty()) return std::nullopt;
  return ip;
}

bool in_network(std::uint32_t ip, std::uint32_t net, int cidr) {
  const std::uint32_t mask = cidr == 0 ? 0 : ~std::uint32_t{0} << (32 - cidr);
  return (ip & mask) == (net & mask);
}

// A CIDR length (§12: "0" / %x31-39 0*1DIGIT, at most max).
std::optional<int> parse_cidr(std::string_view s, int max) {
  if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  if (v > max) return std::nullopt;
  return v;
}

// A domain the simulator can ask DNS about: labels of letters, digits, "-" and "_" (SPF
// policies live under names like _spf.example.com), 1 to 63 bytes each, at least two labels,
// at most 253 bytes (RFC 1035 §2.3.4; §4.3 calls anything else malformed). One trailing dot
// is allowed and removed.
std::optional<std::string> valid_domain(std::string_view d, std::string& why) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (d.empty()) {
    why = "empty domain";
    return std::nullopt;
  }
  if (d.size() > 253) {
    why = "domain longer than 253 bytes";
    return std::nullopt;
  }
  std::size_t labels = 0, start = 0;
  while (start <= d.size()) {
    std::size_t end = d.find('.', start);
    if (end == std::string_view::npos) end = d.size();
    const std::string_view label = d.substr(start, end - start);
    if (label.empty() || label.size() > 63) {
      why = label.empty() ? "empty label" : "label longer than 63 bytes";
      return std::nullopt;
    }
    for (char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_') {
        why = fmt::format("\"{}\" is not a domain name", d);
        return std::nullopt;
      }
    }
    ++labels;
    start = end + 1;
  }
  if (labels < 2) {
    why = fmt::format("\"{}\" is not a multi-label domain name", d);
    return std::nullopt;
  }
  return lower(d);
}

// domain-spec (§7.1) without macros: a domain whose last label is a toplabel (not all digits,
// no leading or trailing "-").
std::optional<std::string> domain_spec(std::string_view spec, std::string_view term,
                                       std::string& error) {
  if (spec.find('%') != std::string_view::npos) {
    error = fmt::format("\"{}\": macros (RFC 7208 §7) are not supported by this simulator", term);
    return std::nullopt;
  }
  std::string why;
  auto d = valid_domain(spec, why);
  if (!d) {
    error = fmt::format("\"{}\": {}", term, why);
    return std::nullopt;
  }
  const std::string_view top = std::string_view(*d).substr(d->rfind('.') + 1);
  const bool all_digits = std::all_of(top.begin(), top.end(), is_digit);
  if (all_digits || top.front() == '-' || top.back() == '-' ||
      top.find('_') != std::string_view::npos) {
    error = fmt::format("\"{}\": \"{}\" is not a top-level label", term, top);
    return std::nullopt;
  }
  return d;
}

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§12).
bool valid_modifier_name(std::string_view n) {
  if (n.empty() || !is_alpha(n[0])) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
  });
}

// One directive: [qualifier] mechanism (§4.6.2, §5).
std::optional<Mechanism> parse_directive(std::string_view term, std::string& error) {
  Mechanism m;
  m.text = std::string(term);
  std::string_view t = term;
  switch (t.front()) {
    case '+':
      m.qualifier = Result::Pass;
      t.remove_prefix(1);
      break;
    case '-':
      m.qualifier = Result::Fail;
      t.remove_prefix(1);
      break;
    case '~':
      m.qualifier = Result::SoftFail;
      t.remove_prefix(1);
      break;
    case '?':
      m.qualifier = Result::Neutral;
      t.remove_prefix(1);
      break;
    default:
      break;
  }
  const std::size_t name_end = std::min(t.find(':'), t.find('/'));
  const std::string name = lower(t.substr(0, name_end));
  std::string_view rest =
      name_end == std::string_view::npos ? std::string_view{} : t.substr(name_end);
  auto fail = [&](std::string why) -> std::optional<Mechanism> {
    error = fmt::format("\"{}\": {}", term, why);
    return std::nullopt;
  };
  // ":" domain-spec, required or optional; what follows the domain stays in rest.
  auto take_domain = [&](bool required, bool stop_at_slash) -> bool {
    if (rest.empty() || rest.front() != ':') {
      if (required) fail("a domain is required (\":domain\")");
      return !required;
    }
    rest.remove_prefix(1);
    const std::size_t end = stop_at_slash ? rest.find('/') : std::string_view::npos;
    const std::string_view spec = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    auto d = domain_spec(spec, term, error);
    if (!d) return false;
    m.domain = *d;
    return true;
  };
  // dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] (§5.6), that is
  // "/24", "//64" or "/24//64".
  auto take_dual_cidr = [&]() -> bool {
    if (rest.empty()) return true;
    if (rest.front() != '/') {
      fail("unexpected text after the domain");
      return false;
    }
    const std::size_t v6 = rest.find("//");
    const std::string_view v4 = v6 == 0 ? std::string_view{} : rest.substr(1, v6 - 1);
    if (v6 != 0) {
      auto c = parse_cidr(v4, 32);
      if (!c) {
        fail("bad IPv4 CIDR length (0 to 32)");
        return false;
      }
      m.cidr4 = *c;
    }
    if (v6 != std::string_view::npos) {
      auto c = parse_cidr(rest.substr(v6 + 2), 128);
      if (!c) {
        fail("bad IPv6 CIDR length (0 to 128)");
        return false;
      }
      m.cidr6 = *c;
    }
    return true;
  };

  if (name == "all") {
    m.kind = Mechanism::Kind::All;
    if (!rest.empty()) return fail("\"all\" takes no argument");
  } else if (name == "include" || name == "exists") {
    m.kind = name == "include" ? Mechanism::Kind::Include : Mechanism::Kind::Exists;
    if (!take_domain(true, false)) return std::nullopt;
  } else if (name == "a" || name == "mx") {
    m.kind = name == "a" ? Mechanism::Kind::A : Mechanism::Kind::Mx;
    if (!take_domain(false, true) || !take_dual_cidr()) return std::nullopt;
  } else if (name == "ptr") {
    m.kind = Mechanism::Kind::Ptr;
    if (!take_domain(false, false)) return std::nullopt;
  } else if (name == "ip4") {
    m.kind = Mechanism::Kind::Ip4;
    if (rest.empty() || rest.front() != ':') return fail("an IPv4 network is required");
    rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    auto ip = parse_ip4(rest.substr(0, slash));
    if (!ip) return fail("not an IPv4 address");
    m.network = *ip;
    if (slash != std::string_view::npos) {
      auto c = parse_cidr(rest.substr(slash + 1), 32);
      if (!c) return fail("bad IPv4 CIDR length (0 to 32)");
      m.cidr4 = *c;
    }
  } else if (name == "ip6") {
    m.kind = Mechanism::Kind::Ip6;
    if (rest.empty() || rest.front() != ':') return fail("an IPv6 network is required");
    rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    const std::string_view addr = rest.substr(0, slash);
    const bool looks_ok =
        addr.find(':') != std::string_view::npos &&
        std::all_of(addr.begin(), addr.end(), [](char c) {
          return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.';
        });
    if (!looks_ok) return fail("not an IPv6 address");
    if (slash != std::string_view::npos) {
      auto c = parse_cidr(rest.substr(slash + 1), 128);
      if (!c) return fail("bad IPv6 CIDR length (0 to 128)");
      m.cidr6 = *c;
    }
  } else {
    return fail("unknown mechanism (RFC 7208 §5: all, include, a, mx, ptr, ip4, ip6, exists)");
  }
  return m;
}

}  // namespace

std::string_view result_name(Result r) {
  switch (r) {
    case Result::None:
      return "none";
    case Result::Neutral:
      return "neutral";
    case Result::Pass:
      return "pass";
    case Result::Fail:
      return "fail";
    case Result::SoftFail:
      return "softfail";
    case Result::TempError:
      return "temperror";
    case Result::PermError:
      return "permerror";
  }
  return "none";
}

std::string_view query_type_name(QueryType t) {
  switch (t) {
    case QueryType::A:
      return "A";
    case QueryType::Mx:
      return "MX";
    case QueryType::Txt:
      return "TXT";
  }
  return "TXT";
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= 6 && iequals(txt.substr(0, 6), "v=spf1") &&
         (txt.size() == 6 || txt[6] == ' ');
}

std::variant<Record, std::string> parse_record(std::string_view txt) {
  if (!is_spf_record(txt)) return std::string("the record does not start with \"v=spf1\"");
  Record rec;
  std::size_t pos = 6;
  while (pos < txt.size()) {
    if (txt[pos] == ' ') {  // terms are separated by 1*SP; trailing spaces are allowed
      ++pos;
      continue;
    }
    std::size_t end = txt.find(' ', pos);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view term = txt.substr(pos, end - pos);
    pos = end;
    for (char c : term) {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
        return fmt::format("\"{}\": only visible ASCII characters may appear in a term", term);
    }
    // A modifier has "=" before any ":" or "/" (§4.6.1: name "=" macro-string).
    const std::size_t eq = term.find('=');
    const std::size_t colon_or_slash = std::min(term.find(':'), term.find('/'));
    if (eq != std::string_view::npos && eq < colon_or_slash) {
      const std::string name = lower(term.substr(0, eq));
      const std::string_view value = term.substr(eq + 1);
      if (!valid_modifier_name(name)) return fmt::format("\"{}\": not a valid modifier name", term);
      if (name == "redirect" || name == "exp") {
        auto& slot = name == "redirect" ? rec.redirect : rec.exp;
        // §6: "redirect" and "exp" MUST NOT appear in a record more than once each.
        if (slot) return fmt::format("\"{}\": the {} modifier appears twice", term, name);
        std::string error;
        if (name == "exp" && value.find('%') != std::string_view::npos) {
          slot = std::string(value);  // never fetched here: macros in it are harmless
          continue;
        }
        auto d = domain_spec(value, term, error);
        if (!d) return error;
        slot = *d;
      }
      // §6: unknown modifiers MUST be ignored.
      continue;
    }
    std::string error;
    auto m = parse_directive(term, error);
    if (!m) return error;
    rec.mechanisms.push_back(std::move(*m));
  }
  return rec;
}

// ---- check_host() as a step machine ------------------------------------------------------

struct Evaluator::Frame {
  enum class Role { Top, Include, Redirect };
  enum class Step { Txt, Evaluate, A, Mx, MxA, Exists, Child };
  Role role = Role::Top;
  std::string domain;
  Record record;
  std::size_t term = 0;  // the mechanism being evaluated
  Step step = Step::Txt;
  std::vector<std::string> mx_hosts;
  std::size_t mx_next = 0;
};

Evaluator::Evaluator(Request request) : request_(std::move(request)) {
  const auto ip = parse_ip4(request_.client_ip);
  if (!ip) throw std::invalid_argument("SPF: the client address is not an IPv4 address");
  client_ = *ip;
  // §2.4: with the null reverse-path the MAIL FROM identity is postmaster@<HELO domain>.
  verdict_.identity = "mailfrom";
  verdict_.sender = request_.sender.empty() ? "postmaster@" + request_.helo : request_.sender;
  const auto at = verdict_.sender.rfind('@');
  const std::string domain =
      at == std::string::npos ? verdict_.sender : verdict_.sender.substr(at + 1);
  verdict_.domain = lower(domain);
  std::string why;
  auto d = valid_domain(domain, why);
  if (!d) {
    // §4.3: a malformed or single-label domain gives "none" at once.
    verdict_.result = Result::None;
    verdict_.problem = why;
    done_ = true;
    return;
  }
  verdict_.domain = *d;
  start_frame(*d, 0);
}

Evaluator::~Evaluator() = default;

std::optional<Query> Evaluator::next() const {
  if (done_) return std::nullopt;
  return pending_;
}

bool Evaluator::done() const {
  return done_;
}

void Evaluator::start_frame(std::string domain, int role) {
  Frame f;
  f.role = static_cast<Frame::Role>(role);
  f.domain = std::move(domain);
  pending_ = Query{f.domain, QueryType::Txt};
  stack_.push_back(std::move(f));
}

bool Evaluator::count_lookup() {
  // §4.6.4: include, a, mx, ptr, exists and redirect each count; past 10, permerror.
  if (++verdict_.dns_lookups > kMaxDnsLookups) {
    finish_frame(Result::PermError,
                 fmt::format("more than {} DNS-querying terms (RFC 7208 §4.6.4)", kMaxDnsLookups));
    return false;
  }
  return true;
}

bool Evaluator::void_answer(const Answer& a) {
  if (a.status == Answer::Status::NoSuchDomain || a.records.empty()) {
    if (++verdict_.void_lookups > kMaxVoidLookups) {
      finish_frame(Result::PermError,
                   fmt::format("more than {} void lookups (RFC 7208 §4.6.4)", kMaxVoidLookups));
      return false;
    }
  }
  return true;
}

void Evaluator::matched(const Mechanism& m) {
  verdict_.mechanism = m.text;
  finish_frame(m.qualifier);
}

void Evaluator::no_match() {
  Frame& f = stack_.back();
  ++f.term;
  f.step = Frame::Step::Evaluate;
}

void Evaluator::finish_frame(Result r, const std::string& problem) {
  const Frame done = std::move(stack_.back());
  stack_.pop_back();
  pending_.reset();
  if (stack_.empty()) {
    verdict_.result = r;
    verdict_.problem = problem;
    done_ = true;
    return;
  }
  Frame& parent = stack_.back();
  if (done.role == Frame::Role::Redirect) {
    // §6.1: the redirect target's result is the result; "none" there is a permerror.
    if (r == Result::None) {
      finish_frame(Result::PermError, fmt::format("redirect={} has no SPF record{}", done.domain,
                                                  problem.empty() ? "" : " (" + problem + ")"));
    } else {
      finish_frame(r, problem);
    }
    return;
  }
  // §5.2: what an include's result means for the including record.
  switch (r) {
    case Result::Pass:
      matched(parent.record.mechanisms[parent.term]);
      return;
    case Result::Fail:
    case Result::SoftFail:
    case Result::Neutral:
      no_match();
      return;
    case Result::TempError:
      finish_frame(Result::TempError, problem);
      return;
    case Result::PermError:
      finish_frame(Result::PermError, problem);
      return;
    case Result::None:
      finish_frame(Result::PermError, fmt::format("include:{} has no SPF record{}", done.domain,
                                                  problem.empty() ? "" : " (" + problem + ")"));
      return;
  }
}

void Evaluator::run() {
  while (!done_ && !pending_) {
    Frame& f = stack_.back();
    if (f.step != Frame::Step::Evaluate) return;  // waiting for a child frame (cannot happen)
    if (f.term >= f.record.mechanisms.size()) {
      const bool has_all =
          std::any_of(f.record.mechanisms.begin(), f.record.mechanisms.end(),
                      [](const Mechanism& m) { return m.kind == Mechanism::Kind::All; });
      if (f.record.redirect && !has_all) {  // §6.1: ignored when there is an "all"
        if (!count_lookup()) continue;
        f.step = Frame::Step::Child;
        const std::string target = *f.record.redirect;
        start_frame(target, static_cast<int>(Frame::Role::Redirect));
        continue;
      }
      verdict_.mechanism = "default";
      finish_frame(Result::Neutral);  // §4.7: no match, no redirect
      continue;
    }
    const Mechanism& m = f.record.mechanisms[f.term];
    const std::string target = m.domain.empty() ? f.domain : m.domain;
    switch (m.kind) {
      case Mechanism::Kind::All:
        matched(m);
        break;
      case Mechanism::Kind::Ip4:
        if (in_network(client_, m.network, m.cidr4)) {
          matched(m);
        } else {
          no_match();
        }
        break;
      case Mechanism::Kind::Ip6:
        no_match();  // an IPv4 client never matches an IPv6 network (§5.6)
        break;
      case Mechanism::Kind::Ptr:
        if (!count_lookup()) break;
        finish_frame(Result::PermError,
                     fmt::format("\"{}\": the ptr mechanism is not supported by this simulator "
                                 "(RFC 7208 §5.5: it SHOULD NOT be published)",
                                 m.text));
        break;
      case Mechanism::Kind::A:
      case Mechanism::Kind::Exists:
        if (!count_lookup()) break;
        f.step = m.kind == Mechanism::Kind::A ? Frame::Step::A : Frame::Step::Exists;
        pending_ = Query{target, QueryType::A};
        break;
      case Mechanism::Kind::Mx:
        if (!count_lookup()) break;
        f.step = Frame::Step::Mx;
        pending_ = Query{target, QueryType::Mx};
        break;
      case Mechanism::Kind::Include:
        if (!count_lookup()) break;
        f.step = Frame::Step::Child;
        start_frame(target, static_cast<int>(Frame::Role::Include));
        break;
    }
  }
}

void Evaluator::answer(const Answer& a) {
  if (done_ || !pending_) return;
  const Query q = *pending_;
  pending_.reset();
  Frame& f = stack_.back();
  const bool temporary = a.status == Answer::Status::TemporaryFailure;
  const std::string temp_problem =
      fmt::format("DNS lookup of {} {} failed", q.name, query_type_name(q.type));
  switch (f.step) {
    case Frame::Step::Txt: {
      // §4.4: a DNS error other than NXDOMAIN is a temperror; NXDOMAIN or no SPF record is
      // "none" (§4.3, §4.5).
      if (temporary) {
        finish_frame(Result::TempError, temp_problem);
        break;
      }
      if (a.status == Answer::Status::NoSuchDomain) {
        finish_frame(Result::None, fmt::format("{} does not exist", f.domain));
        break;
      }
      std::vector<std::string> spf;
      for (const auto& r : a.records)
        if (is_spf_record(r)) spf.push_back(r);
      if (spf.empty()) {
        finish_frame(Result::None, fmt::format("{} publishes no SPF record", f.domain));
        break;
      }
      if (spf.size() > 1) {  // §4.5
        finish_frame(Result::PermError,
                     fmt::format("{} publishes {} SPF records (RFC 7208 §4.5: exactly one)",
                                 f.domain, spf.size()));
        break;
      }
      auto parsed = parse_record(spf.front());
      if (auto* err = std::get_if<std::string>(&parsed)) {
        finish_frame(Result::PermError, fmt::format("{}: {}", f.domain, *err));
        break;
      }
      f.record = std::move(std::get<Record>(parsed));
      f.term = 0;
      f.step = Frame::Step::Evaluate;
      break;
    }
    case Frame::Step::A:
    case Frame::Step::Exists: {
      // §5: NXDOMAIN counts as "no records"; other errors are a temperror.
      if (temporary) {
        finish_frame(Result::TempError, temp_problem);
        break;
      }
      if (!void_answer(a)) break;
      const Mechanism& m = f.record.mechanisms[f.term];
      bool hit = false;
      for (const auto& r :
           a.status == Answer::Status::Ok ? a.records : std::vector<std::string>{}) {
        if (f.step == Frame::Step::Exists) {
          hit = true;  // §5.7: any A record at all
          break;
        }
        const auto ip = parse_ip4(r);
        if (ip && in_network(client_, *ip, m.cidr4)) {
          hit = true;
          break;
        }
      }
      if (hit) {
        matched(m);
      } else {
        no_match();
      }
      break;
    }
    case Frame::Step::Mx: {
      if (temporary) {
        finish_frame(Result::TempError, temp_problem);
        break;
      }
      if (!void_answer(a)) break;
      std::vector<std::string> hosts;
      if (a.status == Answer::Status::Ok)
        for (const auto& r : a.records)
          if (!r.empty()) hosts.push_back(r);  // the null MX "." names no host (RFC 7505)
      if (hosts.size() > kMaxMxHosts) {
        finish_frame(Result::PermError,
                     fmt::format("{} has {} MX records; at most {} may be looked up "
                                 "(RFC 7208 §4.6.4)",
                                 q.name, hosts.size(), kMaxMxHosts));
        break;
      }
      if (hosts.empty()) {
        no_match();  // §5.4: no implicit MX here
        break;
      }
      f.mx_hosts = std::move(hosts);
      f.mx_next = 0;
      f.step = Frame::Step::MxA;
      pending_ = Query{f.mx_hosts[0], QueryType::A};
      break;
    }
    case Frame::Step::MxA: {
      if (temporary) {
        finish_frame(Result::TempError, temp_problem);
        break;
      }
      const Mechanism& m = f.record.mechanisms[f.term];
      bool hit = false;
      if (a.status == Answer::Status::Ok) {
        for (const auto& r : a.records) {
          const auto ip = parse_ip4(r);
          if (ip && in_network(client_, *ip, m.cidr4)) {
            hit = true;
            break;
          }
        }
      }
      if (hit) {
        matched(m);
      } else if (++f.mx_next < f.mx_hosts.size()) {
        pending_ = Query{f.mx_hosts[f.mx_next], QueryType::A};
      } else {
        no_match();
      }
      break;
    }
    case Frame::Step::Evaluate:
    case Frame::Step::Child:
      break;
  }
  run();
}

}  // namespace smtpsim::mail::spf
