import Foundation
import SyncKit
import TikTokAds

/// The token `tiktok-ads auth login` saved: a JSON file only its owner may read (mode 0600), by default
/// `$XDG_CONFIG_HOME/tiktok-ads/credentials.json` (`~/.config/tiktok-ads/credentials.json`). `sync`, `check` and
/// `schedule` read it when neither a flag, the config file nor `TIKTOK_ACCESS_TOKEN` gives a token.
public struct CredentialsFile: Sendable {
    public let path: String

    /// What the file holds: one token, the app that issued it, the ad accounts it may access.
    public struct Contents: Codable, Sendable, Equatable {
        public var version = 1
        public var environment: APIEnvironment = .production
        /// Nil once revoked (the rest stays, so `auth status` can say what happened).
        public var accessToken: String?
        public var appID: String?
        public var advertiserIDs: [String] = []
        public var scope: [Int64] = []
        public var refreshToken: String?
        public var savedAt: Date
        /// `auth login` or `auth exchange`.
        public var savedBy: String
        public var revokedAt: Date?

        public init(grant: TokenGrant, appID: String, environment: APIEnvironment, savedAt: Date, savedBy: String) {
            self.environment = environment
            accessToken = grant.accessToken
            self.appID = appID
            advertiserIDs = grant.advertiserIDs
            scope = grant.scope
            refreshToken = grant.refreshToken
            self.savedAt = savedAt
            self.savedBy = savedBy
        }

        enum CodingKeys: String, CodingKey {
            case version, environment, accessToken = "access_token", appID = "app_id", advertiserIDs = "advertiser_ids"
            case scope, refreshToken = "refresh_token", savedAt = "saved_at", savedBy = "saved_by", revokedAt = "revoked_at"
        }
    }

    public init(path: String) { self.path = path }

    /// The file to use: `--credentials-file`, else `TIKTOK_CREDENTIALS_FILE`, else the XDG config directory.
    public static func locate(flag: String?, environment: [String: String]) -> CredentialsFile {
        if let flag, !flag.isEmpty { return CredentialsFile(path: flag) }
        if let path = environment["TIKTOK_CREDENTIALS_FILE"], !path.isEmpty { return CredentialsFile(path: path) }
        let base: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        }
        return CredentialsFile(path: base + "/tiktok-ads/credentials.json")
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The saved contents; nil when there is no file. A file others may read, or one that is not ours, is refused.
    public func read() throws -> Contents? {
        guard let info = try attributes() else { return nil }
        try checkPrivate(info)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "Cannot read the credentials file \(path). Check that your user owns it (`ls -l \(path)`).")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let contents = try decoder.decode(Contents.self, from: data)
            SecretRedactor.register(contents.accessToken)
            SecretRedactor.register(contents.refreshToken)
            return contents
        } catch {
            throw SyncError(.badInput, "The credentials file \(path) is not one `tiktok-ads auth login` wrote (\(Self.describe(error))). Move it away and run `tiktok-ads auth login` again.")
        }
    }

    /// Refuses a file whose mode lets others read or write it.
    func checkPrivate(_ info: [FileAttributeKey: Any]) throws {
        let mode = (info[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else {
            throw SyncError(.badInput, "The credentials file \(path) can be read by other users of this machine (mode \(String(mode, radix: 8))), and it holds your access token. Run `chmod 600 \(path)`; if others may have read it, revoke the token (`tiktok-ads auth revoke`) and run `tiktok-ads auth login` again.")
        }
        let owner = (info[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner == getuid() else {
            throw SyncError(.badInput, "The credentials file \(path) belongs to another user (uid \(owner.map(String.init) ?? "?")). Use your own (--credentials-file, or TIKTOK_CREDENTIALS_FILE).")
        }
    }

    /// The file's attributes, nil when there is no file (a path through a regular file counts as none too).
    func attributes() throws -> [FileAttributeKey: Any]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            // Through a symbolic link (a secret mounted elsewhere), the file it names is judged.
            return try FileManager.default.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath)
        } catch {
            throw SyncError(.badInput, "Cannot read the credentials file \(path): \(Self.describe(error)). Check its permissions, or pass another with --credentials-file.")
        }
    }

    /// Checks, before any authorisation starts, that `write` will succeed: the file, if there, is a private regular
    /// file of ours, and its directory exists (created with mode 0700 if missing) and takes a new file.
    public func checkWritable() throws {
        if let info = try attributes() {
            guard info[.type] as? FileAttributeType == .typeRegular else {
                throw SyncError(.badInput, "The credentials file \(path) is not a regular file. Pass a file path with --credentials-file (or TIKTOK_CREDENTIALS_FILE).")
            }
            try checkPrivate(info)
        }
        let directory = self.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SyncError(.badInput, "Cannot create the directory \(directory) for the credentials file: \(Self.describe(error)). Pass a file in a directory you own with --credentials-file (or TIKTOK_CREDENTIALS_FILE).")
        }
        let probe = directory + "/.tiktok-ads-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SyncError(.badInput, "Cannot write the credentials file \(path): \(String(cString: strerror(errno))) in \(directory). Pass a file in a directory you own with --credentials-file (or TIKTOK_CREDENTIALS_FILE).")
        }
        close(fd)
        unlink(probe)
    }

    var directory: String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// Replaces the file: written to a new file of mode 0600 beside it, flushed, then renamed over it, so a crash
    /// leaves the old file or the new one, never half of one. The directory is created with mode 0700.
    public func write(_ contents: Contents) throws {
        try checkWritable()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(contents) + Data("\n".utf8)
        do {
            try AtomicFile.write(String(decoding: data, as: UTF8.self), to: path, permissions: 0o600)
        } catch let error as SyncError {
            throw SyncError(.badInput, "Cannot write the credentials file \(path): \(error.message) Nothing was saved.")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            @unknown default: break
            }
        }
        return (error as NSError).localizedDescription
    }
}
