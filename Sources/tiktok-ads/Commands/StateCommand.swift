import ArgumentParser
import Destinations
import Foundation
import Logging
import SyncKit

/// `tiktok-ads state show|reset`: the bookmarks of each (advertiser, object), in the destination `sync` writes to
/// (chosen by the same flags and config file: `--destination`, `--bigquery-*`, `--sqlite`, `--config`).
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show or reset the incremental state.",
        subcommands: [Show.self, Reset.self])

    /// Opens the destination `sync` would write to with these flags; a SQLite file must already exist.
    static func openDestination(_ options: SyncOptions, logger: Logger, hint: String) throws -> any Destination {
        let file = try loadConfiguration(options, hint: hint)
        return try options.openDestination(file, logger: logger)
    }

    /// Opens that destination holding the lock `sync` takes (refused, naming the holder, while another process has it).
    static func openLocked(_ options: SyncOptions, logger: Logger, hint: String) throws -> (destination: any Destination, lock: FileLock) {
        let file = try loadConfiguration(options, hint: hint)
        return try options.openLocked(file, logger: logger)
    }

    /// The configuration, after checking a SQLite file exists (so a typo never creates an empty database).
    static func loadConfiguration(_ options: SyncOptions, hint: String) throws -> ToolConfiguration {
        let file = try options.loadConfiguration()
        if options.destinationOptions.kind(file) == .sqlite {
            let path = options.sqlitePath(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw SyncError(.badInput, "No database at \(path). \(hint)")
            }
        }
        return file
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each stream's bookmark and last sync, and the last runs.")

        @OptionGroup var options: SyncOptions

        func run() async throws {
            let logger = LoggingSetup.bootstrap(options.output)
            let destination = try StateCommand.openDestination(options, logger: logger,
                                                               hint: "Run `tiktok-ads sync` first, or pass --sqlite (or --destination bigquery).")
            let state: [StreamKey: StreamState]
            let runs: [RunRecord]
            do {
                state = try await destination.loadState()
                runs = try await destination.recentRuns(limit: 5)
            } catch {
                await destination.close()
                throw error
            }
            await destination.close()
            print("object".padding(toLength: 34, withPad: " ", startingAt: 0) + "advertiser".padding(toLength: 22, withPad: " ", startingAt: 0) + "bookmark    synced at")
            for (key, value) in state.sorted(by: { $0.key < $1.key }) {
                print(key.object.padding(toLength: 34, withPad: " ", startingAt: 0)
                      + key.advertiserID.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + (value.bookmark?.description ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0)
                      + value.syncedAt.formatted(.iso8601))
            }
            if !runs.isEmpty {
                print("\nlast runs:")
                for run in runs {
                    print("  \(run.startedAt.formatted(.iso8601))  \(run.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) rows \(run.totalRows), requests \(run.totalRequests)")
                }
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget bookmarks so the next sync starts again from the start date.")

        @OptionGroup var options: SyncOptions

        @Option(help: "Only this advertiser.")
        var advertiserId: String?

        @Option(help: "Only this object.")
        var object: String?

        func run() async throws {
            let logger = LoggingSetup.bootstrap(options.output)
            // Resetting state is writing: hold the same lock as `sync`.
            let (destination, lock) = try StateCommand.openLocked(options, logger: logger,
                                                                  hint: "Pass --sqlite with the file your syncs write (or --destination bigquery).")
            defer { lock.release() }
            let count: Int
            do {
                count = try await destination.resetState(advertiserID: advertiserId, object: object)
            } catch {
                await destination.close()
                throw error
            }
            await destination.close()
            print("reset \(count) stream state(s); rows already loaded are kept and will be upserted again.")
        }
    }
}
