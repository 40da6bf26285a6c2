import Foundation
import SyncKit

/// The stream state and the run history, each in a hidden tab of the same spreadsheet.
extension GoogleSheetsDestination {
    func ensureBookkeeping() async throws {
        guard !bookkeepingReady else { return }
        try await createTabs([(Self.stateTab, Self.stateColumns, true), (Self.runsTab, Self.runColumns, true)])
        bookkeepingReady = true
    }

    static func utcText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func parseUTC(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    func readState() async throws -> [StreamKey: StreamState] {
        if let state { return state }
        try await ensureBookkeeping()
        let rows = try await batchGet(["\(SheetsA1.quote(Self.stateTab))!A:D"], what: "reading the stream state").first ?? []
        var result: [StreamKey: StreamState] = [:]
        for row in rows.dropFirst() {
            let text = row.map(\.text) + Array(repeating: "", count: max(0, 4 - row.count))
            guard !text[0].isEmpty, !text[1].isEmpty else { continue }
            result[StreamKey(advertiserID: text[0], object: text[1])] = StreamState(
                bookmark: LocalDate(text[2]), syncedAt: Self.parseUTC(text[3]) ?? Date(timeIntervalSince1970: 0))
        }
        stateRowsWritten = max(0, rows.count - 1)
        state = result
        return result
    }

    public func loadState() async throws -> [StreamKey: StreamState] {
        do {
            state = nil
            return try await readState()
        } catch {
            throw destinationError(error, "reading the stream state")
        }
    }

    /// Rewrites the state tab with the remembered state plus `checkpoints` (one or two write requests).
    func writeState(_ checkpoints: [StreamKey: StreamState]) async throws {
        guard !checkpoints.isEmpty else { return }
        var current = try await readState()
        current.merge(checkpoints) { _, new in new }
        try await storeState(current)
    }

    func storeState(_ entries: [StreamKey: StreamState]) async throws {
        let sorted = entries.sorted { $0.key < $1.key }
        var rows = sorted.map { key, value in
            Self.textRow([key.advertiserID, key.object, value.bookmark?.description ?? "", Self.utcText(value.syncedAt)])
        }
        let height = max(rows.count, stateRowsWritten)
        rows += Array(repeating: Self.textRow(["", "", "", ""]), count: height - rows.count)
        if let tab = tabs?[Self.stateTab], height + 1 > tab.rowCount {
            let length = height + 1 - tab.rowCount
            try checkCells(adding: length * tab.columnCount, what: "writing the stream state")
            try await batchUpdate(["{\"appendDimension\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"ROWS\",\"length\":\(length)}}"],
                                  what: "growing the state tab")
            tabs?[Self.stateTab]?.rowCount += length
        }
        if height > 0 {
            try await valuesBatchUpdate([Self.entry(SheetsA1.range(Self.stateTab, rows: 1..<1 + height, columns: 0..<4), rows)],
                                        what: "writing the stream state")
        }
        state = entries
        stateRowsWritten = sorted.count
    }

    public func resetState(advertiserID: String?, object: String?) async throws -> Int {
        do {
            let current = try await readState()
            let kept = current.filter { key, _ in
                !((advertiserID == nil || key.advertiserID == advertiserID) && (object == nil || key.object == object))
            }
            let removed = current.count - kept.count
            if removed > 0 { try await storeState(kept) }
            return removed
        } catch {
            throw destinationError(error, "resetting the stream state")
        }
    }

    // MARK: Run history

    static func jsonText(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    func readRuns() async throws -> [[String]] {
        try await ensureBookkeeping()
        let rows = try await batchGet(["\(SheetsA1.quote(Self.runsTab))!A:I"], what: "reading the run history").first ?? []
        var index: [String: Int] = [:]
        for (i, row) in rows.enumerated().dropFirst() { if let id = row.first?.text, !id.isEmpty { index[id] = i } }
        runRows = index
        nextRunRow = max(1, rows.count)
        return rows.dropFirst().map { $0.map(\.text) }
    }

    public func recordRun(_ run: RunRecord) async throws {
        do {
            if runRows == nil { _ = try await readRuns() }
            let row: Int
            if let existing = runRows?[run.id] {
                row = existing
            } else {
                row = nextRunRow
                nextRunRow += 1
                runRows?[run.id] = row
            }
            if let tab = tabs?[Self.runsTab], row + 1 > tab.rowCount {
                let length = row + 1 - tab.rowCount
                try checkCells(adding: length * tab.columnCount, what: "recording the run")
                try await batchUpdate(["{\"appendDimension\":{\"sheetId\":\(tab.sheetId),\"dimension\":\"ROWS\",\"length\":\(length)}}"],
                                      what: "growing the run history tab")
                tabs?[Self.runsTab]?.rowCount += length
            }
            var text = "["
            JSONText.appendQuoted(run.id, to: &text)
            text += "," + JSONText.quoted(Self.utcText(run.startedAt)) + "," + JSONText.quoted(run.endedAt.map(Self.utcText) ?? "")
            text += "," + JSONText.quoted(run.status.rawValue) + ",\(run.totalRows),\(run.totalRequests)"
            for json in [Self.jsonText(run.objects), Self.jsonText(run.skippedAdvertisers), Self.jsonText(run.errors)] {
                text += ","
                SheetsA1.appendJSON(.json(json), maxCharacters: configuration.maxCellCharacters, to: &text)
            }
            text += "]"
            try await valuesBatchUpdate([Self.entry(SheetsA1.range(Self.runsTab, rows: row..<row + 1, columns: 0..<Self.runColumns.count), [text])],
                                        what: "recording the run")
        } catch {
            throw destinationError(error, "recording the run")
        }
    }

    public func recentRuns(limit: Int) async throws -> [RunRecord] {
        do {
            let decoder = JSONDecoder()
            func decode<T: Decodable>(_ text: String, as type: T.Type, default value: T) -> T {
                (try? decoder.decode(T.self, from: Data(text.utf8))) ?? value
            }
            let runs = try await readRuns().compactMap { row -> RunRecord? in
                let r = row + Array(repeating: "", count: max(0, 9 - row.count))
                guard !r[0].isEmpty else { return nil }
                return RunRecord(id: r[0], startedAt: Self.parseUTC(r[1]) ?? Date(timeIntervalSince1970: 0), endedAt: Self.parseUTC(r[2]),
                                 status: RunStatus(rawValue: r[3]) ?? .failed,
                                 objects: decode(r[6], as: [String: ObjectStatistics].self, default: [:]),
                                 skippedAdvertisers: decode(r[7], as: [String: String].self, default: [:]),
                                 errors: decode(r[8], as: [String].self, default: []))
            }
            return Array(runs.sorted { $0.startedAt > $1.startedAt }.prefix(max(0, limit)))
        } catch {
            throw destinationError(error, "reading the run history")
        }
    }
}
