// RFC 3464 delivery status notifications: building one (the MTA's bounce) and reading one
// back (tests, the GUI's DSN inspector).
#include "sim/proto/mail/dsn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "sim/proto/mail/headers.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::mail {

using smtp::iequals;
using smtp::istarts_with;

namespace {

constexpr std::size_t kMaxValue = 900;  // any one DSN field value, so lines stay < 998
constexpr std::size_t kTextWidth = 76;  // human-readable part

// One line of 7-bit text: CR, LF and TAB become spaces, other controls and 8-bit bytes '?';
// at most max octets ("..." marks a cut).
std::string ascii_line(std::string_view s, std::size_t max = kMaxValue) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\t') {
      out.push_back(' ');
    } else {
      out.push_back(u >= 32 && u < 127 ? c : '?');
    }
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  out.erase(0, first);
  out.erase(out.find_last_not_of(' ') + 1);
  if (out.size() > max) {
    out.resize(max - 3);
    out += "...";
  }
  return out;
}

std::string angle(std::string_view id) {
  std::string t = ascii_line(id);
  if (!t.empty() && t.front() == '<') return t;
  return "<" + t + ">";
}

// "dns; mx.example.net" -> "mx.example.net" (RFC 3464 §2.1.2: type ";" value).
std::string after_type(std::string_view v) {
  const auto semi = v.find(';');
  std::string_view rest = semi == std::string_view::npos ? v : v.substr(semi + 1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  return std::string(rest);
}

// Word-wraps one paragraph to width (the first line after first_indent, the others after
// indent); a word longer than a line is cut. Each line ends in CRLF.
std::string wrap(std::string_view text, std::string_view first_indent = "",
                 std::string_view indent = "", std::size_t width = kTextWidth) {
  std::string out;
  std::string line(first_indent);
  bool line_has_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    std::string_view word = text.substr(i, j - i);
    i = j;
    while (!word.empty()) {
      const std::size_t sep = line_has_word ? 1 : 0;
      if (line.size() + sep + word.size() <= width) {
        if (sep) line.push_back(' ');
        line += word;
        line_has_word = true;
        break;
      }
      if (line_has_word) {  // start a new line and try again
        out += line + "\r\n";
        line = std::string(indent);
        line_has_word = false;
        continue;
      }
      const std::size_t room = width > line.size() ? width - line.size() : 1;
      line += word.substr(0, room);
      word.remove_prefix(std::min(room, word.size()));
      out += line + "\r\n";
      line = std::string(indent);
    }
  }
  if (line_has_word) out += line + "\r\n";
  return out;
}

std::string count_of(std::size_t n) {
  return n == 1 ? "one recipient" : fmt::format("{} recipients", n);
}

