import Foundation
import Synchronization
import Logging
import SyncKit
import TikTokAdsApp

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

/// Text log lines for people, `TIME LEVEL LABEL: MESSAGE key=value ...`, on standard error, written above the live
/// status line when one is shown.
struct TextLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    let statusLine: TerminalStatusLine?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(Date().formatted(.iso8601)) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        if let statusLine { statusLine.printAbove(line) } else { FileHandle.standardError.write(Data(line.utf8)) }
    }
}

enum LoggingSetup {
    private static let chosen = Mutex(LogFormat.text)

    /// The log format the running command chose (text until it sets up logging).
    static var format: LogFormat { chosen.withLock { $0 } }

    /// Bootstraps swift-log once for the process (only the command being run does this). Text logs go above the live
    /// status line when the command shows one; `--quiet` keeps errors only.
    static func bootstrap(_ options: OutputOptions) -> Logger {
        chosen.withLock { $0 = options.logFormat }
        var level = Logger.Level(rawValue: options.logLevel) ?? .info
        if options.quiet { level = max(level, .error) }
        let statusLine = options.reporterMode == .live ? TerminalStatusLine.standardError : nil
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch options.logFormat {
            case .json: handler = JSONLogHandler(label: label)
            case .text: handler = TextLogHandler(label: label, statusLine: statusLine)
            }
            handler.logLevel = level
            return RedactingLogHandler(handler)
        }
        return Logger(label: "tiktok-ads")
    }
}
