import Destinations
import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// The files destination through the built binary: kills, skipped advertisers, bad directories, the lock, the
/// commands that read and tidy it, and the config file's `destination.files`.
@Suite(.serialized)
struct FilesCommandTests {
    static let environment = ["TIKTOK_ACCESS_TOKEN": "sim-access-token"]

    static func sync(_ url: URL, _ directory: String, advertisers: [String], format: String = "csv",
                     objects: String = "campaigns,ads,ad_insights,ad_insights_hourly", extra: [String] = []) -> [String] {
        ["sync", "--api-base-url", url.absoluteString, "--destination", "files", "--directory", directory, "--file-format", format,
         "--now", "2026-03-15T12:00:00Z", "--advertiser-ids", advertisers.joined(separator: ","), "--objects", objects, "--quiet"] + extra
    }

    /// Runs the binary; as root, with the capabilities that bypass file permissions dropped (so a read-only
    /// directory is read-only to it, as to any other user).
    static func captureWithoutOverride(_ arguments: [String]) async throws -> (code: Int32, err: String) {
        let err = Pipe()
        let asRoot = getuid() == 0
        let child = try ToolBinary.start(asRoot ? ["--bounding-set=-dac_override,-dac_read_search", "--", ToolBinary.url.path] + arguments : arguments,
                                         environment: environment, error: err.fileHandleForWriting,
                                         executable: asRoot ? URL(fileURLWithPath: "/usr/bin/setpriv") : ToolBinary.url)
        try err.fileHandleForWriting.close()
        let text = await ToolBinary.readAll(err.fileHandleForReading)
        return (await child.exit.value, text)
    }

    @Test func killedSyncsResumeToTheFilesOfAnUninterruptedSyncAndLeaveNoTemporaryFile() async throws {
        var options = SyncHarness.simulatorOptions()
        options.latency = .init(fixedMs: 15, jitterMs: 10)
        let simulator = TikTokSimulator(options: options)
        let reference = FilesHarness.temporaryDirectory(), crashed = FilesHarness.temporaryDirectory()
        try await simulator.withRunningServer { url in
            func arguments(_ directory: String) -> [String] {
                Self.sync(url, directory, advertisers: simulator.world.grantedAdvertiserIDs,
                          objects: "campaigns,ads,audiences,ad_insights,ad_insights_hourly,ad_insights_by_country",
                          extra: ["--concurrency", "3", "--max-attempts", "3", "--lookback-days", "60"])
            }
            let before = simulator.requestLog.totalCount
            #expect(try await ToolBinary.run(arguments(reference), environment: Self.environment) == 0)
            let requestsPerRun = simulator.requestLog.totalCount - before
            #expect(requestsPerRun > 40)
            let kills = try await ToolBinary.killMidRun(arguments(crashed), environment: Self.environment, requestsPerRun: requestsPerRun,
                                                        fractions: [0.03, 0.15, 0.3, 0.5, 0.7, 0.9], requestLog: simulator.requestLog)
            #expect(kills == 6, "every run should have been killed before it finished")
            #expect(try await ToolBinary.run(arguments(crashed), environment: Self.environment) == 0)
        }
        let expected = try FilesHarness.snapshot(reference), actual = try FilesHarness.snapshot(crashed)
        #expect(expected.count > 100)
        #expect(expected == actual, "differ: \(Set(expected.keys).union(actual.keys).filter { expected[$0] != actual[$0] }.sorted().prefix(5))")
        #expect(try await FilesHarness.readWithPython(crashed, format: .csv).leftovers.isEmpty)
    }

    @Test func anAdvertiserWithoutPermissionIsSkippedWithExit3() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        let denied = try #require(simulator.world.unauthorizedAdvertiserIDs.first)
        let result = try await simulator.withRunningServer { url in
            try await ToolBinary.capture(Self.sync(url, directory, advertisers: simulator.world.grantedAdvertiserIDs + [denied], format: "jsonl"),
                                         environment: Self.environment)
        }
        #expect(result.code == 3, "\(result.err)")
        let paths = try FilesHarness.snapshot(directory).keys
        for advertiser in simulator.world.grantedAdvertiserIDs { #expect(paths.contains("tiktok_ads_campaigns/\(advertiser).jsonl")) }
        #expect(!paths.contains { $0.contains(denied) })
    }

