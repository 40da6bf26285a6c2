import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SyncKit
import TestSupport
import Testing
import TikTokSimulator

/// `tiktok-ads auth` against the simulator playing TikTok's OAuth side: the whole flow from `auth login` to a sync with
/// the saved token, revocation, and every way it can go wrong, each with a clear message, a non-zero exit and no
/// token written. No captured stream may hold the token, the code or the app secret (unless `--print-token`).
@Suite(.serialized)
struct AuthCommandTests {
    /// A private home for one test: its own config directory (so its own credentials file), and the simulator's app.
    struct Workspace {
        let directory: URL
        let environment: [String: String]
        var credentials: String { directory.appendingPathComponent("config/tiktok-ads/credentials.json").path }
        var database: String { directory.appendingPathComponent("ads.sqlite").path }

        init(_ simulator: TikTokSimulator, url: URL, secret: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-auth-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            environment = [
                "HOME": directory.path, "XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
                "TIKTOK_APP_ID": simulator.options.appId, "TIKTOK_APP_SECRET": secret ?? simulator.options.secret,
                "TIKTOK_API_BASE_URL": url.absoluteString,
            ]
        }

        func saved() throws -> [String: Any]? {
            guard let data = FileManager.default.contents(atPath: credentials) else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }

        func mode() throws -> Int {
            ((try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
        }
    }

    /// An HTTP client that shows redirects instead of following them, like a browser's network panel.
    static let browser = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))

