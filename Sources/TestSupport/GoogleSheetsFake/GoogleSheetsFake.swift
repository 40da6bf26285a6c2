import Foundation
import Hummingbird
import TikTokSimulator
import Logging
import NIOCore
import Synchronization

/// A stateful in-process fake of the Google Sheets API v4, written from the documented contract
/// (see `shared/destinations.md` §2): grids per tab, A1 ranges, atomic `batchUpdate`, append, limits, quotas, 429s.
///
/// Not modelled: formatting, dates typed with `USER_ENTERED`, formulas beyond `=<number>` and `=<cell>`,
/// `includeGridData`, per-project quotas, developer metadata, and spreadsheet creation over HTTP.
package final class GoogleSheetsFake: Sendable {
    let core: SheetsFakeCore
    private let logger: Logger

    package init(options: GoogleSheetsFakeOptions = GoogleSheetsFakeOptions(), logger: Logger? = nil) {
        core = SheetsFakeCore(options: options)
        var quiet = Logger(label: "google-sheets-fake")
        quiet.logLevel = .critical
        self.logger = logger ?? quiet
    }

    // MARK: Spreadsheets

    /// Creates a spreadsheet whose tabs have the given titles (sheetId 0 for the first, as Google does); returns its id.
    @discardableResult
    package func createSpreadsheet(id: String? = nil, title: String = "Untitled spreadsheet", tabs: [String] = ["Sheet1"]) -> String {
        createSpreadsheet(
            id: id, title: title,
            tabs: tabs.enumerated().map { i, name in SheetsFakeSheetProperties(sheetId: i == 0 ? 0 : 1000 + i, title: name) })
    }

    /// Creates a spreadsheet with fully specified tabs (their `index` is taken from the order); returns its id.
    @discardableResult
    package func createSpreadsheet(id: String? = nil, title: String = "Untitled spreadsheet", tabs: [SheetsFakeSheetProperties]) -> String {
        core.state.withLock { state in
            state.createdCount += 1
            let sheetId = id ?? "1FakeSheet\(state.createdCount)" + String(repeating: "x", count: 30)
            var sheet = SheetsFakeSpreadsheet(id: sheetId, title: title)
            for (i, var properties) in tabs.enumerated() {
                properties.index = i
                sheet.tabs.append(SheetsFakeTab(properties: properties))
            }
            state.spreadsheets[sheetId] = sheet
            return sheetId
        }
    }

    /// Every tab's properties, in index order; empty for an unknown spreadsheet.
    package func sheets(in spreadsheetId: String) -> [SheetsFakeSheetProperties] {
        core.state.withLock { $0.spreadsheets[spreadsheetId]?.tabs.map(\.properties) ?? [] }
    }

    /// One tab's properties by title.
    package func properties(of tab: String, in spreadsheetId: String) -> SheetsFakeSheetProperties? {
        sheets(in: spreadsheetId).first { $0.title == tab }
    }

    /// The sum of all tabs' grid sizes (what the 10,000,000-cell limit counts).
    package func totalCells(in spreadsheetId: String) -> Int {
        core.state.withLock { $0.spreadsheets[spreadsheetId]?.totalCells ?? 0 }
    }

    /// A tab's whole grid as the API returns it: rows, trailing empty rows and cells omitted (ragged);
    /// an empty cell inside a row is `nil` (the API sends `""`).
    package func values(of tab: String, in spreadsheetId: String) -> [[SheetsFakeCell?]] {
        core.state.withLock { state in
            guard let sheet = state.spreadsheets[spreadsheetId], let t = sheet.tabs.first(where: { $0.properties.title == tab }) else {
                return []
            }
            var rows = t.rows.prefix(t.properties.rowCount).map { row -> [SheetsFakeCell?] in
                var r = Array(row.prefix(t.properties.columnCount))
                while r.last.map({ $0 == nil }) == true { r.removeLast() }
                return r
            }
            while rows.last?.isEmpty == true { rows.removeLast() }
            return Array(rows)
        }
    }

    /// The JSON text `GET values/{range}` would answer (UNFORMATTED_VALUE, ROWS), or the error's JSON.
    package func valuesJSON(_ range: String, in spreadsheetId: String) -> String {
        core.state.withLock { state in
            guard let sheet = state.spreadsheets[spreadsheetId] else { return SheetsFakeError.notFound().json.text }
            do {
                return try sheet.read(range, majorDimension: "ROWS", render: .unformattedValue).text
            } catch {
                return ((error as? SheetsFakeError) ?? .invalid("\(error)")).json.text
            }
        }
    }

    /// Seeds values directly (no request, no quota), growing the grid if they do not fit.
    package func setValues(_ rows: [[SheetsFakeCell?]], tab: String, in spreadsheetId: String, row: Int = 0, column: Int = 0) {
        core.state.withLock { state in
            guard var sheet = state.spreadsheets[spreadsheetId], let t = sheet.tabIndex(title: tab) else { return }
            let width = rows.map(\.count).max() ?? 0
            if row + rows.count > sheet.tabs[t].properties.rowCount {
                sheet.tabs[t].insertRows(at: sheet.tabs[t].properties.rowCount, count: row + rows.count - sheet.tabs[t].properties.rowCount)
            }
            if column + width > sheet.tabs[t].properties.columnCount {
                sheet.tabs[t].insertColumns(
                    at: sheet.tabs[t].properties.columnCount, count: column + width - sheet.tabs[t].properties.columnCount)
            }
            for (r, line) in rows.enumerated() {
                for (c, value) in line.enumerated() { sheet.tabs[t].set(row + r, column + c, value) }
            }
            state.spreadsheets[spreadsheetId] = sheet
        }
    }

    // MARK: Requests, faults

    /// Every request received, in order.
    package var requestLog: [SheetsFakeRequestRecord] { core.state.withLock { $0.log } }

    /// Requests Google counts as reads (GET), whatever their status.
    package var readRequestCount: Int { requestLog.filter { !$0.isWrite }.count }

    /// Requests Google counts as writes (everything but GET), whatever their status.
    package var writeRequestCount: Int { requestLog.filter(\.isWrite).count }

    package func clearRequestLog() {
        core.state.withLock { $0.log.removeAll() }
    }

    /// Adds a fault; its request counter starts now.
    package func addFault(_ fault: SheetsFakeFault) {
        core.state.withLock { state in
            state.options.faults.append(fault)
            state.faultCounts.append(0)
        }
    }

    package func removeAllFaults() {
        core.state.withLock { state in
            state.options.faults.removeAll()
            state.faultCounts.removeAll()
        }
    }

    /// Serves one request without HTTP (the same path the server takes).
    package func handle(
        method: String, path: String, query: String? = nil, authorization: String? = "Bearer test-token", body: [UInt8] = []
    ) -> SheetsFakeResponse {
        let limit = core.state.withLock { $0.options.limits.maxRequestBodyBytes }
        return core.handle(
            method: method, path: path, query: query, authorization: authorization, body: body.count > limit ? [] : body,
            bodyBytes: body.count)
    }

    // MARK: Serving

    /// Serves on 127.0.0.1 with a free port until cancelled; `onStarted` gets the port.
    package func run(onStarted: @escaping @Sendable (Int) async -> Void) async throws {
        let limit = core.state.withLock { $0.options.limits.maxRequestBodyBytes }
        var logger = logger
        if logger.logLevel > .debug { logger.logLevel = .critical }  // the server's own shutdown is logged as an error
        let app = Application(
            responder: SheetsFakeResponder(core: core, maxBodyBytes: limit),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.run()
    }

    /// Starts the server, calls `body` with the base URL `http://127.0.0.1:PORT/` (so requests go to
    /// `\(baseURL)v4/spreadsheets/...`, as with `https://sheets.googleapis.com/`), and stops it afterwards.
    package func withRunningServer<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        try await LocalServer.with(run: { onListening in try await self.run(onStarted: onListening) },
                                   stoppedEarly: SheetsFakeError(code: 500, status: "INTERNAL", message: "The Sheets fake stopped before it started listening.")) { port in
            // A port number always forms a valid URL.
            try await body(URL(string: "http://127.0.0.1:\(port)/")!)
        }
    }
}