// The original header section, CRLF, with any line over 998 octets folded by force.
std::string original_header_lines(std::string_view original, bool& eight_bit) {
  const std::string_view headers = header_section(original);
  std::string out;
  std::size_t pos = 0;
  while (pos < headers.size()) {
    const auto nl = headers.find('\n', pos);
    const std::size_t next = nl == std::string_view::npos ? headers.size() : nl + 1;
    std::string_view line =
        headers.substr(pos, (nl == std::string_view::npos ? headers.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool first = true;
    do {
      const std::size_t room = first ? kMaxLineLength : kMaxLineLength - 1;
      if (!first) out.push_back(' ');
      out += line.substr(0, room);
      out += "\r\n";
      line.remove_prefix(std::min(room, line.size()));
      first = false;
    } while (!line.empty());
    pos = next;
  }
  for (char c : out) eight_bit = eight_bit || static_cast<unsigned char>(c) >= 0x80;
  return out;
}

// RFC 2046 §5.1.1 bchars, at most 70; a caller's odd characters become '_'.
std::string clean_boundary(std::string_view b) {
  std::string out;
  for (char c : b.substr(0, 60)) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("'()+_,-./:=?").find(c) != std::string_view::npos;
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? std::string("smtpsim-dsn-boundary") : out;
}

}  // namespace

std::string_view action_name(DsnAction a) {
  switch (a) {
    case DsnAction::Failed:
      return "failed";
    case DsnAction::Delayed:
      return "delayed";
    case DsnAction::Delivered:
      return "delivered";
    case DsnAction::Relayed:
      return "relayed";
    case DsnAction::Expanded:
      return "expanded";
  }
  return "failed";
}

std::optional<DsnAction> action_from_name(std::string_view name) {
  for (auto a : {DsnAction::Failed, DsnAction::Delayed, DsnAction::Delivered, DsnAction::Relayed,
                 DsnAction::Expanded})
    if (iequals(action_name(a), name)) return a;
  return std::nullopt;
}

bool must_not_bounce(std::string_view envelope_sender) {
  return envelope_sender.empty() || envelope_sender == "<>";
}

bool must_not_bounce(const smtp::Address& envelope_sender) {
  return envelope_sender.is_null();
}

std::string_view status_meaning(std::string_view status) {
  // RFC 3463 §3 (and RFC 4954 §6 for 5.7.8, 5.7.9, 5.7.11).
  struct Entry {
    std::string_view subject_detail, text;
  };
  static constexpr std::array<Entry, 53> kTable = {{
      {"0.0", "other or undefined status"},
      {"1.0", "other address status"},
      {"1.1", "bad destination mailbox address (no such user)"},
      {"1.2", "bad destination system address (no such domain)"},
      {"1.3", "bad destination mailbox address syntax"},
      {"1.4", "destination mailbox address ambiguous"},
      {"1.5", "destination address valid"},
      {"1.6", "destination mailbox has moved, no forwarding address"},
      {"1.7", "bad sender's mailbox address syntax"},
      {"1.8", "bad sender's system address"},
      {"2.0", "other or undefined mailbox status"},
      {"2.1", "mailbox disabled, not accepting messages"},
      {"2.2", "mailbox full"},
      {"2.3", "message length exceeds administrative limit"},
      {"2.4", "mailing list expansion problem"},
      {"3.0", "other or undefined mail system status"},
      {"3.1", "mail system full"},
      {"3.2", "system not accepting network messages"},
      {"3.3", "system not capable of selected features"},
      {"3.4", "message too big for system"},
      {"3.5", "system incorrectly configured"},
      {"4.0", "other or undefined network or routing status"},
      {"4.1", "no answer from host"},
      {"4.2", "bad connection"},
      {"4.3", "directory server failure (DNS)"},
      {"4.4", "unable to route"},
      {"4.5", "mail system congestion"},
      {"4.6", "routing loop detected"},
      {"4.7", "delivery time expired"},
      {"5.0", "other or undefined protocol status"},
      {"5.1", "invalid command"},
      {"5.2", "syntax error"},
      {"5.3", "too many recipients"},
      {"5.4", "invalid command arguments"},
      {"5.5", "wrong protocol version"},
      {"6.0", "other or undefined media error"},
      {"6.1", "media not supported"},
      {"6.2", "conversion required and prohibited"},
      {"6.3", "conversion required but not supported"},
      {"6.4", "conversion with loss performed"},
      {"6.5", "conversion failed"},
      {"7.0", "other or undefined security status"},
      {"7.1", "delivery not authorized, message refused"},
      {"7.2", "mailing list expansion prohibited"},
      {"7.3", "security conversion required but not possible"},
      {"7.4", "security features not supported"},
      {"7.5", "cryptographic failure"},
      {"7.6", "cryptographic algorithm not supported"},
      {"7.7", "message integrity failure"},
      {"7.8", "authentication credentials invalid"},
      {"7.9", "authentication mechanism is too weak"},
      {"7.10", "encryption needed"},
      {"7.11", "encryption required for requested authentication mechanism"},
  }};
  // class "." subject "." detail, RFC 3463 §2: class 2, 4 or 5, then 1-3 and 1-3 digits.
  const auto d1 = status.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : status.find('.', d1 + 1);
  auto digits = [](std::string_view s) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (d2 == std::string_view::npos || d1 != 1 ||
      (status[0] != '2' && status[0] != '4' && status[0] != '5') ||
      !digits(status.substr(2, d2 - 2)) || !digits(status.substr(d2 + 1)))
    return "not a valid status code";
  const std::string_view sd = status.substr(2);
  if (status[0] == '2' && sd == "0.0") return "success";
  for (const auto& e : kTable)
    if (e.subject_detail == sd) return e.text;
  const std::string_view subject = status.substr(2, d2 - 2);
  for (const auto& e : kTable)  // unknown detail: say what the subject is about
    if (e.subject_detail.substr(0, e.subject_detail.find('.')) == subject &&
        e.subject_detail.ends_with(".0"))
      return e.text;
  return "other or undefined status";
}

std::string build_dsn(const DsnInput& in) {
  const std::string mta = ascii_line(in.reporting_mta);
  std::size_t failed = 0, delayed = 0, good = 0;
  for (const auto& r : in.recipients) {
    if (r.action == DsnAction::Failed) {
      ++failed;
    } else if (r.action == DsnAction::Delayed) {
      ++delayed;
    } else {
      ++good;
    }
  }

  // Part 1: for the person who sent the message.
  std::string text;
  text +=
      wrap(fmt::format("This is the mail delivery system at {}. This report was written by "
                       "a program, not by a person.",
                       mta));
  text += "\r\n";
  if (failed > 0) {
    text += wrap(fmt::format(
        "Your message could not be delivered to {}. The mail system has given up: it will not "
        "try again, so the recipients marked \"failed\" below did not get your message.",
        count_of(failed)));
    text += "\r\n";
  }
  if (delayed > 0) {
    text += wrap(fmt::format(
        "Your message has not been delivered yet to {}. This is only a warning: the mail "
        "system is still trying, and you do not need to send the message again.",
        count_of(delayed)));
    text += "\r\n";
  }
  if (good > 0) {
    text +=
        wrap(fmt::format("Your message was handled as you asked for {} (this part of the "
                         "report is good news).",
                         count_of(good)));
    text += "\r\n";
  }
  for (std::size_t i = 0; i < in.recipients.size(); ++i) {
    const DsnRecipient& r = in.recipients[i];
    const std::string status = ascii_line(r.status, 32);
    if (i > 0) text += "\r\n";
    text += wrap(fmt::format("<{}>: {}", ascii_line(r.final_recipient), action_name(r.action)));
    const std::string_view klass = status.starts_with('5') ? "permanent failure"
                                   : status.starts_with('4') && r.action == DsnAction::Failed
                                       ? "temporary problem, given up"
                                   : status.starts_with('4') ? "temporary problem"
                                                             : "success";
    text += wrap(fmt::format("Status {} ({}): {}.", status, klass, status_meaning(status)), "    ",
                 "    ");
    if (r.diagnostic_code) {
      const std::string diag = ascii_line(*r.diagnostic_code);
      const std::string who = r.remote_mta ? "The mail server " + ascii_line(*r.remote_mta)
                                           : std::string("The mail server");
      if (istarts_with(diag, "smtp;")) {
        text += wrap(fmt::format("{} answered: {}", who, after_type(diag)), "    ", "      ");
      } else {
        text += wrap(fmt::format("Details: {}", after_type(diag)), "    ", "      ");
      }
    } else if (r.remote_mta) {
      text +=
          wrap(fmt::format("Remote mail server: {}", ascii_line(*r.remote_mta)), "    ", "      ");
    }
    if (r.last_attempt)
      text +=
          wrap(fmt::format("Last attempt: {}", rfc5322_date(*r.last_attempt)), "    ", "      ");
    if (r.action == DsnAction::Delayed && r.will_retry_until)
      text += wrap(fmt::format("The mail system will keep trying until {}.",
                               rfc5322_date(*r.will_retry_until)),
                   "    ", "      ");
  }
  text += "\r\n";
  text +=
      wrap(fmt::format("Your message arrived at {} on {}.", mta, rfc5322_date(in.arrival_date)));
  text += "\r\n";
  if (failed > 0) {
    text += wrap(
        "What to do: read the status and the server's answer above. A status that starts "
        "with 5 is permanent: sending the same message to the same address again will fail "
        "again. Check the address for typing mistakes, or ask the recipient for another way "
        "to reach them.");
    text += "\r\n";
  }
  text += wrap(
      "How to read this report: it is a MIME multipart/report (RFC 3464). Part 2 "
      "(message/delivery-status) lists the same facts in a form programs can read, and "
      "part 3 (text/rfc822-headers) holds the headers of your original message. The report "
      "comes from the null sender <>, so that it can never bounce back and start a mail "
      "loop.");

  // Part 2: for programs (RFC 3464 §2.2 per-message, §2.3 per-recipient fields).
  std::string status_part;
  status_part += fold_field("Reporting-MTA", "dns; " + mta);
  status_part += fold_field("Arrival-Date", rfc5322_date(in.arrival_date));
  for (const auto& r : in.recipients) {
    status_part += "\r\n";
    status_part += fold_field("Final-Recipient", "rfc822; " + ascii_line(r.final_recipient));
    status_part += fold_field("Action", action_name(r.action));
    status_part += fold_field("Status", ascii_line(r.status, 32));
    if (r.remote_mta) status_part += fold_field("Remote-MTA", "dns; " + ascii_line(*r.remote_mta));
    if (r.diagnostic_code) {
      // diagnostic-type ";" text (RFC 3464 §2.3.6): keep a type the caller gave ("smtp;",
      // "X-Postfix;"), else an SMTP reply is "smtp;" and anything else our own type.
      std::string diag = ascii_line(*r.diagnostic_code);
      const auto semi = diag.find(';');
      const bool typed =
          semi != std::string::npos && semi > 0 &&
          std::all_of(diag.begin(), diag.begin() + static_cast<std::ptrdiff_t>(semi), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
          });
      if (!typed) {
        const bool reply = diag.size() >= 3 && std::isdigit(static_cast<unsigned char>(diag[0])) &&
                           std::isdigit(static_cast<unsigned char>(diag[1])) &&
                           std::isdigit(static_cast<unsigned char>(diag[2]));
        diag = (reply ? "smtp; " : "x-smtpsim; ") + diag;
      }
      status_part += fold_field("Diagnostic-Code", diag);
    }
    if (r.last_attempt)
      status_part += fold_field("Last-Attempt-Date", rfc5322_date(*r.last_attempt));
    if (r.action == DsnAction::Delayed && r.will_retry_until)
      status_part += fold_field("Will-Retry-Until", rfc5322_date(*r.will_retry_until));
  }

  // Part 3: the original header section (RFC 6522 §4 text/rfc822-headers).
  bool eight_bit = false;
  const std::string original = original_header_lines(in.original_message, eight_bit);

  // A boundary that occurs nowhere in the content (RFC 2046 §5.1.1).
  const std::string base = clean_boundary(in.boundary);
  std::string boundary = base;
  for (int n = 1; text.find(boundary) != std::string::npos ||
                  status_part.find(boundary) != std::string::npos ||
                  original.find(boundary) != std::string::npos;
       ++n)
    boundary = fmt::format("{}.{}", base, n);

  const bool null_sender = must_not_bounce(in.original_envelope_sender);
  const std::string from =
      in.postmaster.empty() ? "MAILER-DAEMON@" + mta : ascii_line(in.postmaster);
  const std::string to =
      null_sender ? "postmaster@" + mta : ascii_line(in.original_envelope_sender);
  const std::string_view subject = failed > 0    ? "Undelivered Mail Returned to Sender"
                                   : delayed > 0 ? "Delayed Mail (still being retried)"
                                                 : "Successful Mail Delivery Report";
  std::string out;
  out += fold_field("From", "Mail Delivery System <" + from + ">");
  out += fold_field("To", to);
  out += fold_field("Subject", subject);
  out += fold_field("Date", rfc5322_date(in.dsn_date));
  out += fold_field("Message-ID", angle(in.message_id_of_dsn));
  out += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
  out += "MIME-Version: 1.0\r\n";
  out += fold_field("Content-Type",
                    "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"");
  out += "\r\n";
  out += "This is a MIME-encapsulated message.\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Description: Notification\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  out += text;
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Delivery report\r\n";
  out += "Content-Type: message/delivery-status\r\n\r\n";
  out += status_part;
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Undelivered Message Headers\r\n";
  out += "Content-Type: text/rfc822-headers\r\n";
  if (eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out += original;
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::optional<ParsedDsn> parse_dsn(std::string_view message) {
  const ParsedMessage msg = parse_message(message);
  const auto ct_value = msg.get("Content-Type");
  if (!ct_value) return std::nullopt;
  const ContentType ct = parse_content_type(*ct_value);
  if (ct.type != "multipart/report" || !iequals(ct.param("report-type"), "delivery-status") ||
      ct.param("boundary").empty())
    return std::nullopt;

  ParsedDsn out;
  out.boundary = ct.param("boundary");
  out.parts = split_multipart(msg.body, out.boundary);
  const MimePart* status = nullptr;
  for (const auto& p : out.parts) {
    if (p.content_type.type == "message/delivery-status" && status == nullptr) status = &p;
    if (p.content_type.type == "text/plain" && out.human_text.empty() && status == nullptr)
      out.human_text = p.body;
    if (p.content_type.type == "text/rfc822-headers" && out.original_headers.empty())
      out.original_headers = p.body;
    if (p.content_type.type == "message/rfc822" && out.original_headers.empty())
      out.original_headers = std::string(header_section(p.body));
  }
  if (status == nullptr) return std::nullopt;

  // Groups of fields separated by empty lines: the first is per-message, the rest are
  // per-recipient (RFC 3464 §2.1).
  std::vector<std::vector<HeaderField>> groups;
  std::string_view rest = status->body;
  while (!rest.empty()) {
    const ParsedMessage g = parse_message(rest);
    if (!g.fields.empty()) groups.push_back(g.fields);
    if (g.body_offset == 0 || (g.fields.empty() && !g.has_separator)) break;
    rest = rest.substr(g.body_offset);
  }
  if (groups.size() < 2) return std::nullopt;

  auto value_of = [](const std::vector<HeaderField>& fields,
                     std::string_view name) -> std::optional<std::string> {
    for (const auto& f : fields)
      if (iequals(f.name, name)) return f.value;
    return std::nullopt;
  };
  out.per_message_fields = groups.front();
  const auto reporting = value_of(groups.front(), "Reporting-MTA");
  if (!reporting) return std::nullopt;
  out.reporting_mta = after_type(*reporting);
  out.arrival_date = value_of(groups.front(), "Arrival-Date");

  for (std::size_t i = 1; i < groups.size(); ++i) {
    const auto& g = groups[i];
    ParsedDsnRecipient r;
    const auto final_recipient = value_of(g, "Final-Recipient");
    const auto action = value_of(g, "Action");
    const auto st = value_of(g, "Status");
    if (!final_recipient || !action || !st) return std::nullopt;
    const auto a = action_from_name(*action);
    if (!a) return std::nullopt;
    r.final_recipient = after_type(*final_recipient);
    r.action = *a;
    r.status = *st;
    if (auto v = value_of(g, "Original-Recipient")) r.original_recipient = after_type(*v);
    if (auto v = value_of(g, "Remote-MTA")) r.remote_mta = after_type(*v);
    r.diagnostic_code = value_of(g, "Diagnostic-Code");
    r.last_attempt_date = value_of(g, "Last-Attempt-Date");
    r.will_retry_until = value_of(g, "Will-Retry-Until");
    r.fields = g;
    out.recipients.push_back(std::move(r));
  }
  return out;
}

}  // namespace smtpsim::mail
