import Foundation
import SyncKit

/// Where the PostgreSQL destination writes: a server, database and schema, the user and its password (from the URL,
/// a password file or `PGPASSWORD`), and how the connection is encrypted. The password is registered with
/// `SecretRedactor` as soon as it is known, and never part of `displayName`.
public struct PostgresConfiguration: Sendable {
    /// `sslmode` as libpq names it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain TCP (libpq's default).
        case prefer
        /// TLS, without checking the server's certificate.
        case require
        /// TLS, the certificate checked against the system's trust roots and the host name.
        case verifyFull = "verify-full"
    }

    public static let defaultSchema = "tiktok_ads"

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var schema: String
    public var sslMode: SSLMode

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String,
                schema: String = defaultSchema, sslMode: SSLMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.schema = schema
        self.sslMode = sslMode
        SecretRedactor.register(password)
    }

    /// The destination as messages name it: server, database and schema, never the user or password.
    public var displayName: String { "postgres://\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database) (schema \(schema))" }

    /// Reads `postgres://USER[:PASSWORD]@HOST[:PORT][/DB][?sslmode=MODE]` (or `postgresql://`). Without a password
    /// in the URL it comes from `passwordFile` (its first line), else `PGPASSWORD`; `sslMode` (the config's) wins over
    /// the URL's. Any problem is bad input that shows the URL without its user info.
    public static func parse(url text: String, schema: String? = nil, passwordFile: String? = nil, sslMode: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConfiguration {
        let example = "postgres://USER@HOST:5432/DATABASE"
        let url = try ServerURL(text, label: "The PostgreSQL URL", schemes: ["postgres", "postgresql"], example: example, known: ["sslmode"])
        guard !url.path.contains("/") else {
            throw SyncError(.badInput, "The PostgreSQL URL '\(SecretRedactor.displayURL(text))' has more than a database name after the host; use e.g. \(example).")
        }
        let modeText = sslMode ?? url.parameters["sslmode"] ?? SSLMode.prefer.rawValue
        guard let mode = SSLMode(rawValue: modeText) else {
            throw SyncError(.badInput, "sslmode '\(modeText)' is not one tiktok-ads supports; use \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        var password = url.password
        if password == nil, let passwordFile { password = try ServerURL.secret(inFile: passwordFile, label: "The PostgreSQL password file") }
        if password == nil, let variable = environment["PGPASSWORD"], !variable.isEmpty { password = variable }
        let configuration = PostgresConfiguration(host: url.host, port: url.port ?? 5432, user: url.user, password: password,
                                                  database: url.path.isEmpty ? url.user : url.path, schema: schema ?? defaultSchema, sslMode: mode)
        try configuration.validate()
        return configuration
    }

    /// The schema name PostgreSQL would accept unquoted (tiktok-ads always quotes it, but a name one must quote
    /// everywhere else is a trap), and a port in range.
    public func validate() throws {
        let first = schema.unicodeScalars.first
        guard schema.utf8.count <= 63, let first, first == "_" || ("a"..."z").contains(first),
              schema.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }),
              !schema.hasPrefix("pg_") else {
            throw SyncError(.badInput, "The PostgreSQL schema '\(schema)' is not a plain name; use lowercase letters, digits and underscores, "
                            + "starting with a letter or underscore, not pg_, at most 63 characters (e.g. tiktok_ads).")
        }
        guard (1...65_535).contains(port) else {
            throw SyncError(.badInput, "The PostgreSQL port \(port) is not a TCP port (1-65535).")
        }
    }
}
