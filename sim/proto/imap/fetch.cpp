// FETCH attributes: parsing what the client asks for and rendering it (RFC 3501 §6.4.5,
// §7.4.2). ENVELOPE and BODYSTRUCTURE are in fetch_structure.cpp.
#include "sim/proto/imap/fetch.hpp"

#include <fmt/format.h>

#include "sim/proto/imap/syntax.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap::server_side {

using smtp::iequals;

namespace {

using K = FetchAtt::Kind;

// BODY[<section>]: the text between the brackets (RFC 3501 §9 "section-spec").
bool parse_section(ArgReader& r, FetchAtt& att) {
  const std::size_t start = r.position();
  if (!r.consume('[')) return false;
  Section& s = att.section;
  // section-part: nz-number *("." nz-number)
  while (r.peek() >= '1' && r.peek() <= '9') {
    auto n = r.number();
    if (!n || s.part.size() >= 32) return false;
    s.part.push_back(*n);
    if (!r.consume('.')) break;
    if (r.peek() >= '1' && r.peek() <= '9') continue;
    if (r.peek() == ']') return false;  // "1." then nothing
    break;
  }
  if (r.peek() != ']') {
    const std::string word = r.keyword();
    if (iequals(word, "HEADER")) {
      s.kind = Section::Kind::Header;
    } else if (iequals(word, "TEXT")) {
      s.kind = Section::Kind::Text;
    } else if (iequals(word, "MIME") && !s.part.empty()) {
      s.kind = Section::Kind::Mime;
    } else if (iequals(word, "HEADER.FIELDS") || iequals(word, "HEADER.FIELDS.NOT")) {
      s.kind = word.size() > 13 ? Section::Kind::HeaderFieldsNot : Section::Kind::HeaderFields;
      if (!r.sp() || !r.consume('(')) return false;
      while (true) {
        auto f = r.astring();
        if (!f || s.fields.size() >= 256) return false;
        s.fields.push_back(std::move(*f));
        if (r.consume(')')) break;
        if (!r.sp()) return false;
      }
    } else {
      return false;
    }
  }
  const std::size_t text_end = r.position();
  if (!r.consume(']')) return false;
  att.section_text = std::string(r.slice(start + 1, text_end));  // echoed back as written
  // <partial>
  if (r.consume('<')) {
    auto off = r.number();
    if (!off || !r.consume('.')) return false;
    auto len = r.number();
    if (!len || *len == 0 || !r.consume('>')) return false;
    att.partial_offset = *off;
    att.partial_length = *len;
  }
  return true;
}

std::optional<FetchAtt> parse_att(ArgReader& r) {
  const std::string name = r.keyword();
  FetchAtt att;
  if (iequals(name, "FLAGS")) {
    att.kind = K::Flags;
  } else if (iequals(name, "UID")) {
    att.kind = K::Uid;
  } else if (iequals(name, "RFC822.SIZE")) {
    att.kind = K::Rfc822Size;
  } else if (iequals(name, "INTERNALDATE")) {
    att.kind = K::InternalDate;
  } else if (iequals(name, "ENVELOPE")) {
    att.kind = K::Envelope;
  } else if (iequals(name, "BODYSTRUCTURE")) {
    att.kind = K::BodyStructure;
  } else if (iequals(name, "RFC822")) {
    att.kind = K::Rfc822;
  } else if (iequals(name, "RFC822.HEADER")) {
    att.kind = K::Rfc822Header;
  } else if (iequals(name, "RFC822.TEXT")) {
    att.kind = K::Rfc822Text;
  } else if (iequals(name, "BODY") || iequals(name, "BODY.PEEK")) {
    att.peek = name.size() > 4;
    if (r.peek() != '[') {
      if (att.peek) return std::nullopt;
      att.kind = K::Body;
      return att;
    }
    att.kind = K::BodySection;
    if (!parse_section(r, att)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return att;
}

void macro(std::vector<FetchAtt>& out, std::initializer_list<K> kinds) {
  for (K k : kinds) {
    FetchAtt a;
    a.kind = k;
    out.push_back(a);
  }
}

bool matches_field(const std::vector<std::string>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f, name)) return true;
  return false;
}

// The entity a section part path points at: a header section (with its blank line) and body.
struct Entity {
  std::string header;
  std::string body;
  std::vector<mail::HeaderField> fields;
  mail::ContentType type;
};

Entity make_entity(std::string_view text) {
  mail::ParsedMessage pm = mail::parse_message(text);
  Entity e;
  e.header = std::string(text.substr(0, pm.header_end)) + "\r\n";
  e.body = std::move(pm.body);
  e.type = mail::parse_content_type(pm.get("Content-Type").value_or(""));
  e.fields = std::move(pm.fields);
  return e;
}

std::optional<Entity> child(const Entity& e, std::uint32_t n) {
  if (e.type.type.starts_with("multipart/")) {
    auto parts = mail::split_multipart(e.body, e.type.param("boundary"));
    if (n == 0 || n > parts.size()) return std::nullopt;
    auto& p = parts[n - 1];
    Entity c;
    for (const auto& h : p.headers) c.header += h.raw;
    c.header += "\r\n";
    c.body = std::move(p.body);
    c.type = std::move(p.content_type);
    c.fields = std::move(p.headers);
    return c;
  }
  if (e.type.type == "message/rfc822") return child(make_entity(e.body), n);
  if (n == 1) return e;  // a single part is part 1 of itself (RFC 3501 §6.4.5)
  return std::nullopt;
}

std::string header_fields(const Entity& e, const Section& s) {
  std::string out;
  const bool keep = s.kind == Section::Kind::HeaderFields;
  for (const auto& f : e.fields)
    if (matches_field(s.fields, f.name) == keep) out += f.raw;
  out += "\r\n";
  return out;
}

std::string msgtext(const Entity& e, const Section& s) {
  switch (s.kind) {
    case Section::Kind::Header:
      return e.header;
    case Section::Kind::HeaderFields:
    case Section::Kind::HeaderFieldsNot:
      return header_fields(e, s);
    case Section::Kind::Text:
      return e.body;
    default:
      return {};
  }
}

}  // namespace

