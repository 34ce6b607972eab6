#include "tools/diag/diag_exit.h"

namespace rfneedle::diag {

Exit exit_for_status(unsigned status) {
  switch (status) {
    case 400:  // the request named a field the controller refused: what the user typed
    case 404:  // an unknown session, operator or route
      return Exit::kUsage;
    case 401:
    case 403:
    case 423:  // the idle lock: the operator logs in again
      return Exit::kNotAuthorised;
    default:
      return status >= 200 && status < 300 ? Exit::kOk : Exit::kRefused;
  }
}

}  // namespace rfneedle::diag
