// The spool's file formats, kept apart from the file operations so each can be tested alone:
// queue headers (JSON), message file names (Maildir with the IMAP UID in the unique part,
// flags in the ":2," info), uidlist and id-reservation files. Parsing trusts nothing: every
// parser returns nullopt (or the reason) for input it did not write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "sim/nodes/journal.hpp"

namespace smtpsim::net::spool_format {

// Maildir info letters (maildir(5), Dovecot): D=\Draft F=\Flagged R=\Answered S=\Seen
// T=\Deleted, in ASCII order as the convention asks.
std::string flag_letters(unsigned flags);

// "<sec>.M<usec>U<uid>.<host>" plus ":2,<letters>" when in cur/.
std::string message_name(std::int64_t internal_unix_us, std::uint32_t uid,
                         const std::string& encoded_host, std::optional<unsigned> flags);
struct MessageName {
  std::int64_t internal_unix_us = 0;
  std::uint32_t uid = 0;
  unsigned flags = 0;
  std::string base;  // the part before ":2,"
};
std::optional<MessageName> parse_message_name(const std::string& name);

// The queue header of the first format (<id>.json beside <id>.msg): envelope and delivery
// state. Still read, and still written when an entry of that format is updated, so a state
// directory from an earlier version keeps working.
std::string entry_json(const nodes::JournalEntry& e);  // throws nlohmann::json::exception
// The entry, or the reason it cannot be read.
std::variant<nodes::JournalEntry, std::string> parse_entry_json(const std::string& text);

// The queue file (<id>.queue, one per entry): the first line is the envelope and delivery
// state as one line of JSON (format "smtpsim-queue-2", with "content_bytes"), the message
// follows byte for byte. One file means one fsync and one rename per entry instead of two;
// `head -1` shows the envelope, `tail -n +2` the message. content_bytes makes a file that
// was cut short unreadable rather than a shorter message.
std::string queue_file_text(const nodes::JournalEntry& e,
                            const std::string& content);  // throws nlohmann::json::exception
struct QueueFile {
  nodes::JournalEntry entry;
  std::string content;
};
std::variant<QueueFile, std::string> parse_queue_file(const std::string& text);

struct UidList {
  std::uint32_t uidvalidity = 1;
  std::uint32_t uidnext = 1;
};
std::string uidlist_text(const UidList& u);
std::optional<UidList> parse_uidlist(const std::string& text);

std::string ids_text(std::uint64_t reserved);
std::optional<std::uint64_t> parse_ids(const std::string& text);

}  // namespace smtpsim::net::spool_format
