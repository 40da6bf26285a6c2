import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds

/// `tiktok-ads singer`: a Singer tap. `--discover` prints the catalog; a sync writes SCHEMA, RECORD and STATE
/// messages to standard output (logs go to standard error).
public enum SingerTap {
    /// The Singer catalog: one stream per object with its JSON Schema (every field), keys, replication key and
    /// metadata; `selected` (stream and fields) follows the config's `objects` when `configPath` is given, else the
    /// default objects and fields.
    public static func discover(configPath: String?) throws -> String {
        var chosen = ProtocolRun.configuredFields(ToolConfiguration())
        if let configPath {
            var request = SyncRequest()
            request.configPath = configPath
            chosen = ProtocolRun.configuredFields(try ProtocolRun.configuration(request, command: "singer", needsAPI: false))
        }
        let streams = try Catalog.objects.map { object -> String in
            let selected = chosen.keys.contains(object.name)
            let fields = try object.schema(selecting: chosen[object.name] ?? nil).columnNames
            var line = #"{"tap_stream_id":"# + JSONText.quoted(object.table) + #","stream":"# + JSONText.quoted(object.table)
            line += #","schema":"# + ProtocolJSON.objectSchema(object.fields.map(\.field), airbyte: false)
            line += #","key_properties":"# + ProtocolJSON.strings(object.key)
            line += #","replication_method":"# + (object.isTimeSeries ? #""INCREMENTAL""# : #""FULL_TABLE""#)
            if let time = object.timeField { line += #","replication_key":"# + JSONText.quoted(time) }
            var metadata = [#"{"breadcrumb":[],"metadata":{"selected":\#(selected),"inclusion":"available","selected-by-default":\#(Catalog.defaultObjectNames.contains(object.name)),"table-key-properties":"#
                + ProtocolJSON.strings(object.key) + #","forced-replication-method":"# + (object.isTimeSeries ? #""INCREMENTAL""# : #""FULL_TABLE""#)
                + (object.timeField.map { #","valid-replication-keys":"# + ProtocolJSON.strings([$0]) } ?? "") + "}}"]
            for field in object.fields {
                let automatic = object.key.contains(field.name)
                metadata.append(#"{"breadcrumb":["properties","# + JSONText.quoted(field.name) + #"],"metadata":{"inclusion":"#
                    + (automatic ? #""automatic""# : #""available""#) + #","selected-by-default":\#(automatic || field.isDefault)"#
                    + (automatic ? "" : #","selected":\#(fields.contains(field.name))"#) + "}}")
            }
            return line + #","metadata":["# + metadata.joined(separator: ",") + "]}"
        }
        return #"{"streams":["# + streams.joined(separator: ",") + "]}\n"
    }

    /// The streams and fields a Singer catalog (`--catalog`, or the older `--properties`) selects: a stream whose
    /// top-level metadata says `selected: true`; its fields: automatic ones, those `selected: true`, and those
    /// `selected-by-default` that are not `selected: false` (no field metadata: the config's or default fields).
    public static func selection(fromCatalog path: String) throws -> [StreamChoice] {
        guard let root = try ProtocolStreams.readJSON(path, flag: "--catalog") as? [String: Any],
              let streams = root["streams"] as? [[String: Any]] else {
            throw SyncError(.badInput, "The catalog '\(path)' has no \"streams\" list. Pass the catalog `tiktok-ads singer --discover` printed, with the streams you want marked selected.")
        }
        var choices: [StreamChoice] = []
        for stream in streams {
            let name = stream["tap_stream_id"] as? String ?? stream["stream"] as? String ?? ""
            guard let object = ProtocolStreams.object(named: name) else {
                throw SyncError(.badInput, "The catalog '\(path)' has the stream '\(name.prefix(60))', which tiktok-ads does not offer. Run `tiktok-ads singer --discover` for the streams.")
            }
            let entries = (stream["metadata"] as? [[String: Any]] ?? []).compactMap { entry -> (breadcrumb: [String], metadata: [String: Any])? in
                guard let breadcrumb = entry["breadcrumb"] as? [String], let metadata = entry["metadata"] as? [String: Any] else { return nil }
                return (breadcrumb, metadata)
            }
            let top = entries.first { $0.breadcrumb.isEmpty }?.metadata
            let legacy = (stream["schema"] as? [String: Any])?["selected"] as? Bool
            guard top?["selected"] as? Bool ?? legacy ?? false else { continue }
            let fieldEntries = entries.filter { $0.breadcrumb.count == 2 && $0.breadcrumb[0] == "properties" }
            var fields: [String]?
            if !fieldEntries.isEmpty {
                fields = fieldEntries.filter { entry in
                    if entry.metadata["inclusion"] as? String == "automatic" { return true }
                    if let selected = entry.metadata["selected"] as? Bool { return selected }
                    return entry.metadata["selected-by-default"] as? Bool ?? false
                }.map { $0.breadcrumb[1] }
            }
            choices.append(StreamChoice(object: object, fields: fields))
        }
        guard !choices.isEmpty else {
            throw SyncError(.badInput, "The catalog '\(path)' selects no stream. Mark a stream selected (its metadata with breadcrumb [] and \"selected\": true; `meltano select` does this).")
        }
        return choices
    }

    /// A sync: the config's (or the catalog's) streams from the state's bookmarks, as Singer messages on `output`.
    public static func sync(configPath: String, statePath: String?, catalogPath: String?, output: ProtocolOutput,
                            logger: Logger) async throws -> RunRecord {
        let selection = try catalogPath.map(selection(fromCatalog:))
        let state = try ProtocolStreams.readState(statePath, SingerDialect.read)
        let run = ProtocolRun(configPath: configPath, selection: selection, state: state)
        return try await run.run(dialect: SingerDialect(), output: output, command: "singer", logger: logger).record
    }
}
