// Basic conversations with the server machine: the happy path, sequencing, extensions.
#include <gtest/gtest.h>

#include "tests/support/server_harness.hpp"

using smtpsim::testing::ServerRun;

namespace {

TEST(ServerBasic, GreetsWith220AndHostname) {
  ServerRun run;
  run.start();
  EXPECT_EQ(run.output, "220 mail.example.com ESMTP smtpsim\r\n");
}

TEST(ServerBasic, EhloAdvertisesExtensions) {
  smtpsim::smtp::ServerConfig cfg;
  cfg.client_address = "192.0.2.67";
  ServerRun run(cfg);
  run.run({"EHLO client.example.net\r\n"});
  EXPECT_NE(run.output.find("250-mail.example.com Hello client.example.net [192.0.2.67]\r\n"),
            std::string::npos);
  EXPECT_NE(run.output.find("250-PIPELINING\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("250-SIZE 10240000\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("250-ENHANCEDSTATUSCODES\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("250 8BITMIME\r\n"), std::string::npos);
  EXPECT_EQ(run.output.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(run.output.find("AUTH"), std::string::npos);
}

TEST(ServerBasic, OneMessageEndToEnd) {
  ServerRun run;
  run.run({"EHLO c.example.net\r\n",
           "MAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n",
           "Subject: hi\r\n\r\n..leading dot\r\n.\r\n", "QUIT\r\n"});
  ASSERT_EQ(run.delivered.size(), 1u);
  EXPECT_EQ(run.delivered[0].sender, "a@example.net");
  EXPECT_EQ(run.delivered[0].recipients, std::vector<std::string>{"b@example.com"});
  EXPECT_EQ(run.delivered[0].content, "Subject: hi\r\n\r\n.leading dot\r\n");
  EXPECT_TRUE(run.closed);
  EXPECT_NE(run.output.find("354 End data with <CR><LF>.<CR><LF>\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("250 2.0.0 Ok: queued\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("221 2.0.0 mail.example.com closing connection\r\n"),
            std::string::npos);
}

TEST(ServerBasic, StateDiagramComesFromTheTable) {
  const std::string dot =
      smtpsim::proto::render_dot(smtpsim::smtp::server_machine_spec(), 4, "RCPT 250");
  EXPECT_NE(dot.find("digraph \"SMTP server\""), std::string::npos);
  EXPECT_NE(dot.find("waiting for RCPT or DATA"), std::string::npos);
  EXPECT_NE(dot.find("label=\"DATA 354\""), std::string::npos);
  EXPECT_NE(dot.find("fillcolor=gold"), std::string::npos);
}

}  // namespace