    @Test func aDirectoryOfOtherFilesIsRefusedAndLeftAsItWas() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "my notes".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let file = FilesHarness.temporaryDirectory()
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let (foreign, notADirectory, requests) = try await simulator.withRunningServer { url in
            (try await ToolBinary.capture(Self.sync(url, directory, advertisers: simulator.world.grantedAdvertiserIDs), environment: Self.environment),
             try await ToolBinary.capture(Self.sync(url, file, advertisers: simulator.world.grantedAdvertiserIDs), environment: Self.environment),
             simulator.requestLog.totalCount)
        }
        #expect(foreign.code == 2)
        #expect(foreign.err.contains("holds files tiktok-ads did not write (notes.txt)"), "\(foreign.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["notes.txt"], "nothing written, not even the lock file")
        #expect(notADirectory.code == 2)
        #expect(notADirectory.err.contains("is a file, not a directory"), "\(notADirectory.err)")
        #expect(requests == 0, "refused before any API call")
    }

    @Test func anUnwritableDirectoryFailsWithAClearMessageAndKeepsWhatWasLoaded() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        let advertisers = simulator.world.grantedAdvertiserIDs
        let result = try await simulator.withRunningServer { url in
            #expect(try await ToolBinary.run(Self.sync(url, directory, advertisers: advertisers), environment: Self.environment) == 0)
            let before = try FilesHarness.snapshot(directory, everything: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory) }
            let result = try await Self.captureWithoutOverride(Self.sync(url, directory, advertisers: advertisers, extra: ["--lookback-days", "3"]))
            #expect(try FilesHarness.snapshot(directory, everything: true) == before, "every file as it was")
            return result
        }
        #expect(result.code == 2)
        #expect(result.err.contains("tiktok-ads cannot write in \(directory)") && result.err.contains("Permission denied"), "\(result.err)")
        let missing = try await ToolBinary.capture(["state", "show", "--destination", "files", "--directory", directory + "/none"])
        #expect(missing.code == 2 && missing.err.contains("No files destination at"), "\(missing.err)")
    }

    @Test func aSecondSyncIntoTheDirectoryIsRefusedAndTheCommandsWork() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        let advertisers = simulator.world.grantedAdvertiserIDs
        try await simulator.withRunningServer { url in
            #expect(try await ToolBinary.run(Self.sync(url, directory, advertisers: advertisers), environment: Self.environment) == 0)
            let held = try #require(try FileLock(path: directory + "/.tiktok-ads.lock"))
            let before = try FilesHarness.snapshot(directory, everything: true)
            let second = try await ToolBinary.capture(Self.sync(url, directory, advertisers: advertisers), environment: Self.environment)
            #expect(second.code == 1)
            #expect(second.err.contains("Another sync is writing to files:\(directory) (pid \(getpid()))"), "\(second.err)")
            #expect(try FilesHarness.snapshot(directory, everything: true) == before)
            held.release()
        }
        let flags = ["--destination", "files", "--directory", directory]
        let show = try await ToolBinary.capture(["state", "show"] + flags)
        #expect(show.code == 0 && show.out.contains("ad_insights") && show.out.contains("succeeded"), "\(show.out)\(show.err)")
        let reset = try await ToolBinary.capture(["state", "reset", "--objects", "campaigns"] + flags)
        #expect(reset.code == 0, "\(reset.err)")
        let state = try String(contentsOfFile: directory + "/_tiktok_ads_state.json", encoding: .utf8)
        #expect(!state.contains("\"campaigns\"") && state.contains("\"ad_insights\""))
        let cleanup = try await ToolBinary.capture(["cleanup", "--retention-days", "3", "--now", "2026-03-15T12:00:00Z"] + flags)
        #expect(cleanup.code == 0, "\(cleanup.err)")
        let days = try FilesHarness.snapshot(directory).keys.filter { $0.hasPrefix("tiktok_ads_ad_insights/") }.map { ($0 as NSString).lastPathComponent }
        #expect(days.min() == "2026-03-12.csv")
        let wrongFormat = try await ToolBinary.capture(["state", "show", "--file-format", "jsonl"] + flags)
        #expect(wrongFormat.code == 2 && wrongFormat.err.contains("pass --file-format csv"), "\(wrongFormat.err)")
    }

    @Test func theConfigFileChoosesTheDirectoryAndFormatAndRefusesUnknownKeys() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let directory = FilesHarness.temporaryDirectory()
        let config = FilesHarness.temporaryDirectory() + ".yml"
        let typo = FilesHarness.temporaryDirectory() + ".yml"
        try "destination:\n  type: files\n  files:\n    directory: \(directory)\n    format: jsonl\n".write(toFile: config, atomically: true, encoding: .utf8)
        try "destination:\n  type: files\n  files:\n    directry: \(directory)\n".write(toFile: typo, atomically: true, encoding: .utf8)
        let (good, bad) = try await simulator.withRunningServer { url in
            let arguments = ["sync", "--config", config, "--api-base-url", url.absoluteString, "--now", "2026-03-15T12:00:00Z", "--quiet",
                             "--advertiser-ids", simulator.world.grantedAdvertiserIDs.joined(separator: ","), "--objects", "campaigns,ad_insights"]
            return (try await ToolBinary.capture(arguments, environment: Self.environment),
                    try await ToolBinary.capture(["sync", "--config", typo], environment: Self.environment))
        }
        #expect(good.code == 0, "\(good.err)")
        #expect(try FilesHarness.snapshot(directory).keys.contains("tiktok_ads_campaigns/\(simulator.world.grantedAdvertiserIDs[0]).jsonl"))
        #expect(bad.code == 2)
        #expect(bad.err.contains("destination.files.directry") && bad.err.contains("directory"), "\(bad.err)")
    }
}
