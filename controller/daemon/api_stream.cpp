// The stream (GET /api/v1/stream): snapshots, ~30 Hz telemetry and events pushed to every
// admitted connection (STYLE: Moonraker, push rather than poll), and the display's
// heartbeat forwarded to the core (SR-78, SR-80).
#include <algorithm>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"

namespace rfneedle::daemon {
namespace {

std::string stream_error(std::string what, std::string field, std::string rule) {
  api::StreamServerMessage m;
  *m.mutable_error() = error_body(std::move(what), std::move(field), std::move(rule));
  return to_json(m);
}

}  // namespace

// Issue 10: a connection authenticates with its first message (the server closes one that
// sends none within 1 s), never by the upgrade request's headers.
void ApiService::stream_opened(StreamPeer& peer) { pending_.push_back(&peer); }

bool ApiService::stream_admitted(const StreamPeer& peer) const {
  return std::any_of(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.peer == &peer; });
}

void ApiService::stream_message(StreamPeer& peer, std::string_view text) {
  api::StreamClientMessage message;
  const bool admitted = stream_admitted(peer);
  if (auto e = parse_json(text, message)) {
    if (!admitted) {
      peer.close("the first message is a hello");
      return;
    }
    api::StreamServerMessage m;
    *m.mutable_error() = *e;
    peer.send(SendQueue::Kind::kControl, to_json(m));
    return;
  }
  if (message.has_hello()) {
    if (admitted) {
      peer.send(SendQueue::Kind::kControl, stream_error("already admitted", "hello", "once"));
      return;
    }
    const api::StreamHello& hello = message.hello();
    if (hello.display()) {
      if (!peer.from_loopback()) {
        peer.close("the display connects from the device itself");
        return;
      }
      admit(peer, api::ROLE_DISPLAY, "", std::nullopt);
      return;
    }
    const auto identity = auth_.identify(hello.token(), options_.steady_now());
    if (!identity) {
      peer.close("token unknown or expired");
      return;
    }
    admit(peer, identity->role == Role::kService ? api::ROLE_SERVICE : api::ROLE_OPERATOR,
          identity->user, identity->expires);
    return;
  }
  if (!admitted) {
    peer.close("the first message is a hello");
    return;
  }
  if (message.has_heartbeat()) {
    if (&peer != display_) {
      peer.send(SendQueue::Kind::kControl,
                stream_error("only the display sends heartbeats", "heartbeat", "display"));
      return;
    }
    // The core judges whether the echoed snapshot is recent (SR-78); its reply is not ours.
    gateway_.request(DisplayHeartbeat{message.heartbeat().snapshot_id()}, [](const CoreReply&) {});
    return;
  }
  peer.send(SendQueue::Kind::kControl, stream_error("empty message", "", "hello or heartbeat"));
}

void ApiService::stream_closed(StreamPeer& peer) {
  std::erase(pending_, &peer);
  std::erase_if(peers_, [&](const Peer& p) { return p.peer == &peer; });
  if (display_ == &peer) {
    display_ = nullptr;
  }
}

void ApiService::admit(StreamPeer& peer, api::Role role, std::string user,
                       std::optional<Instant> expires) {
  std::erase(pending_, &peer);
  if (role == api::ROLE_DISPLAY) {
    // One display: a second connection replaces the first (a reloaded page).
    if (display_ != nullptr && display_ != &peer) {
      StreamPeer* old = display_;
      std::erase_if(peers_, [&](const Peer& p) { return p.peer == old; });
      old->close("replaced by another display connection");
    }
    display_ = &peer;
  }
  peers_.push_back({&peer, role, std::move(user), expires});
  api::StreamServerMessage welcome;
  welcome.mutable_welcome()->set_role(role);
  *welcome.mutable_welcome()->mutable_presets() = presets_now();
  peer.send(SendQueue::Kind::kControl, to_json(welcome));
  api::StreamServerMessage snapshot;
  *snapshot.mutable_snapshot() = to_api(gateway_.status(), gateway_.boards_simulated(), gateway_.store_problem());
  peer.send(SendQueue::Kind::kSnapshot, to_json(snapshot));
}

void ApiService::broadcast(SendQueue::Kind kind, const std::string& text) {
  const Instant now = options_.steady_now();
  // A copy: a send may close a peer, and closing never calls back synchronously, but a
  // token's expiry removes it here.
  std::vector<Peer> peers = peers_;
  for (const Peer& p : peers) {
    if (p.expires && *p.expires <= now) {
      stream_closed(*p.peer);
      p.peer->close("token expired");
      continue;
    }
    p.peer->send(kind, text);
  }
}

void ApiService::on_event(const StoredEvent& event) {
  api::StreamServerMessage m;
  *m.mutable_event() = to_api(event);
  broadcast(SendQueue::Kind::kEvent, to_json(m));
}

void ApiService::on_snapshot(const core::Status& status) {
  if (status.screen_locked && !locked_since_) {
    locked_since_ = options_.steady_now();
  } else if (!status.screen_locked) {
    locked_since_.reset();
  }
  api::StreamServerMessage m;
  *m.mutable_snapshot() = to_api(status, gateway_.boards_simulated(), gateway_.store_problem());
  broadcast(SendQueue::Kind::kSnapshot, to_json(m));
}

void ApiService::on_telemetry(const TelemetrySample& sample) {
  auto frame = decimator_.add(sample);
  if (!frame || peers_.empty()) {
    return;
  }
  api::StreamServerMessage m;
  *m.mutable_telemetry() = std::move(*frame);
  broadcast(SendQueue::Kind::kTelemetry, to_json(m));
}

}  // namespace rfneedle::daemon
