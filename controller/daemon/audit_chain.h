// The audit log's hash chain (SR-72): each entry carries the hash of the entry before it
// (previous_hash) and its own (row_hash), a SHA-256 over a canonical encoding of its
// fields and previous_hash. A changed, removed or inserted entry breaks the chain at the
// first entry after the change that no longer matches; the triggers that make the table
// append-only stop ordinary writes, the chain shows what got past them.
//
// Canonical encoding, version 1: "rfneedle-audit-v1\n", then for each of id, at, role,
// user, route, parameters, result and previous_hash, in that order, its decimal byte
// length, ':', its bytes, ',' (numbers as decimal text). The hash is lower-case hex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controller/daemon/store.h"

namespace rfneedle::daemon {

// The first entry's previous_hash: 64 zeros.
inline constexpr std::string_view kAuditChainStart =
    "0000000000000000000000000000000000000000000000000000000000000000";

// SHA-256 of the entry's canonical encoding (its row_hash is not part of it).
[[nodiscard]] std::string audit_row_hash(const AuditEntry& entry);

// Makes `entry` the next link after an entry whose row_hash is `previous_row_hash`
// (kAuditChainStart for the first): sets its id, previous_hash and row_hash.
void link_audit_entry(AuditEntry& entry, std::uint64_t id, std::string_view previous_row_hash);

struct AuditChainResult {
  bool ok = true;
  std::uint64_t rows = 0;           // entries read
  std::uint64_t first_bad_row = 0;  // the ID of the first entry that breaks the chain; 0 if ok
  std::string problem;              // what is wrong with that entry
};

// Checks entries fed in ID order, from the first.
class AuditChainCheck {
 public:
  void add(const AuditEntry& entry);
  [[nodiscard]] const AuditChainResult& result() const { return result_; }

 private:
  std::string previous_row_hash_{kAuditChainStart};
  std::uint64_t previous_id_ = 0;
  AuditChainResult result_;
};

}  // namespace rfneedle::daemon
