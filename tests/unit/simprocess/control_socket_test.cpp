#include "simulator/process/control_socket.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

namespace rfneedle::sim {
namespace {

namespace fs = std::filesystem;
using boost::asio::local::stream_protocol;

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("rfneedle-ctl-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sock");
    fs::remove(path_);
  }
  void TearDown() override { fs::remove(path_); }

  // A blocking client on its own thread; the server runs on io_ in this one.
  std::string exchange(const std::string& request_bytes, int answers) {
    std::string got;
    std::thread client([&] {
      boost::asio::io_context client_io;
      stream_protocol::socket socket(client_io);
      socket.connect(stream_protocol::endpoint(path_.string()));
      boost::asio::write(socket, boost::asio::buffer(request_bytes));
      char chunk[512];
      while (std::count(got.begin(), got.end(), '\n') < answers) {
        boost::system::error_code ec;
        const std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
        if (ec) {
          break;
        }
        got.append(chunk, n);
      }
      done_ = true;
    });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done_ && std::chrono::steady_clock::now() < give_up) {
      io_.run_for(std::chrono::milliseconds(5));
      io_.restart();
    }
    client.join();
    return got;
  }

  boost::asio::io_context io_;
  fs::path path_;
  std::atomic<bool> done_{false};
};

TEST_F(ControlSocketTest, AnswersEachRequestLineWithTheHandlersLine) {
  ControlSocket socket(io_, path_, [](const std::string& request) { return "got " + request; });
  EXPECT_EQ(exchange("status\r\ninject impedance-open for=200ms\n", 2),
            "got status\ngot inject impedance-open for=200ms\n");
}

TEST_F(ControlSocketTest, RefusesAnOverlongRequestAndClosesTheConnection) {
  int calls = 0;
  ControlSocket socket(io_, path_, [&](const std::string&) {
    ++calls;
    return std::string("ok");
  });
  const std::string answer = exchange(std::string(ControlSocket::kMaxRequestBytes + 10, 'x'), 2);
  EXPECT_EQ(answer, "error: request longer than 4096 bytes\n");
  EXPECT_EQ(calls, 0);
}

TEST_F(ControlSocketTest, RefusesToReplaceAFileThatIsNotASocket) {
  std::ofstream(path_) << "data";
  EXPECT_THROW(ControlSocket(io_, path_, [](const std::string&) { return std::string(); }),
               std::system_error);
  EXPECT_TRUE(fs::is_regular_file(path_));
}

}  // namespace
}  // namespace rfneedle::sim
