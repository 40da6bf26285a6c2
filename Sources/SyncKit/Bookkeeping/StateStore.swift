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

    /// The committed state of every stream.
    public static func load(from destination: any Destination) async throws -> [StreamKey: StreamState] {
        var state: [StreamKey: StreamState] = [:]
        for row in try await destination.rows(of: schema) where row.count == 4 {
            guard let advertiser = row[0].text, let object = row[1].text else { continue }
            state[StreamKey(advertiserID: advertiser, object: object)] = StreamState(
                bookmark: row[2].text.flatMap { LocalDate($0) },
                syncedAt: row[3].text.flatMap(UTCText.parse) ?? Date(timeIntervalSince1970: 0))
        }
        return state
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
    public static func reset(in destination: any Destination, advertiserID: String?, object: String?) async throws -> Int {
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
