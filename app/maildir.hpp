// Maildir delivery for `smtpsim smtpd --maildir DIR` (the Maildir convention of qmail and
// Dovecot): DIR/<recipient>/{tmp,new,cur}. A message is written to tmp/, fsynced, renamed
// into new/ and the directory fsynced — only then may the server answer 250 (RFC 5321
// §4.1.1.4: the 250 after "." means we took responsibility). Trusts the recipient addresses
// only as far as the SMTP parser validated them: every byte that could escape DIR ('/', a
// leading '.', controls) is percent-encoded in the folder name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smtpsim::app {

class Maildir {
 public:
  // Creates root if needed. Throws std::runtime_error with one clear sentence on failure.
  explicit Maildir(std::filesystem::path root);

  struct Copy {
    std::string recipient;  // address; the folder is folder_name(recipient)
    std::string message;    // CRLF line ends; stored with LF as Maildir readers expect
  };
  // Delivers every copy. All or nothing: on any error nothing is left in new/ by this call
  // and the error is returned (so a 451 and the client's retry never duplicate a copy).
  std::optional<std::string> deliver(const std::vector<Copy>& copies);

  // The folder name used for an address ("bob@example.com" -> "bob@example.com").
  static std::string folder_name(const std::string& address);
  const std::filesystem::path& root() const { return root_; }

 private:
  std::string unique_name();
  std::filesystem::path root_;
  unsigned long counter_ = 0;
};

}  // namespace smtpsim::app
