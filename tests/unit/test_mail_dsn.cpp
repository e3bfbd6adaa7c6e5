// RFC 3464 delivery status notifications (sim/proto/mail/dsn.hpp): what build_dsn writes
// (the three parts of a multipart/report, the header fields, CRLF lines within 998 octets),
// that parse_dsn reads it back, failed vs delayed reports, hostile inputs (a remote server's
// reply, a sender's original headers), the "never bounce a bounce" rule and reading a bounce
// written by another MTA.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/mail/dsn.hpp"
#include "sim/proto/mail/headers.hpp"
#include "sim/proto/mail/message.hpp"

namespace {

using namespace smtpsim::mail;

constexpr std::int64_t kArrival = 1746534200;  // Tue, 06 May 2025 12:23:20 +0000

const std::string kOriginal =
    "Received: from laptop.example.net ([198.51.100.7])\r\n"
    "\tby msa.example.net (smtpsim) with ESMTPSA id Q1; Tue, 06 May 2025 12:23:19 +0000\r\n"
    "From: Carol <carol@example.net>\r\n"
    "To: bob@example.com, nobody@example.com\r\n"
    "Subject: Project notes\r\n"
    "Date: Tue, 06 May 2025 12:23:18 +0000\r\n"
    "Message-ID: <1.carol@example.net>\r\n"
    "\r\n"
    "SECRET BODY TEXT that must not come back in the bounce\r\n";

DsnRecipient failed_rcpt() {
  DsnRecipient r;
  r.final_recipient = "nobody@example.com";
  r.action = DsnAction::Failed;
  r.status = "5.1.1";
  r.remote_mta = "mx.example.com";
  r.diagnostic_code = "smtp; 550 5.1.1 <nobody@example.com>... User unknown";
  r.last_attempt = kArrival + 2;
  return r;
}

DsnRecipient delayed_rcpt() {
  DsnRecipient r;
  r.final_recipient = "bob@example.com";
  r.action = DsnAction::Delayed;
  r.status = "4.4.1";
  r.remote_mta = "mx2.example.com";
  r.diagnostic_code =
      "X-smtpsim; connect to mx2.example.com[203.0.113.25]:25: Connection timed out";
  r.last_attempt = kArrival + 4 * 3600;
  r.will_retry_until = kArrival + 5 * 86400;
  return r;
}

DsnInput input(std::vector<DsnRecipient> rcpts) {
  DsnInput in;
  in.reporting_mta = "mta.example.net";
  in.original_envelope_sender = "carol@example.net";
  in.arrival_date = kArrival;
  in.dsn_date = kArrival + 3;
  in.message_id_of_dsn = "20250506122323.D1@mta.example.net";
  in.original_message = kOriginal;
  in.recipients = std::move(rcpts);
  in.boundary = "D1.1746534203/mta.example.net";
  return in;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto crlf = text.find("\r\n", pos);
    if (crlf == std::string_view::npos) {
      out.emplace_back(text.substr(pos));
      break;
    }
    out.emplace_back(text.substr(pos, crlf - pos));
    pos = crlf + 2;
  }
  return out;
}

// The human-readable text with its line wrapping undone (CRLF + indentation -> one space).
std::string flat(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with("\r\n")) {
      i += 1;
      while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Every line ends in CRLF (no bare CR or LF) and is at most 998 octets (RFC 5322 §2.1.1).
void expect_wire_safe(std::string_view text) {
  ASSERT_TRUE(text.ends_with("\r\n"));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      ASSERT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR at " << i;
    }
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  for (const auto& l : lines_of(text)) EXPECT_LE(l.size(), kMaxLineLength);
}

