import Foundation

/// Identifies one stream of a sync: one object for one advertiser.
public struct StreamKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var advertiserID: String
    public var object: String

    public init(advertiserID: String, object: String) {
        self.advertiserID = advertiserID
        self.object = object
    }

    public var description: String { "\(object)@\(advertiserID)" }

    public static func < (lhs: StreamKey, rhs: StreamKey) -> Bool {
        (lhs.object, lhs.advertiserID) < (rhs.object, rhs.advertiserID)
    }
}

/// What a destination remembers about a stream between runs.
public struct StreamState: Sendable, Hashable, Codable {
    /// The last local date whose report rows are committed (nil for entity streams, which are listed in full).
    public var bookmark: LocalDate?
    /// When the stream last committed.
    public var syncedAt: Date

    public init(bookmark: LocalDate?, syncedAt: Date) {
        self.bookmark = bookmark
        self.syncedAt = syncedAt
    }
}

/// A state update that travels with the rows it describes and commits with them.
public struct StreamCheckpoint: Sendable, Hashable {
    public var key: StreamKey
    public var state: StreamState

    public init(key: StreamKey, state: StreamState) {
        self.key = key
        self.state = state
    }
}
