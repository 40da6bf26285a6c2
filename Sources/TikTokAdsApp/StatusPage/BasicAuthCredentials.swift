import Foundation
import SyncKit

/// The one user and password the status page asks for (`--metrics-basic-auth-file`: `user:password` on its first line).
/// The password is registered as a secret, so no log or message ever shows it.
public struct BasicAuthCredentials: Sendable {
    let user: String
    let password: String

    /// Reads the file; a missing file or a first line without `user:password` is bad input that says how to fix it.
    public static func load(path: String) throws -> BasicAuthCredentials {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.badInput, "--metrics-basic-auth-file \(path) cannot be read; create it with one line user:password (readable only by the service's user, e.g. chmod 600).")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let line = firstLine.hasSuffix("\r") ? firstLine.dropLast() : firstLine
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, line.index(after: colon) != line.endIndex else {
            throw SyncError(.badInput, "--metrics-basic-auth-file \(path) must hold user:password on its first line (a user and a password, both non-empty, separated by the first colon).")
        }
        let credentials = BasicAuthCredentials(user: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
        SecretRedactor.register(credentials.password)
        return credentials
    }

    /// Whether an `Authorization` header value carries exactly this user and password (compared in constant time).
    func accepts(_ header: String?) -> Bool {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic ",
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)) else { return false }
        return Self.constantTimeEqual(Array(decoded), Array("\(user):\(password)".utf8))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
