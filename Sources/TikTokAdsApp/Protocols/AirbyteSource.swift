import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// `tiktok-ads airbyte`: an Airbyte source (spec, check, discover, read), every message one JSON line on standard
/// output, logs on standard error.
public enum AirbyteSource {
    /// The SPEC message: the config keys a connection sets (those of the YAML config file; secrets `airbyte_secret`).
    public static func spec() -> String {
        #"{"type":"SPEC","spec":{"connectionSpecification":"#
            + AirbyteSpecification.connection + #","supportsIncremental":true,"supported_destination_sync_modes":["overwrite","append","append_dedup"]}}"#
    }

    /// The CONNECTION_STATUS message for `check`: SUCCEEDED when the token works and every advertiser can be read,
    /// FAILED (with what is wrong and how to fix it) otherwise, including a config that cannot be read.
    public static func check(configPath: String, logger: Logger) async -> String {
        func status(_ succeeded: Bool, _ message: String) -> String {
            #"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"# + (succeeded ? #""SUCCEEDED""# : #""FAILED""#)
                + #","message":"# + JSONText.quoted(SecretRedactor.redact(message)) + "}}"
        }
        var request = SyncRequest()
        request.configPath = configPath
        do {
            _ = try ProtocolRun.configuration(request, command: "airbyte")
            let report = try await request.check(logger: logger).access
            if !report.unavailable.isEmpty {
                let reasons = report.unavailable.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                return status(false, "The token cannot read \(report.unavailable.count) of the advertisers: \(reasons). Remove them from advertiser_ids, or grant the token access to them.")
            }
            let count = report.permissions.count
            return status(true, "The token works and reads \(count) advertiser\(count == 1 ? "" : "s").")
        } catch {
            return status(false, SyncEngine.classify(error).description)
        }
    }

