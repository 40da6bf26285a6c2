import Foundation
import Logging
import SyncKit
import TikTokAds

/// What `tiktok-ads status` reports, read from the destination only (no API call): per advertiser and object the
/// bookmark, when it last committed, how far behind it is, its rows and its last error; the last runs; whether
/// everything is fresh for the schedule.
public struct StatusReport: Sendable, Encodable {
    public struct Stream: Sendable, Encodable {
        public var advertiserID: String
        /// An object name; "-" for an advertiser the last run skipped before any of its streams committed.
        public var object: String
        public var bookmark: String?
        public var syncedAt: Date?
        /// Seconds from the stream's last commit to `checked_at` (time of request, as `checked_at` is).
        public var ageSeconds: Int?
        /// Local days between the bookmark and today in the account's timezone (report streams whose account is known).
        public var daysBehind: Int?
        public var rows: Int?
        public var fresh: Bool
        /// The last run's error for this stream or advertiser, when that run came after the stream's last commit.
        public var lastError: String?
        /// "failing" when the last run failed for it (`last_error`), else "fresh" or "late" (`fresh`).
        public var state: String {
            lastError != nil ? "failing" : fresh ? "fresh" : "late"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(advertiserID, forKey: .advertiserID)
            try container.encode(object, forKey: .object)
            try container.encodeIfPresent(bookmark, forKey: .bookmark)
            try container.encodeIfPresent(syncedAt, forKey: .syncedAt)
            try container.encodeIfPresent(ageSeconds, forKey: .ageSeconds)
            try container.encodeIfPresent(daysBehind, forKey: .daysBehind)
            try container.encodeIfPresent(rows, forKey: .rows)
            try container.encode(fresh, forKey: .fresh)
            try container.encodeIfPresent(lastError, forKey: .lastError)
            try container.encode(state, forKey: .state)
        }

        enum CodingKeys: String, CodingKey {
            case advertiserID, object, bookmark, syncedAt, ageSeconds, daysBehind, rows, fresh, lastError, state
        }
    }

    /// The instant the report was read for (the clock, or `--now`): time of request, as `age_seconds` is.
    public var checkedAt: Date
    public var destination: String
    /// A stream is fresh when it committed within this many seconds (twice the schedule's interval, as `/health`).
    public var freshWithinSeconds: Int
    /// The schedule in words, e.g. "daily at 05:00 Europe/Berlin".
    public var schedule: String
    /// The schedule's first tick after `checked_at` (a scheduler adds its jitter to it); absent when no schedule is given.
    public var nextTick: Date?
    public var fresh: Bool
    public var streams: [Stream]
    public var lastSuccessfulRun: Date?
    public var runs: [RunSummary]
    /// Per advertiser, what `_tiktok_ads_reconciliation` holds: days checked against the account totals, how many differ,
    /// how many with no known cause (empty when no sync reconciled yet).
    public var reconciliation: [ReconciliationTable.AdvertiserResult] = []
    /// Per advertiser, daily spend, impressions and clicks over the last 30 local days, read from the destination, and
    /// each day's reconciliation (`StatusReport+Daily.swift`).
    public var daily: [AdvertiserDaily] = []
    /// Advertiser id -> the account's name, from the advertiser table when it was synced.
    public var advertiserNames: [String: String] = [:]
}

extension SyncRequest {
    /// `status`: the destination's state and run history judged against the schedule (`schedule` in the config, else
    /// daily). Reads only; a missing SQLite file is an error, never created.
    public func status(schedule: ScheduleSettings, logger: Logger) async throws -> StatusReport {
        let file = try loadConfiguration(needsAPI: false)
        try validateFlags()
        let given = schedule.daily != nil || schedule.hourly != nil || schedule.cron != nil ? try schedule.schedule() : nil
        let interval: Duration = given?.nominalInterval ?? .seconds(86_400)
        let described = given?.description ?? "daily (no schedule given)"
        let now = try currentInstant()
        return try await withDestination(file, locked: false, logger: logger,
                                         missingHint: "Pass --sqlite with the file your syncs write (or the destination flags your syncs use).") { destination in
            let state = try await StateStore.load(from: destination)
            let runs = try await RunHistory.recent(limit: 10, in: destination)
            let zones = try await Self.accountTimeZones(in: destination)
            let names = try await Self.accountNames(in: destination)
            let objects = Set(state.keys.map(\.object)).sorted().compactMap(Catalog.object(named:))
            let rows = try await DestinationCensus.read(objects, countingDays: false, from: destination).rows
            let freshWithin = interval * 2
            let last = runs.first { $0.status != .running }
            var streams: [StatusReport.Stream] = state.sorted { ($0.key.advertiserID, $0.key.object) < ($1.key.advertiserID, $1.key.object) }.map { key, stream in
                let age = max(0, Int(now.timeIntervalSince(stream.syncedAt)))
                var behind: Int?
                if let bookmark = stream.bookmark, let zone = zones[key.advertiserID] {
                    behind = bookmark.days(to: LocalDate(now, in: zone))
                }
                var error: String?
                if let last, last.startedAt > stream.syncedAt, last.status != .succeeded {
                    error = last.skippedAdvertisers[key.advertiserID] ?? last.errors.first { $0.contains(key.advertiserID) }
                        ?? (last.status == .failed ? last.errors.first : nil)
                }
                return StatusReport.Stream(
                    advertiserID: key.advertiserID, object: key.object, bookmark: stream.bookmark?.description, syncedAt: stream.syncedAt,
                    ageSeconds: age, daysBehind: behind, rows: rows[key.object]?[key.advertiserID],
                    fresh: Duration.seconds(age) <= freshWithin, lastError: error)
            }
            let known = Set(state.keys.map(\.advertiserID))
            for (advertiser, reason) in (last?.skippedAdvertisers ?? [:]).sorted(by: { $0.key < $1.key }) where !known.contains(advertiser) {
                streams.append(StatusReport.Stream(advertiserID: advertiser, object: "-", fresh: false, lastError: reason))
            }
            let summaries = runs.map(StatusReport.RunSummary.init)
            let hasReconciliation = try await !destination.inspectTables([ReconciliationTable.schema.name]).isEmpty
            let reconciled = hasReconciliation ? try await ReconciliationTable.results(in: destination) : []
            let daily = try await StatusReport.dailySeries(state: state, zones: zones, now: now, reconciled: hasReconciliation, in: destination)
            return StatusReport(
                checkedAt: now, destination: destination.displayName, freshWithinSeconds: Int(freshWithin.components.seconds),
                schedule: described, nextTick: given?.next(after: now), fresh: !streams.isEmpty && streams.allSatisfy(\.fresh), streams: streams,
                lastSuccessfulRun: runs.first { $0.status == .succeeded }?.endedAt, runs: summaries, reconciliation: reconciled, daily: daily,
                advertiserNames: names)
        }
    }

