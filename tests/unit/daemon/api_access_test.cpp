// Who may reach the device through its API, and what is left behind (issue 10): operator
// accounts managed by the service role, tokens and how they end, a browser on the device
// kept from being used against it, the abuse table, log-in throttling, and the audit log
// with its hash chain. Real sockets on a free loopback port; no process is started.
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "controller/daemon/api_server.h"
#include "controller/daemon/audit_chain.h"
#include "tests/unit/daemon/api_server_fixture.h"

namespace rfneedle::daemon {
namespace {

namespace http = testing::http;
namespace net = testing::net;
namespace websocket = testing::websocket;
using testing::ApiServerTest;
using testing::Call;
using testing::FakeGateway;
using testing::FakeStore;
using testing::kPin;
using testing::Reply;
using testing::StreamClient;
using tcp = net::ip::tcp;

constexpr std::string_view kBobPin = "730519";

// The same server with its timeouts shortened, so a slow client is cut off quickly.
class ApiAccessTest : public ApiServerTest {
 protected:
  ApiAccessTest() {
    limits_.request_timeout = std::chrono::milliseconds(300);
    limits_.hello_timeout = std::chrono::milliseconds(200);
  }

  Reply create_operator(const std::string& svc, std::string_view user, std::string_view pin) {
    return post("/api/v1/service/operators",
                R"({"user": ")" + std::string(user) + R"(", "pin": ")" + std::string(pin) + R"("})",
                svc);
  }
  std::size_t audit_size() { return audit_log().size(); }
};

// A client that writes raw bytes and waits (10 s at most) for whatever comes back: an
// answer, or the server closing the connection.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  void write(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }
  // Everything the server sent until it closed the connection; nothing if it did not close
  // within 10 s.
  std::optional<std::string> until_closed() {
    std::string received;
    bool closed = false;
    std::array<char, 1024> chunk{};
    std::function<void()> read_more = [&] {
      socket_.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
        received.append(chunk.data(), n);
        if (ec) {
          closed = true;
          return;
        }
        read_more();
      });
    };
    read_more();
    io_.run_for(std::chrono::seconds(10));
    if (!closed) {
      return std::nullopt;
    }
    return received;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
};

// ---- accounts ----

// Verifies: SR-73
TEST_F(ApiAccessTest, TheServiceRoleCreatesResetsDisablesAndEnablesOperators) {
  const std::string svc = service_token();
  const std::string alice = operator_token();
  EXPECT_EQ(get("/api/v1/service/operators", alice).status, 403u);
  EXPECT_EQ(create_operator(alice, "bob", kBobPin).status, 403u);

  const Reply created = create_operator(svc, "bob", kBobPin);
  ASSERT_EQ(created.status, 200u) << created.body;
  api::OperatorAccount bob;
  ASSERT_FALSE(parse_json(created.body, bob));
  EXPECT_EQ(bob.user(), "bob");
  EXPECT_FALSE(bob.disabled());
  const Reply list = get("/api/v1/service/operators", svc);
  ASSERT_EQ(list.status, 200u);
  api::OperatorList operators;
  ASSERT_FALSE(parse_json(list.body, operators));
  ASSERT_EQ(operators.operators_size(), 2);
  EXPECT_EQ(operators.operators(0).user(), "alice") << "seeded from the configuration";
  EXPECT_EQ(operators.operators(1).user(), "bob");
  EXPECT_EQ(list.body.find("argon2"), std::string::npos) << "no hash leaves the device";

  const std::string first = operator_token("bob", kBobPin);
  ASSERT_EQ(post("/api/v1/service/operators/bob/reset", R"({"pin": "10293847"})", svc).status,
            200u);
  EXPECT_EQ(get("/api/v1/status", first).status, 401u) << "a reset ends the account's tokens";
  EXPECT_EQ(login_as("ROLE_OPERATOR", "bob", kBobPin).status, 401u);
  const std::string second = operator_token("bob", "10293847");

  const Reply disabled = post("/api/v1/service/operators/bob/disable", "{}", svc);
  ASSERT_EQ(disabled.status, 200u) << disabled.body;
  ASSERT_FALSE(parse_json(disabled.body, bob));
  EXPECT_TRUE(bob.disabled());
  EXPECT_EQ(get("/api/v1/status", second).status, 401u);
  EXPECT_EQ(login_as("ROLE_OPERATOR", "bob", "10293847").status, 401u);
  EXPECT_EQ(get("/api/v1/status", alice).status, 200u) << "others keep theirs";

  ASSERT_EQ(post("/api/v1/service/operators/bob/enable", "{}", svc).status, 200u);
  EXPECT_FALSE(operator_token("bob", "10293847").empty());
  EXPECT_TRUE(nothing_reached_the_core());
}

