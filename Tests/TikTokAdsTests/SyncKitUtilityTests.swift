import Foundation
import SyncKit
import Testing

/// The general pieces several destinations share: atomic file writes, CSV, JSON values, keyed rows, SQL text and
/// server URLs with credentials.
struct SyncKitUtilityTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synckit-\(UUID().uuidString)").path
        try AtomicFile.makeDirectory(path)
        return path
    }

    @Test func anAtomicWriteReplacesTheFileWholeWithItsPermissionsAndLeavesNoTemporaryFile() throws {
        let directory = try Self.temporaryDirectory()
        let file = directory + "/data.csv"
        #expect(try AtomicFile.read(file) == nil, "no file reads as nil")
        try AtomicFile.write("old\r\nrest", to: file)
        // A temporary file a killed writer left (with foreign content and mode) is not reused.
        try "stale".write(toFile: AtomicFile.temporaryPath(for: file), atomically: false, encoding: .utf8)
        try AtomicFile.write("new\nsecond line\n", to: file, permissions: 0o600)
        #expect(try AtomicFile.read(file) == "new\nsecond line\n")
        #expect(try AtomicFile.firstLine(file) == "new")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["data.csv"])
        try AtomicFile.remove(file)
        try AtomicFile.remove(file)  // already gone: no error
        #expect(throws: SyncError.self) { try AtomicFile.write("x", to: directory + "/missing/dir/file") }
    }

    @Test func csvKeepsNullApartFromEmptyTextAndQuotesWhatNeedsIt() throws {
        let fields: [String?] = ["plain", nil, "", "a,b", "say \"hi\"", "two\r\nlines", "ünï"]
        let line = CSV.line(fields)
        #expect(line == "plain,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",ünï\r\n")
        #expect(CSV.records(line + CSV.line(["x"])) == [fields, ["x"]])
        #expect(CSV.records("a,b\nc,d") == [["a", "b"], ["c", "d"]], "LF line ends and no final line end")
        #expect(CSV.records("a,\"cut") == nil, "a file cut inside a quoted field")
    }

    @Test func jsonValuesKeepMoneyExactAsStringOrNumber() throws {
        let row: [Value] = [.string("id\"1"), .integer(-9_223_372_036_854_775_807), .decimal("0012.50"), .float(0.1), .float(.infinity),
                            .boolean(true), .date("2026-03-14"), .datetime("2026-03-14 23:00:00"), .json(#"{"a":[1]}"#), .json(""), .null]
        let asStrings = row.map { JSONText.value($0, decimals: .string) }
        #expect(asStrings == [#""id\"1""#, "-9223372036854775807", #""0012.50""#, "0.1", "null", "true", #""2026-03-14""#,
                              #""2026-03-14 23:00:00""#, #"{"a":[1]}"#, "null", "null"])
        #expect(JSONText.value(.decimal("0012.50"), decimals: .number) == "12.50")
        #expect(JSONText.value(.decimal("n/a"), decimals: .number) == #""n/a""#, "not a number: kept as text")
        // What is written parses back to the same tokens.
        let parsed = try JSONParser.parse("[" + asStrings.joined(separator: ",") + "]")
        #expect(parsed.arrayValue?.map(\.jsonText) == asStrings)
    }

    /// A datetime read back as text is the tool's own form whichever way a database spells UTC.
    @Test func aDatetimeReadsTheSameWithAnExplicitUTCOffset() {
        for text in ["2026-01-12 08:00:00.5", "2026-01-12T08:00:00.5Z", "2026-01-12 08:00:00.5+00", "2026-01-12 08:00:00.5+00:00"] {
            #expect(Value(text: text, as: .datetime) == .datetime("2026-01-12 08:00:00.5"), "\(text)")
        }
        #expect(Value(text: "2026-01-12 08:00:00+05", as: .datetime) == .datetime("2026-01-12 08:00:00+05"), "another offset is kept")
        #expect(UTCText.parse("2026-01-12 08:00:00.500000+00") == Date(timeIntervalSince1970: 1_768_204_800.5))
    }

    @Test func keyedRowsKeepTheLastRowOfAKeyInTheFirstOnesPlace() {
        var rows = KeyedRows<String>(key: [0])
        for row in [["a", "1"], ["b", "2"], ["a", "3"]] { rows.upsert(row) }
        #expect(rows.rows == [["a", "3"], ["b", "2"]])
        rows.upsert(["b", "4"]) { old, new in [new[0], old[1] + new[1]] }
        #expect(rows.rows == [["a", "3"], ["b", "24"]])
    }

    @Test func sqlTextQuotesNamesAndBuildsTheTableAndTheUpsertClause() {
        let schema = TableSchema(name: "t", fields: [Field("id", .string, ""), Field("day", .date, ""), Field("we\"ird", .integer, "")],
                                 key: ["id", "day"])
        #expect(SQLText.quote("we\"ird") == "\"we\"\"ird\"")
        #expect(SQLText.literal("it's") == "'it''s'")
        #expect(SQLText.createTable(schema, named: "\"t\"") { $0.type == .integer ? "INTEGER" : "TEXT" }
                == "CREATE TABLE \"t\" (\n  \"id\" TEXT NOT NULL,\n  \"day\" TEXT NOT NULL,\n  \"we\"\"ird\" INTEGER,\n  PRIMARY KEY (\"id\", \"day\")\n)")
        #expect(SQLText.onConflictUpdate(schema, table: "t", distinct: "IS NOT")
                == " ON CONFLICT (\"id\", \"day\") DO UPDATE SET \"we\"\"ird\" = excluded.\"we\"\"ird\" WHERE \"t\".\"we\"\"ird\" IS NOT excluded.\"we\"\"ird\"")
        let keyOnly = TableSchema(name: "k", fields: [Field("id", .string, "")], key: ["id"])
        #expect(SQLText.onConflictUpdate(keyOnly, table: "k", distinct: "IS NOT") == " ON CONFLICT (\"id\") DO NOTHING")
        #expect(SQLText.equalities([ColumnValue("id", .string("x")), ColumnValue("day", .date("2026-01-01"))]) { "$\($1)" }
                == ["\"id\" = $1", "\"day\" = $2"])
    }

    @Test func sqlTextSelectsInARangeAndDeletesWithTheDestinationsPlaceholders() throws {
        let schema = TableSchema(name: "r", fields: [Field("id", .string, ""), Field("day", .date, ""), Field("spend", .decimal, "")],
                                 key: ["id", "day"], timeField: "day")
        let all = try #require(SQLText.select(schema, from: "r", read: { $0 == "spend" ? nil : SQLText.quote($0) }, placeholder: { _, _ in "?" }))
        #expect(all.sql == "SELECT \"id\", \"day\", NULL FROM r" && all.binds.isEmpty, "a column the table lacks reads as NULL")
        let range = RowRange(matching: [ColumnValue("id", .string("a"))], from: LocalDate("2026-03-01")!, through: LocalDate("2026-03-02")!)
        let typed = { (field: Field?, number: Int) in "$\(number)::\(field?.type.rawValue ?? "text")" }
        let ranged = try #require(SQLText.select(schema, from: "r", in: range, read: { "\($0)::text" }, placeholder: typed))
        #expect(ranged.sql == "SELECT id::text, day::text, spend::text FROM r WHERE \"id\" = $1::string AND \"day\" >= $2::date AND \"day\" < $3::date")
        #expect(ranged.binds == [.string("a"), .date("2026-03-01"), .date("2026-03-03")], "through is inclusive: before the next day")
        #expect(SQLText.select(schema, from: "r", in: range, read: { $0 == "id" ? nil : $0 }, placeholder: typed) == nil,
                "a table without the matching column has no rows in the range")
        let before = try #require(SQLText.delete(schema, from: "r", where: .before(LocalDate("2026-03-01")!), placeholder: typed))
        #expect(before.sql == "DELETE FROM r WHERE \"day\" < $1::date" && before.binds == [.date("2026-03-01")])
        let everything = try #require(SQLText.delete(schema, from: "r", where: .matching([]), placeholder: typed))
        #expect(everything.sql == "DELETE FROM r" && everything.binds.isEmpty)
        let stamp = ColumnValue("spend", .decimal("1"))
        let superseded = try #require(SQLText.delete(schema, from: "r", where: .superseded(scope: [ColumnValue("id", .string("a"))], stamp: stamp),
                                                     distinct: "IS NOT", placeholder: { _, _ in "?" }))
        #expect(superseded.sql == "DELETE FROM r WHERE \"id\" = ? AND \"spend\" IS NOT ?" && superseded.binds == [.string("a"), .decimal("1")])
        let entities = TableSchema(name: "e", fields: [Field("id", .string, "")], key: ["id"])
        #expect(SQLText.delete(entities, from: "e", where: .before(LocalDate("2026-03-01")!), placeholder: typed) == nil)
    }

    @Test func batchesNameTheirUnpreparedTablesOnceAndErrorsThatSayWhatHappenedPassThrough() {
        let a = TableSchema(name: "a", fields: [Field("id", .string, "")], key: ["id"])
        let b = TableSchema(name: "b", fields: [Field("id", .string, "")], key: ["id"])
        let row: [[Value]] = [[.string("1")]]
        let batches = [RowBatch(schema: b, rows: row), RowBatch(schema: a), RowBatch(schema: b, rows: row), RowBatch(schema: a, rows: row)]
        #expect(batches.schemas(notIn: []).map(\.name) == ["b", "a"])
        #expect(batches.schemas(notIn: ["b"]).map(\.name) == ["a"])
        #expect(SyncError.known(SyncError(.badInput, "x"))?.message == "x")
        #expect(SyncError.known(CancellationError())?.kind == .cancelled)
        #expect(SyncError.known(URLError(.badURL)) == nil)
    }

    @Test func aServerURLRegistersItsPasswordBeforeAnyErrorAndNamesWhatIsWrong() throws {
        let url = try ServerURL("postgres://me:s3cr%40t-pw@db.example:6432/ads?sslmode=require", label: "The URL",
                                schemes: ["postgres"], example: "postgres://USER@HOST/DB", known: ["sslmode"])
        #expect(url.host == "db.example" && url.port == 6432 && url.user == "me" && url.password == "s3cr@t-pw")
        #expect(url.path == "ads" && url.parameters == ["sslmode": "require"])
        #expect(SecretRedactor.redact("password s3cr@t-pw") == "password \(SecretRedactor.mask)")
        for (text, says) in [("mysql://me@host/db", "is not a postgres:// URL"), ("postgres:///db", "names no host"),
                             ("postgres://host/db", "names no user"), ("postgres://me:other-pw-9@host/db?x=1", "has the parameter 'x'")] {
            let error = try #require(throws: SyncError.self) {
                try ServerURL(text, label: "The URL", schemes: ["postgres"], example: "postgres://USER@HOST/DB", known: ["sslmode"])
            }
            #expect(error.kind == .badInput && error.message.contains(says), "\(error.message)")
            #expect(!error.message.contains("other-pw-9"))
        }
        let directory = try Self.temporaryDirectory()
        try AtomicFile.write("file-pw-77\r\nignored\n", to: directory + "/pw")
        #expect(try ServerURL.secret(inFile: directory + "/pw", label: "The password file") == "file-pw-77")
        #expect(SecretRedactor.redact("file-pw-77") == SecretRedactor.mask)
        try AtomicFile.write("\n", to: directory + "/empty")
        #expect(throws: SyncError.self) { try ServerURL.secret(inFile: directory + "/empty", label: "The password file") }
    }
}