TEST(MailDsn, FailedDsnHeaders) {
  const std::string dsn = build_dsn(input({failed_rcpt()}));
  expect_wire_safe(dsn);
  const auto p = parse_message(dsn);
  EXPECT_EQ(*p.get("From"), "Mail Delivery System <MAILER-DAEMON@mta.example.net>");
  EXPECT_EQ(*p.get("To"), "carol@example.net");
  EXPECT_EQ(*p.get("Subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(*p.get("Date"), "Tue, 06 May 2025 12:23:23 +0000");
  EXPECT_EQ(*p.get("Message-ID"), "<20250506122323.D1@mta.example.net>");
  EXPECT_EQ(*p.get("Auto-Submitted"), "auto-replied");
  EXPECT_EQ(*p.get("MIME-Version"), "1.0");
  const auto ct = parse_content_type(*p.get("Content-Type"));
  EXPECT_EQ(ct.type, "multipart/report");
  EXPECT_EQ(ct.param("report-type"), "delivery-status");
  EXPECT_EQ(ct.param("boundary"), "D1.1746534203/mta.example.net");
  for (const auto& f : p.fields)
    for (const auto& l : lines_of(f.raw)) EXPECT_LE(l.size(), kFoldWidth) << l;
}

TEST(MailDsn, ThreePartsInOrderWithExactBoundaries) {
  const DsnInput in = input({failed_rcpt()});
  const std::string dsn = build_dsn(in);
  const std::string b = "--" + in.boundary;
  // Three delimiter lines and one close delimiter, each on a line of its own.
  std::size_t delimiters = 0, closes = 0;
  for (const auto& l : lines_of(dsn)) {
    if (l == b) ++delimiters;
    if (l == b + "--") ++closes;
  }
  EXPECT_EQ(delimiters, 3u);
  EXPECT_EQ(closes, 1u);
  EXPECT_TRUE(dsn.ends_with("\r\n" + b + "--\r\n"));

  const auto parts = split_multipart(body_of(dsn), in.boundary);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].content_type.type, "text/plain");
  EXPECT_EQ(parts[0].content_type.param("charset"), "us-ascii");
  EXPECT_EQ(parts[1].content_type.type, "message/delivery-status");
  EXPECT_EQ(parts[2].content_type.type, "text/rfc822-headers");
}

TEST(MailDsn, ParseWhatWeBuild) {
  const std::string dsn = build_dsn(input({failed_rcpt()}));
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reporting_mta, "mta.example.net");
  EXPECT_EQ(d->arrival_date, "Tue, 06 May 2025 12:23:20 +0000");
  EXPECT_EQ(d->boundary, "D1.1746534203/mta.example.net");
  EXPECT_EQ(d->parts.size(), 3u);
  ASSERT_EQ(d->recipients.size(), 1u);
  const auto& r = d->recipients[0];
  EXPECT_EQ(r.final_recipient, "nobody@example.com");
  EXPECT_EQ(r.action, DsnAction::Failed);
  EXPECT_EQ(r.status, "5.1.1");
  EXPECT_EQ(r.remote_mta, "mx.example.com");
  EXPECT_EQ(r.diagnostic_code, "smtp; 550 5.1.1 <nobody@example.com>... User unknown");
  EXPECT_EQ(r.last_attempt_date, "Tue, 06 May 2025 12:23:22 +0000");
  EXPECT_EQ(r.will_retry_until, std::nullopt);
  EXPECT_EQ(r.original_recipient, std::nullopt);
  EXPECT_EQ(r.fields.size(), 6u);
  ASSERT_EQ(d->per_message_fields.size(), 2u);
  EXPECT_EQ(d->per_message_fields[0].name, "Reporting-MTA");
  EXPECT_EQ(d->per_message_fields[0].value, "dns; mta.example.net");
}

TEST(MailDsn, DeliveryStatusPartFieldsAreExact) {
  const DsnInput in = input({failed_rcpt()});
  const auto parts = split_multipart(body_of(build_dsn(in)), in.boundary);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].body,
            "Reporting-MTA: dns; mta.example.net\r\n"
            "Arrival-Date: Tue, 06 May 2025 12:23:20 +0000\r\n"
            "\r\n"
            "Final-Recipient: rfc822; nobody@example.com\r\n"
            "Action: failed\r\n"
            "Status: 5.1.1\r\n"
            "Remote-MTA: dns; mx.example.com\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>... User unknown\r\n"
            "Last-Attempt-Date: Tue, 06 May 2025 12:23:22 +0000\r\n");
}