// Verifies: SR-73, SR-75
TEST_F(ApiAccessTest, APinIsAtLeastSixDigitsAndAUserNameOnePathSegment) {
  const std::string svc = service_token();
  struct Row {
    std::string body;
    unsigned status;
    std::string field;
  };
  const std::vector<Row> rows = {
      {R"({"user": "bob", "pin": "12345"})", 400, "pin"},
      {R"({"user": "bob", "pin": "12345a"})", 400, "pin"},
      {R"({"user": "bob", "pin": "12345678901234567"})", 400, "pin"},
      {R"({"user": "bob"})", 400, "pin"},
      {R"({"user": "a/b", "pin": "123456"})", 400, "user"},
      {R"({"user": "bob smith", "pin": "123456"})", 400, "user"},
      {R"({"user": "", "pin": "123456"})", 400, "user"},
      {R"({"user": ")" + std::string(65, 'b') + R"(", "pin": "123456"})", 400, "user"},
      {R"({"user": "bob", "pin": 123456})", 400, "pin"},
      {R"({"user": "bob", "pin": "123456", "role": "ROLE_SERVICE"})", 400, "role"},
      {R"({"user": "alice", "pin": "123456"})", 409, "user"},
  };
  for (const Row& row : rows) {
    const Reply r = post("/api/v1/service/operators", row.body, svc);
    EXPECT_EQ(r.status, row.status) << row.body << ": " << r.body;
    EXPECT_EQ(r.error().field(), row.field) << row.body;
  }
  EXPECT_EQ(post("/api/v1/service/operators/nobody/reset", R"({"pin": "123456"})", svc).status,
            404u);
  EXPECT_EQ(
      post("/api/v1/service/operators/alice/reset", R"({"pin": "1234"})", svc).error().field(),
      "pin");
  EXPECT_EQ(post("/api/v1/service/operators/nobody/disable", "{}", svc).status, 404u);
  EXPECT_EQ(store_.operators().size(), 1u);
  EXPECT_TRUE(nothing_reached_the_core());
}

// Verifies: SR-73
TEST_F(ApiAccessTest, TheConfigurationSeedsTheOperatorsOfAnEmptyStoreOnly) {
  ASSERT_EQ(store_.operators().size(), 1u);
  EXPECT_EQ(store_.operators()[0].user, "alice");
  const std::vector<AuditEntry> log = audit_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0].role, "configuration");
  EXPECT_EQ(log[0].route, "accounts.operator");
  EXPECT_EQ(log[0].result, "created");

  const std::string svc = service_token();
  ASSERT_EQ(post("/api/v1/service/operators/alice/disable", "{}", svc).status, 200u);
  restart();
  ASSERT_EQ(store_.operators().size(), 1u);
  EXPECT_TRUE(store_.operators()[0].disabled) << "the configuration changes nothing any more";
  EXPECT_EQ(login_as("ROLE_OPERATOR", "alice", kPin).status, 401u);
  std::size_t seeds = 0;
  for (const AuditEntry& e : audit_log()) {
    seeds += e.role == "configuration" ? 1 : 0;
  }
  EXPECT_EQ(seeds, 1u);
}

// Verifies: SR-73
TEST(ApiAccounts, AConfiguredHashThatIsNotArgon2idStopsTheStart) {
  net::io_context io;
  FakeGateway gateway;
  FakeStore store;
  ApiOptions plain_key;
  plain_key.service_key_hash = "service-key-0001";
  EXPECT_THROW(ApiServer(io, gateway, store, plain_key, "127.0.0.1", 0), std::invalid_argument);
  ApiOptions plain_pin;
  plain_pin.initial_operators = {{"alice", "482913"}};
  EXPECT_THROW(ApiServer(io, gateway, store, plain_pin, "127.0.0.1", 0), std::invalid_argument);
  EXPECT_TRUE(store.operators().empty());
}

