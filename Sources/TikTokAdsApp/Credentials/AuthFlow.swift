import Foundation
import Logging
import SyncKit
import TikTokAds

/// `tiktok-ads auth login | exchange | status | revoke`: from an app's id and secret to a saved long-term token, and
/// back. Every message names what to do; the token, the code and the secret are never printed (the token only with
/// `--print-token`).
public struct AuthFlow: Sendable {
    public var request: SyncRequest
    public var redirectURI: String?
    public var timeout: Duration = .seconds(300)
    public var printToken = false
    public var environment: [String: String]
    public var clock: any Clock<Duration> = ContinuousClock()

    public init(request: SyncRequest, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.request = request
        self.environment = environment
    }

    /// The app, the API and the credentials file, from flags over the config over the environment.
    struct App {
        var id: String
        var secret: String
        var configuration: TikTokAPIConfiguration
        var credentials: CredentialsFile
        var file: ToolConfiguration
    }

    /// `readsToken`: the config's `access_token` is read too (`revoke`); `login` and `exchange` make a token, so a
    /// `${VARIABLE}` there that is not set is no error for them.
    func app(readsToken: Bool = false, logger: Logger, command: String) throws -> App {
        let file = try request.configPath.map {
            try ToolConfiguration.load(path: $0, environment: environment, now: try request.currentInstant(), ignoring: readsToken ? [] : ["access_token"])
        } ?? ToolConfiguration()
        try request.flagSettings().validate(now: try request.currentInstant())
        let flags = request.flagSettings()
        let id = try SyncRequest.credential("app_id", flag: flags.appID, file: file, \.appID, variable: "TIKTOK_APP_ID",
                                            environment: environment, logger: logger)
        let secret = try SyncRequest.credential("app_secret", flag: flags.appSecret, file: file, \.appSecret,
                                                variable: "TIKTOK_APP_SECRET", environment: environment, logger: logger)
        guard let id, let secret else {
            throw SyncError(.badInput, "`tiktok-ads auth \(command)` needs your app's id and secret: set TIKTOK_APP_ID and TIKTOK_APP_SECRET (or app_id / app_secret in the config file) to the App ID and Secret shown in TikTok API for Business → My Apps → your app → Basic information (docs/credentials.md).")
        }
        var configuration = TikTokAPIConfiguration(baseURL: try request.resolveBaseURL(file: file, environment: environment),
                                                   accessToken: "", appID: id, appSecret: secret)
        configuration.environment = request.apiEnvironment(file)
        return App(id: id, secret: secret, configuration: configuration,
                   credentials: request.credentialsLocation(file: file, environment: environment), file: file)
    }

    // MARK: login and exchange

    /// `auth login`: prints the authorisation link, waits for the browser's callback on the redirect URI, exchanges
    /// the code and saves the token. `say` prints a line for the user; `onLink` gets the link once the listener is up.
    public func login(logger: Logger, say: @escaping @Sendable (String) -> Void,
                      onLink: @escaping @Sendable (URL) -> Void = { _ in }) async throws -> CredentialsFile.Contents {
        let app = try app(logger: logger, command: "login")
        try refuseSandbox(app, command: "login")
        let redirect = try redirectURI(app.file)
        guard let listener = CallbackListener(redirectURI: redirect) else {
            throw SyncError(.badInput, "`auth login` receives the callback on this machine, so the redirect URI must be http://localhost:PORT/PATH (or http://127.0.0.1:PORT/PATH); \(redirect.absoluteString) is elsewhere. Register a local redirect URI for your app, or authorise in a browser and pass the code from the address bar to `tiktok-ads auth exchange --auth-code CODE`.")
        }
        try app.credentials.checkWritable()  // before the one-time code is spent
        let link = AuthorizationLink(portal: app.configuration.portalURL, appID: app.id, redirectURI: redirect)
        let seconds = timeout.components.seconds
        return try await listener.withCode(expectedState: link.state, timeout: timeout, clock: clock, logger: logger, onListening: {
            say("""
                Open this link in a browser where you are signed in to TikTok for Business, and authorise the app for your ad accounts:

                  \(link.url.absoluteString)

                Waiting up to \(seconds) s for TikTok to send the browser back to \(redirect.absoluteString) (Ctrl-C to stop)…
                """)
            onLink(link.url)
        }) { code in
            say("Authorisation received; exchanging the code for a long-term token…")
            return try await exchangeAndSave(code: code, app: app, savedBy: "auth login", logger: logger, say: say)
        }
    }

