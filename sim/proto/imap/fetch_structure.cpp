// ENVELOPE and BODYSTRUCTURE (RFC 3501 §7.4.2) computed from a message's header fields.
// The message is untrusted: address lists are read with a tolerant tokenizer that never
// fails (what it cannot understand it leaves out), MIME nesting is bounded.
#include <fmt/format.h>

#include "sim/proto/imap/fetch.hpp"
#include "sim/proto/imap/syntax.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap::server_side {

namespace {

constexpr int kMaxDepth = 8;  // MIME nesting we describe; deeper parts become text/plain

struct Tok {
  char kind;  // 'w' word, 'q' quoted string, or one of < > : ; , @
  std::string text;
};

// RFC 5322 §3.2-3.4 lexical tokens; comments are dropped, unknown bytes kept in words.
std::vector<Tok> tokenize(std::string_view v) {
  std::vector<Tok> out;
  std::size_t i = 0;
  while (i < v.size() && out.size() < 4096) {
    const char c = v[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      for (; i < v.size(); ++i) {
        if (v[i] == '\\') {
          ++i;
          continue;
        }
        if (v[i] == '(') ++depth;
        if (v[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else if (c == '"') {
      std::string q;
      for (++i; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        q.push_back(v[i]);
      }
      ++i;
      out.push_back({'q', std::move(q)});
    } else if (c == '<' || c == '>' || c == ':' || c == ';' || c == ',' || c == '@') {
      out.push_back({c, {}});
      ++i;
    } else {
      std::string w;
      while (i < v.size() &&
             std::string_view(" \t\r\n()\"<>:;,@").find(v[i]) == std::string_view::npos)
        w.push_back(v[i++]);
      out.push_back({'w', std::move(w)});
    }
  }
  return out;
}

std::string join_words(const std::vector<Tok>& t, std::size_t b, std::size_t e) {
  std::string out;
  for (std::size_t i = b; i < e; ++i) {
    if (t[i].kind != 'w' && t[i].kind != 'q') continue;
    if (!out.empty()) out.push_back(' ');
    out += t[i].text;
  }
  return out;
}

// One mailbox from tokens [b, e): "name <route:local@domain>" or "local@domain".
std::optional<EnvelopeAddress> mailbox(const std::vector<Tok>& t, std::size_t b, std::size_t e) {
  if (b >= e) return std::nullopt;
  EnvelopeAddress a;
  std::size_t lt = e;
  for (std::size_t i = b; i < e; ++i)
    if (t[i].kind == '<') {
      lt = i;
      break;
    }
  std::size_t ab = b, ae = e;
  if (lt != e) {
    const std::string name = join_words(t, b, lt);
    if (!name.empty()) a.name = name;
    ab = lt + 1;
    ae = ab;
    while (ae < e && t[ae].kind != '>') ++ae;
    // obs-route "@a,@b:" before the addr-spec
    if (ab < ae && t[ab].kind == '@') {
      std::string adl;
      std::size_t i = ab;
      while (i < ae && t[i].kind != ':') {
        adl += t[i].kind == '@' ? "@" : t[i].kind == ',' ? "," : t[i].text;
        ++i;
      }
      if (i < ae) {
        a.adl = adl;
        ab = i + 1;
      }
    }
  }
  std::size_t at = ae;
  for (std::size_t i = ab; i < ae; ++i)
    if (t[i].kind == '@') at = i;
  std::string local, host;
  for (std::size_t i = ab; i < at; ++i) local += t[i].text;
  for (std::size_t i = at + 1; i < ae; ++i) host += t[i].text;
  if (local.empty() && host.empty()) {
    if (lt == e) return std::nullopt;  // nothing there at all
    if (!a.name) return std::nullopt;
  }
  a.mailbox = local;
  // A mailbox with no domain is not group syntax: NIL would say it is (Dovecot's choice).
  a.host = at == ae || host.empty() ? std::string("MISSING_DOMAIN") : host;
  return a;
}

void append_address(std::string& out, const EnvelopeAddress& a) {
  out.push_back('(');
  append_nstring(out, a.name);
  out.push_back(' ');
  append_nstring(out, a.adl);
  out.push_back(' ');
  append_nstring(out, a.mailbox);
  out.push_back(' ');
  append_nstring(out, a.host);
  out.push_back(')');
}

// An address list field, NIL when absent or empty.
void append_address_field(std::string& out, const mail::ParsedMessage& pm, std::string_view name,
                          std::string_view fallback = {}) {
  auto v = pm.get(name);
  if ((!v || v->empty()) && !fallback.empty()) v = pm.get(fallback);
  std::vector<EnvelopeAddress> list;
  if (v) list = parse_address_list(*v);
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  for (const auto& a : list) append_address(out, a);
  out.push_back(')');
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = smtp::ascii_upper(c);
  return out;
}

std::size_t count_lines(std::string_view body) {
  std::size_t n = 0;
  for (char c : body) n += c == '\n';
  if (!body.empty() && body.back() != '\n') ++n;
  return n;
}

void append_structure(std::string& out, const std::vector<mail::HeaderField>& fields,
                      const mail::ContentType& ct, std::string_view body, bool ext, int depth);

std::optional<std::string> field(const std::vector<mail::HeaderField>& fields,
                                 std::string_view name) {
  for (const auto& f : fields)
    if (smtp::iequals(f.name, name)) return f.value;
  return std::nullopt;
}

void append_params(std::string& out, const mail::ContentType& ct) {
  if (ct.params.empty()) {
    out += "NIL";
    return;
  }
  out.push_back('(');
  bool first = true;
  for (const auto& [k, v] : ct.params) {
    if (!first) out.push_back(' ');
    first = false;
    append_string(out, upper(k));
    out.push_back(' ');
    append_string(out, v);
  }
  out.push_back(')');
}

void append_single(std::string& out, const std::vector<mail::HeaderField>& fields,
                   const mail::ContentType& ct, std::string_view body, bool ext, int depth) {
  const auto slash = ct.type.find('/');
  const std::string type = upper(ct.type.substr(0, slash));
  const std::string subtype = upper(ct.type.substr(slash + 1));
  out.push_back('(');
  append_string(out, type);
  out.push_back(' ');
  append_string(out, subtype);
  out.push_back(' ');
  append_params(out, ct);
  out.push_back(' ');
  append_nstring(out, field(fields, "Content-ID"));
  out.push_back(' ');
  append_nstring(out, field(fields, "Content-Description"));
  out.push_back(' ');
  append_string(out, upper(field(fields, "Content-Transfer-Encoding").value_or("7BIT")));
  out += fmt::format(" {}", body.size());
  if (type == "MESSAGE" && subtype == "RFC822" && depth < kMaxDepth) {
    // body-type-msg: envelope, body structure and line count of the encapsulated message
    const mail::ParsedMessage inner = mail::parse_message(body);
    out += " " + render_envelope(body) + " ";
    append_structure(out, inner.fields,
                     mail::parse_content_type(inner.get("Content-Type").value_or("")), inner.body,
                     ext, depth + 1);
    out += fmt::format(" {}", count_lines(body));
  } else if (type == "TEXT") {
    out += fmt::format(" {}", count_lines(body));
  }
  if (ext) out += " NIL NIL NIL";  // body-ext-1part: MD5, disposition, language
  out.push_back(')');
}

void append_structure(std::string& out, const std::vector<mail::HeaderField>& fields,
                      const mail::ContentType& ct, std::string_view body, bool ext, int depth) {
  if (ct.type.starts_with("multipart/") && depth < kMaxDepth) {
    const auto parts = mail::split_multipart(body, ct.param("boundary"));
    if (!parts.empty()) {
      out.push_back('(');
      for (const auto& p : parts)
        append_structure(out, p.headers, p.content_type, p.body, ext, depth + 1);
      out.push_back(' ');
      append_string(out, upper(ct.type.substr(10)));
      if (ext) {
        out.push_back(' ');
        append_params(out, ct);
        out += " NIL NIL";  // disposition, language
      }
      out.push_back(')');
      return;
    }
  }
  if (ct.type.starts_with("multipart/") || depth >= kMaxDepth) {
    // A multipart without parts (or too deep to describe): show it as plain text.
    mail::ContentType plain;
    plain.type = "text/plain";
    plain.params["charset"] = "us-ascii";
    append_single(out, {}, plain, body, ext, depth);
    return;
  }
  append_single(out, fields, ct, body, ext, depth);
}

}  // namespace

std::vector<EnvelopeAddress> parse_address_list(std::string_view value) {
  const std::vector<Tok> t = tokenize(value);
  std::vector<EnvelopeAddress> out;
  bool in_group = false;
  bool in_angle = false;
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    if (auto a = mailbox(t, start, end)) out.push_back(std::move(*a));
    start = end + 1;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char k = t[i].kind;
    if (k == '<') in_angle = true;
    if (k == '>') in_angle = false;
    if (in_angle) continue;
    if (k == ',') {
      flush(i);
    } else if (k == ':' && !in_group) {
      // group start: (NIL NIL "name" NIL)
      EnvelopeAddress g;
      g.mailbox = join_words(t, start, i);
      out.push_back(std::move(g));
      in_group = true;
      start = i + 1;
    } else if (k == ';' && in_group) {
      flush(i);
      out.push_back(EnvelopeAddress{});  // group end: (NIL NIL NIL NIL)
      in_group = false;
    }
  }
  if (start < t.size()) flush(t.size());
  if (in_group) out.push_back(EnvelopeAddress{});
  return out;
}

std::string render_envelope(std::string_view message) {
  const mail::ParsedMessage pm = mail::parse_message(message);
  std::string out = "(";
  append_nstring(out, pm.get("Date"));
  out.push_back(' ');
  append_nstring(out, pm.get("Subject"));
  out.push_back(' ');
  append_address_field(out, pm, "From");
  out.push_back(' ');
  // RFC 3501 §7.4.2: absent or empty Sender / Reply-To take the value of From.
  append_address_field(out, pm, "Sender", "From");
  out.push_back(' ');
  append_address_field(out, pm, "Reply-To", "From");
  out.push_back(' ');
  append_address_field(out, pm, "To");
  out.push_back(' ');
  append_address_field(out, pm, "Cc");
  out.push_back(' ');
  append_address_field(out, pm, "Bcc");
  out.push_back(' ');
  append_nstring(out, pm.get("In-Reply-To"));
  out.push_back(' ');
  append_nstring(out, pm.get("Message-ID"));
  out.push_back(')');
  return out;
}

std::string render_body_structure(std::string_view message, bool extensible) {
  const mail::ParsedMessage pm = mail::parse_message(message);
  std::string out;
  append_structure(out, pm.fields, mail::parse_content_type(pm.get("Content-Type").value_or("")),
                   pm.body, extensible, 0);
  return out;
}

}  // namespace smtpsim::imap::server_side
