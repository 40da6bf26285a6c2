import ArgumentParser
import Foundation
import TikTokAdsApp

/// `tiktok-ads auth`: get, inspect and revoke the long-term access token (docs/credentials.md).
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Get a long-term TikTok access token, see which one is in use, revoke it.",
        subcommands: [Login.self, Exchange.self, Status.self, Revoke.self])

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise the app in a browser; the token is saved to the credentials file.",
            discussion: "Needs the app id and secret (TIKTOK_APP_ID, TIKTOK_APP_SECRET) and the app's local redirect URI.")
        @OptionGroup var options: AuthOptions
        @Option(help: "The redirect URI registered for the app, on this machine, e.g. http://localhost:8910/callback (or redirect_uri, TIKTOK_REDIRECT_URI).")
        var redirectUri: String?
        @Option(help: "Seconds to wait for the browser's callback.")
        var timeout = 300
        @Flag(help: "Do not open the link in a browser, only print it.")
        var noBrowser = false

        func run() async throws {
            var flow = options.flow
            flow.redirectURI = redirectUri
            flow.timeout = .seconds(max(1, timeout))
            let logger = LoggingSetup.bootstrap(options.output)
            let open = !noBrowser && isatty(STDOUT_FILENO) == 1
            _ = try await flow.login(logger: logger, say: say, onLink: { url in if open { BrowserOpener.open(url) } })
        }
    }

    struct Exchange: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exchange an authorisation code (from the redirect URL) for a token; for machines without a browser.")
        @OptionGroup var options: AuthOptions
        @Option(help: "The auth_code from the address the browser was sent to (or that whole address, quoted).")
        var authCode: String

        func run() async throws {
            _ = try await options.flow.exchange(pasted: authCode, logger: LoggingSetup.bootstrap(options.output), say: say)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which token is in use, where it came from, and the advertisers it may access.")
        @OptionGroup var options: AuthOptions
        @Option(help: "Access token to inspect instead of the one the precedence picks.")
        var accessToken: String?

        func run() async throws {
            var flow = options.flow
            flow.request.accessToken = accessToken
            print(flow.describe(try await flow.status(logger: LoggingSetup.bootstrap(options.output))), terminator: "")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke the token in use at TikTok and remove it from the credentials file.")
        @OptionGroup var options: AuthOptions

        func run() async throws {
            print(try await options.flow.revoke(logger: LoggingSetup.bootstrap(options.output)), terminator: "")
        }
    }
}

/// A line for the user on standard output, flushed at once: `auth login` waits for the browser after printing the link.
@Sendable func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// The flags every `auth` command shares.
struct AuthOptions: ParsableArguments {
    @OptionGroup var configuration: ConfigOptions
    @Option(help: "App id (or TIKTOK_APP_ID, app_id in the config).")
    var appId: String?
    @Option(help: "App secret. Prefer TIKTOK_APP_SECRET: flags are visible to other users of the machine.")
    var appSecret: String?
    @Option(help: "API base up to open_api/ (default production; the portal is on the same host).")
    var apiBaseURL: String?
    @Flag(help: "TikTok's sandbox API.")
    var sandbox = false
    @Option(help: "Credentials file (default $XDG_CONFIG_HOME/tiktok-ads/credentials.json).")
    var credentialsFile: String?
    @Flag(help: "Also print the access token itself.")
    var printToken = false
    @OptionGroup var output: OutputOptions

    var flow: AuthFlow {
        var request = SyncRequest()
        configuration.apply(to: &request)
        (request.appID, request.appSecret, request.apiBaseURL) = (appId, appSecret, apiBaseURL)
        (request.sandbox, request.credentialsFile) = (sandbox, credentialsFile)
        var flow = AuthFlow(request: request)
        flow.printToken = printToken
        return flow
    }

    func validate() throws {
        try BadInput.asValidation { try flow.request.validateFlags() }
    }
}