TEST(MailDsn, PartThreeHoldsOnlyTheOriginalHeaders) {
  const std::string dsn = build_dsn(input({failed_rcpt()}));
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->original_headers, header_section(kOriginal));
  EXPECT_EQ(dsn.find("SECRET BODY TEXT"), std::string::npos);
  const auto orig = parse_message(d->original_headers);
  EXPECT_EQ(*orig.get("Message-ID"), "<1.carol@example.net>");
  EXPECT_EQ(orig.fields.size(), 6u);
}

TEST(MailDsn, HumanPartExplainsWhatHappened) {
  const auto d = parse_dsn(build_dsn(input({failed_rcpt()})));
  ASSERT_TRUE(d);
  const std::string t = flat(d->human_text);
  EXPECT_NE(t.find("mail delivery system at mta.example.net"), std::string::npos) << t;
  EXPECT_NE(t.find("could not be delivered to one recipient"), std::string::npos) << t;
  EXPECT_NE(t.find("<nobody@example.com>: failed"), std::string::npos) << t;
  EXPECT_NE(t.find("Status 5.1.1 (permanent failure): bad destination mailbox address"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("mx.example.com answered: 550 5.1.1"), std::string::npos) << t;
  EXPECT_NE(t.find("null sender <>"), std::string::npos) << t;
  for (const auto& l : lines_of(d->human_text)) EXPECT_LE(l.size(), 78u) << l;
  for (char c : t) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
}

TEST(MailDsn, DelayedDsnSaysStillTrying) {
  const std::string dsn = build_dsn(input({delayed_rcpt()}));
  expect_wire_safe(dsn);
  EXPECT_EQ(*parse_message(dsn).get("Subject"), "Delayed Mail (still being retried)");
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->recipients.size(), 1u);
  const auto& r = d->recipients[0];
  EXPECT_EQ(r.action, DsnAction::Delayed);
  EXPECT_EQ(r.status, "4.4.1");
  EXPECT_EQ(r.will_retry_until, "Sun, 11 May 2025 12:23:20 +0000");
  EXPECT_EQ(r.last_attempt_date, "Tue, 06 May 2025 16:23:20 +0000");
  EXPECT_EQ(r.diagnostic_code, delayed_rcpt().diagnostic_code);
  const std::string t = flat(d->human_text);
  EXPECT_NE(t.find("only a warning"), std::string::npos) << t;
  EXPECT_NE(t.find("keep trying until Sun, 11 May 2025"), std::string::npos) << t;
  EXPECT_NE(t.find("Status 4.4.1 (temporary problem): no answer from host"), std::string::npos)
      << t;
  EXPECT_NE(t.find("Details: connect to mx2.example.com"), std::string::npos) << t;
  EXPECT_EQ(t.find("given up"), std::string::npos) << t;
}

TEST(MailDsn, WillRetryUntilOnlyForDelayed) {
  DsnRecipient r = failed_rcpt();
  r.will_retry_until = kArrival + 86400;  // ignored: a failed recipient is not retried
  const auto d = parse_dsn(build_dsn(input({r})));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->recipients[0].will_retry_until, std::nullopt);
}

TEST(MailDsn, MixedFailedAndDelayed) {
  const std::string dsn = build_dsn(input({failed_rcpt(), delayed_rcpt()}));
  expect_wire_safe(dsn);
  EXPECT_EQ(*parse_message(dsn).get("Subject"), "Undelivered Mail Returned to Sender");
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->recipients.size(), 2u);
  EXPECT_EQ(d->recipients[0].action, DsnAction::Failed);
  EXPECT_EQ(d->recipients[1].action, DsnAction::Delayed);
  EXPECT_EQ(d->recipients[1].final_recipient, "bob@example.com");
  const std::string t = flat(d->human_text);
  EXPECT_NE(t.find("given up"), std::string::npos) << t;
  EXPECT_NE(t.find("only a warning"), std::string::npos) << t;
}

