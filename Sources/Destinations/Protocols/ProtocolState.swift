import Foundation
import SyncKit

/// What a protocol run starts from and hands back, in place of a database's bookkeeping tables: each stream's
/// bookmark per advertiser and object (`_tiktok_ads_state`) and the pace TikTok accepted (`_tiktok_ads_pacing`).
public struct ProtocolState: Sendable, Equatable {
    public var streams: [StreamKey: StreamState]
    /// Endpoint family → the pace learned there.
    public var pacing: [String: LearnedPace]

    public init(streams: [StreamKey: StreamState] = [:], pacing: [String: LearnedPace] = [:]) {
        self.streams = streams
        self.pacing = pacing
    }

    /// One endpoint's learned pace, as `PacingStore` keeps it.
    public struct LearnedPace: Sendable, Equatable {
        public var requestsPerSecond: Double
        public var requestsPerMinute: Int?
        /// UTC, `YYYY-MM-DD HH:MM:SS.ffffff`.
        public var learnedAt: String

        public init(requestsPerSecond: Double, requestsPerMinute: Int?, learnedAt: String) {
            self.requestsPerSecond = requestsPerSecond
            self.requestsPerMinute = requestsPerMinute
            self.learnedAt = learnedAt
        }
    }

    /// The objects that have a state, sorted.
    public var objects: [String] { Set(streams.keys.map(\.object)).sorted() }

    /// One object's bookmarks as JSON: `{"ADVERTISER_ID": {"bookmark": "YYYY-MM-DD" or null, "synced_at": "…"}, …}`.
    public func advertisersJSON(of object: String) -> String {
        let entries = streams.filter { $0.key.object == object }.sorted { $0.key.advertiserID < $1.key.advertiserID }
        return "{" + entries.map { key, state in
            JSONText.quoted(key.advertiserID) + #":{"bookmark":"# + (state.bookmark.map { JSONText.quoted($0.description) } ?? "null")
                + #","synced_at":"# + JSONText.quoted(UTCText.format(state.syncedAt)) + "}"
        }.joined(separator: ",") + "}"
    }

    /// The learned paces as JSON: `{"ENDPOINT": {"requests_per_second": 9.5, "requests_per_minute": null, "learned_at": "…"}}`.
    public var pacingJSON: String {
        "{" + pacing.sorted { $0.key < $1.key }.map { endpoint, pace in
            JSONText.quoted(endpoint) + #":{"requests_per_second":\#(pace.requestsPerSecond),"requests_per_minute":"#
                + (pace.requestsPerMinute.map(String.init) ?? "null") + #","learned_at":"# + JSONText.quoted(pace.learnedAt) + "}"
        }.joined(separator: ",") + "}"
    }

    /// Reads one object's bookmarks (`advertisersJSON`'s shape, parsed by `JSONSerialization`); `place` names
    /// where they are in the state file for messages. Anything else is bad input naming the place and the fix.
    public mutating func readAdvertisers(_ json: Any, object: String, place: String, file: String) throws {
        guard let advertisers = json as? [String: Any] else {
            throw Self.unreadable(file, "\(place) is not an object of advertiser ids")
        }
        for (advertiser, entry) in advertisers {
            guard !advertiser.isEmpty, advertiser.allSatisfy(\.isNumber) else {
                throw Self.unreadable(file, "\(place) has the key '\(advertiser.prefix(40))', which is not an advertiser id")
            }
            guard let fields = entry as? [String: Any] else {
                throw Self.unreadable(file, "\(place).\(advertiser) is not an object {\"bookmark\": \"YYYY-MM-DD\", \"synced_at\": \"…\"}")
            }
            var bookmark: LocalDate?
            if let raw = fields["bookmark"], !(raw is NSNull) {
                guard let text = raw as? String else {
                    throw Self.unreadable(file, "\(place).\(advertiser).bookmark is not a date YYYY-MM-DD")
                }
                guard text.utf8.count == 10, let date = LocalDate(text) else {
                    throw Self.unreadable(file, "\(place).\(advertiser).bookmark '\(text.prefix(40))' is not a date YYYY-MM-DD")
                }
                bookmark = date
            }
            var syncedAt = Date(timeIntervalSince1970: 0)
            if let text = fields["synced_at"] as? String {
                guard let parsed = UTCText.parse(text) else {
                    throw Self.unreadable(file, "\(place).\(advertiser).synced_at '\(text.prefix(40))' is not a time YYYY-MM-DD HH:MM:SS")
                }
                syncedAt = parsed
            }
            streams[StreamKey(advertiserID: advertiser, object: object)] = StreamState(bookmark: bookmark, syncedAt: syncedAt)
        }
    }

