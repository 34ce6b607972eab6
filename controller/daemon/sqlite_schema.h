// SqliteStore's schema and its migrations, versioned by `PRAGMA user_version`. Internal
// to SqliteStore (it throws SQLite::Exception; SqliteStore catches).
#pragma once

#include <SQLiteCpp/Database.h>

namespace rfneedle::daemon {

// The schema this build writes. A file with a higher user_version is refused.
inline constexpr int kSchemaVersion = 6;

// Brings a store at version `from` (0: a new file) to kSchemaVersion in one transaction,
// so a failed migration leaves the file as it was.
void migrate(SQLite::Database& db, int from);

}  // namespace rfneedle::daemon
