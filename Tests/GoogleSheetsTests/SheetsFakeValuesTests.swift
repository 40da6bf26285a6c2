import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// `values.*` calls, from the requests in destinations.md §2.2.
@Suite struct SheetsFakeValuesTests {
    @Test func batchUpdateThenReadReturnsTypedRaggedValues() async throws {
        try await withSheetsFake(tabs: ["TikTok Ads"]) { _, client, id in
            let write = try await client.batchUpdateValues(
                id, range: "'TikTok Ads'!A1", values: #"[["date","ad_id","spend"],["2024-05-01","a1",12.34],["2024-05-02",null,true]]"#)
            #expect(write.status == 200)
            #expect(write.int("totalUpdatedRows") == 3)
            #expect(write.int("totalUpdatedCells") == 8)
            let read = try await client.getValues(id, "'TikTok Ads'!A1:Z")
            #expect(read.status == 200)
            #expect(read.string("range") == "'TikTok Ads'!A1:Z1000")
            #expect(read.string("majorDimension") == "ROWS")
            #expect(read.text.contains(#"["2024-05-01","a1",12.34]"#))
            #expect(read.text.contains(#"["2024-05-02","",true]"#))
            #expect(read.values.count == 3)
        }
    }

    @Test func trailingEmptyRowsAndCellsAreOmitted() async throws {
        try await withSheetsFake { fake, client, id in
            fake.setValues([[.string("a"), nil, .string("c")], [.string("b")], [], [nil, .number(1)]], tab: "Sheet1", in: id)
            let read = try await client.getValues(id, "Sheet1!A1:D10")
            #expect(read.text.contains(#""values":[["a","","c"],["b"],[],["",1]]"#))
            let column = try await client.getValues(id, "Sheet1!C:C")
            #expect(column.text.contains(#""values":[["c"]]"#))
            let empty = try await client.getValues(id, "Sheet1!E5:F6")
            #expect(empty.json["values"] == nil)
            let columns = try await client.getValues(id, "Sheet1!A1:B4", query: "majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE")
            #expect(columns.text.contains(#""values":[["a","b"],["","","",1]]"#))
            let formatted = try await client.getValues(id, "Sheet1!B4", query: "")
            #expect(formatted.text.contains(#""values":[["1"]]"#))
        }
    }

    struct InputCase: Sendable, CustomTestStringConvertible {
        var sent: String
        var raw: SheetsFakeCell
        var userEntered: SheetsFakeCell
        var testDescription: String { sent }
    }

    static let inputCases: [InputCase] = [
        InputCase(sent: #""=A1""#, raw: .string("=A1"), userEntered: .formula("=A1")),
        InputCase(sent: #""00123""#, raw: .string("00123"), userEntered: .number(123)),
        InputCase(sent: #""1234567890123456789""#, raw: .string("1234567890123456789"), userEntered: .number(1_234_567_890_123_456_768)),  // the nearest double: precision lost
        InputCase(sent: #""TRUE""#, raw: .string("TRUE"), userEntered: .bool(true)),
        InputCase(sent: #""'0042""#, raw: .string("'0042"), userEntered: .string("0042")),
        InputCase(sent: #""2024-05-01""#, raw: .string("2024-05-01"), userEntered: .string("2024-05-01")),
        InputCase(sent: "12.5", raw: .number(12.5), userEntered: .number(12.5)),
    ]

    @Test(arguments: inputCases)
    func rawKeepsStringsWhileUserEnteredParsesThem(_ c: InputCase) async throws {
        try await withSheetsFake { fake, client, id in
            let raw = try await client.batchUpdateValues(id, option: "RAW", range: "Sheet1!A1", values: "[[\(c.sent)]]")
            let typed = try await client.batchUpdateValues(id, option: "USER_ENTERED", range: "Sheet1!B1", values: "[[\(c.sent)]]")
            #expect(raw.status == 200)
            #expect(typed.status == 200)
            #expect(fake.values(of: "Sheet1", in: id) == [[c.raw, c.userEntered]])
        }
    }

    @Test func userEnteredFormulaRunsWhileRawStaysText() async throws {
        try await withSheetsFake { _, client, id in
            _ = try await client.batchUpdateValues(id, option: "RAW", range: "Sheet1!A1", values: #"[["secret","=A1"]]"#)
            _ = try await client.batchUpdateValues(id, option: "USER_ENTERED", range: "Sheet1!C1", values: #"[["=A1"]]"#)
            let read = try await client.getValues(id, "Sheet1!A1:C1")
            #expect(read.text.contains(#"["secret","=A1","secret"]"#))
            let formulas = try await client.getValues(id, "Sheet1!C1", query: "valueRenderOption=FORMULA")
            #expect(formulas.text.contains(#"[["=A1"]]"#))
        }
    }

    @Test func nineteenDigitIdsSentAsStringsStayExact() async throws {
        try await withSheetsFake { fake, client, id in
            let ids = ["7365123456789012345", "1800000000000000001", "9223372036854775807"]
            let body = "[" + ids.map { #"["\#($0)"]"# }.joined(separator: ",") + "]"
            _ = try await client.batchUpdateValues(id, range: "Sheet1!A1", values: body)
            let read = try await client.getValues(id, "Sheet1!A:A")
            for value in ids { #expect(read.text.contains(#"["\#(value)"]"#)) }
            #expect(fake.values(of: "Sheet1", in: id) == ids.map { [.string($0)] })
            // The same id as a JSON number is stored as a double and comes back rounded.
            _ = try await client.batchUpdateValues(id, range: "Sheet1!B1", values: "[[7365123456789012345]]")
            let number = try await client.getValues(id, "Sheet1!B1")
            #expect(!number.text.contains("7365123456789012345"))
        }
    }

    @Test func putWritesOneRangeAndChecksItsBounds() async throws {
        try await withSheetsFake { fake, client, id in
            let range = SheetsTestClient.encode("Sheet1!B2:C3")
            let put = try await client.send(
                .PUT, "\(id)/values/\(range)", query: "valueInputOption=RAW",
                body: #"{"range":"Sheet1!B2:C3","majorDimension":"ROWS","values":[["x",1],["y",2]]}"#)
            #expect(put.status == 200)
            #expect(put.string("updatedRange") == "Sheet1!B2:C3")
            #expect(put.int("updatedCells") == 4)
            #expect(fake.values(of: "Sheet1", in: id) == [[], [nil, .string("x"), .number(1)], [nil, .string("y"), .number(2)]])
            let tooTall = try await client.send(
                .PUT, "\(id)/values/\(range)", query: "valueInputOption=RAW", body: #"{"values":[["a"],["b"],["c"]]}"#)
            #expect(tooTall.status == 400)
            let noOption = try await client.send(.PUT, "\(id)/values/\(range)", body: #"{"values":[["a"]]}"#)
            #expect(noOption.status == 400)
        }
    }

    @Test func writingPastTheGridExceedsGridLimits() async throws {
        try await withSheetsFake { fake, client, id in
            let reply = try await client.batchUpdateValues(id, range: "Sheet1!A1000", values: #"[["last"],["past"]]"#)
            #expect(reply.status == 400)
            #expect(reply.errorMessage == "Range ('Sheet1'!A1000:A1001) exceeds grid limits. Max rows: 1000, max columns: 26")
            let wide = try await client.batchUpdateValues(id, range: "Sheet1!Z1", values: #"[["z","aa"]]"#)
            #expect(wide.status == 400)
            #expect(wide.errorMessage?.contains("exceeds grid limits") == true)
            #expect(fake.values(of: "Sheet1", in: id).isEmpty)
            let read = try await client.getValues(id, "Sheet1!A1001")
            #expect(read.status == 400)
        }
    }

    @Test func valuesBatchUpdateIsAllOrNothing() async throws {
        try await withSheetsFake { fake, client, id in
            let reply = try await client.send(
                .POST, "\(id)/values:batchUpdate",
                body: #"{"valueInputOption":"RAW","data":[{"range":"Sheet1!A1","values":[["ok"]]},{"range":"Missing!A1","values":[["no"]]}]}"#)
            #expect(reply.status == 400)
            #expect(reply.errorMessage == "Unable to parse range: Missing!A1")
            #expect(fake.values(of: "Sheet1", in: id).isEmpty)
        }
    }

    @Test(arguments: ["Nope!A1", "Nope", "Sheet1!A1:B2:C", "'Sheet1!A1"])
    func unknownSheetOrBadRangeIsUnableToParse(_ range: String) async throws {
        try await withSheetsFake { _, client, id in
            let reply = try await client.getValues(id, range)
            #expect(reply.status == 400)
            #expect(reply.errorStatus == "INVALID_ARGUMENT")
            #expect(reply.errorMessage == "Unable to parse range: \(range)")
        }
    }

    @Test func quotedNamesWithSpacesAndQuotesArePercentEncoded() async throws {
        try await withSheetsFake(tabs: ["TikTok Ads 2024", "Bob's data"]) { fake, client, id in
            let put = try await client.send(
                .PUT, "\(id)/values/\(SheetsTestClient.encode("'Bob''s data'!A1"))", query: "valueInputOption=RAW",
                body: #"{"values":[["bob"]]}"#)
            #expect(put.status == 200)
            #expect(put.string("updatedRange") == "'Bob''s data'!A1")
            #expect(fake.values(of: "Bob's data", in: id) == [[.string("bob")]])
            _ = try await client.batchUpdateValues(id, range: "'TikTok Ads 2024'!A1", values: #"[["x"]]"#)
            let read = try await client.getValues(id, "'TikTok Ads 2024'!A1:Z")
            #expect(read.string("range") == "'TikTok Ads 2024'!A1:Z1000")
            #expect(fake.requestLog.first?.path.contains("'Bob''s data'!A1") == true)
        }
    }

    @Test func appendWritesAfterTheTable() async throws {
        try await withSheetsFake { fake, client, id in
            fake.setValues([[.string("h1"), .string("h2")], [.string("a"), .number(1)]], tab: "Sheet1", in: id)
            let reply = try await client.send(
                .POST, "\(id)/values/\(SheetsTestClient.encode("Sheet1!A1:Z")):append", query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS",
                body: #"{"values":[["b",2],["c",3]]}"#)
            #expect(reply.status == 200)
            #expect(reply.string("tableRange") == "Sheet1!A1:B2")
            #expect((reply.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Sheet1!A3:B4")
            #expect((reply.json["updates"] as? [String: Any])?["updatedRows"] as? Int == 2)
            #expect(fake.properties(of: "Sheet1", in: id)?.rowCount == 1002)
            #expect(fake.values(of: "Sheet1", in: id).map { $0.first } == [.string("h1"), .string("a"), .string("b"), .string("c")])
        }
    }

    @Test func appendOverwriteFillsEmptyRowsAndGrowsOnlyWhenFull() async throws {
        try await withSheetsFake { fake, client, id in
            _ = try await client.batchUpdate(
                id, #"{"updateSheetProperties":{"properties":{"sheetId":0,"gridProperties":{"rowCount":3}},"fields":"gridProperties.rowCount"}}"#)
            fake.setValues([[.string("h")], [.string("a")]], tab: "Sheet1", in: id)
            let first = try await client.send(
                .POST, "\(id)/values/Sheet1:append", query: "valueInputOption=RAW", body: #"{"values":[["b"]]}"#)
            #expect((first.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Sheet1!A3")
            #expect(fake.properties(of: "Sheet1", in: id)?.rowCount == 3)
            let second = try await client.send(
                .POST, "\(id)/values/Sheet1!A1:append", query: "valueInputOption=RAW", body: #"{"values":[["c","wide"]]}"#)
            #expect(second.status == 200)
            #expect(second.string("tableRange") == "Sheet1!A1:A3")
            #expect(fake.properties(of: "Sheet1", in: id)?.rowCount == 4)
            #expect(fake.values(of: "Sheet1", in: id).count == 4)
        }
    }

    @Test func appendToAnEmptySheetStartsAtTheRange() async throws {
        try await withSheetsFake { fake, client, id in
            let reply = try await client.send(
                .POST, "\(id)/values/\(SheetsTestClient.encode("Sheet1!B5:C")):append", query: "valueInputOption=RAW",
                body: #"{"values":[["x","y"]]}"#)
            #expect(reply.json["tableRange"] == nil)
            #expect((reply.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Sheet1!B5:C5")
            #expect(fake.values(of: "Sheet1", in: id).count == 5)
        }
    }

    @Test func clearAndBatchClearEmptyCells() async throws {
        try await withSheetsFake(tabs: ["Sheet1", "Other"]) { fake, client, id in
            fake.setValues([[.string("a"), .string("b")], [.string("c"), .string("d")]], tab: "Sheet1", in: id)
            fake.setValues([[.string("x")]], tab: "Other", in: id)
            let clear = try await client.send(.POST, "\(id)/values/\(SheetsTestClient.encode("Sheet1!B:B")):clear", body: "{}")
            #expect(clear.string("clearedRange") == "Sheet1!B1:B1000")
            #expect(fake.values(of: "Sheet1", in: id) == [[.string("a")], [.string("c")]])
            let batch = try await client.send(.POST, "\(id)/values:batchClear", body: #"{"ranges":["Sheet1!A2","Other"]}"#)
            #expect(batch.status == 200)
            #expect((batch.json["clearedRanges"] as? [String]) == ["Sheet1!A2", "Other!A1:Z1000"])
            #expect(fake.values(of: "Sheet1", in: id) == [[.string("a")]])
            #expect(fake.values(of: "Other", in: id).isEmpty)
        }
    }

    @Test func batchGetReadsSeveralRanges() async throws {
        try await withSheetsFake(tabs: ["Sheet1", "TikTok Ads"]) { fake, client, id in
            fake.setValues([[.string("a")]], tab: "Sheet1", in: id)
            fake.setValues([[.number(1), .bool(false)]], tab: "TikTok Ads", in: id)
            let query = "ranges=" + SheetsTestClient.encode("Sheet1!A1:B2") + "&ranges=" + SheetsTestClient.encode("'TikTok Ads'!A:B")
                + "&valueRenderOption=UNFORMATTED_VALUE"
            let reply = try await client.send(.GET, "\(id)/values:batchGet", query: query)
            let ranges = try #require(reply.json["valueRanges"] as? [[String: Any]])
            #expect(ranges.map { $0["range"] as? String } == ["Sheet1!A1:B2", "'TikTok Ads'!A1:B1000"])
            #expect(reply.text.contains(#"[[1,false]]"#))
        }
    }
}