TEST(MailDsn, SuccessReport) {
  DsnRecipient r;
  r.final_recipient = "bob@example.com";
  r.action = DsnAction::Delivered;
  r.status = "2.0.0";
  const std::string dsn = build_dsn(input({r}));
  EXPECT_EQ(*parse_message(dsn).get("Subject"), "Successful Mail Delivery Report");
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->recipients[0].action, DsnAction::Delivered);
  EXPECT_EQ(d->recipients[0].remote_mta, std::nullopt);
  EXPECT_EQ(d->recipients[0].diagnostic_code, std::nullopt);
}

TEST(MailDsn, IsDeterministic) {
  const DsnInput in = input({failed_rcpt(), delayed_rcpt()});
  EXPECT_EQ(build_dsn(in), build_dsn(in));
}

TEST(MailDsn, PostmasterAndAngleBrackets) {
  DsnInput in = input({failed_rcpt()});
  in.postmaster = "postmaster@example.net";
  in.message_id_of_dsn = "<already@bracketed>";
  const auto p = parse_message(build_dsn(in));
  EXPECT_EQ(*p.get("From"), "Mail Delivery System <postmaster@example.net>");
  EXPECT_EQ(*p.get("Message-ID"), "<already@bracketed>");
}

TEST(MailDsn, BoundaryThatOccursInTheContentIsChanged) {
  DsnInput in = input({failed_rcpt()});
  in.boundary = "collide";
  in.original_message = "Subject: --collide\r\nX-Other: collide.1\r\n\r\nbody\r\n";
  const std::string dsn = build_dsn(in);
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->boundary, "collide.2");
  EXPECT_EQ(d->parts.size(), 3u);
  EXPECT_EQ(d->original_headers, "Subject: --collide\r\nX-Other: collide.1\r\n");
}

TEST(MailDsn, EmptyOrOddBoundaryStillWorks) {
  DsnInput in = input({failed_rcpt()});
  in.boundary = "";
  auto d = parse_dsn(build_dsn(in));
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->boundary.empty());
  in.boundary = "bad\"boundary\r\nX-Evil: 1";
  const std::string dsn = build_dsn(in);
  EXPECT_FALSE(parse_message(dsn).has("X-Evil"));
  d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->parts.size(), 3u);
}

TEST(MailDsn, HostileDiagnosticCannotBreakTheReport) {
  DsnRecipient r = failed_rcpt();
  r.diagnostic_code = "smtp; 550 no\r\nAction: delivered\r\n\r\nFinal-Recipient: rfc822; x@y\r\n" +
                      std::string(5000, 'A') + " \x01\xff tail";
  r.remote_mta = "mx.example.com\r\nX-Evil: 1";
  const std::string dsn = build_dsn(input({r}));
  expect_wire_safe(dsn);
  for (char c : dsn) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->recipients.size(), 1u);
  EXPECT_EQ(d->recipients[0].action, DsnAction::Failed);
  EXPECT_EQ(d->recipients[0].fields.size(), 6u);
  EXPECT_TRUE(d->recipients[0].diagnostic_code->starts_with(
      "smtp; 550 no  Action: delivered    Final-Recipient: rfc822; x@y  AAAA"));
  EXPECT_TRUE(d->recipients[0].diagnostic_code->ends_with("..."));
  EXPECT_EQ(d->recipients[0].remote_mta, "mx.example.com  X-Evil: 1");
}

TEST(MailDsn, DiagnosticWithoutTypeGetsSmtp) {
  DsnRecipient r = failed_rcpt();
  r.diagnostic_code = "550 5.1.1 no such user";
  const auto d = parse_dsn(build_dsn(input({r})));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->recipients[0].diagnostic_code, "smtp; 550 5.1.1 no such user");
}

