import Foundation

/// A user's OAuth refresh token, as gcloud's application-default credentials file keeps it
/// (`{"type":"authorized_user","client_id","client_secret","refresh_token"}`). Its description shows no secret.
public struct AuthorizedUserCredentials: Sendable, Decodable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var clientID: String
    public var clientSecret: String
    public var refreshToken: String
    public var tokenURI: String?

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id", clientSecret = "client_secret", refreshToken = "refresh_token", tokenURI = "token_uri"
    }

    public init(clientID: String, clientSecret: String, refreshToken: String, tokenURI: String? = nil) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
        self.tokenURI = tokenURI
    }

    public var description: String { "authorized user (client \(clientID))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["clientID": clientID, "secrets": "<redacted>"]) }
}
