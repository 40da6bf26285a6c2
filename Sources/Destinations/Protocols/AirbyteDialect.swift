import Foundation
import SyncKit

/// The Airbyte protocol's messages for a read: RECORD with `emitted_at`, per-stream STATE (each stream's state is
/// `{"advertisers": {ADVERTISER_ID: {"bookmark": "YYYY-MM-DD" or null, "synced_at": "…"}}}`, with the records emitted
/// since the stream's last state as `sourceStats.recordCount`), and stream status traces.
public struct AirbyteDialect: ProtocolDialect {
    public init() {}

    public func declare(_ schema: TableSchema, stream: String) -> [String] { [] }

    public func beforeFirstRecord(of stream: String, at instant: Date) -> [String] {
        [Self.streamStatus(stream, "RUNNING", at: instant)]
    }

    public func record(_ row: [Value], of schema: TableSchema, stream: String, at instant: Date) -> String {
        #"{"type":"RECORD","record":{"stream":"# + JSONText.quoted(stream) + #","data":"# + ProtocolJSON.object(row, schema: schema)
            + #","emitted_at":\#(ProtocolJSON.milliseconds(instant))}}"#
    }

    public func state(_ state: ProtocolState, changed: [String], streamName: (String) -> String, records: [String: Int]) -> [String] {
        changed.map { object in
            let stream = streamName(object)
            return #"{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"# + JSONText.quoted(stream)
                + #"},"stream_state":{"advertisers":"# + state.advertisersJSON(of: object)
                + #"}},"sourceStats":{"recordCount":\#(records[stream] ?? 0)}}}"#
        }
    }

    /// A stream status trace (STARTED, RUNNING, COMPLETE, INCOMPLETE).
    public static func streamStatus(_ stream: String, _ status: String, at instant: Date) -> String {
        #"{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":\#(ProtocolJSON.milliseconds(instant)),"stream_status":{"stream_descriptor":{"name":"#
            + JSONText.quoted(stream) + #"},"status":"# + JSONText.quoted(status) + "}}}"
    }

    /// An error trace: `message` for the user, `internalMessage` with the detail; secrets masked in both.
    public static func error(_ message: String, internalMessage: String, failureType: String, at instant: Date) -> String {
        #"{"type":"TRACE","trace":{"type":"ERROR","emitted_at":\#(ProtocolJSON.milliseconds(instant)),"error":{"message":"#
            + JSONText.quoted(SecretRedactor.redact(message)) + #","internal_message":"# + JSONText.quoted(SecretRedactor.redact(internalMessage))
            + #","failure_type":"# + JSONText.quoted(failureType) + "}}}"
    }

    /// Reads the state Airbyte passes to `read --state`: a JSON array of per-stream state messages (or one of them,
    /// or a whole STATE message); `objectNamed` maps a stream name to its object (nil: not a stream of this source).
    public static func read(_ data: Data, file: String, objectNamed: (String) -> String?) throws -> ProtocolState {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw ProtocolState.unreadable(file, "it is not JSON")
        }
        if let object = root as? [String: Any], object.isEmpty { return ProtocolState() }  // `{}`: no state yet
        var entries: [Any] = (root as? [Any]) ?? [root]
        entries = entries.map { entry in
            if let message = entry as? [String: Any], message["type"] as? String == "STATE", let inner = message["state"] { return inner }
            return entry
        }
        var state = ProtocolState()
        for (index, entry) in entries.enumerated() {
            guard let message = entry as? [String: Any], message["type"] as? String == "STREAM",
                  let stream = message["stream"] as? [String: Any], let descriptor = stream["stream_descriptor"] as? [String: Any],
                  let name = descriptor["name"] as? String else {
                throw ProtocolState.unreadable(file, "entry \(index) is not a per-stream state ({\"type\": \"STREAM\", \"stream\": {\"stream_descriptor\": …, \"stream_state\": …}})")
            }
            guard let object = objectNamed(name) else {
                throw ProtocolState.unreadable(file, "entry \(index) names the stream '\(name.prefix(60))', which this source does not have")
            }
            guard let streamState = stream["stream_state"], !(streamState is NSNull) else { continue }
            guard let fields = streamState as? [String: Any] else {
                throw ProtocolState.unreadable(file, "the stream_state of \(name) is not an object")
            }
            try state.readAdvertisers(fields["advertisers"] ?? [String: Any](), object: object, place: "\(name).stream_state.advertisers", file: file)
        }
        return state
    }
}
