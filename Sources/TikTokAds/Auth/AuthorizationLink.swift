import Foundation
import SyncKit

/// The advertiser authorisation link of an app (TikTok's portal URL with `app_id`, `redirect_uri` and a random
/// `state`), and what comes back on the redirect URI.
public struct AuthorizationLink: Sendable {
    public let appID: String
    public let redirectURI: URL
    /// Random, checked on the callback: a callback with another state was not caused by this link.
    public let state: String
    public let url: URL

    public init(portal: URL, appID: String, redirectURI: URL, state: String = AuthorizationLink.randomState()) {
        self.appID = appID
        self.redirectURI = redirectURI
        self.state = state
        var components = URLComponents(url: portal, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.queryItems = [
            URLQueryItem(name: "app_id", value: appID), URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "redirect_uri", value: redirectURI.absoluteString),
        ]
        // `+`, `&`, `=` and `/` inside a value must not read as separators or spaces.
        components.percentEncodedQuery = components.queryItems?.map { item in
            "\(item.name)=\(Self.escape(item.value ?? ""))"
        }.joined(separator: "&")
        url = components.url ?? portal
    }

    /// 32 hex digits from the system's secure random source.
    public static func randomState() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A redirect URI the tool can listen on: `http` on this machine (localhost, 127.0.0.1 or [::1]) with a port.
    /// - Returns: the port and path, or nil when the URI points elsewhere (then the code is pasted: `auth exchange`).
    public static func localListener(for redirectURI: URL) -> (port: Int, path: String)? {
        guard redirectURI.scheme == "http", let host = redirectURI.host?.lowercased(),
              ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host), let port = redirectURI.port
        else { return nil }
        return (port, redirectURI.path.isEmpty ? "/" : redirectURI.path)
    }

    /// Checks a redirect URI given by the user: an absolute http(s) URL with a host.
    public static func parseRedirectURI(_ text: String, setting: String) throws -> URL {
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
            throw SyncError(.badInput, "\(setting) '\(text)' is not an http(s) URL. Use the redirect URI registered for your app in TikTok API for Business → My Apps → your app (for `auth login` on this machine, e.g. http://localhost:8910/callback).")
        }
        return url
    }
}

/// What the browser brings back to the redirect URI: TikTok adds `auth_code` (and `code`) and the link's `state`.
public struct AuthorizationCallback: Sendable, Equatable {
    public var authCode: String?
    public var state: String?

    public init(authCode: String?, state: String?) {
        self.authCode = authCode
        self.state = state
    }

    /// From a query string (`auth_code=…&state=…`).
    public init(query: String?) {
        let items = URLComponents(string: "http://x/?" + (query ?? ""))?.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 } }
        self.init(authCode: value("auth_code") ?? value("code"), state: value("state"))
        SecretRedactor.register(authCode)
    }

    /// From what a user pasted: the code itself, or the whole redirect URL from the browser's address bar.
    public init(pasted text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.contains("auth_code=") || trimmed.contains("code="), let components = URLComponents(string: trimmed) {
            self.init(query: components.percentEncodedQuery ?? String(trimmed.split(separator: "?", maxSplits: 1).last ?? ""))
        } else {
            self.init(authCode: trimmed.isEmpty ? nil : trimmed, state: nil)
            SecretRedactor.register(authCode)
        }
    }
}
