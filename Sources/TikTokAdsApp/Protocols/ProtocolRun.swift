import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// One Singer or Airbyte sync: the `sync` job itself (same settings, pacing, retries, skipped advertisers and secret
/// handling), its destination a `ProtocolDestination` that writes messages instead of a database, its state taken from
/// the protocol's state file instead of `_tiktok_ads_state`.
public struct ProtocolRun: Sendable {
    /// The JSON config file the runner passes (the keys of the YAML config file).
    public var configPath: String
    /// Streams chosen by the runner's catalog, in order: object name and fields (nil: the config's or the defaults);
    /// nil: the config's `objects`.
    public var selection: [StreamChoice]?
    /// Where the run starts.
    public var state: ProtocolState

    public init(configPath: String, selection: [StreamChoice]? = nil, state: ProtocolState = ProtocolState()) {
        self.configPath = configPath
        self.selection = selection
        self.state = state
    }

    /// The same request `sync --config FILE --objects … --fields …` makes.
    var request: SyncRequest {
        var request = SyncRequest()
        request.configPath = configPath
        if let selection {
            request.objects = selection.map(\.object).joined(separator: ",")
            request.fields = selection.compactMap { choice in choice.fields.map { "\(choice.object)=\($0.joined(separator: ","))" } }
        }
        return request
    }

    /// Runs the sync, writing its messages through `dialect` to `output`; returns the run and the state it ended with.
    /// Errors before any stream starts (settings, token, no advertiser) are thrown, as `sync` throws them.
    public func run(dialect: any ProtocolDialect, output: ProtocolOutput, command: String, logger: Logger,
                    progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) async throws -> (record: RunRecord, state: ProtocolState) {
        let request = request
        let file = try Self.configuration(request, command: command)
        let destination = ProtocolDestination(displayName: "\(command) (standard output)", dialect: dialect, output: output,
                                              streamNames: ProtocolStreams.streamNames, state: state)
        var job = try await request.makeJob(file: file, destination: { destination }, logger: logger)
        job.progress = progress
        // The message stream keeps no rows to sum, so there is nothing to reconcile against (the runner's target holds them).
        job.reconciliation = .off
        let record = try await SignalCancellation.run { [job] in try await job.run() }
        return (record, destination.state)
    }

    /// The config file, read and validated as `sync` reads it, without the settings of a storage the runner's target
    /// replaces (they would be ignored, so they are refused). `needsAPI: false`: credentials are not read.
    static func configuration(_ request: SyncRequest, command: String, needsAPI: Bool = true) throws -> ToolConfiguration {
        let file = try request.loadConfiguration(needsAPI: needsAPI)
        let storage: [(String, Bool)] = [
            ("sqlite", file.sqlite != nil), ("destination", file.destination != nil), ("retention_days", file.retentionDays != nil),
            ("retention_days_by_object", file.retentionDaysByObject != nil), ("schedule", file.schedule != nil),
            ("reconcile", file.reconcile != nil),
        ]
        if let key = storage.first(where: \.1)?.0 {
            throw SyncError(.badInput, "`\(key)` in the config file '\(request.configPath ?? "")' does not apply to `tiktok-ads \(command)`: the \(command == "singer" ? "Singer target" : "Airbyte destination") decides where rows go, how long they stay and when syncs run. Remove it from this config file.")
        }
        return file
    }

    /// The objects and fields the config file selects (its `objects`, else the defaults), by object name.
    static func configuredFields(_ file: ToolConfiguration) -> [String: [String]?] {
        let entries = file.objects ?? Catalog.defaultObjectNames.map { .init(name: $0) }
        var chosen: [String: [String]?] = [:]
        for entry in entries { if let object = Catalog.object(named: entry.name) { chosen[object.name] = .some(entry.fields) } }
        return chosen
    }
}

/// A stream a runner's catalog selects: its object and fields (nil: the config's, else the defaults).
public struct StreamChoice: Sendable, Equatable {
    public var object: String
    public var fields: [String]?

    public init(object: String, fields: [String]? = nil) {
        self.object = object
        self.fields = fields
    }
}

/// The streams both protocols offer: one per catalog object, named after its table (`tiktok_ads_ad_insights`), so a
/// target creates the same tables, with the same keys, as tiktok-ads' own destinations.
public enum ProtocolStreams {
    /// Object name → stream name.
    public static let streamNames: [String: String] = Dictionary(uniqueKeysWithValues: Catalog.objects.map { ($0.name, $0.table) })

    /// The object a stream (or object) name means; nil when there is none.
    public static func object(named stream: String) -> String? { Catalog.object(named: stream)?.name }

    /// Reads a state file with `read`, naming the flag when it cannot be read.
    static func readState(_ path: String?, flag: String = "--state",
                          _ read: (Data, String, (String) -> String?) throws -> ProtocolState) throws -> ProtocolState {
        guard let path else { return ProtocolState() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "Cannot read the state file '\(path)' (\(flag)). Check the path, or leave \(flag) out to read from start_date.")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return ProtocolState() }
        return try read(data, path, object(named:))
    }

    /// Parses a JSON file given with `flag`, or explains what is wrong.
    static func readJSON(_ path: String, flag: String) throws -> Any {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "Cannot read '\(path)' (\(flag)). Check the path.")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) else {
            throw SyncError(.badInput, "'\(path)' (\(flag)) is not JSON. Pass the file the runner wrote (its discover output, edited to select streams).")
        }
        return json
    }
}