    static func get(_ url: String) async throws -> (status: Int, location: String?) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Connection", value: "close")  // a fresh connection each time, as for a new tab
        let response = try await browser.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Location"))
    }

    static func query(_ url: String) -> [String: String] {
        Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    /// A port nothing listens on now (bound and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `auth login`, waits for the link it prints, and plays the browser with `browse` (given the link); returns
    /// the exit code, the whole output, and the auth code the portal issued (nil when `browse` never asked it).
    static func login(_ workspace: Workspace, arguments: [String] = [], port: Int = freePort(),
                      browse: @escaping @Sendable (_ link: String, _ redirect: String) async throws -> String? = followLink)
        async throws -> (code: Int32, output: String, authCode: String?) {
        let redirect = "http://localhost:\(port)/callback"
        let pipe = Pipe()
        let child = try ToolBinary.start(["auth", "login", "--redirect-uri", redirect] + arguments, environment: workspace.environment,
                                         output: pipe.fileHandleForWriting, error: pipe.fileHandleForWriting, inheritEnvironment: false)
        try pipe.fileHandleForWriting.close()
        var output = await ToolBinary.readUntil(pipe.fileHandleForReading) { $0.contains("Waiting up to") || $0.contains("error:") }
        var authCode: String?
        if let line = output.split(separator: "\n").first(where: { $0.contains("/portal/auth?") }) {
            authCode = try await browse(line.trimmingCharacters(in: .whitespaces), redirect)
        }
        output += await ToolBinary.readAll(pipe.fileHandleForReading)
        let code = await child.exit.value
        try await SyncHarness.expectNoLeaks(SecretSweep([workspace.environment["TIKTOK_APP_SECRET"], authCode] + tokens(in: workspace)),
                                            database: nil, captured: ["output of auth login": output])
        return (code, output, authCode)
    }

    /// The browser: asks the portal, which redirects to the app's redirect URI with a code; follows that redirect.
    @Sendable static func followLink(_ link: String, _ redirect: String) async throws -> String? {
        let portal = try await get(link)
        #expect(portal.status == 302)
        let location = try #require(portal.location)
        #expect(location.hasPrefix(redirect))
        let callback = try await get(location)
        #expect(callback.status == 200)
        return query(location)["auth_code"]
    }

    /// Every token the workspace's credentials file holds (for the secrets sweep).
    static func tokens(in workspace: Workspace) -> [String?] {
        let saved = try? workspace.saved()
        return [saved?["access_token"] as? String, saved?["refresh_token"] as? String]
    }

    /// Runs a command in the workspace (secrets swept: the app secret, the saved token, and `extra`).
    static func run(_ arguments: [String], _ workspace: Workspace, extra: [String: String] = [:], secrets: [String?] = [])
        async throws -> (code: Int32, out: String, err: String) {
        let result = try await ToolBinary.capture(arguments, environment: workspace.environment.merging(extra) { $1 })
        try await SyncHarness.expectNoLeaks(SecretSweep(secrets + tokens(in: workspace)), database: nil,
                                            captured: ["stdout": result.out, "stderr": result.err])
        return result
    }

    static func simulatorOptions(_ configure: (inout SimulatorOptions) -> Void = { _ in }) -> SimulatorOptions {
        var options = SimulatorOptions()
        options.seed = 7
        options.advertisers = 2
        options.unauthorizedAdvertisers = 0
        options.historyDays = 40
        options.now = Date(timeIntervalSince1970: 1_768_478_400)  // 2026-01-15T12:00:00Z
        configure(&options)
        return options
    }

    static let now = ["--now", "2026-01-15T12:00:00Z"]

    // MARK: The whole flow

    @Test func loginStatusSyncRevokeAndTheSyncAfterIt() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let login = try await Self.login(workspace)
            #expect(login.code == 0, "\(login.output)")
            #expect(login.output.contains("Saved the token"))
            #expect(login.authCode != nil)
            let saved = try #require(try workspace.saved())
            let token = try #require(saved["access_token"] as? String)
            #expect(token != simulator.options.accessToken, "a portal code yields a new token")
            #expect(saved["advertiser_ids"] as? [String] == simulator.world.grantedAdvertiserIDs)
            #expect(saved["environment"] as? String == "production")
            #expect(try workspace.mode() == 0o600)
            #expect(login.output.contains("…" + token.suffix(4)))

            let status = try await Self.run(["auth", "status"], workspace)
            #expect(status.code == 0, "\(status.err)")
            #expect(status.out.contains("from the credentials file \(workspace.credentials)"))
            #expect(status.out.contains("…" + token.suffix(4)))
            for id in simulator.world.grantedAdvertiserIDs { #expect(status.out.contains(id)) }

            // No flag and no variable: the saved token serves.
            let sync = try await Self.run(["sync", "--sqlite", workspace.database, "--objects", "campaigns,ad_insights"] + Self.now, workspace)
            #expect(sync.code == 0, "\(sync.err)")
            #expect(sync.out.contains("status: succeeded"))

            let revoke = try await Self.run(["auth", "revoke"], workspace, secrets: [token])
            #expect(revoke.code == 0, "\(revoke.err)")
            #expect(revoke.out.contains("Revoked the token …\(token.suffix(4))"))
            let afterRevoke = try #require(try workspace.saved())
            #expect(afterRevoke["access_token"] == nil)
            #expect(afterRevoke["revoked_at"] != nil)

            let refused = try await Self.run(["sync", "--sqlite", workspace.database] + Self.now, workspace, secrets: [token])
            #expect(refused.code == 1)
            #expect(refused.err.contains("was revoked"))
            #expect(refused.err.contains("tiktok-ads auth login"))
        }
    }

    @Test func aSavedTokenRevokedElsewhereFailsTheSyncWithAdviceToLogInAgain() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            #expect(try await Self.login(workspace).code == 0)
            let token = try #require(try workspace.saved()?["access_token"] as? String)
            // The advertiser (or another machine) revokes it at TikTok; the file still holds it.
            var revoke = HTTPClientRequest(url: url.absoluteString + "v1.3/oauth2/revoke_token/")
            revoke.method = .POST
            revoke.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: [
                "app_id": simulator.options.appId, "secret": simulator.options.secret, "access_token": token])))
            _ = try await Self.browser.execute(revoke, timeout: .minutes(5)).body.collect(upTo: 1 << 16)

            let sync = try await Self.run(["sync", "--sqlite", workspace.database] + Self.now, workspace)
            #expect(sync.code == 1)
            #expect(sync.err.contains("rejected the access token"))
            #expect(sync.err.contains("credentials file \(workspace.credentials)"))
            #expect(sync.err.contains("run `tiktok-ads auth login` again"))
        }
    }

    @Test func exchangeTakesACodeOrTheWholeRedirectAddressAndPrintsTheTokenOnlyWhenAsked() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let portal = url.absoluteString.replacingOccurrences(of: "/open_api/", with: "/portal/auth")
            let location = try #require(try await Self.get(portal + "?app_id=\(simulator.options.appId)&state=x&redirect_uri=https%3A%2F%2Fexample.com%2Fcb").location)
            let code = try #require(Self.query(location)["auth_code"])
            let exchange = try await Self.run(["auth", "exchange", "--auth-code", location], workspace, secrets: [code])
            #expect(exchange.code == 0, "\(exchange.err)")
            let token = try #require(try workspace.saved()?["access_token"] as? String)
            #expect(!exchange.out.contains(token))

            let printed = try await ToolBinary.capture(["auth", "status", "--print-token"], environment: workspace.environment)
            #expect(printed.code == 0)
            #expect(printed.out.contains("access token: \(token)"))
        }
    }

    // MARK: Bad input: a clear message, a non-zero exit, no token written

    @Test func aWrongAppSecretSaysSoAndSavesNothing() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url, secret: "not-the-app-secret")
            let result = try await Self.run(["auth", "exchange", "--auth-code", simulator.options.authCode], workspace,
                                            secrets: [simulator.options.authCode])
            #expect(result.code == 1)
            #expect(result.err.contains("did not accept app id \(simulator.options.appId) with this app secret"))
            #expect(result.err.contains("Nothing was saved"))
            #expect(try workspace.saved() == nil)
        }
    }

    @Test func aReusedCodeIsRefusedAndKeepsTheFirstToken() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let arguments = ["auth", "exchange", "--auth-code", simulator.options.authCode]
            #expect(try await Self.run(arguments, workspace, secrets: [simulator.options.authCode]).code == 0)
            let first = try #require(try workspace.saved()?["access_token"] as? String)
            let again = try await Self.run(arguments, workspace, secrets: [simulator.options.authCode])
            #expect(again.code == 1)
            #expect(again.err.contains("a code works once, and only for about 10 minutes"))
            #expect(try workspace.saved()?["access_token"] as? String == first)
        }
    }

    @Test func anExpiredCodeIsRefused() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let portal = url.absoluteString.replacingOccurrences(of: "/open_api/", with: "/portal/auth")
            let location = try #require(try await Self.get(portal + "?app_id=\(simulator.options.appId)&state=x&redirect_uri=http%3A%2F%2Flocalhost%3A1%2Fcb").location)
            let code = try #require(Self.query(location)["auth_code"])
            simulator.setNow(simulator.now.addingTimeInterval(11 * 60))
            let result = try await Self.run(["auth", "exchange", "--auth-code", code], workspace, secrets: [code])
            #expect(result.code == 1)
            #expect(result.err.contains("refused the authorisation code"))
            #expect(try workspace.saved() == nil)
        }
    }

    @Test func aCallbackWithAnotherStateEndsTheLoginAndSavesNothing() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let login = try await Self.login(workspace) { _, redirect in
                // A stale tab, or a forged link: a real code, but not this run's state.
                let forged = try await Self.get(redirect + "?auth_code=\(simulator.options.authCode)&state=forged")
                #expect(forged.status == 400)
                return nil
            }
            #expect(login.code == 1, "\(login.output)")
            #expect(login.output.contains("another state than the link this command printed"))
            #expect(try workspace.saved() == nil)
        }
    }

    @Test func aCallbackThatNeverComesEndsWithAClearMessage() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let login = try await Self.login(workspace, arguments: ["--timeout", "1"]) { _, _ in nil }
            #expect(login.code == 1)
            #expect(login.output.contains("No callback reached"))
            #expect(login.output.contains("auth exchange --auth-code"))
            #expect(try workspace.saved() == nil)
        }
    }

    @Test func aCallbackPortInUseIsNamed() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let busy = try #require(url.port)  // the simulator itself holds it
            let login = try await Self.login(workspace, port: busy) { _, _ in
                Issue.record("the link was printed although the port is taken")
                return nil
            }
            #expect(login.code == 2, "\(login.output)")
            #expect(login.output.contains("Port \(busy) of the redirect URI"))
            #expect(login.output.contains("in use"))
            #expect(try workspace.saved() == nil)
            #expect(simulator.requestLog.totalCount == 0, "nothing reached TikTok")
        }
    }

    @Test func anUnwritableCredentialsFileIsRefusedBeforeTheLink() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let blocker = workspace.directory.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: blocker)
            let login = try await Self.login(workspace, arguments: ["--credentials-file", blocker.path + "/credentials.json"]) { _, _ in
                Issue.record("the link was printed although the token could not be saved")
                return nil
            }
            #expect(login.code == 2, "\(login.output)")
            #expect(login.output.contains("Cannot create the directory \(blocker.path)"))
        }
    }

    @Test func aCredentialsFileOthersCanReadIsRefusedEverywhere() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions())
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            #expect(try await Self.run(["auth", "exchange", "--auth-code", simulator.options.authCode], workspace,
                                       secrets: [simulator.options.authCode]).code == 0)
            let before = try #require(FileManager.default.contents(atPath: workspace.credentials))
            chmod(workspace.credentials, 0o644)

            let sync = try await Self.run(["sync", "--sqlite", workspace.database] + Self.now, workspace)
            #expect(sync.code == 2)
            #expect(sync.err.contains("can be read by other users"))
            #expect(sync.err.contains("chmod 600 \(workspace.credentials)"))
            #expect(!FileManager.default.fileExists(atPath: workspace.database))

            let login = try await Self.login(workspace) { _, _ in
                Issue.record("the link was printed although the credentials file is readable by others")
                return nil
            }
            #expect(login.code == 2)
            #expect(login.output.contains("can be read by other users"))
            #expect(FileManager.default.contents(atPath: workspace.credentials) == before)
        }
    }

    @Test func theSandboxRefusesAProductionToken() async throws {
        // A saved production token is refused before any request.
        let production = TikTokSimulator(options: Self.simulatorOptions())
        try await production.withRunningServer { url in
            let workspace = try Workspace(production, url: url)
            #expect(try await Self.run(["auth", "exchange", "--auth-code", production.options.authCode], workspace,
                                       secrets: [production.options.authCode]).code == 0)
            production.requestLog.reset()
            let sync = try await Self.run(["sync", "--sandbox", "--sqlite", workspace.database] + Self.now, workspace)
            #expect(sync.code == 2)
            #expect(sync.err.contains("issued by TikTok's production API, and the sandbox accepts only sandbox tokens"))
            #expect(production.requestLog.totalCount == 0)
        }
        // A production token given another way reaches the sandbox, which refuses it: the message says why.
        let sandbox = TikTokSimulator(options: Self.simulatorOptions { $0.sandbox = true; $0.accessToken = "sandbox-token-1234" })
        try await sandbox.withRunningServer { url in
            let workspace = try Workspace(sandbox, url: url)
            let ids = sandbox.world.grantedAdvertiserIDs.joined(separator: ",")
            let refused = try await Self.run(["check", "--sandbox", "--advertiser-ids", ids], workspace,
                                             extra: ["TIKTOK_ACCESS_TOKEN": "production-token-5678"])
            #expect(refused.code == 1)
            #expect(refused.err.contains("the sandbox accepts only sandbox tokens"))

            let check = try await Self.run(["check", "--sandbox", "--advertiser-ids", ids], workspace,
                                           extra: ["TIKTOK_ACCESS_TOKEN": "sandbox-token-1234"])
            #expect(check.code == 0, "\(check.err)")
            #expect(check.out.contains("api: TikTok's sandbox API"))
            let sync = try await Self.run(["sync", "--sandbox", "--advertiser-ids", ids, "--objects", "campaigns", "--sqlite", workspace.database] + Self.now,
                                          workspace, extra: ["TIKTOK_ACCESS_TOKEN": "sandbox-token-1234"])
            #expect(sync.code == 0, "\(sync.err)")
            #expect(sync.out.contains("source: TikTok's sandbox API"))
        }
    }

    @Test func loginAndExchangeRefuseTheSandbox() async throws {
        let simulator = TikTokSimulator(options: Self.simulatorOptions { $0.sandbox = true })
        try await simulator.withRunningServer { url in
            let workspace = try Workspace(simulator, url: url)
            let result = try await Self.run(["auth", "exchange", "--sandbox", "--auth-code", "whatever-code"], workspace, secrets: ["whatever-code"])
            #expect(result.code == 2)
            #expect(result.err.contains("sandbox issues no tokens"))
            #expect(try workspace.saved() == nil)
        }
    }
}
