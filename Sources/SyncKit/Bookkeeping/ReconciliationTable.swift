import Foundation

/// `_tiktok_ads_reconciliation`: every comparison of a report level's daily sum with the account total, one row per
/// advertiser, local day, level and metric (differences of zero included, so a clean day is on record too).
public enum ReconciliationTable {
    public static let schema = TableSchema(name: "_tiktok_ads_reconciliation", fields: [
        Field("advertiser_id", .string, "Advertiser ID"),
        Field("stat_time_day", .date, "Local day of the account"),
        Field("level", .string, "Report level compared: campaign, adgroup or ad"),
        Field("metric", .string, "spend, impressions, clicks or conversion"),
        Field("level_sum", .decimal, "Sum of the metric over the level's rows in the destination"),
        Field("account_total", .decimal, "The advertiser-level total TikTok reports for the day"),
        Field("difference", .decimal, "level_sum minus account_total"),
        Field("cause", .string, "Why they differ, where the tool knows: deleted_excluded, restatement; NULL otherwise"),
        Field("checked_at", .datetime, "When the comparison was made (UTC)"),
    ], key: ["advertiser_id", "stat_time_day", "level", "metric"], timeField: "stat_time_day")

    /// One comparison, before it becomes a row.
    public struct Comparison: Sendable, Equatable {
        public var advertiserID: String
        public var date: LocalDate
        public var level: String
        public var metric: String
        public var levelSum: Decimal
        public var accountTotal: Decimal
        public var cause: ReconciliationCause?

        public init(advertiserID: String, date: LocalDate, level: String, metric: String, levelSum: Decimal, accountTotal: Decimal,
                    cause: ReconciliationCause? = nil) {
            self.advertiserID = advertiserID
            self.date = date
            self.level = level
            self.metric = metric
            self.levelSum = levelSum
            self.accountTotal = accountTotal
            self.cause = cause
        }

        public var difference: Decimal { levelSum - accountTotal }

        /// Beyond the tolerance: one cent for money, nothing for counts.
        public var differs: Bool { ReconciliationTable.isBeyondTolerance(difference, metric: metric) }

        public var finding: ReconciliationFinding {
            ReconciliationFinding(advertiserID: advertiserID, date: date, level: level, metric: metric,
                                  levelSum: Self.text(levelSum), accountTotal: Self.text(accountTotal),
                                  difference: Self.text(difference), cause: cause)
        }

        static func text(_ value: Decimal) -> String { value.description }
    }

    /// How far a money metric may differ: one cent (`isBeyondTolerance`, and the summary query's SQL).
    static let moneyTolerance = "0.01"

    /// One cent for money (`spend`), nothing for counts.
    public static func isBeyondTolerance(_ difference: Decimal, metric: String) -> Bool {
        let magnitude = difference < 0 ? -difference : difference
        return metric == "spend" ? magnitude > Decimal(string: moneyTolerance)! : magnitude != 0
    }

    static func row(_ comparison: Comparison, checkedAt: Date) -> [Value] {
        [.string(comparison.advertiserID), .date(comparison.date.description), .string(comparison.level), .string(comparison.metric),
         .decimal(Comparison.text(comparison.levelSum)), .decimal(Comparison.text(comparison.accountTotal)),
         .decimal(Comparison.text(comparison.difference)),
         comparison.differs ? comparison.cause.map { .string($0.rawValue) } ?? .null : .null,
         .datetime(UTCText.format(checkedAt))]
    }

    /// Writes the comparisons (upserted on advertiser, day, level and metric) and commits them.
    package static func write(_ comparisons: [Comparison], checkedAt: Date, to destination: any Destination) async throws {
        guard !comparisons.isEmpty else { return }
        try await destination.commitAlone([RowBatch(schema: schema, rows: comparisons.map { row($0, checkedAt: checkedAt) })])
    }

    /// What the table holds, per advertiser: days and levels checked, the differences, and when it was last checked.
    public struct AdvertiserResult: Sendable, Equatable, Codable {
        public var advertiserID: String
        public var checkedDays: Int
        public var differingDays: Int
        public var unexplainedDays: Int
        public var lastChecked: String?

