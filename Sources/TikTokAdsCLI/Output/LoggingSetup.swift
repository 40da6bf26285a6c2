import Foundation
import Synchronization
import Logging
import SyncKit
import TikTokAdsApp

enum LoggingSetup {
    private static let chosen = Mutex(LogFormat.text)

    /// The log format the running command chose (text until it sets up logging).
    static var format: LogFormat { chosen.withLock { $0 } }

    /// Bootstraps swift-log once for the process (only the command being run does this). Text logs go above the live
    /// status line when the command shows one; `--quiet` keeps errors only.
    static func bootstrap(_ options: OutputOptions) -> Logger {
        chosen.withLock { $0 = options.logFormat }
        let chosenLevel = Logger.Level(rawValue: options.logLevel) ?? .info
        let level = options.quiet ? max(chosenLevel, .error) : chosenLevel
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
