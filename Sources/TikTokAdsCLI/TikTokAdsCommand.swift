import ArgumentParser
import Foundation
import SyncKit
import TikTokAdsApp

/// `tiktok-ads`: imports TikTok Ads data into SQLite (and more). The executable target only calls `main()`; the
/// command tree lives in this library (as SwiftPM keeps its commands in `Commands`), so tests can parse command lines
/// in-process.
public struct TikTokAdsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tiktok-ads",
        abstract: "Import TikTok Ads (Business API v1.3) data into SQLite.",
        discussion: "Start with `tiktok-ads demo`: it syncs simulated accounts into a local SQLite file, no account needed.",
        version: ToolVersion.current,
        subcommands: [DemoCommand.self, AuthCommand.self, SyncCommand.self, CheckCommand.self, DiscoverCommand.self, StateCommand.self,
                      CleanupCommand.self, StatusCommand.self, ServeCommand.self, ReconcileCommand.self, ScheduleCommand.self, SimulateCommand.self,
                      SingerCommand.self, AirbyteCommand.self])

    /// Parses and runs a command, mapping failures to the documented exit codes:
    /// 0 ok, 1 failed, 2 bad input, 3 finished with skipped advertisers.
    public init() {}

    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as SyncError {
            reportError(error.description)
            Foundation.exit(error.kind == .badInput ? 2 : 1)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                self.exit(withError: error)
            }
            reportError(withoutErrorPrefix(fullMessage(for: error)))
            // Usage and validation errors are bad input.
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// ArgumentParser's messages start with "Error: "; `reportError` says "error: " itself.
    static func withoutErrorPrefix(_ message: String) -> String {
        message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
    }

    /// Writes the final error to standard error, secrets masked: one JSON object when the command set up JSON logs, else text.
    static func reportError(_ text: String) {
        let message = SecretRedactor.redact(text)
        if LoggingSetup.format == .json {
            let object = ["time": Date().formatted(.iso8601), "level": "error", "message": message, "label": "tiktok-ads"]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(object) {
                FileHandle.standardError.write(data + Data("\n".utf8))
                return
            }
        }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}