// Verifies: SR-73
TEST_F(ApiAccessTest, TheOperatorWhoArmsIsTheTokensUser) {
  ASSERT_EQ(post("/api/v1/arm", "{}", operator_token()).status, 200u);
  std::lock_guard lock(gateway_.mutex);
  ASSERT_EQ(gateway_.requests.size(), 1u);
  EXPECT_EQ(std::get<Arm>(gateway_.requests[0]).operator_id, "alice");
}

// ---- tokens ----

// Verifies: SR-73
TEST_F(ApiAccessTest, TokensEndAtLogOutExpiryDisablingAndRestart) {
  const std::string logged_out = operator_token();
  ASSERT_EQ(post("/api/v1/logout", "{}", logged_out).status, 200u);
  EXPECT_EQ(get("/api/v1/status", logged_out).status, 401u);

  const std::string svc = service_token();
  ASSERT_EQ(create_operator(svc, "bob", kBobPin).status, 200u);
  const std::string bob = operator_token("bob", kBobPin);
  ASSERT_EQ(post("/api/v1/service/operators/bob/disable", "{}", svc).status, 200u);
  EXPECT_EQ(get("/api/v1/status", bob).status, 401u);

  const std::string before_restart = operator_token();
  EXPECT_EQ(get("/api/v1/status", before_restart).status, 200u);
  restart();
  EXPECT_EQ(get("/api/v1/status", before_restart).status, 401u);

  const std::string expiring = operator_token();
  advance(seconds(12 * 3600));
  EXPECT_EQ(get("/api/v1/status", expiring).status, 401u);
  // Kept only hashed: no stored record holds a token.
  for (const AuditEntry& e : audit_log()) {
    for (const std::string& t : {logged_out, bob, before_restart, expiring}) {
      EXPECT_EQ(e.parameters.find(t), std::string::npos);
    }
  }
}

// ---- a browser on the device, and other abuse ----

struct AbuseRow {
  const char* kind;
  Call call;
  unsigned status;  // 0: closed without an answer
};

