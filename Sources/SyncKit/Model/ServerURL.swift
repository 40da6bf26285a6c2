import Foundation

/// A server URL that may carry credentials, `SCHEME://USER[:PASSWORD]@HOST[:PORT][/PATH][?NAME=VALUE…]` (a database
/// server's), read so that its password never reaches a message: the password is registered with `SecretRedactor`
/// before anything can fail, and every error shows the URL without its user info.
public struct ServerURL: Sendable {
    public var host: String
    public var port: Int?
    public var user: String
    public var password: String?
    /// The path without its leading slash (a database name).
    public var path: String
    public var parameters: [String: String]

    /// - Parameters:
    ///   - label: how messages name the URL, e.g. "The PostgreSQL URL".
    ///   - schemes: the schemes accepted (lowercase); `example` is shown in messages.
    ///   - known: the query parameters read; any other is bad input.
    public init(_ text: String, label: String, schemes: [String], example: String, known: Set<String>) throws {
        let shown = SecretRedactor.displayURL(text)
        let components = URLComponents(string: text)
        SecretRedactor.register(components?.percentEncodedPassword?.removingPercentEncoding)
        guard let components, let scheme = components.scheme?.lowercased(), schemes.contains(scheme) else {
            throw SyncError(.badInput, "\(label) '\(shown)' is not a \(schemes[0]):// URL; use e.g. \(example).")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SyncError(.badInput, "\(label) '\(shown)' names no host; use e.g. \(example).")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw SyncError(.badInput, "\(label) '\(shown)' names no user; put it before the host: \(example).")
        }
        parameters = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw SyncError(.badInput, "\(label) '\(shown)' has the parameter '\(unknown)', which tiktok-ads does not read; "
                            + "only \(known.sorted().joined(separator: ", ")) is read from the URL.")
        }
        self.host = host
        self.user = user
        port = components.port
        password = components.percentEncodedPassword?.removingPercentEncoding
        path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
    }

    /// The first line of a file that holds a secret (a password file), registered with `SecretRedactor`; `label`
    /// names the file in messages ("The PostgreSQL password file").
    public static func secret(inFile path: String, label: String) throws -> String {
        guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SyncError(.badInput, "Cannot read \(label.prefix(1).lowercased() + label.dropFirst()) \(path). Check the path and that this user may read it.")
        }
        // Its first line, ended by LF or CRLF (one Character, which a split on "\n" would not see).
        let secret = String(content.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? "")
        guard !secret.isEmpty else { throw SyncError(.badInput, "\(label) \(path) is empty; put the secret on its first line.") }
        SecretRedactor.register(secret)
        return secret
    }
}
