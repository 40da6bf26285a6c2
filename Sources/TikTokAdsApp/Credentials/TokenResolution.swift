import Foundation
import Logging
import SyncKit
import TikTokAds

/// The access token a command uses, and where it came from.
public struct ResolvedToken: Sendable {
    public enum Source: Sendable, Equatable {
        case flag
        case configFile(String?)
        case environment(String)
        case credentialsFile(String)
    }

    public var token: String
    public var source: Source
    /// What the credentials file holds, when the token came from it.
    public var saved: CredentialsFile.Contents?

    /// "the --access-token flag", "the credentials file ~/.config/tiktok-ads/credentials.json", …
    public var sourceDescription: String {
        switch source {
        case .flag: "the --access-token flag"
        case .configFile(let path): "access_token in the config file\(path.map { " \($0)" } ?? "")"
        case .environment(let variable): "the environment variable \(variable)"
        case .credentialsFile(let path): "the credentials file \(path)"
        }
    }

    /// The token as it may be shown: its last 4 characters.
    public var masked: String { Self.mask(token) }

    public static func mask(_ token: String) -> String {
        token.count <= 8 ? "…" : "…" + String(token.suffix(4))
    }

    /// What to add to a refused token's message: how to replace a token from this source, and what the sandbox takes.
    func advice(environment: APIEnvironment) -> String? {
        var parts: [String] = []
        if case .credentialsFile(let path) = source {
            let when = saved.map { " by `tiktok-ads \($0.savedBy)` on \($0.savedAt.formatted(.iso8601))" } ?? ""
            parts.append("The token came from the credentials file \(path) (saved\(when)): run `tiktok-ads auth login` again to replace it.")
        }
        if environment == .sandbox {
            parts.append("--sandbox is on: the sandbox accepts only sandbox tokens, which the developer portal generates (My Apps → your app → Sandbox); a token from `auth login` works only against production.")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}

extension SyncRequest {
    /// The token from, in this order: `--access-token`, `access_token` in the config file, `TIKTOK_ACCESS_TOKEN`, the
    /// credentials file `auth login` wrote. Nil when none gives one. A saved token that was revoked, or that was issued
    /// for the other environment (production / sandbox) than this run reads, is refused here, before any request.
    public func resolveToken(file: ToolConfiguration, environment: [String: String], logger: Logger) throws -> ResolvedToken? {
        let flags = flagSettings()
        if let token = try Self.credential("access_token", flag: flags.accessToken, file: file, \.accessToken,
                                           variable: "TIKTOK_ACCESS_TOKEN", environment: environment, logger: logger) {
            let source: ResolvedToken.Source = flags.accessToken != nil ? .flag
                : file.accessToken != nil ? .configFile(file.origin.path) : .environment("TIKTOK_ACCESS_TOKEN")
            return ResolvedToken(token: token, source: source)
        }
        let credentials = credentialsLocation(file: file, environment: environment)
        guard let saved = try credentials.read() else { return nil }
        guard let token = saved.accessToken, !token.isEmpty else {
            let when = saved.revokedAt.map { " on \($0.formatted(.iso8601))" } ?? ""
            throw SyncError(.authentication, "The token saved in \(credentials.path) was revoked\(when) (`tiktok-ads auth revoke`). Run `tiktok-ads auth login` to authorise the app again, or set TIKTOK_ACCESS_TOKEN.")
        }
        let wanted = apiEnvironment(file)
        guard saved.environment == wanted else {
            throw SyncError(.badInput, wanted == .sandbox
                ? "--sandbox is on, but the token saved in \(credentials.path) was issued by TikTok's production API, and the sandbox accepts only sandbox tokens. Generate a sandbox token in the developer portal (My Apps → your app → Sandbox) and set TIKTOK_ACCESS_TOKEN, or drop --sandbox (sandbox: true in the config)."
                : "The token saved in \(credentials.path) is a sandbox token, which TikTok's production API does not accept. Pass --sandbox, or run `tiktok-ads auth login` for a production token.")
        }
        return ResolvedToken(token: token, source: .credentialsFile(credentials.path), saved: saved)
    }

    /// The credentials file these settings name (`--credentials-file`, `credentials_file`, `TIKTOK_CREDENTIALS_FILE`,
    /// else the XDG config directory).
    public func credentialsLocation(file: ToolConfiguration, environment: [String: String]) -> CredentialsFile {
        CredentialsFile.locate(flag: credentialsFile ?? file.credentialsFile, environment: environment)
    }

    /// Production, or the sandbox when `--sandbox` or `sandbox: true` asks for it.
    public func apiEnvironment(_ file: ToolConfiguration) -> APIEnvironment {
        sandbox || file.sandbox == true ? .sandbox : .production
    }

    /// `--api-base-url`, `api_base_url`, `TIKTOK_API_BASE_URL`, else the production or sandbox API. An explicit base
    /// wins over `--sandbox` (a proxy, or the simulator playing the sandbox).
    public func resolveBaseURL(file: ToolConfiguration, environment: [String: String]) throws -> URL {
        if let text = apiBaseURL ?? file.apiBaseURL {
            return URL(string: text)!  // validated as an http(s) URL
        }
        if let text = environment["TIKTOK_API_BASE_URL"] {
            try ToolConfiguration.checkURL(text, SettingName("api_base_url", environmentVariable: "TIKTOK_API_BASE_URL"),
                                           example: "https://business-api.tiktok.com/open_api/")
            return URL(string: text)!  // checked just above
        }
        return apiEnvironment(file) == .sandbox ? TikTokAPIConfiguration.sandboxBaseURL : TikTokAPIConfiguration.productionBaseURL
    }
}

extension SettingOrigin {
    /// The config file's path, when the setting came from one.
    var path: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}