    /// The CATALOG message: one stream per object; its JSON Schema has the fields the config selects (`objects[].fields`,
    /// else the defaults); report streams are incremental on their date (or hour), entity streams full refresh.
    public static func discover(configPath: String) throws -> String {
        var request = SyncRequest()
        request.configPath = configPath
        let chosen = ProtocolRun.configuredFields(try ProtocolRun.configuration(request, command: "airbyte", needsAPI: false))
        let streams = try Catalog.objects.map { object -> String in
            let schema = try object.schema(selecting: chosen[object.name] ?? nil)
            var line = #"{"name":"# + JSONText.quoted(object.table) + #","json_schema":"# + ProtocolJSON.objectSchema(schema.fields, airbyte: true)
            line += #","supported_sync_modes":"# + ProtocolJSON.strings(object.isTimeSeries ? ["full_refresh", "incremental"] : ["full_refresh"])
            line += #","source_defined_cursor":\#(object.isTimeSeries)"#
            if let time = object.timeField { line += #","default_cursor_field":"# + ProtocolJSON.strings([time]) }
            line += #","source_defined_primary_key":["# + object.key.map { ProtocolJSON.strings([$0]) }.joined(separator: ",") + "]"
            return line + "}"
        }
        return #"{"type":"CATALOG","catalog":{"streams":["# + streams.joined(separator: ",") + "]}}"
    }

    /// The streams a configured catalog selects, with their fields (the properties of each stream's JSON Schema), and
    /// the objects read in full refresh (their state is not used).
    public static func selection(fromCatalog path: String) throws -> (choices: [StreamChoice], fullRefresh: Set<String>) {
        guard let root = try ProtocolStreams.readJSON(path, flag: "--catalog") as? [String: Any],
              let streams = root["streams"] as? [[String: Any]] else {
            throw SyncError(.badInput, "The configured catalog '\(path)' has no \"streams\" list of configured streams.")
        }
        var choices: [StreamChoice] = []
        var fullRefresh: Set<String> = []
        for configured in streams {
            let stream = configured["stream"] as? [String: Any] ?? [:]
            let name = stream["name"] as? String ?? ""
            guard let object = ProtocolStreams.object(named: name) else {
                throw SyncError(.badInput, "The configured catalog '\(path)' has the stream '\(name.prefix(60))', which tiktok-ads does not offer; `tiktok-ads airbyte discover` lists the streams.")
            }
            let properties = ((stream["json_schema"] as? [String: Any])?["properties"] as? [String: Any]).map { Array($0.keys).sorted() }
            choices.append(StreamChoice(object: object, fields: properties?.isEmpty == false ? properties : nil))
            if configured["sync_mode"] as? String != "incremental" { fullRefresh.insert(object) }
        }
        guard !choices.isEmpty else { throw SyncError(.badInput, "The configured catalog '\(path)' selects no stream.") }
        return (choices, fullRefresh)
    }

    /// `read`: the configured streams from the state's bookmarks (full refresh streams from start_date), as Airbyte
    /// messages, with stream status traces; a failed or partial run ends with an ERROR trace and `false`.
    public static func read(configPath: String, catalogPath: String, statePath: String?, output: ProtocolOutput,
                            logger: Logger) async -> Bool {
        let started = Protected<[String]>([])
        let announced = Protected(false)
        do {
            let (choices, fullRefresh) = try selection(fromCatalog: catalogPath)
            var state = try ProtocolStreams.readState(statePath, AirbyteDialect.read)
            state.streams = state.streams.filter { !fullRefresh.contains($0.key.object) }
            let streams = choices.map { ProtocolStreams.streamNames[$0.object] ?? $0.object }
            let incomplete = Protected<Set<String>>([])
            started.withLock { $0 = streams }
            let run = ProtocolRun(configPath: configPath, selection: choices, state: state)
            let (record, _) = try await run.run(dialect: AirbyteDialect(), output: output, command: "airbyte", logger: logger) { event in
                switch event {
                case .planned:
                    announced.withLock { $0 = true }
                    output.emit(streams.map { AirbyteDialect.streamStatus($0, "STARTED", at: Date()) })
                case .failed(let key, _):
                    incomplete.withLock { _ = $0.insert(ProtocolStreams.streamNames[key.object] ?? key.object) }
                case .skipped:
                    incomplete.withLock { $0.formUnion(streams) }
                default: break
                }
            }
            let unfinished = record.status == .succeeded ? incomplete.value : Set(streams)
            output.emit(streams.map { AirbyteDialect.streamStatus($0, unfinished.contains($0) ? "INCOMPLETE" : "COMPLETE", at: Date()) })
            guard record.status != .succeeded else { return true }
            output.emit([runError(record)])
            return false
        } catch {
            // Streams already announced end INCOMPLETE before the error that stopped them.
            let unfinished = announced.value ? started.value : []
            output.emit(unfinished.map { AirbyteDialect.streamStatus($0, "INCOMPLETE", at: Date()) } + [errorTrace(error)])
            return false
        }
    }

    /// `discover`'s output: the CATALOG message, or the ERROR trace saying why there is none (and `false`).
    public static func discoverMessage(configPath: String) -> (message: String, ok: Bool) {
        do {
            return (try discover(configPath: configPath), true)
        } catch {
            return (errorTrace(error), false)
        }
    }

    /// The ERROR trace of an error that stopped a command before it began.
    static func errorTrace(_ error: any Error) -> String {
        let failure = SyncEngine.classify(error)
        return AirbyteDialect.error(failure.message, internalMessage: failure.description, failureType: failureType(failure.kind), at: Date())
    }

    /// The ERROR trace of a run that did not succeed: skipped advertisers are the user's to fix (config_error), a
    /// spent daily quota passes (transient_error), anything else is a system error.
    static func runError(_ record: RunRecord) -> String {
        let skipped = record.skippedAdvertisers.sorted { $0.key < $1.key }.map { "advertiser \($0.key) skipped: \($0.value)" }
        let details = (skipped + record.errors).joined(separator: "\n")
        let type = record.errors.isEmpty && !skipped.isEmpty ? "config_error"
            : record.status == .partial ? "transient_error" : "system_error"
        let message = switch record.status {
        case .partial where !skipped.isEmpty: "\(skipped.count) advertiser\(skipped.count == 1 ? " was" : "s were") skipped (the others loaded): \(skipped.joined(separator: "; "))"
        case .partial: "TikTok's daily request quota is spent; the streams loaded so far keep their state, the rest resumes after 00:00 UTC."
        case .cancelled: "The read was cancelled; the streams loaded so far keep their state."
        default: record.errors.first ?? "The read failed."
        }
        return AirbyteDialect.error(message, internalMessage: details.isEmpty ? message : details, failureType: type, at: Date())
    }

    /// Airbyte's failure type for an error that stopped a read before it began.
    static func failureType(_ kind: SyncError.Kind) -> String {
        switch kind {
        case .badInput, .authentication, .badRequest, .advertiserUnavailable, .rejectedMetrics: "config_error"
        case .transient, .unreachable, .quotaExhausted: "transient_error"
        case .invalidResponse, .destination, .cancelled: "system_error"
        }
    }
}
