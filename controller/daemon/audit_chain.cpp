#include "controller/daemon/audit_chain.h"

#include <sodium.h>

#include <stdexcept>

namespace rfneedle::daemon {
namespace {

void append_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ',';
}

}  // namespace

std::string audit_row_hash(const AuditEntry& e) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw std::runtime_error("libsodium could not be initialised");
  }
  std::string encoded = "rfneedle-audit-v1\n";
  append_field(encoded, std::to_string(e.id));
  append_field(encoded, std::to_string(e.at));
  append_field(encoded, e.role);
  append_field(encoded, e.user);
  append_field(encoded, e.route);
  append_field(encoded, e.parameters);
  append_field(encoded, e.result);
  append_field(encoded, e.previous_hash);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(encoded.data()),
                     encoded.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

void link_audit_entry(AuditEntry& entry, std::uint64_t id, std::string_view previous_row_hash) {
  entry.id = id;
  entry.previous_hash = std::string(previous_row_hash);
  entry.row_hash = audit_row_hash(entry);
}

void AuditChainCheck::add(const AuditEntry& entry) {
  ++result_.rows;
  if (!result_.ok) {
    return;
  }
  auto broken = [&](std::string problem) {
    result_.ok = false;
    result_.first_bad_row = entry.id;
    result_.problem = std::move(problem);
  };
  if (entry.previous_hash != previous_row_hash_) {
    broken(previous_id_ == 0
               ? "previous_hash does not start the chain"
               : "previous_hash is not the row_hash of entry " + std::to_string(previous_id_));
    return;
  }
  if (entry.row_hash != audit_row_hash(entry)) {
    broken("row_hash does not match the entry's contents");
    return;
  }
  previous_row_hash_ = entry.row_hash;
  previous_id_ = entry.id;
}

}  // namespace rfneedle::daemon