        enum CodingKeys: String, CodingKey {
            case advertiserID = "advertiser_id", checkedDays = "checked_days", differingDays = "differing_days"
            case unexplainedDays = "unexplained_days", lastChecked = "last_checked"
        }
    }

    /// Reads the table back, summed per advertiser (a day counts once per level however many metrics differ on it).
    /// A SQL database sums it with one query (`SQLQuerying`); the other destinations are read row by row.
    public static func results(in destination: any Destination) async throws -> [AdvertiserResult] {
        if let database = destination as? any SQLQuerying { return try await database.reconciliationResults() }
        return try await readingEveryRow(in: destination)
    }

    /// `results` from every row of the table, summed here.
    package static func readingEveryRow(in destination: any Destination) async throws -> [AdvertiserResult] {
        var byAdvertiser: [String: (days: Set<[String]>, differing: Set<[String]>, unexplained: Set<[String]>, last: String?)] = [:]
        for row in try await destination.rows(of: schema) where row.count == schema.fields.count {
            guard let advertiser = row[0].text, let day = row[1].text, let level = row[2].text else { continue }
            let dayLevel = [day, level]
            var entry = byAdvertiser[advertiser] ?? ([], [], [], nil)
            entry.days.insert(dayLevel)
            if let metric = row[3].text, let difference = row[6].text.flatMap({ Decimal(string: $0) }),
               isBeyondTolerance(difference, metric: metric) {
                entry.differing.insert(dayLevel)
                if row[7].isNull { entry.unexplained.insert(dayLevel) }
            }
            if let checked = row[8].text, checked > (entry.last ?? "") { entry.last = checked }
            byAdvertiser[advertiser] = entry
        }
        return byAdvertiser.sorted { $0.key < $1.key }.map {
            AdvertiserResult(advertiserID: $0.key, checkedDays: $0.value.days.count, differingDays: $0.value.differing.count,
                             unexplainedDays: $0.value.unexplained.count, lastChecked: $0.value.last)
        }
    }
}

extension SQLQuerying {
    /// `ReconciliationTable.results` in one `GROUP BY`: the tolerance rule (`isBeyondTolerance`) in SQL, days and
    /// levels counted as distinct `day|level` texts; no results when the table or one of its columns is missing.
    func reconciliationResults() async throws -> [ReconciliationTable.AdvertiserResult] {
        let table = ReconciliationTable.schema
        let read = ["advertiser_id", "stat_time_day", "level", "metric", "difference", "cause", "checked_at"]
        guard try await metricColumns([], of: table.name, besides: read) != nil else { return [] }
        let column = { (name: String) in queryName(ofColumn: name) }
        let dayLevel = "\(text(column("stat_time_day"))) || '|' || \(column("level"))"
        let difference = column("difference"), metric = column("metric")
        let beyond = "((\(metric) = 'spend' AND ABS(\(difference)) > \(ReconciliationTable.moneyTolerance)) OR (\(metric) <> 'spend' AND \(difference) <> 0))"
        let sql = "SELECT " + [text(column("advertiser_id")), text("COUNT(DISTINCT \(dayLevel))"),
                               text("COUNT(DISTINCT CASE WHEN \(beyond) THEN \(dayLevel) END)"),
                               text("COUNT(DISTINCT CASE WHEN \(beyond) AND \(column("cause")) IS NULL THEN \(dayLevel) END)"),
                               text("MAX(\(column("checked_at")))")].joined(separator: ", ")
            + " FROM \(queryName(ofTable: table.name)) WHERE \(column("advertiser_id")) IS NOT NULL GROUP BY 1"
        return try await select(sql).compactMap { row -> ReconciliationTable.AdvertiserResult? in
            guard row.count == 5, let advertiser = row[0], let checked = row[1].flatMap({ Int($0) }), checked > 0 else { return nil }
            // As the rows read it (PostgreSQL's +00 dropped, as by the row read's AT TIME ZONE).
            let last = row[4].flatMap { Value(text: $0, as: .datetime).text }
            return ReconciliationTable.AdvertiserResult(advertiserID: advertiser, checkedDays: checked, differingDays: row[2].flatMap { Int($0) } ?? 0,
                                                        unexplainedDays: row[3].flatMap { Int($0) } ?? 0, lastChecked: last)
        }.sorted { $0.advertiserID < $1.advertiserID }
    }
}
