import Foundation

/// The pace the API accepted per endpoint family, kept as an ordinary table in every destination so the next run
/// starts where this one settled (a daily schedule does not learn TikTok's budget from zero each day).
public enum PacingStore {
    public static let schema = TableSchema(name: "_tiktok_ads_pacing", fields: [
        Field("endpoint", .string, "API endpoint family"),
        Field("requests_per_second", .float, "The pace the API accepted at the end of the last run"),
        Field("requests_per_minute", .integer, "A per-minute budget learned from a restriction, if any"),
        Field("learned_at", .datetime, "When it was learned (UTC)"),
    ], key: ["endpoint"])

    /// The learned paces; rows that cannot be read (or hold no positive pace) are left out, so the pacer learns them again.
    public static func load(from destination: any Destination) async throws -> [String: LearnedRate] {
        var learned: [String: LearnedRate] = [:]
        for row in try await destination.rows(of: schema) where row.count == schema.fields.count {
            guard let endpoint = row[0].text, let rate = row[1].text.flatMap(Double.init), rate.isFinite, rate > 0 else { continue }
            learned[endpoint] = LearnedRate(requestsPerSecond: rate, requestsPerMinute: row[2].text.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil })
        }
        return learned
    }

    /// Forgets every learned pace (after an access-tier upgrade, say: a learned per-minute budget only ever falls,
    /// since probing it costs TikTok's penalty); the next sync learns the budget again. Returns how many were forgotten.
    /// A pacing table not laid out as tiktok-ads writes it is refused, not deleted from.
    public static func reset(in destination: any Destination) async throws -> Int {
        _ = try await destination.checkSchemas([schema])
        return try await destination.deleteRows(of: schema, where: .matching([]))
    }

    /// Saves the learned paces (upserted by endpoint; endpoints not in `rates` keep their row).
    public static func save(_ rates: [String: LearnedRate], at instant: Date, in destination: any Destination) async throws {
        guard !rates.isEmpty else { return }
        let rows: [[Value]] = rates.sorted { $0.key < $1.key }.map { endpoint, rate in
            [.string(endpoint), .float(rate.requestsPerSecond), rate.requestsPerMinute.map { .integer(Int64($0)) } ?? .null,
             .datetime(UTCText.format(instant))]
        }
        try await destination.commitBookkeeping(RowBatch(schema: schema, rows: rows))
    }
}