    /// Each advertiser's name, from the advertiser table when it was synced.
    static func accountNames(in destination: any Destination) async throws -> [String: String] {
        guard let advertiser = Catalog.object(named: "advertiser"),
              let rows = try await destination.readColumns(["advertiser_id", "advertiser_name"], of: advertiser.table) else { return [:] }
        var names: [String: String] = [:]
        for row in rows {
            if let id = row[0].text, let name = row[1].text { names[id] = name }
        }
        return names
    }

    /// Each advertiser's timezone, from the advertiser table when it was synced.
    static func accountTimeZones(in destination: any Destination) async throws -> [String: TimeZone] {
        guard let advertiser = Catalog.object(named: "advertiser"),
              let rows = try await destination.readColumns(["advertiser_id", "timezone"], of: advertiser.table) else { return [:] }
        var zones: [String: TimeZone] = [:]
        for row in rows {
            if let id = row[0].text, let name = row[1].text, let zone = TimeZone(identifier: name) { zones[id] = zone }
        }
        return zones
    }
}

extension StatusReport {
    /// The report as JSON (snake_case keys, ISO 8601 times), secrets masked.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return SecretRedactor.redact(String(decoding: data, as: UTF8.self)) + "\n"
    }

    /// The report as a table for people.
    public var text: String {
        var lines: [[String]] = [["advertiser", "object", "bookmark", "behind", "synced", "rows", "state"]]
        for stream in streams {
            lines.append([
                stream.advertiserID, stream.object, stream.bookmark ?? "-",
                stream.daysBehind.map { "\($0) d" } ?? "-",
                stream.ageSeconds.map { Self.age($0) + " ago" } ?? "never",
                stream.rows.map(String.init) ?? "-",
                stream.state == "fresh" ? "fresh" : stream.state.uppercased(),
            ])
        }
        var text = "destination: \(destination)\nschedule: \(schedule)" + (nextTick.map { ", next tick \($0.formatted(.iso8601))" } ?? "")
            + "; fresh = committed within \(Self.age(freshWithinSeconds))\n\n"
        text += TextTable.render(lines, leftAligned: lines[0].count)
        for stream in streams {
            if let error = stream.lastError { text += "\(stream.advertiserID) \(stream.object): \(error)\n" }
        }
        text += "\nlast runs:\n"
        for run in runs {
            let took = run.endedAt.map { " in " + Self.age(Int($0.timeIntervalSince(run.startedAt).rounded())) } ?? ""
            text += "  \(run.startedAt.formatted(.iso8601))  \(run.status)\(took), \(run.rows) rows, \(run.requests) requests"
                + (run.skippedAdvertisers > 0 ? ", \(run.skippedAdvertisers) advertisers skipped" : "") + "\n"
        }
        if runs.isEmpty { text += "  none\n" }
        if !reconciliation.isEmpty {
            text += "\nreconciliation with the account totals (_tiktok_ads_reconciliation; `tiktok-ads reconcile` checks again):\n"
            for result in reconciliation {
                text += "  \(result.advertiserID): \(result.checkedDays) level-days checked, \(result.differingDays) differ, "
                    + "\(result.unexplainedDays) with no known cause" + (result.lastChecked.map { " (last checked \($0.prefix(16)) UTC)" } ?? "") + "\n"
            }
        }
        text += fresh ? "\nEverything is fresh.\n"
            : streams.isEmpty ? "\nNothing has been synced into this destination yet: run `tiktok-ads sync`.\n"
            : "\nSome streams are not fresh (LATE: no commit within \(Self.age(freshWithinSeconds)); FAILING: the last run failed for them, with the reason above).\n"
        return SecretRedactor.redact(text)
    }

    /// "45 s", "12 min", "5 h", "3 d".
    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<120: "\(seconds) s"
        case ..<7200: "\(seconds / 60) min"
        case ..<172_800: "\(seconds / 3600) h"
        default: "\(seconds / 86_400) d"
        }
    }
}
