// `smtpsim smtpd --stdio` and the command line as a user's shell runs them: a subprocess
// with stdin from a file, stdout and stderr captured, the exit status checked.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CliResult {
  int status;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("smtpsim-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult run(const std::string& args, const std::string& input) {
    std::ofstream(dir_ / "in", std::ios::binary) << input;
    const std::string cmd = std::string(SMTPSIM_BINARY) + " " + args + " <" +
                            (dir_ / "in").string() + " >" + (dir_ / "out").string() + " 2>" +
                            (dir_ / "err").string();
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }
  fs::path dir_;
};

TEST_F(Cli, TypedSessionWithLfLineEndsWorksWithCrlfTranslation) {
  // What a learner types at a terminal: LF line ends (telnet would send CRLF).
  const auto r = run("smtpd --stdio --crlf always --maildir " + (dir_ / "md").string(),
                     "helo me\nmail from:<me@example.org>\nrcpt to:<bob@example.com>\ndata\n"
                     "Subject: typed\n\nhello\n.\nquit\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("250 2.0.0 Ok: queued as"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("221 2.0.0"), std::string::npos);
  ASSERT_TRUE(fs::is_directory(dir_ / "md" / "bob@example.com" / "new"));
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "md" / "bob@example.com" / "new")) {
    ++n;
    const std::string msg = slurp(e.path());
    EXPECT_EQ(msg.rfind("Return-Path: <me@example.org>\n", 0), 0u) << msg;
    EXPECT_NE(msg.find("with SMTP id"), std::string::npos) << msg;  // HELO, not EHLO
    EXPECT_NE(msg.find("\nSubject: typed\n\nhello\n"), std::string::npos) << msg;
  }
  EXPECT_EQ(n, 1);
}

TEST_F(Cli, BareLfWithoutTranslationIsRefusedNotGuessed) {
  const auto r = run("smtpd --stdio --crlf never", "HELO me\nQUIT\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("500 5.5.2 Error: bare <LF> received"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("221 2.0.0"), std::string::npos);
}

TEST_F(Cli, WithoutMaildirEachAcceptedMessageIsOneLineOnStderr) {
  const auto r =
      run("smtpd --stdio",
          "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("accepted message"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("from <> to <Postmaster>"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST_F(Cli, EndOfInputWithoutQuitKeepsNothingHalfDone) {
  const auto r = run("smtpd --stdio --maildir " + (dir_ / "md").string(),
                     "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n"
                     "Subject: cut off\r\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(fs::exists(dir_ / "md" / "bob@example.com"));
}

TEST_F(Cli, UnusableMaildirIsOneClearSentence) {
  std::ofstream(dir_ / "file") << "x";
  const auto r = run("smtpd --stdio --maildir " + (dir_ / "file").string(), "QUIT\r\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("maildir"), std::string::npos) << r.err;
}

TEST_F(Cli, BadOptionsAreRefusedBeforeAnythingStarts) {
  auto r = run("smtpd --stdio --domain 'not a domain'", "");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("not a valid domain"), std::string::npos) << r.err;
  r = run("smtpd --stdio --mailbox nobody", "");
  EXPECT_NE(r.status, 0);
  r = run("smtpd", "");  // --stdio is required: there is no other transport here
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--stdio"), std::string::npos) << r.err;
}

TEST_F(Cli, HelpForEverySubcommand) {
  for (const char* sub : {"", "smtpd", "demo"}) {
    const auto r = run(std::string(sub) + " --help", "");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
}

TEST_F(Cli, NoArgumentsWithoutADisplayExplainsWhatToRunInstead) {
  // Bare `smtpsim` opens the GUI; with no display it says how to run headless (DESIGN.md).
  const std::string cmd = "env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(SMTPSIM_BINARY) +
                          " >" + (dir_ / "out").string() + " 2>" + (dir_ / "err").string();
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 2);
  const std::string err = slurp(dir_ / "err");
  EXPECT_NE(err.find("smtpsim run "), std::string::npos) << err;
}

TEST_F(Cli, SubmissionRequiresAuth) {
  const auto r = run("smtpd --stdio --submission",
                     "EHLO c\r\nMAIL FROM:<alice@example.com>\r\nAUTH PLAIN AGFsaWNlAGFsaWNl\r\n"
                     "MAIL FROM:<alice@example.com>\r\nQUIT\r\n");
  EXPECT_NE(r.out.find("530 5.7.0 Authentication required"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("235 2.7.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("250 2.1.0 Ok"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("AGFsaWNl"), std::string::npos);
}

}  // namespace
