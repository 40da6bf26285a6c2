import Foundation
import Synchronization

/// The one place that removes secrets from text before it is logged, printed or stored.
///
/// Two layers: every secret the process was given (access token, app secret, Google refresh token,
/// client secret, private key, tokens obtained at run time) is registered and replaced wherever it
/// appears; and text that *looks* like a credential (a `secret=` query item, an `Access-Token:`
/// header, a `Bearer` value, a JSON `"refresh_token": "…"` member, a PEM private key) is masked even
/// when its value was never registered, since a server may echo a request it got from someone else.
public enum SecretRedactor {
    /// What replaces a secret.
    public static let mask = "[redacted]"

    /// Secrets shorter than this are only masked by the patterns (a literal "abc" would mask too much).
    static let minimumLiteralLength = 6

    private static let secrets = Mutex<Set<String>>([])

    /// Registers a secret so that `redact` removes it from any text; nil and empty values are ignored.
    public static func register(_ secret: String?) {
        guard let secret, !secret.isEmpty else { return }
        var values = [secret]
        // A PEM key also appears line by line, and with its newlines escaped in JSON.
        if secret.contains("\n") {
            values += secret.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("-----") }
            values.append(secret.replacingOccurrences(of: "\n", with: "\\n"))
        }
        secrets.withLock { registered in
            for value in values where value.count >= minimumLiteralLength { registered.insert(value) }
        }
    }

    /// Names of query items, form fields, headers and JSON members whose values are credentials.
    static let credentialNames = [
        "access_token", "access-token", "accesstoken", "secret", "app_secret", "client_secret", "refresh_token",
        "auth_code", "code", "private_key", "private_key_id", "assertion", "id_token", "password", "token",
    ]

    /// `text` with every registered secret and every credential-shaped value replaced by `mask`.
    public static func redact(_ text: String) -> String {
        var result = text
        let registered = secrets.withLock { $0 }.sorted { $0.count > $1.count }
        for secret in registered where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        return maskPatterns(result)
    }

    /// A URL fit to print: scheme, host, port and path, never the query or user info.
    public static func displayURL(_ url: String) -> String {
        var text = url
        if let query = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<query]) }
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
           !text[scheme.upperBound..<at].contains("/") {
            text.removeSubrange(scheme.upperBound...at)
        }
        return redact(text)
    }

    /// Credential-shaped text: `name=value` in a query or form, `"name": "value"` in JSON,
    /// `Access-Token: value` and `Bearer value` as headers or echoed text. Group 1 is kept.
    nonisolated(unsafe) private static let patterns: [Regex<AnyRegexOutput>] = {
        let names = credentialNames.joined(separator: "|")
        let sources = [
            "(?i)(\\b(?:\(names))=)[^&\\s\"'<>]+",
            "(?i)(\"(?:\(names))\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*",
            "(?i)((?:access-token|x-goog-api-key)\\s*[:=]\\s*)[^\\s,;\"']+",
            "(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+",
        ]
        return sources.compactMap { try? Regex($0) }
    }()

    nonisolated(unsafe) private static let privateKey = try? Regex("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)")

    private static func maskPatterns(_ text: String) -> String {
        guard text.contains(where: { $0 == "=" || $0 == ":" || $0 == "-" || $0 == " " }) else { return text }
        var result = text
        for pattern in patterns {
            result = result.replacing(pattern) { match in (match.output[1].substring.map(String.init) ?? "") + mask }
        }
        if result.contains("PRIVATE KEY-----"), let privateKey {
            result = result.replacing(privateKey) { _ in mask }
        }
        return result
    }
}