    /// Reads the learned paces (`pacingJSON`'s shape); a pace that is not a positive number is bad input.
    public mutating func readPacing(_ json: Any, place: String, file: String) throws {
        guard let endpoints = json as? [String: Any] else { throw Self.unreadable(file, "\(place) is not an object of endpoints") }
        for (endpoint, entry) in endpoints {
            guard let fields = entry as? [String: Any], let rate = (fields["requests_per_second"] as? NSNumber)?.doubleValue,
                  rate.isFinite, rate > 0 else {
                throw Self.unreadable(file, "\(place).\(endpoint) needs requests_per_second, a positive number")
            }
            let perMinute = (fields["requests_per_minute"] as? NSNumber)?.intValue
            pacing[endpoint] = LearnedPace(requestsPerSecond: rate, requestsPerMinute: perMinute,
                                           learnedAt: fields["learned_at"] as? String ?? UTCText.format(Date(timeIntervalSince1970: 0)))
        }
    }

    static func unreadable(_ file: String, _ problem: String) -> SyncError {
        SyncError(.badInput, "The state file '\(file)' is not a state tiktok-ads wrote: \(problem). Pass the last state the tap emitted, or leave --state out to read from start_date.")
    }

    // MARK: Bookkeeping rows

    /// The rows of `_tiktok_ads_state`, as text the way a database returns them.
    var stateRows: [[Value]] {
        streams.sorted { $0.key < $1.key }.map { key, state in
            [.string(key.advertiserID), .string(key.object), state.bookmark.map { .string($0.description) } ?? .null,
             .string(UTCText.format(state.syncedAt))]
        }
    }

    /// The rows of `_tiktok_ads_pacing`.
    var pacingRows: [[Value]] {
        pacing.sorted { $0.key < $1.key }.map { endpoint, pace in
            [.string(endpoint), .float(pace.requestsPerSecond), pace.requestsPerMinute.map { .integer(Int64($0)) } ?? .null,
             .datetime(pace.learnedAt)]
        }
    }

    /// Applies checkpoint rows of `_tiktok_ads_state`; returns the objects whose state changed.
    mutating func applyStateRows(_ rows: [[Value]]) -> Set<String> {
        var changed: Set<String> = []
        for row in rows where row.count == 4 {
            guard let advertiser = row[0].text, let object = row[1].text, let synced = row[3].text.flatMap(UTCText.parse) else { continue }
            streams[StreamKey(advertiserID: advertiser, object: object)] = StreamState(bookmark: row[2].text.flatMap { LocalDate($0) },
                                                                                       syncedAt: synced)
            changed.insert(object)
        }
        return changed
    }

    /// Applies checkpoint rows of `_tiktok_ads_pacing`; returns whether anything changed.
    mutating func applyPacingRows(_ rows: [[Value]]) -> Bool {
        var changed = false
        for row in rows where row.count == 4 {
            guard let endpoint = row[0].text, let rate = row[1].text.flatMap(Double.init) else { continue }
            pacing[endpoint] = LearnedPace(requestsPerSecond: rate, requestsPerMinute: row[2].text.flatMap { Int($0) },
                                           learnedAt: row[3].text ?? UTCText.format(Date()))
            changed = true
        }
        return changed
    }
}
