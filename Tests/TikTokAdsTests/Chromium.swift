import Foundation
import Testing

/// Headless Chromium (Debian's `chromium` package; `.ci/run` installs it) for the status page's browser tests: the DOM
/// after parsing (`--dump-dom`) and a screenshot. Runs as root need `--no-sandbox`.
enum Chromium {
    /// The browser, when installed.
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let missing = "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"

    /// How long one browser run may take: minutes, since a loaded 2-core machine starts Chromium slowly. A bound on a
    /// hang, not an assertion about speed.
    static let limit: Duration = .seconds(300)

    /// The page's DOM as Chromium serialises it after loading `url`.
    static func dumpDOM(_ url: String) async throws -> String {
        let result = try await run(["--dump-dom", url])
        #expect(result.code == 0, "chromium --dump-dom exited \(result.code): \(result.err.suffix(2000))")
        return result.out
    }

    /// Saves a screenshot of `url` as PNG at `path`.
    static func screenshot(_ url: String, to path: String, windowSize: String = "1280,2000") async throws {
        let result = try await run(["--screenshot=\(path)", "--window-size=\(windowSize)", "--hide-scrollbars", url])
        #expect(result.code == 0, "chromium --screenshot exited \(result.code): \(result.err.suffix(2000))")
    }

    private static func run(_ arguments: [String]) async throws -> (code: Int32, out: String, err: String) {
        let executable = URL(fileURLWithPath: try #require(path, Comment(rawValue: missing)))
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        // Output goes to files, read once the browser has exited: its helper processes may keep inherited pipes open longer.
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let outFile = profile.appendingPathComponent("stdout"), errFile = profile.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
        let child = try ToolBinary.start(
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
             "--user-data-dir=\(profile.appendingPathComponent("profile").path)"] + arguments,
            environment: ["HOME": profile.path], output: out, error: err, executable: executable)
        try out.close()
        try err.close()
        // A hung browser is killed after `limit` (the test then fails on its exit status).
        let watchdog = Task {
            try await Task.sleep(for: limit)
            if child.isRunning {
                Issue.record("chromium did not finish within \(limit)")
                kill(child.pid, SIGKILL)
            }
        }
        let code = await child.exit.value
        watchdog.cancel()
        return (code, try String(contentsOf: outFile, encoding: .utf8), try String(contentsOf: errFile, encoding: .utf8))
    }
}
