// The typed answer to every operator request (F Prime: OK, validation error, execution
// error, busy), naming the field and the reason when refused.
#pragma once

#include <cstdint>
#include <string_view>

namespace rfneedle::core {

enum class ResponseCode : std::uint8_t { kOk, kValidationError, kExecutionError, kBusy };

struct Response {
  ResponseCode code = ResponseCode::kOk;
  std::string_view field;
  std::string_view reason;

  [[nodiscard]] bool ok() const { return code == ResponseCode::kOk; }
  [[nodiscard]] static Response accepted() { return {}; }
  [[nodiscard]] static Response invalid(std::string_view field, std::string_view reason) {
    return {ResponseCode::kValidationError, field, reason};
  }
  [[nodiscard]] static Response refused(std::string_view reason) {
    return {ResponseCode::kExecutionError, {}, reason};
  }
};

}  // namespace rfneedle::core