// Verifies: SR-73, SR-75
TEST_F(ApiAccessTest, AbuseIsRefusedWithItsStatusAndNothingReachesTheCore) {
  const std::string expired = operator_token();
  advance(seconds(12 * 3600 + 1));
  const std::string svc = service_token();
  ASSERT_EQ(create_operator(svc, "bob", kBobPin).status, 200u);
  const std::string disabled = operator_token("bob", kBobPin);
  ASSERT_EQ(post("/api/v1/service/operators/bob/disable", "{}", svc).status, 200u);
  const std::string replayed = operator_token();
  ASSERT_EQ(post("/api/v1/logout", "{}", replayed).status, 200u);
  const std::string token = operator_token();
  const std::string own = "http://" + authority();
  const std::string port = std::to_string(port_);
  auto arm = [&](std::string t) {
    return Call{http::verb::post, "/api/v1/arm", "{}",         "application/json",
                std::move(t),     false,         std::nullopt, std::nullopt};
  };
  auto with_host = [](Call c, std::string host) {
    c.host = std::move(host);
    return c;
  };
  auto with_origin = [](Call c, std::string origin) {
    c.origin = std::move(origin);
    return c;
  };
  auto with_type = [](Call c, std::string type) {
    c.content_type = std::move(type);
    return c;
  };
  const std::string login_body = R"({"role":"ROLE_OPERATOR","user":"alice","secret":"000000"})";
  const Call login{http::verb::post, "/api/v1/login", login_body, "application/json", "", false,
                   std::nullopt,     std::nullopt};
  const std::vector<AbuseRow> rows = {
      {"DNS rebinding: another site's name", with_host(arm(token), "evil.example:" + port), 421},
      {"DNS rebinding to the static files",
       with_host(Call{http::verb::get, "/", "", "", "", false, std::nullopt, std::nullopt},
                 "evil.example"),
       421},
      {"no Host", with_host(arm(token), ""), 421},
      {"a Host by another name", with_host(arm(token), "localhost:" + port), 421},
      {"a Host with another port", with_host(arm(token), "127.0.0.1:1"), 421},
      {"cross-origin post", with_origin(arm(token), "http://evil.example"), 403},
      {"cross-origin post from a file", with_origin(arm(token), "null"), 403},
      {"cross-origin read",
       with_origin(Call{http::verb::get, "/api/v1/status", "", "", token, false, std::nullopt,
                        std::nullopt},
                   "https://evil.example"),
       403},
      {"cross-origin log-in", with_origin(login, "http://evil.example"), 403},
      {"an origin on another port", with_origin(arm(token), "http://127.0.0.1:1"), 403},
      {"form post", with_type(with_origin(arm(token), own), "application/x-www-form-urlencoded"),
       415},
      {"plain-text post", with_type(arm(token), "text/plain"), 415},
      {"form log-in", with_type(login, "multipart/form-data; boundary=x"), 415},
      {"replayed token after log-out", arm(replayed), 401},
      {"expired token", arm(expired), 401},
      {"a disabled account's token", arm(disabled), 401},
      {"a made-up token", arm(std::string(64, 'f')), 401},
      {"a short token", arm("abc"), 401},
      {"oversized headers", arm(std::string(9000, 'a')), 431},
      {"body over 64 KiB",
       Call{http::verb::post, "/api/v1/session",
            R"({"patient_ref": ")" + std::string(70'000, 'p') + R"("})", "application/json", token,
            false, std::nullopt, std::nullopt},
       413},
      {"an operator's token on a service route",
       Call{http::verb::post, "/api/v1/faults/reset", R"({"reason": "x"})", "application/json",
            token, false, std::nullopt, std::nullopt},
       403},
  };
  for (const AbuseRow& row : rows) {
    const std::size_t audited_before = audit_size();
    const Reply r = send(row.call);
    EXPECT_EQ(r.status, row.status) << row.kind << ": " << r.body;
    const bool mutating = row.call.method != http::verb::get;
    // SR-72: refused, and recorded first; a request too large to read is not one.
    if (mutating && row.status != 431) {
      const std::vector<AuditEntry> log = audit_log();
      ASSERT_EQ(log.size(), audited_before + 1) << row.kind;
      EXPECT_EQ(log.back().result.substr(0, 3), std::to_string(row.status)) << row.kind;
      EXPECT_EQ(log.back().route, row.call.target) << row.kind;
    }
  }
  EXPECT_TRUE(nothing_reached_the_core());
  EXPECT_EQ(post("/api/v1/arm", "{}", token).status, 200u) << "the same request, as it should be";
}

// Verifies: SR-76
TEST_F(ApiAccessTest, StopIsTakenWhateverItsHostOriginOrContentType) {
  const std::vector<Call> stops = {
      {http::verb::post, "/api/v1/stop", "", "", "", false, "evil.example", std::nullopt},
      {http::verb::post, "/api/v1/stop", "a=b", "application/x-www-form-urlencoded", "", false,
       std::nullopt, "http://evil.example"},
      {http::verb::post, "/api/v1/stop", "", "", "", false, "", std::nullopt},
  };
  const std::size_t before = audit_size();
  int expected = 0;
  for (const Call& stop : stops) {
    EXPECT_EQ(send(stop).status, 200u);
    EXPECT_EQ(gateway_.stops.load(), ++expected) << "it reached the core";
  }
  const std::vector<AuditEntry> log = audit_log_of_at_least(before + stops.size());
  ASSERT_EQ(log.size(), before + stops.size()) << "each audited after the core was told";
  for (std::size_t i = before; i < log.size(); ++i) {
    EXPECT_EQ(log[i].route, "/api/v1/stop");
  }
}

