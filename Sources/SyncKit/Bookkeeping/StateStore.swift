import Foundation

/// The stream state (one row per advertiser and object: the bookmark and when it last committed), kept as an
/// ordinary table in every destination by this one piece of code.
public enum StateStore {
    public static let schema = TableSchema(name: "_tiktok_ads_state", fields: [
        Field("advertiser_id", .string, "Advertiser id"),
        Field("object", .string, "Object name"),
        Field("bookmark", .date, "Last committed local date (report streams)"),
        Field("synced_at", .datetime, "When the stream last committed (UTC)"),
    ], key: ["advertiser_id", "object"])

    /// The committed state of every stream. A state table that is not laid out as tiktok-ads writes it, or a row
    /// tiktok-ads cannot have written (no stream, a bookmark or time that is not one), is refused with a `.badInput`
    /// error naming the stream and the fix, rather than read as "no bookmark" (which would silently re-read from
    /// `start_date`, or worse). `shapeChecked`: the caller has already compared the table (`checkSchemas`).
    public static func load(from destination: any Destination, shapeChecked: Bool = false) async throws -> [StreamKey: StreamState] {
        if !shapeChecked { _ = try await destination.checkSchemas([schema]) }
        var state: [StreamKey: StreamState] = [:]
        var unreadable: [String] = []
        // Read as text, as stored: a date column would keep only the first 10 characters of what is there.
        var asStored = schema
        asStored.fields = schema.fields.map { Field($0.name, .string, $0.description) }
        for row in try await destination.rows(of: asStored) {
            guard row.count == 4, let advertiser = row[0].text, let object = row[1].text, !advertiser.isEmpty, !object.isEmpty else {
                unreadable.append("a row without a stream (advertiser_id \(quoted(row.first?.text)), object \(quoted(row.count > 1 ? row[1].text : nil)))")
                continue
            }
            let key = StreamKey(advertiserID: advertiser, object: object)
            var bookmark: LocalDate?
            if let text = row[2].text {
                guard text.utf8.count == 10, let date = LocalDate(text) else {
                    unreadable.append("stream \(key): bookmark \(quoted(text)) is not a date (YYYY-MM-DD); \(resetHint(key))")
                    continue
                }
                bookmark = date
            }
            guard let syncedText = row[3].text, let syncedAt = UTCText.parse(syncedText) else {
                unreadable.append("stream \(key): synced_at \(quoted(row[3].text)) is not a time (YYYY-MM-DD HH:MM:SS); \(resetHint(key))")
                continue
            }
            state[key] = StreamState(bookmark: bookmark, syncedAt: syncedAt)
        }
        guard unreadable.isEmpty else {
            throw SyncError(.badInput, """
                The stream state in \(destination.displayName) (table \(schema.name)) holds \(unreadable.count == 1 ? "a row" : "rows") \
                tiktok-ads did not write, so tiktok-ads stopped before writing anything:
                \(list(unreadable))
                Forget the state of each stream named (`tiktok-ads state reset --object NAME --advertiser-id ID`, the same destination flags \
                as the sync; the next sync re-reads it from start_date), or point at the destination this state belongs to.
                """)
        }
        return state
    }

    /// Refuses bookmarks later than the day after today in the account's timezone (`today` gives it per advertiser,
    /// with the timezone's name; advertisers it does not know are not checked): a report stream's bookmark is the last
    /// local day it committed, so a later one was not written by tiktok-ads for that account, and trusting it would
    /// skip every day up to it.
    public static func checkBookmarks(_ state: [StreamKey: StreamState], in destination: String,
                                      today: (String) -> (date: LocalDate, timeZone: String)?) throws {
        var future: [String] = []
        for (key, stream) in state.sorted(by: { $0.key < $1.key }) {
            guard let bookmark = stream.bookmark, let local = today(key.advertiserID) else { continue }
            let latest = local.date.adding(days: 1)
            if bookmark > latest {
                future.append("stream \(key): bookmark \(bookmark) is after \(latest), the day after today in the account's timezone (\(local.timeZone)); \(resetHint(key))")
            }
        }
        guard future.isEmpty else {
            throw SyncError(.badInput, """
                The stream state in \(destination) (table \(schema.name)) has \(future.count == 1 ? "a bookmark" : "bookmarks") in the future, \
                which tiktok-ads never writes (another account's or another tool's state, or a clock that was wrong), so the run \
                stopped before writing anything; trusting \(future.count == 1 ? "it" : "them") would skip every day up to \(future.count == 1 ? "it" : "them"):
                \(list(future))
                Forget the state of each stream named (the same destination flags as the sync); its next sync re-reads from start_date.
                """)
        }
    }

