import ArgumentParser
import Destinations
import Foundation
import SyncKit

/// `tiktok-ads state show|reset`: the bookmarks of each (advertiser, object).
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show or reset the incremental state.",
        subcommands: [Show.self, Reset.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each stream's bookmark and last sync, and the last runs.")

        @Option(help: "SQLite database file.")
        var sqlite = "tiktok-ads.sqlite"

        func run() async throws {
            guard FileManager.default.fileExists(atPath: sqlite) else {
                throw SyncError(.badInput, "No database at \(sqlite). Run `tiktok-ads sync` first, or pass --sqlite.")
            }
            let destination = try SQLiteDestination(path: sqlite)
            let state = try await destination.loadState()
            let runs = try await destination.recentRuns(limit: 5)
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
                    print("  \(run.startedAt.formatted(.iso8601))  \(run.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) rows \(run.totalRows), requests \(run.totalRequests)")
                }
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget bookmarks so the next sync starts again from the start date.")

        @Option(help: "SQLite database file.")
        var sqlite = "tiktok-ads.sqlite"

        @Option(help: "Only this advertiser.")
        var advertiserId: String?

        @Option(help: "Only this object.")
        var object: String?

        func run() async throws {
            guard FileManager.default.fileExists(atPath: sqlite) else {
                throw SyncError(.badInput, "No database at \(sqlite). Pass --sqlite with the file your syncs write.")
            }
            let destination = try SQLiteDestination(path: sqlite)
            let count = try await destination.resetState(advertiserID: advertiserId, object: object)
            await destination.close()
            print("reset \(count) stream state(s); rows already loaded are kept and will be upserted again.")
        }
    }
}
