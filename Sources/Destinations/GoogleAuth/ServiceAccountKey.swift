import Foundation

/// A service-account key file from IAM → Service accounts → Keys. Its description never shows the private key.
public struct ServiceAccountKey: Sendable, Decodable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var clientEmail: String
    public var privateKeyID: String?
    /// The PKCS#8 PEM private key. Never logged, never put in an error.
    public var privateKey: String
    public var projectID: String?
    /// Where the JWT is exchanged; `https://oauth2.googleapis.com/token` when the file does not say.
    public var tokenURI: String?

    enum CodingKeys: String, CodingKey {
        case clientEmail = "client_email", privateKeyID = "private_key_id", privateKey = "private_key"
        case projectID = "project_id", tokenURI = "token_uri"
    }

    public init(clientEmail: String, privateKeyID: String?, privateKey: String, projectID: String? = nil, tokenURI: String? = nil) {
        self.clientEmail = clientEmail
        self.privateKeyID = privateKeyID
        self.privateKey = privateKey
        self.projectID = projectID
        self.tokenURI = tokenURI
    }

    public var description: String { "service account \(clientEmail)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["clientEmail": clientEmail, "privateKey": "<redacted>"]) }
}