    /// `auth exchange --auth-code CODE`: for a machine without a browser; `pasted` is the code or the whole redirect URL.
    public func exchange(pasted: String, logger: Logger, say: @escaping @Sendable (String) -> Void) async throws -> CredentialsFile.Contents {
        let app = try app(logger: logger, command: "exchange")
        try refuseSandbox(app, command: "exchange")
        guard let code = AuthorizationCallback(pasted: pasted).authCode else {
            throw SyncError(.badInput, "--auth-code is empty. Pass the auth_code value from the address the browser was sent to after authorising (or that whole address, quoted).")
        }
        try app.credentials.checkWritable()
        return try await exchangeAndSave(code: code, app: app, savedBy: "auth exchange", logger: logger, say: say)
    }

    func exchangeAndSave(code: String, app: App, savedBy: String, logger: Logger,
                         say: @Sendable (String) -> Void) async throws -> CredentialsFile.Contents {
        let client = OAuthClient(configuration: app.configuration, appID: app.id, appSecret: app.secret, logger: logger)
        let grant = try await client.exchange(authCode: code)
        let contents = CredentialsFile.Contents(grant: grant, appID: app.id, environment: app.configuration.environment,
                                                savedAt: try request.currentInstant(), savedBy: savedBy)
        try app.credentials.write(contents)
        let accounts = grant.advertiserIDs.isEmpty ? "no advertiser yet (authorise at least one ad account)"
            : "\(grant.advertiserIDs.count) advertiser\(grant.advertiserIDs.count == 1 ? "" : "s"): \(grant.advertiserIDs.joined(separator: ", "))"
        say("""
            Saved the token (\(ResolvedToken.mask(grant.accessToken))) to \(app.credentials.path) (readable by you only). It may access \(accounts).
            `tiktok-ads sync`, `check` and `schedule` use it when no other token is given. Next: tiktok-ads auth status
            """)
        if printToken { say("access token: \(grant.accessToken)") }
        return contents
    }

    func refuseSandbox(_ app: App, command: String) throws {
        guard app.configuration.environment == .production else {
            throw SyncError(.badInput, "TikTok's sandbox issues no tokens through `auth \(command)`: generate a sandbox token in the developer portal (My Apps → your app → Sandbox) and set TIKTOK_ACCESS_TOKEN, then run `tiktok-ads check --sandbox`.")
        }
    }

    func redirectURI(_ file: ToolConfiguration) throws -> URL {
        if let flag = redirectURI { return try AuthorizationLink.parseRedirectURI(flag, setting: "--redirect-uri") }
        if let configured = file.redirectURI { return try AuthorizationLink.parseRedirectURI(configured, setting: "redirect_uri in the config file") }
        if let variable = environment["TIKTOK_REDIRECT_URI"] { return try AuthorizationLink.parseRedirectURI(variable, setting: "TIKTOK_REDIRECT_URI") }
        throw SyncError(.badInput, "No redirect URI. Pass --redirect-uri (or redirect_uri in the config, or TIKTOK_REDIRECT_URI) with the redirect URI registered for your app in TikTok API for Business → My Apps → your app, e.g. http://localhost:8910/callback.")
    }

    // MARK: status and revoke

    /// What `auth status` reports.
    public struct Status: Sendable {
        public var token: ResolvedToken
        public var environment: APIEnvironment
        public var baseURL: URL
        /// From `oauth2/advertiser/get/`; nil when the app id and secret were not given.
        public var advertisers: [(id: String, name: String?)]?
        public var note: String?
    }

