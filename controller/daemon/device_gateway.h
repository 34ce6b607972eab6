// The seam between rfneedled's two threads (DESIGN 6): the service thread (API server,
// store, logs) asks through a DeviceGateway; the safety thread (links, core, 1 kHz tick)
// answers and publishes. They meet only through bounded queues the safety thread never
// waits on (SR-71). Every call here is made on the service thread, and every callback
// comes on it, except stop(), which may be called from any thread (the API server's
// network thread calls it, so STOP never waits for the service thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "controller/core/calibration.h"
#include "controller/core/core_event.h"
#include "controller/core/response.h"
#include "controller/core/status.h"
#include "controller/core/telemetry.h"
#include "controller/core/treatment.h"
#include "controller/daemon/store.h"

namespace rfneedle::daemon {

// Requests the API makes of the core; the core decides (DESIGN 2.5).
struct OpenSession {
  core::SessionRequest request;
  // Recorded with the session, never seen by the core: the screening items answered YES
  // (contraindications and advisories, by id) and the reason for a session sooner than the
  // course's minimum interval ("" when none was needed).
  std::vector<std::string> screening_yes;
  std::string course_reason;
};
struct CloseSession {};
// POST /session/{id}/resume (SR-89): the stored interrupted session continues with its bound
// cartridge; `request` is rebuilt from its record (the caller as operator, today's date).
struct ResumeSession {
  core::SessionRequest request;
  std::uint64_t session_id = 0;
};
struct SetParameters {
  core::PulseParameters parameters;
};
// The operator is the token's user: the gateway records it with every pulse while armed.
struct Arm {
  std::string operator_id;
};
struct Disarm {};
struct Acknowledge {};
struct ServiceReset {
  std::string reason;
};
struct EnterService {};
struct ExitService {};
struct RunSelfTest {};
struct DisplayHeartbeat {
  std::uint64_t snapshot_id = 0;
};
// POST /session/area: the open session's area changes (every pulse stores its area).
struct ChangeArea {
  core::BodyArea area = core::BodyArea::kCheek;
};
// POST /session/cartridge: the operator swapped the cartridge; read its memory again.
struct SwapCartridge {};
// POST /service/calibration/run: one reference-load run into the attached fixture (SR-66).
struct Calibrate {
  core::CalibrationRequest request;
};
// POST /service/calibration/complete: the runs' correction to the generator, recorded.
struct CompleteCalibration {
  std::int32_t today = 0;  // days since 1970-01-01
};
// POST /login: an operator's PIN accepted while the idle lock is on ends the lock (SR-64).
struct UnlockScreen {};
using CoreRequest =
    std::variant<OpenSession, CloseSession, ResumeSession, SetParameters, Arm, Disarm, Acknowledge,
                 ServiceReset, EnterService, ExitService, RunSelfTest, DisplayHeartbeat, ChangeArea,
                 SwapCartridge, Calibrate, CompleteCalibration, UnlockScreen>;

// The core's answer, with its text copied (it outlives the safety thread's call).
struct CoreReply {
  core::ResponseCode code = core::ResponseCode::kOk;
  std::string field;
  std::string reason;
  [[nodiscard]] bool ok() const { return code == core::ResponseCode::kOk; }
};

// One millisecond of both boards' telemetry as the core saw it.
struct TelemetrySample {
  WallMs at = 0;
  core::GeneratorSample generator;
  core::ActuatorSample actuator;
};

class DeviceListener {
 public:
  virtual void on_event(const StoredEvent& event) = 0;       // stored, with its ID
  virtual void on_snapshot(const core::Status& status) = 0;  // numbered, ≤ 20 Hz and on change
  virtual void on_telemetry(const TelemetrySample& sample) = 0;

 protected:
  ~DeviceListener() = default;
};

class DeviceGateway {
 public:
  using Reply = std::function<void(const CoreReply&)>;
  virtual ~DeviceGateway() = default;

  // Never blocks; `reply` is called later on the service thread. A full request queue is
  // answered kBusy at once.
  virtual void request(CoreRequest request, Reply reply) = 0;
  // STOP: never queued behind anything, never refused (SR-49, SR-76). Returns at once.
  // Thread-safe.
  virtual void stop() = 0;
  // The latest published snapshot; never issues a new snapshot number.
  [[nodiscard]] virtual const core::Status& status() const = 0;
  // Both boards' handshakes said they are simulated (SR-77).
  [[nodiscard]] virtual bool boards_simulated() const = 0;
  // What holds the device because of its store (issue 10: a failed commit, a store
  // unusable at start-up, a wall clock behind the records); empty when nothing does.
  [[nodiscard]] virtual std::string store_problem() const = 0;
  // A service engineer confirmed the wall clock (SR-87): false when it was not held.
  virtual bool confirm_clock() = 0;
  virtual void add_listener(DeviceListener& listener) = 0;
  virtual void remove_listener(DeviceListener& listener) = 0;
};

}  // namespace rfneedle::daemon
