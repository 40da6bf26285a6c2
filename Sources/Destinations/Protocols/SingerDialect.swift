import Foundation
import SyncKit

/// Singer's messages (SCHEMA, RECORD, STATE; one JSON object a line). The STATE value is the whole state:
/// `{"bookmarks": {STREAM: {ADVERTISER_ID: {"bookmark": "YYYY-MM-DD" or null, "synced_at": "…"}}}, "pacing": {…}}`.
public struct SingerDialect: ProtocolDialect {
    public init() {}

    public func declare(_ schema: TableSchema, stream: String) -> [String] {
        var line = #"{"type":"SCHEMA","stream":"# + JSONText.quoted(stream)
        line += #","schema":"# + ProtocolJSON.objectSchema(schema.fields, airbyte: false)
        line += #","key_properties":"# + ProtocolJSON.strings(schema.key)
        if let time = schema.timeField { line += #","bookmark_properties":"# + ProtocolJSON.strings([time]) }
        return [line + "}"]
    }

    public func beforeFirstRecord(of stream: String, at instant: Date) -> [String] { [] }

    public func record(_ row: [Value], of schema: TableSchema, stream: String, at instant: Date) -> String {
        #"{"type":"RECORD","stream":"# + JSONText.quoted(stream) + #","record":"# + ProtocolJSON.object(row, schema: schema)
            + #","time_extracted":"# + JSONText.quoted(Self.timestamp(instant)) + "}"
    }

    public func state(_ state: ProtocolState, changed: [String], streamName: (String) -> String, records: [String: Int]) -> [String] {
        [#"{"type":"STATE","value":"# + Self.value(state, streamName: streamName) + "}"]
    }

    /// The STATE value: every stream's bookmarks and the learned pace.
    public static func value(_ state: ProtocolState, streamName: (String) -> String) -> String {
        let streams = state.objects.map { (streamName($0), $0) }.sorted { $0.0 < $1.0 }
        return #"{"bookmarks":{"# + streams.map { stream, object in JSONText.quoted(stream) + ":" + state.advertisersJSON(of: object) }
            .joined(separator: ",") + #"},"pacing":"# + state.pacingJSON + "}"
    }

    /// Reads a STATE value (a file Meltano or another Singer runner kept from the last run); `objectNamed` maps a
    /// stream name to its object (nil: not a stream of this tap, which is bad input).
    public static func read(_ data: Data, file: String, objectNamed: (String) -> String?) throws -> ProtocolState {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw ProtocolState.unreadable(file, "it is not JSON")
        }
        // A runner may hand the whole STATE message rather than its value.
        var value = root
        if let message = root as? [String: Any], message["type"] as? String == "STATE", let inner = message["value"] { value = inner }
        guard let object = value as? [String: Any] else { throw ProtocolState.unreadable(file, "it is not a JSON object") }
        var state = ProtocolState()
        if let bookmarks = object["bookmarks"] {
            guard let streams = bookmarks as? [String: Any] else { throw ProtocolState.unreadable(file, "bookmarks is not an object of streams") }
            for (stream, advertisers) in streams {
                guard let name = objectNamed(stream) else {
                    throw ProtocolState.unreadable(file, "bookmarks names the stream '\(stream.prefix(60))', which this tap does not have")
                }
                try state.readAdvertisers(advertisers, object: name, place: "bookmarks.\(stream)", file: file)
            }
        }
        if let pacing = object["pacing"] { try state.readPacing(pacing, place: "pacing", file: file) }
        return state
    }

    /// RFC 3339 UTC with microseconds, Singer's `time_extracted`.
    static func timestamp(_ date: Date) -> String { ProtocolJSON.isoDateTime(UTCText.format(date)) + "Z" }
}
