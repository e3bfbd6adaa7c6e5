// c-ares on the io_context, and the resolver that reads its answers like simulated ones.
#include "net/cares_resolver.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <boost/asio/post.hpp>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace smtpsim::net {

namespace {
void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
      throw std::runtime_error(fmt::format("cannot start c-ares: {}", ares_strerror(rc)));
    }
  });
}

// While questions are open, sockets are looked at this often (an answer waits at most this
// long on top of the network's own delay).
constexpr auto kPollEvery = std::chrono::milliseconds(2);
}  // namespace

struct CaresChannel::Request {
  CaresChannel* channel;
  std::shared_ptr<bool> alive;
  Answer done;
};

CaresChannel::CaresChannel(boost::asio::io_context& io, CaresOptions options)
    : io_(io), timer_(io) {
  init_library_once();
  ares_options opts{};
  // NOCHECKRESP: SERVFAIL and REFUSED answers come back to us with their rcode (traced as
  // such) instead of being retried against the next server and reported as no answer.
  opts.flags = ARES_FLAG_NOCHECKRESP;
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (const int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS) {
    throw std::runtime_error(fmt::format("cannot start c-ares: {}", ares_strerror(rc)));
  }
  server_ = "the system's resolver";
  if (!options.server.empty()) {
    if (const int rc = ares_set_servers_ports_csv(channel_, options.server.c_str());
        rc != ARES_SUCCESS) {
      ares_destroy(channel_);
      channel_ = nullptr;
      throw std::runtime_error(
          fmt::format("'{}' is not a DNS server address (an IP address with an optional :PORT)",
                      options.server));
    }
    server_ = options.server;
  }
}

CaresChannel::~CaresChannel() {
  *alive_ = false;
  destroying_ = true;  // ares_destroy() answers every open question with ARES_EDESTRUCTION
  if (channel_) ares_destroy(channel_);
}

void CaresChannel::query(const std::string& name, dns::RecordType type, Answer done) {
  ++pending_;
  ++in_cares_;
  auto* req = new Request{this, alive_, std::move(done)};
  // class IN (1); ares_query sets RD and owns ids, retries and TCP fallback on truncation.
  ares_query(channel_, name.c_str(), 1, static_cast<int>(type), &CaresChannel::on_answer, req);
  arm();
}

void CaresChannel::on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<Request> req(static_cast<Request*>(arg));
  CaresChannel* self = req->channel;
  if (*req->alive) --self->in_cares_;
  if (!*req->alive || self->destroying_ || status == ARES_EDESTRUCTION) return;
  // Any answer with a message carries its rcode (NXDOMAIN is ARES_ENOTFOUND here, NODATA
  // ARES_ENODATA): keep the bytes and let the decoder and the MX steps read them.
  std::string wire;
  if (abuf && alen > 0) wire.assign(reinterpret_cast<const char*>(abuf), alen);
  std::string why = status == ARES_ETIMEOUT       ? "timeout"
                    : status == ARES_ECONNREFUSED ? "connection refused"
                                                  : ares_strerror(status);
  // Never inside ares_process_fd() or query(): the caller may ask again at once.
  boost::asio::post(self->io_, [self, alive = req->alive, done = std::move(req->done),
                                wire = std::move(wire), why = std::move(why)] {
    if (!*alive) return;
    --self->pending_;
    if (self->loop_) self->loop_->sync();
    done(wire, why);
    if (self->loop_) self->loop_->pump();
  });
}

void CaresChannel::arm() {
  if (armed_ || destroying_) return;
  armed_ = true;
  timer_.expires_after(kPollEvery);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    armed_ = false;
    poll();
  });
}

void CaresChannel::poll() {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
  std::vector<pollfd> fds;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    const bool r = ARES_GETSOCK_READABLE(bits, i), w = ARES_GETSOCK_WRITABLE(bits, i);
    if (!r && !w) continue;
    fds.push_back(pollfd{socks[i], static_cast<short>((r ? POLLIN : 0) | (w ? POLLOUT : 0)), 0});
  }
  if (!fds.empty()) ::poll(fds.data(), fds.size(), 0);
  for (const auto& p : fds) {
    const bool r = p.revents & (POLLIN | POLLERR | POLLHUP);
    const bool w = p.revents & (POLLOUT | POLLERR | POLLHUP);
    if (r || w) ares_process_fd(channel_, r ? p.fd : ARES_SOCKET_BAD, w ? p.fd : ARES_SOCKET_BAD);
  }
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts and retries
  if (in_cares_ > 0) arm();                                     // questions still open in c-ares
}

// ---------------------------------------------------------------------------------------
void CaresResolver::query(const std::string& name, dns::RecordType type, Reply done) {
  auto& net = world_.net;
  net.trace(trace::Event{.kind = trace::EventKind::Datagram,
                         .host = net.name(host_),
                         .peer = server_name(),
                         .port = 53,
                         .proto = "DNS",
                         .outbound = true,
                         .text = dns::describe(dns::make_query(0, name, type))});
  channel_.query(
      name, type,
      [this, name, type, done = std::move(done)](std::string wire, const std::string& status) {
        auto& net2 = world_.net;
        std::optional<dns::Message> answer;
        std::string text;
        if (!wire.empty()) {
          auto decoded = dns::decode(wire);
          if (auto* m = std::get_if<dns::Message>(&decoded); m && m->flags.qr) {
            answer = std::move(*m);
            text = dns::describe(*answer);
          } else {
            text = fmt::format("undecodable answer for {} {}", name, dns::type_name(type));
          }
        } else {
          text = fmt::format("no answer for {} {} ({})", name, dns::type_name(type), status);
        }
        net2.trace(
            trace::Event{.kind = answer ? trace::EventKind::Datagram : trace::EventKind::DnsLookup,
                         .host = net2.name(host_),
                         .peer = server_name(),
                         .port = 53,
                         .proto = "DNS",
                         .text = text});
        done(std::move(answer));
      });
}

}  // namespace smtpsim::net
