import Destinations
import Foundation
import SyncKit
import Testing

/// The SQL both SQL destinations write through `SQLDialect`, each in its own spelling: the DDL of a new table and of
/// added columns, the upsert, reads and deletes with the database's placeholders, and the schema rules' fixes.
struct SQLDialectTests {
    let report = TableSchema(name: "r", fields: [Field("id", .string, "The id"), Field("day", .date, ""), Field("spend", .decimal, "")],
                             key: ["id", "day"], timeField: "day")
    let sqlite = SQLDialect(table: { SQLText.quote($0) }, columnType: { field, _ in field.type == .decimal ? "REAL" : "TEXT" },
                            numberedPlaceholders: false, distinct: "IS NOT", comments: false,
                            createIndex: { table, name, column in "CREATE INDEX IF NOT EXISTS \(SQLText.quote(name)) ON \(table) (\(column))" })

    @Test func aNewTableGetsItsKeyItsDateIndexAndCommentsWhereTheDialectHasThem() {
        #expect(sqlite.statements(for: TablePlan(schema: report, exists: false)) == [
            "CREATE TABLE \"r\" (\n  \"id\" TEXT NOT NULL,\n  \"day\" TEXT NOT NULL,\n  \"spend\" REAL,\n  PRIMARY KEY (\"id\", \"day\")\n)",
            "CREATE INDEX IF NOT EXISTS \"r_day\" ON \"r\" (\"day\")",
        ])
        #expect(PostgresSQL.dialect(schema: "s").statements(for: TablePlan(schema: report, exists: false)) == [
            "CREATE TABLE \"s\".\"r\" (\n  \"id\" text NOT NULL,\n  \"day\" date NOT NULL,\n  \"spend\" numeric,\n  PRIMARY KEY (\"id\", \"day\")\n)",
            "CREATE INDEX ON \"s\".\"r\" (\"day\")",
            "COMMENT ON COLUMN \"s\".\"r\".\"id\" IS 'The id'",
        ])
        #expect(PostgresSQL.dialect(schema: "s").statements(for: TablePlan(schema: report, exists: true, addedColumns: [report.fields[2]]))
                == ["ALTER TABLE \"s\".\"r\" ADD COLUMN \"spend\" numeric"])
        #expect(sqlite.statements(for: TablePlan(schema: report, exists: true)).isEmpty)
    }

    @Test func upsertsReadsAndDeletesUseTheTableNameAndPlaceholdersOfTheDialect() throws {
        #expect(sqlite.upsert(report, rows: "VALUES (?, ?, ?)")
                == "INSERT INTO \"r\" (\"id\", \"day\", \"spend\") VALUES (?, ?, ?) ON CONFLICT (\"id\", \"day\") DO UPDATE SET \"spend\" = excluded.\"spend\" "
                + "WHERE \"r\".\"spend\" IS NOT excluded.\"spend\"")
        let postgres = PostgresSQL.dialect(schema: "s")
        #expect(postgres.upsert(report, rows: "SELECT * FROM staging")
                == "INSERT INTO \"s\".\"r\" (\"id\", \"day\", \"spend\") SELECT * FROM staging ON CONFLICT (\"id\", \"day\") DO UPDATE SET \"spend\" = excluded.\"spend\" "
                + "WHERE (\"r\".\"spend\")::text IS DISTINCT FROM (excluded.\"spend\")::text")
        let range = RowRange(matching: [ColumnValue("id", .string("a"))], from: LocalDate("2026-03-01")!, through: LocalDate("2026-03-01")!)
        let select = try #require(postgres.select(report, in: range) { "\($0)::text" })
        #expect(select.sql == "SELECT id::text, day::text, spend::text FROM \"s\".\"r\" WHERE \"id\" = $1::text AND \"day\" >= $2::date AND \"day\" < $3::date")
        let stamp = ColumnValue("spend", .decimal("1"))
        #expect(try #require(sqlite.delete(report, where: .superseded(scope: [ColumnValue("id", .string("a"))], stamp: stamp))).sql
                == "DELETE FROM \"r\" WHERE \"id\" = ? AND \"spend\" IS NOT ?")
        #expect(try #require(postgres.delete(report, where: .before(LocalDate("2026-03-01")!))).sql == "DELETE FROM \"s\".\"r\" WHERE \"day\" < $1::date")
    }

    @Test func aRefusedTableIsFixedByRenamingItWhereTheDestinationKeepsIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dialect-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let sqliteRules = try SQLiteDestination(path: path).schemaRules
        #expect(sqliteRules.tableFix("t") == "Keep that table under another name (ALTER TABLE \"t\" RENAME TO \"t_old\", e.g. in the sqlite3 shell) or drop it, "
                + "and the next sync creates it afresh (--start-date refills past days); or pass another database with --sqlite.")
        #expect(sqliteRules.dropColumn?("t", "c") == "ALTER TABLE \"t\" DROP COLUMN \"c\"")
        let postgresRules = PostgresSQL.dialect(schema: "s").schemaRules(destination: "pg", typeName: { PostgresSQL.typeName($0) }, accepts: { PostgresSQL.accepts($0, $1) },
                                                                          caseInsensitiveNames: false, elsewhere: "pass another schema with --postgres-schema")
        #expect(postgresRules.tableFix("t") == "Keep that table under another name (ALTER TABLE \"s\".\"t\" RENAME TO \"t_old\") or drop it, "
                + "and the next sync creates it afresh (--start-date refills past days); or pass another schema with --postgres-schema.")
        #expect(postgresRules.dropColumn?("t", "c") == "ALTER TABLE \"s\".\"t\" DROP COLUMN \"c\"")
    }

    @Test func aBatchKeepsTheLastOfRowsSharingAKeyInTheFirstOnesPlace() {
        let rows: [[Value]] = [[.string("a"), .date("d"), .decimal("1")], [.string("b"), .date("d"), .decimal("2")], [.string("a"), .date("d"), .decimal("3")]]
        #expect(RowBatch(schema: report, rows: rows).lastPerKey == [[.string("a"), .date("d"), .decimal("3")], [.string("b"), .date("d"), .decimal("2")]])
        let keyless = TableSchema(name: "k", fields: report.fields, key: [])
        #expect(RowBatch(schema: keyless, rows: rows).lastPerKey == rows, "a table without a key keeps every row")
    }

    /// A SQL destination counts rows with one GROUP BY query, every cell cast to text, and never reads the rows: the
    /// `SQLQuerying` count is the one a call through `any Destination` reaches.
    @Test func aSQLDestinationCountsRowsWithOneQuery() async throws {
        let stub = CountingStub()
        let destination: any Destination = stub
        let counts = try await destination.countRows(of: "t", by: "advertiser_id", days: "stat_time_day")
        #expect(counts == ["7001": RowCount(rows: 12, days: 3)])
        #expect(stub.queries.value == [
            "SELECT CAST(\"advertiser_id\" AS TEXT), CAST(COUNT(*) AS TEXT), CAST(COUNT(DISTINCT SUBSTR(CAST(\"stat_time_day\" AS TEXT), 1, 10)) AS TEXT) "
                + "FROM \"t\" WHERE \"advertiser_id\" IS NOT NULL GROUP BY 1",
        ])
    }

    /// Answers any query with one group's counts; reading rows fails the test.
    final class CountingStub: SQLQuerying {
        let queries = Protected<[String]>([])
        var displayName: String { "stub" }
        var loadScope: LoadScope { .page }
        var schemaRules: SchemaRules {
            SchemaRules(typeName: { _ in nil }, accepts: { _, _ in true }, keyRule: .columns, canAddColumns: true, caseInsensitiveNames: false,
                        destination: "stub", tableLabel: { $0 }, tableFix: { _ in "" })
        }
        func inspectTables(_ names: [String]) async throws -> [String: FoundTable] {
            ["t": FoundTable(name: "t", columns: [FoundColumn(name: "advertiser_id", type: "TEXT"), FoundColumn(name: "stat_time_day", type: "TEXT")])]
        }
        func applySchema(_ plans: [TablePlan]) async throws {}
        func begin() async throws -> any LoadTransaction { BufferedLoad { _ in } }
        func rows(of schema: TableSchema) async throws -> [[Value]] {
            Issue.record("the rows were read")
            return []
        }
        func deleteRows(of schema: TableSchema, where filter: RowFilter) async throws -> Int { 0 }
        func close() async {}
        func select(_ sql: String) async throws -> [[String?]] {
            queries.withLock { $0.append(sql) }
            return [["7001", "12", "3"]]
        }
        func queryName(ofTable table: String) -> String { SQLText.quote(table) }
        func queryName(ofColumn column: String) -> String { SQLText.quote(column) }
        var textTypeName: String { "TEXT" }
    }
}
