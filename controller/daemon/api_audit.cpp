// The audit log (SR-72): every mutating request, accepted or refused, is recorded (time,
// role, user, route, parameters with secrets redacted, result) before it is answered; a
// request whose record cannot be written is answered 503 instead. STOP is recorded after
// the core was told (api_service.cpp). GET /service/audit/verify checks the hash chain
// (audit_chain.h) a page at a time, so a long log never holds up STOP.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>

#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"
#include "controller/daemon/audit_chain.h"

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;

// Request fields that carry a PIN, a key or a token (SR-73: never logged).
constexpr std::array<std::string_view, 3> kSecretFields = {"secret", "pin", "token"};
constexpr std::string_view kRedacted = "(redacted)";
constexpr std::uint32_t kVerifyPage = 256;

void redact(pb::Value& value);

void redact(pb::Struct& object) {
  for (auto& [key, value] : *object.mutable_fields()) {
    if (std::find(kSecretFields.begin(), kSecretFields.end(), key) != kSecretFields.end()) {
      value.set_string_value(std::string(kRedacted));
      continue;
    }
    redact(value);
  }
}

void redact(pb::Value& value) {
  if (value.has_struct_value()) {
    redact(*value.mutable_struct_value());
  } else if (value.has_list_value()) {
    for (pb::Value& item : *value.mutable_list_value()->mutable_values()) {
      redact(item);
    }
  }
}

// The body as JSON with every secret field's value replaced. A body that is not a JSON
// object is not kept at all: it might hold a secret where no field name says so.
std::string audit_parameters(std::string_view body) {
  if (body.empty()) {
    return "";
  }
  pb::Struct object;
  if (!pb::util::JsonStringToMessage(pb::StringPiece(body.data(), body.size()), &object).ok()) {
    return "(not a JSON object: " + std::to_string(body.size()) + " bytes, not kept)";
  }
  redact(object);
  std::string text;
  if (!pb::util::MessageToJsonString(object, &text).ok()) {
    return "(not printable: not kept)";
  }
  return text;
}

// "200", or the status and the error: "409 disarm before closing".
std::string audit_result(const HttpResponse& response) {
  std::string result = std::to_string(response.status);
  api::ErrorBody e;
  if (response.status >= 400 && !parse_json(response.body, e)) {
    result += " " + e.error();
    if (!e.field().empty()) {
      result += " (" + e.field() + ")";
    }
  }
  return result;
}

}  // namespace

Respond ApiService::audited(const Caller& caller, const HttpRequest& request, std::string route,
                            Respond respond) {
  return [this, alive = std::weak_ptr<int>(alive_), caller, route = std::move(route),
          parameters = audit_parameters(request.body),
          respond = std::move(respond)](HttpResponse response) {
    if (alive.expired()) {
      return;
    }
    if (!audit(caller, route, parameters, audit_result(response))) {
      // Unrecorded, it is not answered as done (SR-72).
      return respond(error_response(
          503, error_body("the audit log could not be written", "", "audited before answered")));
    }
    respond(std::move(response));
  };
}

bool ApiService::audit(const Caller& caller, std::string_view route, std::string parameters,
                       std::string result) {
  AuditEntry entry;
  entry.at = options_.wall_now();
  entry.role = caller.role();
  entry.user = caller.user();
  entry.route = std::string(route);
  entry.parameters = std::move(parameters);
  entry.result = std::move(result);
  return store_.append_audit(entry);
}

struct ApiService::AuditVerifyRun {
  Respond respond;
  std::uint64_t last_id = 0;  // the newest entry when the check began: it reads up to it
  std::uint64_t after_id = 0;
  AuditChainCheck check;
};

void ApiService::verify_audit(const Respond& respond) {
  const std::optional<std::uint64_t> last = store_.last_audit_id();
  if (!last) {
    return respond(
        error_response(503, error_body("the audit log could not be read", "", "a readable store")));
  }
  auto run = std::make_shared<AuditVerifyRun>();
  run->respond = respond;
  run->last_id = *last;
  verify_audit_step(run);
}

void ApiService::verify_audit_step(const std::shared_ptr<AuditVerifyRun>& run) {
  if (run->after_id < run->last_id) {
    const std::vector<AuditEntry> page = store_.audit(run->after_id, kVerifyPage);
    std::size_t read = 0;
    for (const AuditEntry& entry : page) {
      if (entry.id > run->last_id) {
        break;
      }
      run->check.add(entry);
      run->after_id = entry.id;
      ++read;
    }
    if (read == 0) {
      // Entries up to last_id exist; reading none of them is a failed read, not a pass.
      return run->respond(error_response(
          503,
          error_body("the audit log could not be read after entry " + std::to_string(run->after_id),
                     "", "a readable store")));
    }
    if (run->after_id < run->last_id) {
      // The next page after whatever else is waiting on the service thread (STOP first).
      post_([this, alive = std::weak_ptr<int>(alive_), run] {
        if (!alive.expired()) {
          verify_audit_step(run);
        }
      });
      return;
    }
  }
  const AuditChainResult& r = run->check.result();
  api::AuditVerification out;
  out.set_ok(r.ok);
  out.set_rows(r.rows);
  out.set_first_bad_row(r.first_bad_row);
  out.set_problem(r.problem);
  run->respond({200, to_json(out)});
}

}  // namespace rfneedle::daemon