// Verifies: SR-75, SR-76
TEST_F(ApiAccessTest, ASlowOrPartialRequestIsCutOffAndStopStillWorksMeanwhile) {
  const std::string token = operator_token();
  RawClient headers_never_end(port_);
  headers_never_end.write("POST /api/v1/arm HTTP/1.1\r\nHost: " + authority() +
                          "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: applic");
  RawClient body_never_ends(port_);
  body_never_ends.write("POST /api/v1/arm HTTP/1.1\r\nHost: " + authority() +
                        "\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{");
  RawClient stop_never_ends(port_);
  stop_never_ends.write("POST /api/v1/stop HTTP/1.1\r\nHost: " + authority() + "\r\n");
  // Meanwhile, a whole STOP from another connection is taken at once.
  EXPECT_EQ(send(http::verb::post, "/api/v1/stop", "", "").status, 200u);
  EXPECT_EQ(gateway_.stops.load(), 1);
  for (RawClient* c : {&headers_never_end, &body_never_ends, &stop_never_ends}) {
    const std::optional<std::string> received = c->until_closed();
    ASSERT_TRUE(received) << "the server closes a request not sent within its timeout";
    EXPECT_EQ(*received, "") << "and answers nothing";
  }
  EXPECT_EQ(gateway_.request_count.load(), 0);
  EXPECT_EQ(gateway_.stops.load(), 1) << "the partial STOP never reached the core";
}

// Verifies: SR-73
TEST_F(ApiAccessTest, AStreamIsAdmittedOnlyByAHelloAsItsFirstMessage) {
  const std::string token = operator_token();
  {
    StreamClient silent(port_);
    ASSERT_TRUE(silent.upgraded());
    EXPECT_FALSE(silent.read());
    EXPECT_EQ(silent.close_reason(), "no hello within 200 ms");
  }
  {
    // A token in the upgrade's headers admits nothing: only the first message does.
    StreamClient header_only(port_, [&](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + token);
    });
    ASSERT_TRUE(header_only.upgraded());
    EXPECT_FALSE(header_only.read());
    EXPECT_EQ(header_only.close_reason(), "no hello within 200 ms");
  }
  struct Row {
    const char* kind;
    std::string first;
    std::string reason;
  };
  const std::vector<Row> rows = {
      {"a heartbeat first", R"({"heartbeat": {"snapshot_id": "1"}})",
       "the first message is a hello"},
      {"not JSON", "hello", "the first message is a hello"},
      {"an empty message", "{}", "the first message is a hello"},
      {"a made-up token", R"({"hello": {"token": ")" + std::string(64, 'f') + R"("}})",
       "token unknown or expired"},
  };
  for (const Row& row : rows) {
    StreamClient client(port_);
    ASSERT_TRUE(client.upgraded()) << row.kind;
    client.write(row.first);
    EXPECT_FALSE(client.read()) << row.kind;
    EXPECT_EQ(client.close_reason(), row.reason) << row.kind;
  }
  {
    StreamClient cross_origin(port_, [](websocket::request_type& req) {
      req.set(http::field::origin, "http://evil.example");
    });
    EXPECT_FALSE(cross_origin.upgraded());
    EXPECT_EQ(cross_origin.upgrade_status(), 403u);
  }
  {
    StreamClient rebound(
        port_, [](websocket::request_type& req) { req.set(http::field::host, "evil.example"); });
    EXPECT_FALSE(rebound.upgraded());
    EXPECT_EQ(rebound.upgrade_status(), 421u);
  }
  {
    StreamClient own(port_, [this](websocket::request_type& req) {
      req.set(http::field::origin, "http://" + authority());
    });
    ASSERT_TRUE(own.upgraded());
    own.write(R"({"hello": {"token": ")" + token + R"("}})");
    auto welcome = own.read();
    ASSERT_TRUE(welcome && welcome->has_welcome());
  }
  EXPECT_TRUE(nothing_reached_the_core());
}

// Verifies: SR-73
TEST_F(ApiAccessTest, DisablingAnOperatorClosesTheirStream) {
  const std::string svc = service_token();
  ASSERT_EQ(create_operator(svc, "bob", kBobPin).status, 200u);
  // Tokens first: the hello must follow the upgrade within 200 ms.
  const std::string bob_token = operator_token("bob", kBobPin);
  const std::string alice_token = operator_token();
  StreamClient bob(port_);
  bob.write(R"({"hello": {"token": ")" + bob_token + R"("}})");
  ASSERT_TRUE(bob.read());  // welcome
  ASSERT_TRUE(bob.read());  // snapshot
  StreamClient alice(port_);
  alice.write(R"({"hello": {"token": ")" + alice_token + R"("}})");
  ASSERT_TRUE(alice.read());
  ASSERT_TRUE(alice.read());
  ASSERT_EQ(post("/api/v1/service/operators/bob/disable", "{}", svc).status, 200u);
  EXPECT_FALSE(bob.read());
  EXPECT_EQ(bob.close_reason(), "the account was disabled");
  on_io([this] {
    core::Status s;
    s.snapshot_id = 77;
    for (DeviceListener* l : gateway_.listeners) {
      l->on_snapshot(s);
    }
  });
  auto snapshot = alice.read();
  ASSERT_TRUE(snapshot && snapshot->has_snapshot()) << "alice's stream stays";
  EXPECT_EQ(snapshot->snapshot().snapshot_id(), 77u);
}

