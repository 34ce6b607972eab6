// The audit log's hash chain on its own: what each kind of tampering looks like.
#include "controller/daemon/audit_chain.h"

#include <gtest/gtest.h>

#include <vector>

namespace rfneedle::daemon {
namespace {

std::vector<AuditEntry> chain_of(int n) {
  std::vector<AuditEntry> entries;
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.at = 1000 * i;
    e.role = "operator";
    e.user = "alice";
    e.route = "/api/v1/arm";
    e.parameters = "{}";
    e.result = "200";
    link_audit_entry(
        e, static_cast<std::uint64_t>(i),
        entries.empty() ? kAuditChainStart : std::string_view(entries.back().row_hash));
    entries.push_back(e);
  }
  return entries;
}

AuditChainResult check(const std::vector<AuditEntry>& entries) {
  AuditChainCheck c;
  for (const AuditEntry& e : entries) {
    c.add(e);
  }
  return c.result();
}

TEST(AuditChain, HashesAreSha256HexAndCoverEveryField) {
  const AuditEntry e = chain_of(1)[0];
  EXPECT_EQ(e.row_hash.size(), 64u);
  EXPECT_EQ(e.row_hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  for (auto change : std::vector<void (*)(AuditEntry&)>{
           [](AuditEntry& a) { a.id = 2; }, [](AuditEntry& a) { a.at += 1; },
           [](AuditEntry& a) { a.role = "service"; }, [](AuditEntry& a) { a.user = "bob"; },
           [](AuditEntry& a) { a.route = "/api/v1/disarm"; },
           [](AuditEntry& a) { a.parameters = "{\"x\":1}"; },
           [](AuditEntry& a) { a.result = "403"; },
           [](AuditEntry& a) { a.previous_hash[0] = '1'; }}) {
    AuditEntry changed = e;
    change(changed);
    EXPECT_NE(audit_row_hash(changed), e.row_hash);
  }
}

TEST(AuditChain, FieldBoundariesCannotBeShifted) {
  // "ab" + "c" and "a" + "bc" encode differently: each field carries its length.
  AuditEntry a = chain_of(1)[0];
  AuditEntry b = a;
  a.role = "ab";
  a.user = "c";
  b.role = "a";
  b.user = "bc";
  EXPECT_NE(audit_row_hash(a), audit_row_hash(b));
}

// Verifies: SR-72
TEST(AuditChain, AnIntactChainVerifiesAndAnEmptyOneToo) {
  EXPECT_TRUE(check(chain_of(5)).ok);
  EXPECT_EQ(check(chain_of(5)).rows, 5u);
  EXPECT_TRUE(check({}).ok);
  EXPECT_EQ(check({}).rows, 0u);
}

// Verifies: SR-72
TEST(AuditChain, ReportsTheFirstEntryThatBreaksItAndCountsEveryRow) {
  std::vector<AuditEntry> changed = chain_of(5);
  changed[1].result = "403";
  changed[3].user = "mallory";
  AuditChainResult r = check(changed);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_row, 2u);
  EXPECT_EQ(r.rows, 5u);

  std::vector<AuditEntry> reordered = chain_of(5);
  std::swap(reordered[2], reordered[3]);
  EXPECT_EQ(check(reordered).first_bad_row, 4u);

  std::vector<AuditEntry> inserted = chain_of(5);
  AuditEntry extra = inserted[1];
  link_audit_entry(extra, 3, inserted[1].row_hash);
  inserted.insert(inserted.begin() + 2, extra);
  EXPECT_EQ(check(inserted).first_bad_row, 3u) << "the original entry 3 no longer follows";
}

}  // namespace
}  // namespace rfneedle::daemon
