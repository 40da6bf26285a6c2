import Foundation
import SyncKit

/// Where Google access tokens come from: a service-account key, a user's refresh token, or the metadata
/// server of the Google Cloud machine the tool runs on.
public enum GoogleCredentials: Sendable, CustomStringConvertible {
    case serviceAccount(ServiceAccountKey)
    case authorizedUser(AuthorizedUserCredentials)
    /// The GCE/GKE/Cloud Run metadata server's default service account.
    case metadataServer

    public var description: String {
        switch self {
        case .serviceAccount(let key): key.description
        case .authorizedUser(let user): user.description
        case .metadataServer: "the metadata server's service account"
        }
    }

    /// The project named by the credentials, if any (service-account keys carry one).
    public var projectID: String? {
        if case .serviceAccount(let key) = self { return key.projectID }
        return nil
    }

    /// Reads a credentials file (`service_account` or `authorized_user`). Errors name the file, never its contents.
    public static func load(file path: String) throws -> GoogleCredentials {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GoogleAuthError(.invalidCredentialsFile,
                "Cannot read the Google credentials file '\(path)'. Check the path and that this user may read it.")
        }
        return try parse(data, source: "'\(path)'")
    }

    /// Parses the JSON of a credentials file; `source` names it in errors.
    public static func parse(_ data: Data, source: String = "the Google credentials") throws -> GoogleCredentials {
        struct Kind: Decodable { var type: String? }
        let decoder = JSONDecoder()
        guard let kind = try? decoder.decode(Kind.self, from: data) else {
            throw GoogleAuthError(.invalidCredentialsFile,
                "\(source) is not JSON. Download a service-account key (IAM → Service accounts → Keys → JSON) or run `gcloud auth application-default login`.")
        }
        switch kind.type {
        case "service_account":
            guard let key = try? decoder.decode(ServiceAccountKey.self, from: data), !key.privateKey.isEmpty else {
                throw GoogleAuthError(.invalidCredentialsFile,
                    "\(source) is a service-account file without client_email or private_key. Download a new JSON key from IAM → Service accounts → Keys.")
            }
            SecretRedactor.register(key.privateKey)
            SecretRedactor.register(key.privateKeyID)
            return .serviceAccount(key)
        case "authorized_user":
            guard let user = try? decoder.decode(AuthorizedUserCredentials.self, from: data) else {
                throw GoogleAuthError(.invalidCredentialsFile,
                    "\(source) is an authorized_user file without client_id, client_secret or refresh_token. Run `gcloud auth application-default login` again.")
            }
            SecretRedactor.register(user.refreshToken)
            SecretRedactor.register(user.clientSecret)
            return .authorizedUser(user)
        default:
            throw GoogleAuthError(.invalidCredentialsFile,
                "\(source) has type '\(kind.type ?? "none")'; supported are service_account and authorized_user.")
        }
    }

    /// Application-default resolution: an explicit file, else `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's
    /// application-default file, else the metadata server (checked only when a token is first needed).
    public static func resolve(file: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GoogleCredentials {
        if let file, !file.isEmpty { return try load(file: file) }
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty { return try load(file: path) }
        if let path = gcloudFile(environment: environment), FileManager.default.fileExists(atPath: path) { return try load(file: path) }
        return .metadataServer
    }

    /// gcloud's application-default credentials file (`$CLOUDSDK_CONFIG` or `~/.config/gcloud`).
    public static func gcloudFile(environment: [String: String]) -> String? {
        let configDirectory = environment["CLOUDSDK_CONFIG"] ?? environment["HOME"].map { "\($0)/.config/gcloud" }
        return configDirectory.map { "\($0)/application_default_credentials.json" }
    }

    /// Where `resolve` looked before falling back to the metadata server, for the message when that fails too.
    public static func searchedBeforeMetadataServer(environment: [String: String]) -> String {
        let gcloud = gcloudFile(environment: environment).map { "gcloud's file \($0) (not found)" }
            ?? "gcloud's file (neither CLOUDSDK_CONFIG nor HOME is set)"
        return "a key file given by --google-credentials or the config's credentials (none given); GOOGLE_APPLICATION_CREDENTIALS (not set); \(gcloud)"
    }
}
