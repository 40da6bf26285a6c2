import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// Limits, quotas, injected faults and auth, from destinations.md §2.3.
@Suite struct SheetsFakeLimitTests {
    @Test func tenMillionCellLimitCountsAllTabs() async throws {
        try await withSheetsFake { fake, client, id in
            // Sheet1 is 1000 x 26 = 26,000 cells; a 384,000 x 26 tab brings the file to 10,010,000.
            let add = try await client.batchUpdate(
                id, #"{"addSheet":{"properties":{"title":"Big","gridProperties":{"rowCount":384000,"columnCount":26}}}}"#)
            #expect(add.status == 400)
            #expect(add.errorMessage == "This action would increase the number of cells in the workbook above the limit of 10000000 cells.")
            #expect(fake.sheets(in: id).count == 1)
            let fits = try await client.batchUpdate(
                id, #"{"addSheet":{"properties":{"title":"Big","gridProperties":{"rowCount":383000,"columnCount":26}}}}"#)
            #expect(fits.status == 200)
            #expect(fake.totalCells(in: id) == 9_984_000)
            // Append grows the grid, so it hits the limit too.
            let append = try await client.send(
                .POST, "\(id)/values/Big!A1:append", query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS",
                body: "{\"values\":[" + Array(repeating: #"["r"]"#, count: 700).joined(separator: ",") + "]}")
            #expect(append.status == 400)
            #expect(append.errorMessage?.contains("above the limit of 10000000 cells") == true)
            #expect(fake.values(of: "Big", in: id).isEmpty)
        }
    }

    @Test(arguments: ["RAW", "USER_ENTERED"])
    func cellTextOver50000CharactersIsRejected(_ option: String) async throws {
        try await withSheetsFake { fake, client, id in
            let ok = String(repeating: "x", count: 50_000)
            #expect(try await client.batchUpdateValues(id, option: option, range: "Sheet1!A1", values: #"[["\#(ok)"]]"#).status == 200)
            let reply = try await client.batchUpdateValues(id, option: option, range: "Sheet1!A2", values: #"[["\#(ok)y"]]"#)
            #expect(reply.status == 400)
            #expect(reply.errorMessage == "Your input contains more than the maximum of 50000 characters in a single cell.")
            #expect(fake.values(of: "Sheet1", in: id).count == 1)
        }
    }

    @Test func requestBodyOver10MBIsRejected() async throws {
        try await withSheetsFake { _, client, id in
            let body = Array(#"{"valueInputOption":"RAW","data":[]}"#.utf8) + Array(repeating: UInt8(ascii: " "), count: 10_485_760)
            let reply = try await client.send(.POST, "\(id)/values:batchUpdate", bytes: body)
            #expect(reply.status == 400)
            #expect(reply.errorMessage == "Request payload size exceeds the limit: 10485760 bytes.")
        }
    }

    @Test func injected429HasGooglesShape() async throws {
        var options = GoogleSheetsFakeOptions()
        options.faults = [.rateLimit(.requests([2]), scope: .writes)]
        try await withSheetsFake(options: options) { fake, client, id in
            #expect(try await client.batchUpdateValues(id, range: "Sheet1!A1", values: #"[["1"]]"#).status == 200)
            let limited = try await client.batchUpdateValues(id, range: "Sheet1!A2", values: #"[["2"]]"#)
            #expect(limited.status == 429)
            let error = try #require(limited.json["error"] as? [String: Any])
            #expect(error["code"] as? Int == 429)
            #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect((error["errors"] as? [[String: Any]])?.first?["reason"] as? String == "rateLimitExceeded")
            #expect(try await client.batchUpdateValues(id, range: "Sheet1!A2", values: #"[["2"]]"#).status == 200)
            #expect(fake.values(of: "Sheet1", in: id) == [[.string("1")], [.string("2")]])
            #expect(fake.requestLog.map(\.status) == [200, 429, 200])
        }
    }

    @Test(arguments: [(500, "INTERNAL"), (503, "UNAVAILABLE")])
    func injectedServerErrors(_ status: Int, _ name: String) async throws {
        try await withSheetsFake { fake, client, id in
            fake.addFault(SheetsFakeFault(status: status, scope: .operation("values.get"), trigger: .every(2)))
            #expect(try await client.getValues(id, "Sheet1!A1").status == 200)
            let failed = try await client.getValues(id, "Sheet1!A1")
            #expect(failed.status == status)
            #expect(failed.errorStatus == name)
            #expect(try await client.send(.GET, id).status == 200)
        }
    }

    @Test func rateInjectionIsSeededAndRoughlyProportional() {
        var options = GoogleSheetsFakeOptions()
        options.readRequestsPerMinutePerUser = .max
        options.faults = [.rateLimit(.rate(0.25))]
        let counts = (0..<2).map { _ in
            let fake = GoogleSheetsFake(options: options)
            let id = fake.createSpreadsheet()
            return (0..<400).map { _ in fake.handle(method: "GET", path: "/v4/spreadsheets/\(id)").status }
        }
        #expect(counts[0] == counts[1])
        let limited = counts[0].filter { $0 == 429 }.count
        #expect((60...140).contains(limited))
    }

    @Test func perMinuteWriteQuotaSlidesOnAnInjectedClock() {
        let clock = VirtualClock()
        var options = GoogleSheetsFakeOptions()
        options.useClock(clock)
        let fake = GoogleSheetsFake(options: options)
        let id = fake.createSpreadsheet()
        let body = Array(#"{"valueInputOption":"RAW","data":[{"range":"Sheet1!A1","values":[["v"]]}]}"#.utf8)
        func write(token: String = "Bearer user-a") -> Int {
            fake.handle(method: "POST", path: "/v4/spreadsheets/\(id)/values:batchUpdate", authorization: token, body: body).status
        }
        for i in 0..<60 {
            if i == 30 { clock.advance(by: .seconds(30)) }
            #expect(write() == 200)
        }
        let over = fake.handle(method: "POST", path: "/v4/spreadsheets/\(id)/values:batchUpdate", authorization: "Bearer user-a", body: body)
        #expect(over.status == 429)
        #expect(over.body.contains("rateLimitExceeded"))
        #expect(write(token: "Bearer user-b") == 200)  // quotas are per user
        // Reads have their own budget.
        #expect(fake.handle(method: "GET", path: "/v4/spreadsheets/\(id)", authorization: "Bearer user-a").status == 200)
        clock.advance(by: .seconds(30))  // the first 30 writes leave the window
        for _ in 0..<30 { #expect(write() == 200) }
        #expect(write() == 429)
        #expect(fake.writeRequestCount == 93)
        #expect(fake.readRequestCount == 1)
    }

    @Test func configurableReadQuota() async throws {
        var options = GoogleSheetsFakeOptions()
        options.readRequestsPerMinutePerUser = 3
        try await withSheetsFake(options: options) { _, client, id in
            let statuses = try await (0..<4).asyncMap { _ in try await client.getValues(id, "Sheet1!A1").status }
            #expect(statuses == [200, 200, 200, 429])
        }
    }

    @Test func authorizationIsRequired() async throws {
        var options = GoogleSheetsFakeOptions()
        options.acceptedTokens = ["good"]
        try await withSheetsFake(options: options) { _, client, id in
            var anonymous = client
            anonymous.token = nil
            let missing = try await anonymous.send(.GET, id)
            #expect(missing.status == 401)
            #expect(missing.errorStatus == "UNAUTHENTICATED")
            var wrong = client
            wrong.token = "bad"
            #expect(try await wrong.send(.GET, id).status == 401)
            var good = client
            good.token = "good"
            #expect(try await good.send(.GET, id).status == 200)
        }
    }
}

extension Range where Bound == Int {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for i in self { result.append(try await transform(i)) }
        return result
    }
}