    /// `auth status`: which token is in use and where it came from, and the advertisers it may access.
    public func status(logger: Logger) async throws -> Status {
        let file = try request.loadConfiguration()
        try request.flagSettings().validate(now: try request.currentInstant())
        guard let token = try request.resolveToken(file: file, environment: environment, logger: logger) else {
            throw SyncError(.badInput, "No access token: none given with --access-token, access_token in the config or TIKTOK_ACCESS_TOKEN, and no credentials file at \(request.credentialsLocation(file: file, environment: environment).path). Run `tiktok-ads auth login` (docs/credentials.md).")
        }
        let environment = request.apiEnvironment(file)
        var configuration = TikTokAPIConfiguration(baseURL: try request.resolveBaseURL(file: file, environment: self.environment),
                                                   accessToken: token.token)
        configuration.environment = environment
        configuration.authenticationAdvice = token.advice(environment: environment)
        var status = Status(token: token, environment: environment, baseURL: configuration.baseURL)
        let flags = request.flagSettings()
        let id = try SyncRequest.credential("app_id", flag: flags.appID, file: file, \.appID, variable: "TIKTOK_APP_ID", environment: self.environment, logger: logger)
        let secret = try SyncRequest.credential("app_secret", flag: flags.appSecret, file: file, \.appSecret, variable: "TIKTOK_APP_SECRET", environment: self.environment, logger: logger)
        if environment == .production, let id, let secret {
            status.advertisers = try await OAuthClient(configuration: configuration, appID: id, appSecret: secret, logger: logger).advertisers()
            return status
        }
        status.note = environment == .sandbox
            ? "The sandbox cannot list a token's advertisers (oauth2/advertiser/get); use the sandbox advertiser id from the developer portal."
            : "Set TIKTOK_APP_ID and TIKTOK_APP_SECRET to list the advertisers the token may access now" + (token.saved.map { "; saved with the token: \($0.advertiserIDs.joined(separator: ", "))" } ?? "") + "."
        // Without the listing, one cheap call shows whether the token works.
        _ = try await TikTokClient(configuration: configuration, pacer: makeRateLimiter(.unlimited, clock: ContinuousClock()), logger: logger)
            .get("user/info", query: [])
        return status
    }

    /// `auth status` as text.
    public func describe(_ status: Status) -> String {
        var lines = [
            "token: \(status.token.masked) from \(status.token.sourceDescription)",
            "api: \(status.environment.displayName) at \(status.baseURL.absoluteString)",
        ]
        if let saved = status.token.saved {
            lines.append("saved: \(saved.savedAt.formatted(.iso8601)) by `tiktok-ads \(saved.savedBy)` for app \(saved.appID ?? "?")")
        }
        if let advertisers = status.advertisers {
            lines.append("advertisers the token may access (\(advertisers.count)):")
            lines += advertisers.map { "  \($0.id)  \($0.name ?? "")" }
        }
        if let note = status.note { lines.append(note) }
        if printToken { lines.append("access token: \(status.token.token)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `auth revoke`: revokes the token in use at TikTok; a saved one is then removed from the credentials file (the
    /// file keeps when and for which app, so later commands can say so).
    public func revoke(logger: Logger) async throws -> String {
        let app = try app(readsToken: true, logger: logger, command: "revoke")
        guard let token = try request.resolveToken(file: app.file, environment: environment, logger: logger) else {
            throw SyncError(.badInput, "No token to revoke: none given with --access-token, access_token or TIKTOK_ACCESS_TOKEN, and no credentials file at \(app.credentials.path).")
        }
        var configuration = app.configuration
        configuration.accessToken = token.token
        let known = try await OAuthClient(configuration: configuration, appID: app.id, appSecret: app.secret, logger: logger).revoke(token: token.token)
        var text = known ? "Revoked the token \(token.masked) (from \(token.sourceDescription)): TikTok no longer accepts it."
            : "TikTok no longer accepted the token \(token.masked) (from \(token.sourceDescription)): it was revoked already."
        if case .credentialsFile = token.source, var saved = token.saved {
            saved.accessToken = nil
            saved.refreshToken = nil
            saved.revokedAt = try request.currentInstant()
            try app.credentials.write(saved)
            text += " Removed it from \(app.credentials.path)."
        } else if case .environment(let variable) = token.source {
            text += " Unset \(variable) too."
        }
        return text + " Run `tiktok-ads auth login` to authorise again.\n"
    }
}