TEST(MailDsn, LongAndEightBitOriginalHeadersStayWithinLimits) {
  DsnInput in = input({failed_rcpt()});
  in.original_message = "X-Long: " + std::string(3000, 'L') + "\nSubject: Grüße\n\nbody\n";
  const std::string dsn = build_dsn(in);
  expect_wire_safe(dsn);
  const auto d = parse_dsn(dsn);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->parts[2].content_type.type, "text/rfc822-headers");
  const auto* cte = [&]() -> const HeaderField* {
    for (const auto& h : d->parts[2].headers)
      if (h.name == "Content-Transfer-Encoding") return &h;
    return nullptr;
  }();
  ASSERT_NE(cte, nullptr);
  EXPECT_EQ(cte->value, "8bit");
  const auto orig = parse_message(d->original_headers);
  ASSERT_EQ(orig.fields.size(), 2u);
  std::string unfolded = *orig.get("X-Long");
  std::erase(unfolded, ' ');
  EXPECT_EQ(unfolded, std::string(3000, 'L'));
  EXPECT_EQ(*orig.get("Subject"), "Grüße");
}

TEST(MailDsn, OriginalWithoutHeadersGivesAnEmptyPartThree) {
  DsnInput in = input({failed_rcpt()});
  in.original_message = "";
  auto d = parse_dsn(build_dsn(in));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->original_headers, "");
}

TEST(MailDsn, ABounceIsNeverBounced) {
  EXPECT_TRUE(must_not_bounce(""));
  EXPECT_TRUE(must_not_bounce("<>"));
  EXPECT_FALSE(must_not_bounce("carol@example.net"));
  EXPECT_FALSE(must_not_bounce("MAILER-DAEMON@example.net"));  // only the envelope counts
  EXPECT_TRUE(must_not_bounce(smtpsim::smtp::Address{}));
  EXPECT_FALSE(must_not_bounce(smtpsim::smtp::Address{"carol", "example.net"}));
  // If an MTA ignored the rule, the report would go to its postmaster, never to "<>".
  DsnInput in = input({failed_rcpt()});
  in.original_envelope_sender = "";
  EXPECT_EQ(*parse_message(build_dsn(in)).get("To"), "postmaster@mta.example.net");
}

TEST(MailDsn, StatusMeanings) {
  EXPECT_EQ(status_meaning("5.1.1"), "bad destination mailbox address (no such user)");
  EXPECT_EQ(status_meaning("4.4.7"), "delivery time expired");
  EXPECT_EQ(status_meaning("5.2.2"), "mailbox full");
  EXPECT_EQ(status_meaning("5.7.11"), "encryption required for requested authentication mechanism");
  EXPECT_EQ(status_meaning("2.0.0"), "success");
  EXPECT_EQ(status_meaning("5.1.99"), "other address status");
  EXPECT_EQ(status_meaning("4.9.9"), "other or undefined status");
  EXPECT_EQ(status_meaning("3.1.1"), "not a valid status code");
  EXPECT_EQ(status_meaning("5.1"), "not a valid status code");
  EXPECT_EQ(status_meaning("five"), "not a valid status code");
  EXPECT_EQ(status_meaning(""), "not a valid status code");
}

TEST(MailDsn, ActionNames) {
  for (auto a : {DsnAction::Failed, DsnAction::Delayed, DsnAction::Delivered, DsnAction::Relayed,
                 DsnAction::Expanded})
    EXPECT_EQ(action_from_name(action_name(a)), a);
  EXPECT_EQ(action_from_name("FAILED"), DsnAction::Failed);
  EXPECT_EQ(action_from_name("bounced"), std::nullopt);
}

