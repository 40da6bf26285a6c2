import Foundation
import Synchronization
import Logging
import SyncKit

/// Writes one JSON object per line to standard error: time, level, message, label and metadata.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Date().formatted(.iso8601), "level": event.level.rawValue, "message": event.message.description, "label": label,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}

enum LoggingSetup {
    private static let chosen = Mutex(LogFormat.text)

    /// The log format the running command chose (text until it sets up logging).
    static var format: LogFormat { chosen.withLock { $0 } }

    /// Bootstraps swift-log once for the process (only the command being run does this).
    static func bootstrap(_ options: OutputOptions) -> Logger {
        chosen.withLock { $0 = options.logFormat }
        let level = Logger.Level(rawValue: options.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch options.logFormat {
            case .json: handler = JSONLogHandler(label: label)
            case .text: handler = StreamLogHandler.standardError(label: label)
            }
            handler.logLevel = level
            return RedactingLogHandler(handler)
        }
        return Logger(label: "tiktok-ads")
    }
}
