import Destinations
import Foundation
import Logging
import SyncKit
import Testing

/// The files destination on its own, with hand-made streams: values that CSV and JSON must quote or escape, and entity
/// listings replaced whole only when they are complete.
@Suite(.serialized)
struct FilesEntityAndValueTests {
    static let entity = TableSchema(name: "tiktok_ads_things", fields: [
        Field("thing_id", .string, "Id"), Field("name", .string, "Name"), Field("count", .integer, "Count"), Field("price", .decimal, "Price"),
        Field("rate", .float, "Rate"), Field("on", .boolean, "On"), Field("extra", .json, "JSON"), Field("updated", .datetime, "Time"),
    ], key: ["thing_id"])
    static let advertiser = "7000000000000000042"
    struct SourceFailure: Error {}
    static let key = StreamKey(advertiserID: advertiser, object: "things")

    static func row(_ id: String, _ name: Value = .string("plain")) -> [Value] {
        [.string(id), name, .integer(-9_223_372_036_854_775_807), .decimal("12345678901234567890.125"), .float(0.1),
         .boolean(true), .json(#"{"a":[1,2.5,"x\"y"],"b":null}"#), .datetime("2026-03-14 23:00:00")]
    }

    /// One listing of `pages`; a nil page throws instead of answering (the run fails there).
    static func listing(_ pages: [[[Value]]?]) -> StreamPlan {
        @Sendable func page(_ index: Int) -> @Sendable () async throws -> SourcePage {
            { @Sendable in
                guard let rows = pages[index] else { throw SourceFailure() }
                return SourcePage(rows: rows, next: index + 1 < pages.count ? page(index + 1) : nil)
            }
        }
        return StreamPlan(key: key, schema: entity, slices: [StreamSlice(checkpoint: StreamState(bookmark: nil, syncedAt: Date(timeIntervalSince1970: 0)), firstPage: page(0))])
    }

    static func run(_ plan: StreamPlan, into directory: String, format: FileFormat) async throws -> RunStatus {
        let destination = try FilesDestination(directory: directory, format: format)
        try await destination.prepareWithBookkeeping([entity])
        var logger = Logger(label: "files")
        logger.logLevel = .critical
        let record = await SyncEngine(destination: destination, concurrency: 1, logger: logger).run([plan], run: RunRecord(startedAt: Date()), statistics: RunStatistics())
        await destination.close()
        return record.status
    }

    static let tricky: [Value] = [.string("comma, \"quoted\"\r\nand a new line"), .string(""), .null, .string("ünï ☃ 𝄞"), .string(" padded "), .string("\\back\\slash\ttab")]

    @Test(arguments: FileFormat.allCases)
    func valuesComeBackAsWrittenHereAndInPython(format: FileFormat) async throws {
        let directory = FilesHarness.temporaryDirectory()
        let rows = Self.tricky.enumerated().map { Self.row("id-\($0.offset)", $0.element) }
        #expect(try await Self.run(Self.listing([rows]), into: directory, format: format) == .succeeded)
        let destination = try FilesDestination(directory: directory, format: format)
        let back = try await destination.rows(of: Self.entity)
        #expect(back == rows, "\(back)")
        let file = "\(directory)/tiktok_ads_things/\(Self.advertiser).\(format.rawValue)"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        if format == .csv {
            #expect(text.hasPrefix("thing_id,name,count,price,rate,on,extra,updated\r\n"))
            #expect(text.contains("id-0,\"comma, \"\"quoted\"\"\r\nand a new line\",-9223372036854775807,12345678901234567890.125,0.1,true,"
                                  + "\"{\"\"a\"\":[1,2.5,\"\"x\\\"\"y\"\"],\"\"b\"\":null}\",2026-03-14 23:00:00\r\n"))
            #expect(text.contains("id-1,\"\",") && text.contains("id-2,,"), "an empty text is \"\", NULL is nothing")
        } else {
            #expect(text.hasPrefix(#"{"thing_id":"id-0","name":"comma, \"quoted\"\r\nand a new line","count":-9223372036854775807,"price":"12345678901234567890.125","rate":0.1,"on":true,"extra":{"a":[1,2.5,"x\"y"],"b":null},"updated":"2026-03-14 23:00:00"}"# + "\n"))
        }
        let reading = try await FilesHarness.readWithPython(directory, format: format)
        let names = try #require(reading.tables["tiktok_ads_things"]).map { $0["name"] as? String }
        #expect(names == ["comma, \"quoted\"\r\nand a new line", format == .csv ? nil : "", nil, "ünï ☃ 𝄞", " padded ", "\\back\\slash\ttab"])
    }

    @Test(arguments: FileFormat.allCases)
    func anEntityFileIsReplacedOnlyByACompleteListing(format: FileFormat) async throws {
        let directory = FilesHarness.temporaryDirectory()
        let file = "\(directory)/tiktok_ads_things/\(Self.advertiser).\(format.rawValue)"
        let hidden = { try FileManager.default.contentsOfDirectory(atPath: directory + "/tiktok_ads_things").filter { $0.hasPrefix(".") } }
        // Pages out of key order: the file is sorted by key.
        #expect(try await Self.run(Self.listing([[Self.row("c"), Self.row("a")], [Self.row("b")], [Self.row("d")]]), into: directory, format: format) == .succeeded)
        let complete = try Data(contentsOf: URL(fileURLWithPath: file))
        let destination = try FilesDestination(directory: directory, format: format)
        #expect(try await destination.rows(of: Self.entity).map { $0[0] } == ["a", "b", "c", "d"].map(Value.string))

        // A listing that fails on its second page: the complete file stays; its first page was never written anywhere.
        #expect(try await Self.run(Self.listing([[Self.row("x")], nil]), into: directory, format: format) == .failed)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == complete)
        #expect(try hidden().isEmpty)
        #expect(try await destination.rows(of: Self.entity).count == 4, "an incomplete listing is not data")

        // The next complete listing (its last page empty) replaces the file whole, without the failed run's rows.
        #expect(try await Self.run(Self.listing([[Self.row("e")], [Self.row("b")], []]), into: directory, format: format) == .succeeded)
        #expect(try await destination.rows(of: Self.entity).map { $0[0] } == ["b", "e"].map(Value.string))

        // An empty listing leaves an empty table: a header only, or nothing.
        #expect(try await Self.run(Self.listing([[]]), into: directory, format: format) == .succeeded)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == (format == .csv ? "thing_id,name,count,price,rate,on,extra,updated\r\n" : ""))
        let leftovers = try hidden()
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
