import Foundation
import SyncKit

/// How one protocol (Singer, Airbyte) words the messages of a `ProtocolDestination`.
public protocol ProtocolDialect: Sendable {
    /// Messages that declare a stream before any of its records (Singer's SCHEMA); `stream` is the stream's name.
    func declare(_ schema: TableSchema, stream: String) -> [String]
    /// Messages just before a stream's first record of the run (Airbyte's RUNNING stream status).
    func beforeFirstRecord(of stream: String, at instant: Date) -> [String]
    /// One RECORD message.
    func record(_ row: [Value], of schema: TableSchema, stream: String, at instant: Date) -> String
    /// The STATE messages after a commit that moved the state of `changed` streams (by object name), given the whole
    /// state, each stream's name, and the records emitted per stream since that stream's last STATE message.
    func state(_ state: ProtocolState, changed: [String], streamName: (String) -> String, records: [String: Int]) -> [String]
}
