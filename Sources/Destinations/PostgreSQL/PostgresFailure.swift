import PostgresNIO
import SyncKit

/// PostgresNIO's errors as `SyncError`s that say what went wrong and what to do. `PSQLError` describes itself
/// generically on purpose; the server's SQLSTATE and message (which never hold the password) are what a user needs.
enum PostgresFailure {
    static func describe(_ error: any Error, doing action: String, in configuration: PostgresConfiguration) -> SyncError {
        if let known = SyncError.known(error) { return known }
        let server = "PostgreSQL server at \(configuration.host):\(configuration.port)"
        let user = configuration.user, database = configuration.database, schema = configuration.schema
        guard let error = error as? PSQLError else {
            return SyncError(.destination, "Could not \(action) on the \(server).", underlying: "\(error)")
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "no message"
            let detail = [error.serverInfo?[.detail], error.serverInfo?[.hint]].compactMap { $0 }.joined(separator: " ")
            let said = "\(message)\(detail.isEmpty ? "" : " (\(detail))") [SQLSTATE \(state)]"
            switch state {
            case "28P01", "28000":
                return SyncError(.destination, "The \(server) refused user \(user): \(said). Check the user and its password (in the URL, "
                                 + "destination.postgres.password_file or PGPASSWORD) and the server's pg_hba.conf.")
            case "3D000":
                return SyncError(.destination, "The \(server) has no database \(database): \(said). Create it (createdb \(database)) or name another in the URL.")
            case "42501":
                return SyncError(.destination, "User \(user) may not \(action) in database \(database): \(said). Ask its administrator for "
                                 + "GRANT CREATE ON DATABASE \(database) TO \(user) (or to create schema \(schema) and GRANT USAGE, CREATE ON SCHEMA "
                                 + "\(schema) TO \(user)), or pass --postgres-schema naming a schema this user may write.")
            case "53300":
                return SyncError(.destination, "The \(server) has no connection slot left: \(said). Close idle sessions or raise max_connections, then run again.")
            default:
                return SyncError(.destination, "PostgreSQL refused to \(action): \(said).")
            }
        case .sslUnsupported:
            return SyncError(.destination, "The \(server) does not offer TLS, which sslmode=\(configuration.sslMode.rawValue) requires. "
                             + "Enable ssl on the server, or use sslmode=disable on a network you trust.")
        case .authMechanismRequiresPassword:
            return SyncError(.destination, "The \(server) asks a password of user \(user) and none was given. Put it in the URL, "
                             + "destination.postgres.password_file or PGPASSWORD.")
        case .unsupportedAuthMechanism:
            return SyncError(.destination, "The \(server) asks user \(user) for an authentication method tiktok-ads does not speak; "
                             + "use scram-sha-256, md5 or password for it in pg_hba.conf.")
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .failedToAddSSLHandler:
            let cause = error.underlying.map { " (\($0))" } ?? ""
            return SyncError(.destination, "Could not \(action): cannot reach the \(server)\(cause). Check the host and port in "
                             + "--postgres-url and that the server is running and accepts TCP connections from this machine.")
        default:
            return SyncError(.destination, "Could not \(action) on the \(server) (\(error.code)).")
        }
    }
}
