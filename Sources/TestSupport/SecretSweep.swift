import Foundation
import Logging
import SyncKit

/// The suite-wide check that no secret leaks: a test that hands the tool a token, app secret, refresh token
/// or key registers it here, and after the test everything it captured (stdout, stderr, log lines, error
/// messages, every table it wrote) is scanned for each registered secret.
package struct SecretSweep: Sendable {
    /// The secrets to look for (values shorter than 6 characters are ignored: they would match by chance).
    package let secrets: [String]

    package init(_ secrets: [String?]) {
        self.secrets = secrets.compactMap { $0 }.filter { $0.count >= 6 }
    }

    /// Environment variables whose values are secrets (token, secret, key, password in the name).
    package init(environment: [String: String]) {
        let markers = ["TOKEN", "SECRET", "PASSWORD", "PRIVATE_KEY", "REFRESH"]
        self.init(environment.filter { name, _ in markers.contains { name.uppercased().contains($0) } }.map(\.value))
    }

    /// Where each secret appears in `captured` (name of the capture → text); empty when nothing leaked.
    package func leaks(in captured: [String: String]) -> [String] {
        var found: [String] = []
        for (place, text) in captured.sorted(by: { $0.key < $1.key }) {
            for (index, secret) in secrets.enumerated() where text.contains(secret) {
                found.append("secret #\(index + 1) (\(secret.prefix(3))…) appears in \(place)")
            }
        }
        return found
    }
}

/// A log handler that keeps every line (message and metadata) in memory, for `SecretSweep`.
package struct CapturingLogHandler: LogHandler {
    package let lines: Protected<[String]>
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    package init(lines: Protected<[String]>) { self.lines = lines }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = "\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
        lines.withLock { $0.append(line) }
    }

    /// A logger at `level` whose lines pass through the product's redaction, as `main` sets it up, into `lines`.
    package static func logger(_ lines: Protected<[String]>, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: "test") { _ in RedactingLogHandler(CapturingLogHandler(lines: lines)) }
        logger.logLevel = level
        return logger
    }
}
