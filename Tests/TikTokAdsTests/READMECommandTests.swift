import Foundation
import SyncKit
import TestSupport
import Testing
import TikTokSimulator

/// Every `tiktok-ads` command in the README's shell blocks runs, against the simulator, and exits as the README
/// says (0), so the README cannot drift from the tool. Commands that run until stopped (`schedule`, `simulate`, `serve`) are
/// started, watched until they have done their first work, and stopped with SIGTERM (exit 0); commands that need
/// Google credentials are the only ones not run, each by a named rule.
@Suite(.serialized)
struct READMECommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The README's example advertiser id, replaced by a simulated one.
    static let exampleAdvertiser = "7012345678901234567"

    /// Why a README command is not run here.
    static let notRun: [(rule: String, reason: String)] = [
        ("--destination bigquery", "needs Google credentials and a BigQuery project (the BigQuery tests cover it against the emulator)"),
        ("--destination sheets", "needs Google credentials and a spreadsheet (the Sheets tests cover it against the fake)"),
        ("--destination postgres", "needs a PostgreSQL server (the PostgreSQL tests run it against the server .ci/run starts)"),
    ]

    /// What a long-running command prints once it has done its first work, before it is stopped.
    static let runsUntilStopped: [(rule: String, ready: String)] = [
        (" schedule ", "schedule started"),
        (" simulate ", "listening on"),
        (" serve ", "status page on"),
    ]

    @Test func everyCommandInTheREADMERunsAsDocumented() async throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let commands = Self.shellCommands(in: readme).filter(Self.invokesTheTool)
        #expect(commands.count >= 10, "the README's commands were not found: \(commands)")

        let (directory, bin) = try Self.workspace("readme")

        var options = SimulatorOptions()
        options.seed = 42
        options.advertisers = 3
        let simulator = TikTokSimulator(options: options)
        let advertiser = simulator.world.grantedAdvertiserIDs[0]
        // The README's example config file, as the commands that name it expect to find it.
        let config = try #require(Self.yamlBlocks(in: readme).first { $0.hasPrefix("# tiktok-ads.yml") })
        try config.replacingOccurrences(of: Self.exampleAdvertiser, with: advertiser)
            .write(to: directory.appendingPathComponent("tiktok-ads.yml"), atomically: true, encoding: .utf8)

        let ran = try await simulator.withRunningServer { url in
            var ran = 0
            let port = url.port ?? 0
            let environment = [
                "PATH": "\(bin.path):/usr/bin:/bin", "HOME": directory.path,
                "TIKTOK_ACCESS_TOKEN": simulator.options.accessToken, "TIKTOK_APP_ID": simulator.options.appId,
                "TIKTOK_APP_SECRET": simulator.options.secret, "TIKTOK_API_BASE_URL": url.absoluteString,
            ]
            for command in commands {
                if let rule = Self.notRun.first(where: { command.contains($0.rule) }) {
                    print("README command not run (\(rule.reason)): \(command)")
                    continue
                }
                let line = command
                    .replacingOccurrences(of: "swift run tiktok-ads", with: "tiktok-ads")
                    .replacingOccurrences(of: ".build/release/tiktok-ads", with: "tiktok-ads")
                    .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(port)")
                    .replacingOccurrences(of: "--port 8080", with: "--port 0")
                    .replacingOccurrences(of: "--port 9464", with: "--port 0")
                    .replacingOccurrences(of: Self.exampleAdvertiser, with: advertiser)
                    .replacingOccurrences(of: "localhost:8910", with: "localhost:\(AuthCommandTests.freePort())")
                let isLogin = line.contains(" auth login")
                let ready = isLogin ? "Waiting up to" : Self.runsUntilStopped.first { " \(line) ".contains($0.rule) }?.ready
                let result = try await Self.shell(line, environment: environment, in: directory, stopWhen: ready,
                                                  interact: isLogin ? Self.playTheBrowser : nil)
                #expect(result.code == 0, "README command `\(command)` exited \(result.code):\n\(result.output.suffix(2000))")
                ran += 1
            }
            return ran
        }
        #expect(ran >= 10)
    }

    /// The guides in docs/ a newcomer follows: every `tiktok-ads` command in them runs against the simulator and exits 0.
    static let guides = ["docs/getting-started.md", "docs/credentials.md"]

    /// Every command of the getting-started and credentials guides, in order, in one fresh home per guide (so the token
    /// `auth login` saves is the one the next commands use): `auth login` is answered by a client playing the browser,
    /// a pasted code (`YOUR_AUTH_CODE`) comes from the simulated portal, and `--sandbox` lines go to a second simulator
    /// playing TikTok's sandbox with its own token and advertiser.
    @Test(arguments: guides)
    func everyCommandInTheGuidesRunsAsDocumented(guide: String) async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(guide), encoding: .utf8)
        let commands = Self.shellCommands(in: text).filter(Self.invokesTheTool)
        #expect(commands.count >= 6, "the commands of \(guide) were not found: \(commands)")

        let (directory, bin) = try Self.workspace("guide")

        var options = SimulatorOptions()
        options.advertisers = 2
        options.unauthorizedAdvertisers = 0
        let production = TikTokSimulator(options: options)
        var sandboxOptions = options
        sandboxOptions.sandbox = true
        sandboxOptions.advertisers = 1
        sandboxOptions.accessToken = "sim-sandbox-token"
        let sandbox = TikTokSimulator(options: sandboxOptions)
        let (app, secret, sandboxToken) = (options.appId, options.secret, sandboxOptions.accessToken)

        let ran = try await production.withRunningServer { url in
            try await sandbox.withRunningServer { sandboxURL in
                var ran = 0
                let environment = [
                    "PATH": "\(bin.path):/usr/bin:/bin", "HOME": directory.path,
                    "TIKTOK_APP_ID": app, "TIKTOK_APP_SECRET": secret, "TIKTOK_API_BASE_URL": url.absoluteString,
                ]
                for command in commands {
                    if let rule = Self.notRun.first(where: { command.contains($0.rule) }) {
                        print("\(guide) command not run (\(rule.reason)): \(command)")
                        continue
                    }
                    var line = command.replacingOccurrences(of: "localhost:8910", with: "localhost:\(AuthCommandTests.freePort())")
                    var lineEnvironment = environment
                    if line.contains("--sandbox") {
                        lineEnvironment["TIKTOK_API_BASE_URL"] = sandboxURL.absoluteString
                        line = line.replacingOccurrences(of: "YOUR_SANDBOX_TOKEN", with: sandboxToken)
                            .replacingOccurrences(of: "YOUR_SANDBOX_ADVERTISER_ID", with: sandbox.world.grantedAdvertiserIDs[0])
                    }
                    if line.contains("YOUR_AUTH_CODE") {
                        // The code the portal puts on the redirect address after an authorisation made in some browser.
                        let portal = url.absoluteString.replacingOccurrences(of: "/open_api/", with: "/portal/auth")
                        let answer = try await AuthCommandTests.get(portal + "?app_id=\(app)&state=s&redirect_uri=https%3A%2F%2Fexample.com%2Fcb")
                        let code = try #require(answer.location.flatMap { AuthCommandTests.query($0)["auth_code"] })
                        line = line.replacingOccurrences(of: "YOUR_AUTH_CODE", with: code)
                    }
                    let isLogin = line.contains(" auth login")
                    let ready = isLogin ? "Waiting up to" : Self.runsUntilStopped.first { " \(line) ".contains($0.rule) }?.ready
                    let result = try await Self.shell(line, environment: lineEnvironment, in: directory, stopWhen: ready,
                                                      interact: isLogin ? Self.playTheBrowser : nil)
                    #expect(result.code == 0, "\(guide) command `\(command)` exited \(result.code):\n\(result.output.suffix(2000))")
                    ran += 1
                }
                return ran
            }
        }
        #expect(ran >= 6)
    }

    /// The user's browser for `auth login`: opens the printed link and follows TikTok's redirect back to the tool.
    @Sendable static func playTheBrowser(_ output: String) async throws {
        let link = try #require(output.split(separator: "\n").first { $0.contains("/portal/auth?") })
        let redirect = try #require(AuthCommandTests.query(link.trimmingCharacters(in: .whitespaces))["redirect_uri"])
        _ = try await AuthCommandTests.followLink(link.trimmingCharacters(in: .whitespaces), redirect)
    }

    @Test func commandsAreExtractedWithContinuationsJoinedAndCommentsDropped() {
        let markdown = """
            text
            ```sh
            tiktok-ads demo      # a comment
            A=1 B=2 \\
              tiktok-ads sync --x '#not a comment' # but this is
            curl -s 'http://x'
            ```
            ```yaml
            tiktok-ads: no
            ```
            """
        let commands = Self.shellCommands(in: markdown)
        #expect(commands == ["tiktok-ads demo", "A=1 B=2 tiktok-ads sync --x '#not a comment'", "curl -s 'http://x'"])
        #expect(commands.filter(Self.invokesTheTool) == ["tiktok-ads demo", "A=1 B=2 tiktok-ads sync --x '#not a comment'"])
    }

    // MARK: Reading the README

    /// The lines of the ```sh blocks, continuation lines joined, comments dropped, blank lines left out.
    static func shellCommands(in markdown: String) -> [String] {
        var commands: [String] = []
        var inShell = false
        var pending = ""
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("```") {
                inShell = line.trimmingCharacters(in: .whitespaces) == "```sh" ? !inShell : false
                continue
            }
            guard inShell else { continue }
            var text = withoutComment(line).trimmingCharacters(in: .whitespaces)
            let continues = text.hasSuffix("\\")
            if continues { text = String(text.dropLast()).trimmingCharacters(in: .whitespaces) }
            pending += pending.isEmpty || text.isEmpty ? text : " " + text
            if !continues {
                if !pending.isEmpty { commands.append(pending) }
                pending = ""
            }
        }
        return commands
    }

    /// The ```yaml blocks.
    static func yamlBlocks(in markdown: String) -> [String] {
        markdown.components(separatedBy: "```yaml\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
    }

    /// Whether a command runs the tool (after any `NAME=value` assignments).
    static func invokesTheTool(_ command: String) -> Bool {
        let words = command.split(separator: " ").drop { $0.contains("=") && !$0.hasPrefix("-") }
        guard let first = words.first else { return false }
        return first == "tiktok-ads" || first == ".build/release/tiktok-ads" || words.prefix(3).joined(separator: " ") == "swift run tiktok-ads"
    }

    /// A shell line without its `# comment` (a `#` that starts a word outside quotes).
    static func withoutComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, character) in line.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#", previous == " " || offset == 0 {
                return String(line.prefix(offset))
            }
            previous = character
        }
        return line
    }

    // MARK: Running

    /// A fresh directory to run commands in (also their HOME), with `bin/tiktok-ads` linked to the built tool.
    static func workspace(_ name: String) throws -> (directory: URL, bin: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-\(name)-\(UUID().uuidString)")
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("tiktok-ads"), withDestinationURL: ToolBinary.url)
        return (directory, bin)
    }

    /// Runs `line` with `/bin/sh -c` in `directory`; with `stopWhen`, waits until the output contains that text (or
    /// the command ends), then sends SIGTERM. Returns the exit code and the combined output.
    /// With `interact`, the command is not stopped once ready: `interact` gets the output so far (and plays the user,
    /// e.g. a browser), then the command runs to its end.
    static func shell(_ line: String, environment: [String: String], in directory: URL, stopWhen ready: String?,
                      interact: (@Sendable (String) async throws -> Void)? = nil) async throws
        -> (code: Int32, output: String) {
        // `exec` after the leading NAME=value assignments, so the signal reaches the tool, not the shell.
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        let assignments = words.prefix { $0.contains("=") && !$0.hasPrefix("-") }
        let pipe = Pipe()
        let child = try ToolBinary.start(["-c", (assignments + ["exec"] + words.dropFirst(assignments.count)).joined(separator: " ")],
                                         environment: environment, output: pipe.fileHandleForWriting, error: pipe.fileHandleForWriting,
                                         inheritEnvironment: false, currentDirectory: directory, executable: URL(fileURLWithPath: "/bin/sh"))
        try pipe.fileHandleForWriting.close()
        var output = ""
        if let ready {
            // A watchdog for a command that never gets ready: stopped after five minutes, and the test fails on its output.
            let pid = child.pid
            let watchdog = Task {
                try await Task.sleep(for: .seconds(300))
                kill(pid, SIGKILL)
            }
            output = await ToolBinary.readUntil(pipe.fileHandleForReading) { $0.contains(ready) }
            watchdog.cancel()
            #expect(output.contains(ready), "`\(line)` never printed '\(ready)': \(output.suffix(2000))")
            if let interact, output.contains(ready) {
                try await interact(output)
            } else {
                kill(child.pid, SIGTERM)
            }
        }
        output += await ToolBinary.readAll(pipe.fileHandleForReading)
        return (await child.exit.value, output)
    }
}
