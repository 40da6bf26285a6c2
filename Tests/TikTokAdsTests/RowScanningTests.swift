import SyncKit
import Testing
@testable import TikTokAds

/// Pages read straight from the answer's bytes into rows (`RowDecoder.rows(of:)` on an unparsed page) give exactly
/// the rows of the parsed items (`RowDecoder.row(_:)`), whatever the items' shape; and a document parsed with its
/// list deferred is refused exactly when, and where, a full parse refuses it.
struct RowScanningTests {
    /// A small deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func decoder(_ objectName: String) throws -> RowDecoder {
        let object = try #require(Catalog.object(named: objectName))
        return RowDecoder(schema: try object.schema(), object: object, advertiserID: "7000000000000000001",
                          constants: [ColumnValue("synced_at", .datetime("2026-12-03 10:00:00"))])
    }

    static func scalar(_ random: inout Seeded) -> String {
        let choices = [#""12.50""#, "12.50", #""-""#, #""<5""#, #""""#, "null", "true", "false", #""2026-11-03 00:00:00""#, #""2026-11-03""#,
                       "1714125042508817123", #""1714125042508817123""#, #""7.5%""#, "-3", "1e3", #""a \"quoted\" \\ text\nline""#,
                       #""caf\u00e9 \ud83d\ude00""#, #""ünïcödé""#, #"" 42 ""#, #""N/A""#, "0", #""yes""#, #""[1,2]""#, #""{\"a\":1}""#]
        return choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    static func value(_ random: inout Seeded, depth: Int = 0) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0 where depth < 3: return "[" + (0..<Int.random(in: 0...3, using: &random)).map { _ in value(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        case 1 where depth < 3: return object(names: ["a", "b", "x y"], &random, depth: depth + 1)
        default: return scalar(&random)
        }
    }

    static func quoted(_ name: String, _ random: inout Seeded) -> String {
        // Sometimes the same name written with an escape: it must match like the plain one.
        if Bool.random(using: &random), let first = name.unicodeScalars.first, first.isASCII {
            let hex = String(first.value, radix: 16)
            return #""\u"# + String(repeating: "0", count: 4 - hex.count) + hex + name.dropFirst() + "\""
        }
        return "\"" + name + "\""
    }

    static func object(names: [String], _ random: inout Seeded, depth: Int = 0) -> String {
        let count = Int.random(in: 0...min(names.count + 2, 12), using: &random)
        let members = (0..<count).map { _ in
            let name = names.randomElement(using: &random) ?? "unknown"
            let space = Bool.random(using: &random) ? " " : ""
            return quoted(name, &random) + space + ":" + space + value(&random, depth: depth)
        }
        return "{" + members.joined(separator: Bool.random(using: &random) ? ", " : ",") + "}"
    }

    static func item(names: [String], _ random: inout Seeded) -> String {
        let parts: [String]
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return object(names: names + ["dimensions", "metrics", "not_a_column"], &random)
        case 1: parts = [#""metrics":"# + object(names: names, &random), #""dimensions":"# + object(names: names, &random)]
        case 2: parts = [#""dimensions":"# + scalar(&random), #""metrics":"# + object(names: names, &random)] + [object(names: names, &random).dropFirst().dropLast()].map(String.init)
        case 3: parts = [#""dimensions":"# + object(names: names, &random), #""dimensions":"# + object(names: names, &random), #""metrics":"# + scalar(&random)]
        case 4: parts = [String(object(names: names, &random).dropFirst().dropLast()), #""dimensions":"# + object(names: names, &random),
                         #""metrics":"# + object(names: names, &random), #""metrics":"# + object(names: names, &random)]
        default: parts = [#""dimensions":"# + object(names: names, &random), #""metrics":"# + object(names: names, &random)]
        }
        return "{" + parts.filter { !$0.isEmpty }.joined(separator: ",") + "}"
    }

    static func page(_ items: [String]) -> [UInt8] {
        Array(#"{"code":0,"message":"OK","request_id":"r","data":{"list":[ \#(items.joined(separator: ",\n")) ],"page_info":{"page":1,"total_page":1,"total_number":\#(items.count)}}}"#.utf8)
    }

    @Test(arguments: ["ad_insights", "ad_insights_by_country", "campaigns", "ads", "audiences", "advertiser", "ad_insights_lifetime"])
    func pagesReadStraightIntoRowsEqualTheParsedItemsRows(_ objectName: String) throws {
        let decoder = try Self.decoder(objectName)
        let names = Array(decoder.columnByAPIName.keys).sorted()
        for seed in UInt64(0)..<300 {
            var random = Seeded(state: seed)
            let items = (0..<Int.random(in: 0...20, using: &random)).map { _ in Self.item(names: names, &random) }
            let body = Self.page(items)
            let (envelope, list) = try JSONParser.parse(body, deferringArrayAt: ["data", "list"])
            let raw = try ListingPage.decode(try #require(envelope["data"]), paged: true, list: list).get()
            let parsed = try ListingPage.decode(try #require(try JSONParser.parse(body)["data"]), paged: true).get()
            guard case .raw = raw.storage else { Issue.record("the page was parsed"); return }
            #expect(raw.count == items.count)
            #expect(raw.items == parsed.items, "seed \(seed)")
            let scanned = try decoder.rows(of: raw)
            let expected = parsed.items.map(decoder.row)
            if let at = scanned.indices.first(where: { $0 < expected.count && scanned[$0] != expected[$0] }) ?? (scanned.count == expected.count ? nil : min(scanned.count, expected.count)) {
                Issue.record("\(objectName), seed \(seed), item \(at): \(at < items.count ? items[at] : "(missing)")\nscanned  \(at < scanned.count ? scanned[at] : [])\nexpected \(at < expected.count ? expected[at] : [])")
                return
            }
        }
    }

    @Test func aDeferredListIsRefusedExactlyWhereAFullParseRefusesIt() throws {
        let body = Self.page([#"{"dimensions":{"ad_id":"1","stat_time_day":"2026-11-03 00:00:00"},"metrics":{"spend":"1.5","note":"a\"b\u00e9"}}"#,
                              #"{"dimensions":{"ad_id":"2"},"metrics":{"spend":[1,{"x":null}],"flag":true,"n":-1.5e3}}"#])
        var random = Seeded(state: 7)
        var documents: [[UInt8]] = (0...body.count).map { Array(body.prefix($0)) }
        for _ in 0..<2_000 {
            var mutated = body
            let at = Int.random(in: 0..<mutated.count, using: &random)
            mutated[at] = Array(#"{}[]",:\ 0-.eEtfnu"#.utf8 + [0x01, 0xFF]).randomElement(using: &random)!
            documents.append(mutated)
        }
        for document in documents {
            let full = Result { () throws(JSONParseError) in try JSONParser.parse(document) }
            let deferred = Result { () throws(JSONParseError) in try JSONParser.parse(document, deferringArrayAt: ["data", "list"]) }
            switch (full, deferred) {
            case (.success(let value), .success(let (envelope, list))):
                // The deferred list stands as an empty array; with its elements put back the values are equal.
                guard let list else {
                    #expect(envelope == value)
                    continue
                }
                #expect(Self.restoring(list.elements(), in: envelope) == value)
            case (.failure(let a), .failure(let b)):
                #expect(a.offset == b.offset && a.reason == b.reason, "\(String(decoding: document, as: UTF8.self))")
            default:
                Issue.record("one parse refused what the other took: \(String(decoding: document, as: UTF8.self))")
            }
        }
    }

    /// `envelope` with `data.list` (the first of each name) set to `items`.
    static func restoring(_ items: [JSONValue], in envelope: JSONValue) -> JSONValue {
        guard case .object(var members) = envelope, let d = members.firstIndex(where: { $0.0 == "data" }),
              case .object(var data) = members[d].1, let l = data.firstIndex(where: { $0.0 == "list" }) else { return envelope }
        data[l].1 = .array(items)
        members[d].1 = .object(data)
        return .object(members)
    }
}