// ---- throttling ----

// Verifies: SR-74
TEST_F(ApiAccessTest, CrossOriginAndFormLogInsCannotLockAnOperatorOut) {
  const std::string wrong = R"({"role":"ROLE_OPERATOR","user":"alice","secret":"000000"})";
  for (int i = 0; i < 10; ++i) {
    Call form{http::verb::post, "/api/v1/login", wrong, "text/plain", "", false,
              std::nullopt,     std::nullopt};
    EXPECT_EQ(send(form).status, 415u);
    form.content_type = "application/json";
    form.origin = "http://evil.example";
    EXPECT_EQ(send(form).status, 403u);
  }
  EXPECT_FALSE(operator_token().empty()) << "none of them counted as a failed log-in";
}

// Verifies: SR-74
TEST_F(ApiAccessTest, ThrottlingCountsPerRoleAndUserAndUnknownNamesShareOneCount) {
  const std::string svc = service_token();
  ASSERT_EQ(create_operator(svc, "bob", kBobPin).status, 200u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(login_as("ROLE_OPERATOR", "alice", "000000").status, 401u);
  }
  EXPECT_EQ(login_as("ROLE_OPERATOR", "alice", kPin).status, 429u);
  EXPECT_EQ(login_as("ROLE_OPERATOR", "bob", kBobPin).status, 200u) << "bob has his own count";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(login_as("ROLE_OPERATOR", "nobody" + std::to_string(i), "000000").status, 401u);
  }
  EXPECT_EQ(login_as("ROLE_OPERATOR", "someone-else", "000000").status, 429u)
      << "guessing names does not multiply the attempts";
  // A disabled account counts as unknown: its name gets no count of its own to exhaust.
  ASSERT_EQ(post("/api/v1/service/operators/bob/disable", "{}", svc).status, 200u);
  EXPECT_EQ(login_as("ROLE_OPERATOR", "bob", kBobPin).status, 429u);
  EXPECT_TRUE(nothing_reached_the_core());
}

// ---- the audit log ----

