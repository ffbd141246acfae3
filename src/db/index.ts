export { openDatabase, type Database, type Sql, type Tx, type Queryable } from './connect.js';
export { migrate, migrationsCurrent, readMigrations, MigrationError, MIGRATIONS_DIR } from './migrate.js';
export { GroupCommit } from './group-commit.js';
export { DatabaseUnavailable, asDatabaseUnavailable } from './availability.js';
export { lockDataDir, DataDirInUse } from './data-dir-lock.js';
