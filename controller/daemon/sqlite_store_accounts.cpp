// SqliteStore's accounts and audit log: operators, and the hash-chained, append-only audit
// table (SR-72).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "controller/daemon/audit_chain.h"
#include "controller/daemon/sqlite_rows.h"
#include "controller/daemon/sqlite_store.h"

namespace rfneedle::daemon {

using sqlite_rows::guarded;
using sqlite_rows::i64;
using sqlite_rows::u64;

namespace {

OperatorRecord read_operator(SQLite::Statement& s) {
  OperatorRecord r;
  r.user = s.getColumn(0).getString();
  r.pin_hash = s.getColumn(1).getString();
  r.disabled = s.getColumn(2).getInt() != 0;
  r.created_at = s.getColumn(3).getInt64();
  r.changed_at = s.getColumn(4).getInt64();
  return r;
}

constexpr const char* kOperatorColumns = "user, pin_hash, disabled, created_at, changed_at";

}  // namespace

bool SqliteStore::add_operator(const OperatorRecord& account) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_, std::string("INSERT INTO operators (") + kOperatorColumns +
                                  ") VALUES (?, ?, ?, ?, ?) ON CONFLICT (user) DO NOTHING");
    s.bind(1, account.user);
    s.bind(2, account.pin_hash);
    s.bind(3, account.disabled ? 1 : 0);
    s.bind(4, account.created_at);
    s.bind(5, account.changed_at);
    return s.exec() == 1;
  });
}

bool SqliteStore::update_operator(const OperatorRecord& account) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(
        *db_, "UPDATE operators SET pin_hash = ?, disabled = ?, changed_at = ? WHERE user = ?");
    s.bind(1, account.pin_hash);
    s.bind(2, account.disabled ? 1 : 0);
    s.bind(3, account.changed_at);
    s.bind(4, account.user);
    return s.exec() == 1;
  });
}

std::vector<OperatorRecord> SqliteStore::operators() {
  return guarded(last_error_, std::vector<OperatorRecord>{}, [&] {
    SQLite::Statement s(
        *db_, std::string("SELECT ") + kOperatorColumns + " FROM operators ORDER BY user");
    std::vector<OperatorRecord> found;
    while (s.executeStep()) {
      found.push_back(read_operator(s));
    }
    return found;
  });
}

std::optional<OperatorRecord> SqliteStore::find_operator(const std::string& user) {
  return guarded(last_error_, std::optional<OperatorRecord>{}, [&] {
    SQLite::Statement s(
        *db_, std::string("SELECT ") + kOperatorColumns + " FROM operators WHERE user = ?");
    s.bind(1, user);
    std::optional<OperatorRecord> found;
    if (s.executeStep()) {
      found = read_operator(s);
    }
    return found;
  });
}

bool SqliteStore::append_audit(AuditEntry& entry) {
  return guarded(last_error_, false, [&] {
    // The link and the insert in one transaction: no entry ever follows the wrong one.
    SQLite::Transaction transaction(*db_);
    SQLite::Statement last(*db_, "SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1");
    std::uint64_t id = 1;
    std::string previous(kAuditChainStart);
    if (last.executeStep()) {
      id = u64(last.getColumn(0).getInt64()) + 1;
      previous = last.getColumn(1).getString();
    }
    AuditEntry linked = entry;
    link_audit_entry(linked, id, previous);
    SQLite::Statement s(*db_,
                        "INSERT INTO audit (id, at, role, user, route, parameters, result, "
                        "previous_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, i64(linked.id));
    s.bind(2, linked.at);
    s.bind(3, linked.role);
    s.bind(4, linked.user);
    s.bind(5, linked.route);
    s.bind(6, linked.parameters);
    s.bind(7, linked.result);
    s.bind(8, linked.previous_hash);
    s.bind(9, linked.row_hash);
    s.exec();
    transaction.commit();
    entry = std::move(linked);
    return true;
  });
}

std::vector<AuditEntry> SqliteStore::audit(std::uint64_t after_id, std::uint32_t limit) {
  return guarded(last_error_, std::vector<AuditEntry>{}, [&] {
    SQLite::Statement s(*db_,
                        "SELECT id, at, role, user, route, parameters, result, previous_hash, "
                        "row_hash FROM audit WHERE id > ? ORDER BY id LIMIT ?");
    s.bind(1, i64(after_id));
    s.bind(2, static_cast<std::int64_t>(limit));
    std::vector<AuditEntry> found;
    while (s.executeStep()) {
      AuditEntry& a = found.emplace_back();
      a.id = u64(s.getColumn(0).getInt64());
      a.at = s.getColumn(1).getInt64();
      a.role = s.getColumn(2).getString();
      a.user = s.getColumn(3).getString();
      a.route = s.getColumn(4).getString();
      a.parameters = s.getColumn(5).getString();
      a.result = s.getColumn(6).getString();
      a.previous_hash = s.getColumn(7).getString();
      a.row_hash = s.getColumn(8).getString();
    }
    return found;
  });
}

std::optional<std::uint64_t> SqliteStore::last_audit_id() {
  return guarded(last_error_, std::optional<std::uint64_t>{}, [&] {
    return std::optional<std::uint64_t>(
        u64(db_->execAndGet("SELECT coalesce(max(id), 0) FROM audit").getInt64()));
  });
}

}  // namespace rfneedle::daemon