    static func resetHint(_ key: StreamKey) -> String {
        "fix: tiktok-ads state reset --object \(key.object) --advertiser-id \(key.advertiserID)"
    }

    static func quoted(_ text: String?) -> String {
        guard let text else { return "NULL" }
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return "'\(shown)'"
    }

    /// Up to 10 lines, then how many more.
    static func list(_ lines: [String]) -> String {
        let shown = lines.prefix(10).map { "  - " + $0 }
        return (lines.count > 10 ? shown + ["  - and \(lines.count - 10) more"] : shown).joined(separator: "\n")
    }

    /// The rows that record `checkpoints`, for `LoadTransaction.commit(checkpoints:)`: one row per stream, its
    /// latest checkpoint (a run's later slice wins), so no destination sees one key twice in a batch.
    public static func batch(_ checkpoints: [StreamCheckpoint]) -> RowBatch {
        var latest: [StreamKey: StreamCheckpoint] = [:]
        for checkpoint in checkpoints { latest[checkpoint.key] = checkpoint }
        return RowBatch(schema: schema, rows: latest.values.sorted { $0.key < $1.key }.map { checkpoint in
            [.string(checkpoint.key.advertiserID), .string(checkpoint.key.object),
             checkpoint.state.bookmark.map { .date($0.description) } ?? .null, .datetime(UTCText.format(checkpoint.state.syncedAt))]
        })
    }

    /// Forgets the state of the streams that match (nil matches every value); returns how many.
    /// A state table that is not laid out as tiktok-ads writes it is refused, not deleted from.
    public static func reset(in destination: any Destination, advertiserID: String?, object: String?) async throws -> Int {
        _ = try await destination.checkSchemas([schema])
        var filter: [ColumnValue] = []
        if let advertiserID { filter.append(ColumnValue("advertiser_id", .string(advertiserID))) }
        if let object { filter.append(ColumnValue("object", .string(object))) }
        return try await destination.deleteRows(of: schema, where: .matching(filter))
    }
}

/// UTC instants as the bookkeeping tables store them: `YYYY-MM-DD HH:MM:SS.ffffff` (DATETIME text).
public enum UTCText {
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (quotient, remainder) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let seconds = remainder < 0 ? quotient - 1 : quotient
        let fraction = micros - seconds * 1_000_000
        let (days, daysRemainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let day = LocalDate(dayNumber: Int(daysRemainder < 0 ? days - 1 : days))
        let secondOfDay = Int(seconds - Int64(day.dayNumber) * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let micro = String(fraction)
        return "\(day) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))."
            + String(repeating: "0", count: 6 - micro.count) + micro
    }

    /// Reads `YYYY-MM-DD HH:MM:SS[.ffffff]`, or ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff]Z` as older versions wrote.
    public static func parse(_ text: String) -> Date? {
        let canonical = Value.canonicalDateTime(text)
        guard canonical.utf8.count >= 19, let day = LocalDate(canonical.prefix(10)) else { return nil }
        let clock = canonical.dropFirst(11).split(separator: ":")
        guard clock.count == 3, let hours = Int(clock[0]), let minutes = Int(clock[1]), let seconds = Double(clock[2]) else { return nil }
        return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + hours * 3600 + minutes * 60) + seconds)
    }
}