TEST(MailDsn, ParseRejectsWhatIsNotADsn) {
  EXPECT_EQ(parse_dsn(kOriginal), std::nullopt);
  EXPECT_EQ(parse_dsn(""), std::nullopt);
  const std::string head =
      "From: x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n";
  const std::string per_message =
      "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Reporting-MTA: dns; m\r\n\r\n";
  const std::string good_rcpt =
      "Final-Recipient: rfc822; a@b\r\nAction: failed\r\nStatus: 5.0.0\r\n";
  EXPECT_TRUE(parse_dsn(head + per_message + good_rcpt + "--b--\r\n"));
  // Wrong report type, no boundary, multipart/mixed.
  std::string other = head;
  other.replace(other.find("delivery-status"), 15, "disposition-notification");
  EXPECT_EQ(parse_dsn(other + per_message + good_rcpt + "--b--\r\n"), std::nullopt);
  EXPECT_EQ(parse_dsn("Content-Type: multipart/report; report-type=delivery-status\r\n\r\n"),
            std::nullopt);
  EXPECT_EQ(parse_dsn("Content-Type: multipart/mixed; boundary=b\r\n\r\n" + per_message +
                      good_rcpt + "--b--\r\n"),
            std::nullopt);
  // No recipients, missing Action, unknown Action, no Reporting-MTA, no status part.
  EXPECT_EQ(parse_dsn(head + per_message + "--b--\r\n"), std::nullopt);
  EXPECT_EQ(parse_dsn(head + per_message + "Final-Recipient: rfc822; a@b\r\nStatus: 5.0.0\r\n"),
            std::nullopt);
  EXPECT_EQ(parse_dsn(head + per_message +
                      "Final-Recipient: rfc822; a@b\r\nAction: exploded\r\nStatus: 5.0.0\r\n"),
            std::nullopt);
  EXPECT_EQ(parse_dsn(head +
                      "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
                      "Arrival-Date: x\r\n\r\n" +
                      good_rcpt),
            std::nullopt);
  EXPECT_EQ(parse_dsn(head + "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n"),
            std::nullopt);
}

TEST(MailDsn, ReadsABounceFromAnotherMta) {
  // The shape Postfix writes (bounce(8)): LF line ends here, X- fields, Original-Recipient,
  // a folded Diagnostic-Code, and the whole original message as message/rfc822.
  const std::string postfix =
      "Return-Path: <>\n"
      "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "To: carol@example.net\n"
      "Auto-Submitted: auto-replied\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status;\n"
      "\tboundary=\"4A1B2C3D.1746534203/mail.example.org\"\n"
      "\n"
      "This is a MIME-encapsulated message.\n"
      "\n"
      "--4A1B2C3D.1746534203/mail.example.org\n"
      "Content-Description: Notification\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "This is the mail system at host mail.example.org.\n"
      "\n"
      "--4A1B2C3D.1746534203/mail.example.org\n"
      "Content-Description: Delivery report\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mail.example.org\n"
      "X-Postfix-Queue-ID: 4A1B2C3D\n"
      "X-Postfix-Sender: rfc822; carol@example.net\n"
      "Arrival-Date: Tue,  6 May 2025 12:23:20 +0000 (UTC)\n"
      "\n"
      "Final-Recipient: rfc822; dave@example.org\n"
      "Original-Recipient: rfc822;Dave@example.org\n"
      "Action: failed\n"
      "Status: 5.2.2\n"
      "Remote-MTA: dns; mx.example.org\n"
      "Diagnostic-Code: smtp; 552 5.2.2 <dave@example.org>: Recipient address rejected:\n"
      "    mailbox full\n"
      "\n"
      "--4A1B2C3D.1746534203/mail.example.org\n"
      "Content-Description: Undelivered Message\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: carol@example.net\n"
      "Subject: hi\n"
      "\n"
      "body\n"
      "\n"
      "--4A1B2C3D.1746534203/mail.example.org--\n";
  const auto d = parse_dsn(postfix);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reporting_mta, "mail.example.org");
  EXPECT_EQ(d->per_message_fields.size(), 4u);
  ASSERT_EQ(d->recipients.size(), 1u);
  const auto& r = d->recipients[0];
  EXPECT_EQ(r.final_recipient, "dave@example.org");
  EXPECT_EQ(r.original_recipient, "Dave@example.org");
  EXPECT_EQ(r.status, "5.2.2");
  EXPECT_EQ(status_meaning(r.status), "mailbox full");
  EXPECT_EQ(r.diagnostic_code,
            "smtp; 552 5.2.2 <dave@example.org>: Recipient address rejected:    mailbox full");
  EXPECT_EQ(d->human_text, "This is the mail system at host mail.example.org.\n");
  EXPECT_EQ(d->original_headers, "From: carol@example.net\nSubject: hi\n");
}

}  // namespace