bool FetchAtt::sets_seen() const {
  return (kind == K::BodySection && !peek) || kind == K::Rfc822 || kind == K::Rfc822Text;
}

std::optional<std::vector<FetchAtt>> parse_fetch_atts(ArgReader& r) {
  std::vector<FetchAtt> out;
  if (r.consume('(')) {
    while (true) {
      auto a = parse_att(r);
      if (!a || out.size() >= 64) return std::nullopt;
      out.push_back(std::move(*a));
      if (r.consume(')')) return out;
      if (!r.sp()) return std::nullopt;
    }
  }
  const std::size_t start = r.position();
  auto word = r.atom();
  if (word && iequals(*word, "ALL")) {
    macro(out, {K::Flags, K::InternalDate, K::Rfc822Size, K::Envelope});
  } else if (word && iequals(*word, "FAST")) {
    macro(out, {K::Flags, K::InternalDate, K::Rfc822Size});
  } else if (word && iequals(*word, "FULL")) {
    macro(out, {K::Flags, K::InternalDate, K::Rfc822Size, K::Envelope, K::Body});
  } else {
    r.rewind(start);  // not a macro: a single attribute
    auto a = parse_att(r);
    if (!a) return std::nullopt;
    out.push_back(std::move(*a));
  }
  return out;
}

std::string render_flags(unsigned flags, bool recent) {
  std::string out = "(";
  auto add = [&](std::string_view f) {
    if (out.size() > 1) out.push_back(' ');
    out.append(f);
  };
  if (flags & mail::kSeen) add("\\Seen");
  if (flags & mail::kAnswered) add("\\Answered");
  if (flags & mail::kFlagged) add("\\Flagged");
  if (flags & mail::kDeleted) add("\\Deleted");
  if (flags & mail::kDraft) add("\\Draft");
  if (recent) add("\\Recent");
  out.push_back(')');
  return out;
}

std::string section_bytes(const Section& s, std::string_view message) {
  if (s.part.empty()) {
    if (s.kind == Section::Kind::Full) return std::string(message);
    return msgtext(make_entity(message), s);
  }
  std::optional<Entity> e = make_entity(message);
  for (std::uint32_t n : s.part) {
    e = child(*e, n);
    if (!e) return {};
  }
  switch (s.kind) {
    case Section::Kind::Full:
      return e->body;
    case Section::Kind::Mime:
      return e->header;
    default:
      // HEADER / TEXT of a part only make sense for an encapsulated message/rfc822.
      if (e->type.type != "message/rfc822") return {};
      return msgtext(make_entity(e->body), s);
  }
}

std::string render_fetch_att(const FetchAtt& att, const mail::StoredMessage& m, unsigned flags,
                             bool recent) {
  std::string out;
  auto with_bytes = [&](std::string_view name, std::string_view bytes,
                        const std::optional<std::uint32_t>& off,
                        const std::optional<std::uint32_t>& len) {
    out += name;
    if (off) {
      out += fmt::format("<{}>", *off);
      bytes = *off >= bytes.size() ? std::string_view{} : bytes.substr(*off, *len);
    }
    out.push_back(' ');
    // Message bytes always go out as a literal: they hold CRLF and maybe 8-bit text.
    out += fmt::format("{{{}}}\r\n", bytes.size());
    out.append(bytes);
  };
  switch (att.kind) {
    case K::Flags:
      return "FLAGS " + render_flags(flags, recent);
    case K::Uid:
      return fmt::format("UID {}", m.uid);
    case K::Rfc822Size:
      return fmt::format("RFC822.SIZE {}", m.size());
    case K::InternalDate:
      return "INTERNALDATE \"" + format_date_time(m.internal_date) + "\"";
    case K::Envelope:
      return "ENVELOPE " + render_envelope(m.content);
    case K::Body:
      return "BODY " + render_body_structure(m.content, false);
    case K::BodyStructure:
      return "BODYSTRUCTURE " + render_body_structure(m.content, true);
    case K::Rfc822:
      with_bytes("RFC822", m.content, std::nullopt, std::nullopt);
      return out;
    case K::Rfc822Header: {
      Section s;
      s.kind = Section::Kind::Header;
      with_bytes("RFC822.HEADER", section_bytes(s, m.content), std::nullopt, std::nullopt);
      return out;
    }
    case K::Rfc822Text: {
      Section s;
      s.kind = Section::Kind::Text;
      with_bytes("RFC822.TEXT", section_bytes(s, m.content), std::nullopt, std::nullopt);
      return out;
    }
    case K::BodySection: {
      const std::string bytes = section_bytes(att.section, m.content);
      with_bytes("BODY[" + att.section_text + "]", bytes, att.partial_offset, att.partial_length);
      return out;
    }
  }
  return out;
}

}  // namespace smtpsim::imap::server_side