// Verifies: SR-72
TEST_F(ApiAccessTest, EveryMutatingRequestAcceptedOrRefusedIsAuditedWithItsSecretsRedacted) {
  const std::string token = operator_token();
  const std::string svc = service_token();
  struct Row {
    const char* kind;
    Call call;
    std::string role;
    std::string user;
    std::string result;
  };
  auto call = [](http::verb m, std::string target, std::string body, std::string token_) {
    return Call{m,     std::move(target), std::move(body), "application/json", std::move(token_),
                false, std::nullopt,      std::nullopt};
  };
  const std::vector<Row> rows = {
      {"accepted", call(http::verb::post, "/api/v1/arm", "{}", token), "operator", "alice", "200"},
      {"bad input", call(http::verb::put, "/api/v1/parameters", R"({"power_mw": "x"})", token),
       "operator", "alice", "400 wrong type (power_mw)"},
      {"no token", call(http::verb::post, "/api/v1/disarm", "{}", ""), "anonymous", "",
       "401 log-in required (Authorization)"},
      {"wrong role", call(http::verb::post, "/api/v1/service/enter", "{}", token), "operator",
       "alice", "403 service role required (Authorization)"},
      {"no such route", call(http::verb::post, "/api/v1/nothing", "{}", token), "operator", "alice",
       "404 no such route"},
      {"wrong PIN",
       call(http::verb::post, "/api/v1/login",
            R"({"role":"ROLE_OPERATOR","user":"alice","secret":"918273"})", ""),
       "anonymous", "", "401 wrong user or secret (secret)"},
      {"new operator",
       call(http::verb::post, "/api/v1/service/operators", R"({"user":"bob","pin":"564738"})", svc),
       "service", "service", "200"},
  };
  for (const Row& row : rows) {
    const std::size_t before = audit_size();
    (void)send(row.call);
    const std::vector<AuditEntry> log = audit_log();
    ASSERT_EQ(log.size(), before + 1) << row.kind;
    const AuditEntry& e = log.back();
    EXPECT_EQ(e.route, row.call.target) << row.kind;
    EXPECT_EQ(e.role, row.role) << row.kind;
    EXPECT_EQ(e.user, row.user) << row.kind;
    EXPECT_EQ(e.result, row.result) << row.kind;
    EXPECT_EQ(e.at, WallMs{1'767'225'600'000}) << row.kind;
  }
  const std::vector<AuditEntry> log = audit_log();
  const AuditEntry& wrong_pin = log[log.size() - 2];
  EXPECT_EQ(wrong_pin.parameters.find("918273"), std::string::npos);
  EXPECT_NE(wrong_pin.parameters.find(R"j("secret":"(redacted)")j"), std::string::npos)
      << wrong_pin.parameters;
  EXPECT_NE(wrong_pin.parameters.find(R"("user":"alice")"), std::string::npos);
  EXPECT_EQ(log.back().parameters.find("564738"), std::string::npos);
  EXPECT_NE(log.back().parameters.find(R"("user":"bob")"), std::string::npos);
  // A body that is not JSON may hold a secret anywhere: none of it is kept.
  (void)send(call(http::verb::post, "/api/v1/login", R"({"secret": "918273")", ""));
  EXPECT_EQ(audit_log().back().parameters.find("918273"), std::string::npos);
  // Reads are not mutating: not audited.
  const std::size_t before = audit_size();
  (void)get("/api/v1/status", token);
  (void)get("/api/v1/service/operators", svc);
  EXPECT_EQ(audit_size(), before);
}

// Verifies: SR-72
TEST_F(ApiAccessTest, AnUnwritableAuditLogAnswers503ButStopReachesTheCoreFirst) {
  const std::string token = operator_token();
  on_io([this] { store_.fail_audit = true; });
  const Reply login = login_as("ROLE_OPERATOR", "alice", kPin);
  EXPECT_EQ(login.status, 503u);
  EXPECT_EQ(login.body.find("token"), std::string::npos) << "no token handed out unrecorded";
  EXPECT_EQ(post("/api/v1/arm", "{}", token).status, 503u);
  EXPECT_EQ(post("/api/v1/arm", "{}", "").status, 503u) << "refusals too";
  EXPECT_EQ(send(http::verb::post, "/api/v1/stop", "", "").status, 200u);
  EXPECT_EQ(gateway_.stops.load(), 1);
}

// Verifies: SR-72
TEST_F(ApiAccessTest, TheVerifyRouteChecksTheWholeChainAndNamesTheFirstBadRow) {
  const std::string svc = service_token();
  EXPECT_EQ(get("/api/v1/service/audit/verify", operator_token()).status, 403u);
  // More entries than one page of the check.
  on_io([this] {
    for (int i = 0; i < 700; ++i) {
      AuditEntry e;
      e.route = "/api/v1/arm";
      e.result = "200";
      ASSERT_TRUE(store_.append_audit(e));
    }
  });
  const std::size_t rows = audit_size();
  api::AuditVerification v;
  Reply r = get("/api/v1/service/audit/verify", svc);
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_FALSE(parse_json(r.body, v));
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.rows(), rows);
  EXPECT_EQ(v.first_bad_row(), 0u);

  on_io([this] {
    std::lock_guard lock(store_.mutex);
    store_.audit_log[599].result = "403";  // entry 600
  });
  r = get("/api/v1/service/audit/verify", svc);
  ASSERT_FALSE(parse_json(r.body, v));
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.rows(), rows);
  EXPECT_EQ(v.first_bad_row(), 600u);
  EXPECT_FALSE(v.problem().empty());

  on_io([this] { store_.failing = true; });
  EXPECT_EQ(get("/api/v1/service/audit/verify", svc).status, 503u)
      << "a check that could not read the log is no pass";
}

}  // namespace
}  // namespace rfneedle::daemon
